/**
 * The live key policy, proved with the same engine that guards `attest` and `provision`
 * (src/policy): `proveKeyPolicy` runs the named invariants (attested-only data access, the debug
 * guard, key control for administrators only, no lockout, the role's own access), and the
 * statement-shape readings and the evaluator answer the questions the catalogue asks that the
 * proofs do not split out (an attestation pin of any kind, the PCR8 values admitted, a principal of
 * another account). Every problem names the offending statement; a failing statement comes with a
 * witness request the evaluator allows. Pure.
 */
import { attestationKey, isAttestationKey } from '../policy/condition-keys.js';
import { KEY_CONTROL_ACTIONS, KEY_DATA_ACTIONS } from '../policy/constants.js';
import { evaluateKeyPolicy, evaluateStatement } from '../policy/evaluate.js';
import { IAM_ALLOWS_ALL } from '../policy/proof-support.js';
import { toList } from '../policy/parse.js';
import { proveKeyPolicy, type ProofFinding, type ProofReport } from '../policy/proofs.js';
import { coveredActions, pinningClauses, principalEntries } from '../policy/statement-shape.js';
import type { ContextValue, PolicyDocument, PolicyStatement, RequestContext } from '../policy/types.js';

/** The data operations the catalogue names for `kms_key_enclave_attestation_not_enforced`. */
const PLAINTEXT_ACTIONS: readonly string[] = [
  'kms:Decrypt',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyPair',
  'kms:DeriveSharedSecret',
];
const REENCRYPT_ACTIONS: readonly string[] = ['kms:ReEncryptFrom', 'kms:ReEncryptTo'];
/** Control operations that lead to the plaintext (a grant, a new policy, material of one's own). */
export const PLAINTEXT_CONTROL_ACTIONS: readonly string[] = [
  'kms:CreateGrant',
  'kms:PutKeyPolicy',
  'kms:ImportKeyMaterial',
];
/** Every KMS operation a key policy statement can name (for "which actions does it cover"). */
const KEY_ACTIONS: readonly string[] = [
  ...KEY_DATA_ACTIONS,
  ...KEY_CONTROL_ACTIONS,
  'kms:Encrypt',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:GenerateDataKeyPairWithoutPlaintext',
  'kms:DescribeKey',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListGrants',
  'kms:CreateAlias',
  'kms:TagResource',
];

/** A principal of no account the deployment knows: what "anyone" means in a witness request. */
export const OUTSIDER_ACCOUNT = '999999999999';
const OUTSIDER = `arn:aws:iam::${OUTSIDER_ACCOUNT}:role/anyone`;

const PCR8_KEY = attestationKey(8).toLowerCase();

/** Keys that name the caller: left open when a request stands for "any principal". */
export const PRINCIPAL_KEYS: readonly string[] = [
  'aws:PrincipalArn',
  'aws:PrincipalAccount',
  'aws:PrincipalOrgID',
  'aws:PrincipalType',
  'aws:userid',
  'aws:username',
  'kms:CallerAccount',
];

/**
 * Does the statement's condition restrict it to principals of this account, for every request?
 * Only a positive pin counts: `StringEquals`/`StringEqualsIgnoreCase` of `aws:PrincipalAccount` or
 * `kms:CallerAccount` to this account alone, or `ArnEquals`/`ArnLike`/`StringEquals`/`StringLike`
 * of `aws:PrincipalArn` to ARNs of this account alone (no wildcard in the account field). Any
 * other condition (an organization, a VPC endpoint, a PCR) leaves principals of other accounts in.
 */
export function restrictedToAccount(statement: PolicyStatement, accountId: string): boolean {
  const accountPins = ['aws:PrincipalAccount', 'kms:CallerAccount'].some((key) =>
    pinningClauses(statement, key).some((values) => values.every((value) => value === accountId)),
  );
  if (accountPins) return true;
  return Object.entries(statement.Condition ?? {}).some(
    ([operator, block]) =>
      ['arnequals', 'arnlike', 'stringequals', 'stringlike'].includes(operator.toLowerCase()) &&
      Object.entries(block).some(([key, raw]) => {
        if (key.toLowerCase() !== 'aws:principalarn') return false;
        const values = Array.isArray(raw) ? raw : [raw];
        return (
          values.length > 0 && values.every((value) => typeof value === 'string' && value.split(':')[4] === accountId)
        );
      }),
  );
}

export interface KeyPolicyProofInput {
  keyArn: string;
  accountId: string;
  roleArn: string;
  expectedPcr8: readonly string[];
  adminArns: readonly string[];
  debugEnclaveAccepted: boolean;
}

export interface StatementProblem {
  index: number;
  sid?: string;
  actions: string[];
  why: string;
  /** A request the evaluator allows (or may allow) because of this statement. */
  witness?: { principal: string; action: string; attested: boolean; decisions: string[] };
}

export interface KeyPolicyAnalysis {
  report: ProofReport;
  /** Allows of Decrypt, GenerateDataKey(Pair) or DeriveSharedSecret that need no attestation document. */
  unattested: StatementProblem[];
  /** Such Allows that a Deny with Principal "*" takes away from every request without attestation. */
  compensated: StatementProblem[];
  /** Allows of ReEncrypt* without an attestation pin. */
  reencrypt: StatementProblem[];
  /** PCR8 values the policy admits for the data operations (through StringEquals/IgnoreCase pins). */
  admittedPcr8: string[];
  /** Allows of data operations whose PCR8 is unpinned, or tested with another operator. */
  pcr8Shape: StatementProblem[];
  /** Allows open to principals of every account (Principal "*" or NotPrincipal) with no account restriction. */
  publicAllows: StatementProblem[];
  /** The attested Allows (data operations with a PCR8 pin) and the principals they name. */
  attestedStatements: { index: number; sid?: string; principals: string[] | '*' | 'not' | 'none' }[];
  findings: (check: ProofFinding['check']) => ProofFinding[];
}

function sidOf(statement: PolicyStatement): { sid?: string } {
  return statement.Sid === undefined ? {} : { sid: statement.Sid };
}

/** Attestation keys the policy names (any spelling) and the documented ones, all absent. */
function noAttestation(policy: PolicyDocument): Record<string, ContextValue> {
  const keys = new Set([attestationKey('ImageSha384'), ...[0, 1, 2, 3, 4, 8].map((i) => attestationKey(i))]);
  for (const statement of policy.Statement)
    for (const block of Object.values(statement.Condition ?? {}))
      for (const key of Object.keys(block)) if (isAttestationKey(key)) keys.add(key);
  return Object.fromEntries([...keys].map((key) => [key.toLowerCase(), undefined]));
}

/** Does the statement pin some attestation key to values, for every request it applies to? */
function pinsAttestation(statement: PolicyStatement): boolean {
  const keys = new Set<string>();
  for (const block of Object.values(statement.Condition ?? {}))
    for (const key of Object.keys(block)) if (isAttestationKey(key)) keys.add(key);
  return [...keys].some((key) => pinningClauses(statement, key).length > 0);
}

/** The first principal a statement names, as a witness caller (an outsider for "*" and NotPrincipal). */
function witnessPrincipal(statement: PolicyStatement, accountId: string): { arn: string; account: string } {
  const entries = principalEntries(statement);
  if (Array.isArray(entries)) {
    const aws = entries.find((e) => e.type === 'AWS');
    if (aws !== undefined) {
      const account = /^\d{12}$/.test(aws.value) ? aws.value : (aws.value.split(':')[4] ?? accountId);
      const arn = /^\d{12}$/.test(aws.value) ? `arn:aws:iam::${aws.value}:root` : aws.value;
      return { arn, account: account === '' ? accountId : account };
    }
  }
  return { arn: OUTSIDER, account: OUTSIDER_ACCOUNT };
}

function request(
  policy: PolicyDocument,
  keyArn: string,
  principal: { arn: string; account: string },
  action: string,
): RequestContext {
  return {
    principalArn: principal.arn,
    principalAccount: principal.account,
    action,
    resource: keyArn,
    context: { ...noAttestation(policy), 'aws:SecureTransport': true, 'kms:CallerAccount': principal.account },
    openWorld: true,
  };
}

/** The values a PCR8 pin admits: the intersection of the statement's PCR8 clauses. */
function pinnedPcr8(statement: PolicyStatement): string[] | undefined {
  const clauses = pinningClauses(statement, PCR8_KEY).map((values) => values.map((v) => v.toLowerCase()));
  if (clauses.length === 0) return undefined;
  return (clauses[0] as string[]).filter((value) => clauses.every((clause) => clause.includes(value)));
}

export function analyseKeyPolicy(policy: PolicyDocument, input: KeyPolicyProofInput): KeyPolicyAnalysis {
  const report = proveKeyPolicy(policy, {
    keyArn: input.keyArn,
    roleArn: input.roleArn,
    pcr8: input.expectedPcr8,
    adminArns: input.adminArns,
    debugEnclave: input.debugEnclaveAccepted ? 'accept-risk' : 'deny-required',
  });
  const analysis: KeyPolicyAnalysis = {
    report,
    unattested: [],
    compensated: [],
    reencrypt: [],
    admittedPcr8: [],
    pcr8Shape: [],
    publicAllows: [],
    attestedStatements: [],
    findings: (check) => report.findings.filter((finding) => finding.check === check),
  };
  const admitted = new Set<string>();
  policy.Statement.forEach((statement, index) => {
    if (statement.Effect !== 'Allow') return;
    const data = coveredActions(statement, PLAINTEXT_ACTIONS);
    if (data.length > 0) {
      if (!pinsAttestation(statement)) {
        const principal = witnessPrincipal(statement, input.accountId);
        const action = data[0] as string;
        const probe = request(policy, input.keyArn, principal, action);
        const result = evaluateKeyPolicy(policy, probe, [IAM_ALLOWS_ALL]);
        const problem: StatementProblem = {
          index,
          ...sidOf(statement),
          actions: data,
          why: 'allows the data operations without a StringEquals/StringEqualsIgnoreCase condition on a kms:RecipientAttestation key, so a request without an attestation document can match it',
          witness: { principal: principal.arn, action, attested: false, decisions: result.possibleDecisions },
        };
        // A Deny with Principal "*" that applies, for certain, to every request without attestation
        // for each of these actions, whoever calls (the caller's keys are left open).
        const denies = new Set<number>();
        const compensated = data.every((covered) => {
          const anyone = { ...request(policy, input.keyArn, principal, covered), openKeys: PRINCIPAL_KEYS };
          delete anyone.context['kms:CallerAccount'];
          const found = policy.Statement.flatMap((deny, i) =>
            deny.Effect === 'Deny' &&
            principalEntries(deny) === '*' &&
            evaluateStatement(deny, anyone, i).applies === true
              ? [i]
              : [],
          );
          for (const i of found) denies.add(i);
          return found.length > 0;
        });
        if (compensated && !result.possibleDecisions.includes('Allow'))
          analysis.compensated.push({
            ...problem,
            why: `${problem.why}; a Deny with Principal "*" (${[...denies].map((i) => `#${i}`).join(', ')}) takes it away from every such request`,
          });
        else analysis.unattested.push(problem);
      }
      const values = pinnedPcr8(statement);
      const weak = Object.entries(statement.Condition ?? {}).flatMap(([operator, block]) =>
        Object.keys(block).some((key) => key.toLowerCase() === PCR8_KEY) &&
        !['stringequals', 'stringequalsignorecase'].includes(operator.toLowerCase())
          ? [operator]
          : [],
      );
      // An Allow with no attestation pin at all is the not-enforced check's; one pinned on another
      // measurement but not on PCR8 admits any signer.
      if (values === undefined && pinsAttestation(statement))
        analysis.pcr8Shape.push({
          index,
          ...sidOf(statement),
          actions: data,
          why: 'does not pin kms:RecipientAttestation:PCR8 with StringEquals/StringEqualsIgnoreCase',
        });
      else if (values !== undefined) {
        for (const value of values) admitted.add(value);
        analysis.attestedStatements.push({ index, ...sidOf(statement), principals: principalsOf(statement) });
      }
      if (weak.length > 0)
        analysis.pcr8Shape.push({
          index,
          ...sidOf(statement),
          actions: data,
          why: `tests kms:RecipientAttestation:PCR8 with ${weak.join(', ')}: a pattern, IfExists, negated or set operator admits values nobody listed`,
        });
    }
    const reencrypt = coveredActions(statement, REENCRYPT_ACTIONS);
    if (reencrypt.length > 0 && !pinsAttestation(statement))
      analysis.reencrypt.push({
        index,
        ...sidOf(statement),
        actions: reencrypt,
        why: 'allows ReEncrypt without an attestation pin: the ciphertext can be moved under a key the caller controls',
      });
    const entries = principalEntries(statement);
    if ((entries === '*' || entries === 'not') && !restrictedToAccount(statement, input.accountId)) {
      const covered = coveredActions(statement, KEY_ACTIONS);
      analysis.publicAllows.push({
        index,
        ...sidOf(statement),
        actions: covered.length > 0 ? covered : toList(statement.Action ?? statement.NotAction),
        why:
          entries === '*'
            ? 'allows Principal "*" and no condition restricts it to this account'
            : 'allows every principal NotPrincipal does not list, in every account',
        witness: { principal: OUTSIDER, action: covered[0] ?? 'kms:DescribeKey', attested: true, decisions: ['Allow'] },
      });
    }
  });
  analysis.admittedPcr8 = [...admitted];
  return analysis;
}

function principalsOf(statement: PolicyStatement): string[] | '*' | 'not' | 'none' {
  const entries = principalEntries(statement);
  return Array.isArray(entries) ? entries.map((e) => (e.type === 'AWS' ? e.value : `${e.type}:${e.value}`)) : entries;
}
