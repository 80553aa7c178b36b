/**
 * Proofs run on every candidate key policy before it is written (and by `verify` on the live one).
 * They evaluate concrete and open-world requests with the evaluator of ./evaluate.ts:
 *
 * 1. lockout: every administrator (and the caller about to write) can still call
 *    kms:PutKeyPolicy, for certain. Fails with POLICY_LOCKOUT.
 * 2. attested access: the role can call kms:Decrypt and kms:GenerateDataKey from an enclave whose
 *    PCR8 is in the list. Fails with POLICY_ROLE_DENIED.
 * 3. attested only: the role can call none of the sensitive actions without an attestation, with
 *    another PCR8, or (unless the risk is accepted) from a debug-mode enclave. Fails with POLICY_BYPASS.
 * 4. no bypass: no statement, ours or foreign, lets any principal call a sensitive action without an
 *    attestation, also counting delegation to IAM policies (assumed to allow everything) and any
 *    compensating Deny. Fails with POLICY_BYPASS.
 *
 * "Cannot" is proven over an open world: every condition key a scenario does not pin may hold any
 * value, and whatever the evaluator does not understand may go either way. "Can" is proven on a
 * concrete request. So an unknown operator or a misspelled key in a statement that matters fails
 * the proof; it is never read as "no effect".
 */
import { CosignerError } from '../errors.js';
import { computePCR3 } from '../enclave/pcr.js';
import { accountOfPrincipal, accountRootArn, isAccountRootArn, parseKeyArn } from './arn.js';
import { attestationKey, isAttestationKey } from './condition-keys.js';
import { ATTESTATION_CAPABLE_ACTIONS, ROLE_ATTESTED_ACTIONS, SENSITIVE_ACTIONS, ZERO_MEASUREMENT } from './constants.js';
import { actionMatches, evaluateKeyPolicy, evaluateStatement, toList } from './evaluate.js';
import { lintPolicy } from './lint.js';
import { IAM_ALLOWS_ALL, involved, statementRef } from './proof-support.js';
import type { ContextValue, PolicyDocument, PolicyStatement, RequestContext, Undecided } from './types.js';

export interface KeyPolicyProofInput {
  /** The key the policy is for (its account and partition are used). */
  keyArn: string;
  roleArn: string;
  /** The PCR8 values the role's enclave may present. */
  pcr8: readonly string[];
  /** Administrators that must keep kms:PutKeyPolicy (account root ARN or IAM principal ARNs). */
  adminArns: readonly string[];
  /** The principal about to call PutKeyPolicy; it must keep the permission (AWS checks this too). */
  callerArn?: string;
  /**
   * `deny-required`: a debug-mode enclave that could use the key fails the proof (POLICY_BYPASS).
   * `accept-risk`: it is reported as a warning (the fireblocks-exact profile, or the hardening
   * switched off on purpose).
   * @default 'deny-required'
   */
  debugEnclave?: 'deny-required' | 'accept-risk';
}

export type ProofCheck = 'lockout' | 'attested-access' | 'no-attestation' | 'other-pcr8' | 'debug-enclave' | 'bypass' | 'unsupported' | 'admin-rewrite';
export type ProofCode = 'POLICY_LOCKOUT' | 'POLICY_BYPASS' | 'POLICY_ROLE_DENIED' | 'POLICY_UNSUPPORTED';

export interface ProofFinding {
  check: ProofCheck;
  severity: 'error' | 'warning' | 'info';
  /** The error code this finding refuses with (errors only). */
  code?: ProofCode;
  message: string;
  principal?: string;
  action?: string;
  /** The statements involved. */
  statements: { index: number; sid?: string }[];
  /** What the evaluator could not decide, when that is why the proof failed. */
  undecided?: Undecided[];
}

export interface ProofReport {
  ok: boolean;
  findings: ProofFinding[];
  /** How many requests were evaluated. */
  requests: number;
}

/** A principal that stands for "anyone else" in the key's account, and in a foreign account. */
const PROBE_ROLE = 'cosigner-cli-proof-probe';
const FOREIGN_ACCOUNT = '999999999999';
/** A measurement that is not zero and not any value a policy names (only used where that holds). */
const SAMPLE_MEASUREMENT = 'a5'.repeat(48);

function describeStatement(policy: PolicyDocument, index: number): string {
  const sid = policy.Statement[index]?.Sid;
  return sid === undefined || sid === '' ? `statement #${index}` : `statement ${JSON.stringify(sid)}`;
}

/** Every attestation key the policy mentions, plus the ones AWS documents. */
function attestationKeys(policy: PolicyDocument): string[] {
  const keys = new Set<string>([attestationKey('ImageSha384'), ...[0, 1, 2, 3, 4, 8].map((pcr) => attestationKey(pcr))]);
  for (const statement of policy.Statement) {
    for (const block of Object.values(statement.Condition ?? {})) {
      for (const key of Object.keys(block)) if (isAttestationKey(key)) keys.add(key);
    }
  }
  return [...keys];
}

function absent(keys: readonly string[]): Record<string, ContextValue> {
  return Object.fromEntries(keys.map((key) => [key, undefined]));
}

/** Could this statement's Action/NotAction match the action? */
function statementCoversAction(statement: PolicyStatement, action: string): boolean {
  if (statement.Action !== undefined) return toList(statement.Action).some((pattern) => actionMatches(pattern, action));
  return !toList(statement.NotAction).some((pattern) => actionMatches(pattern, action));
}

interface Probe {
  principalArn: string;
  principalAccount: string;
  /**
   * The probe stands for many principals: `account` = any principal of its account (its ARN is
   * open), `anyone` = any principal at all (ARN and account open).
   */
  stands?: 'account' | 'anyone';
}

/** Principals that a statement's Principal/NotPrincipal could let in, one representative each. */
function representativePrincipals(statement: PolicyStatement, keyAccount: string, partition: string): Probe[] {
  const probe = (account: string, stands: 'account' | 'anyone' = 'account'): Probe => ({ principalArn: `arn:${partition}:iam::${account}:role/${PROBE_ROLE}`, principalAccount: account, stands });
  const anyone = [probe(keyAccount, 'anyone'), probe(FOREIGN_ACCOUNT, 'anyone')];
  const block = statement.Principal;
  if (block === undefined) return anyone; // NotPrincipal, or no principal at all
  if (block === '*') return anyone;
  const probes: Probe[] = [];
  for (const [type, entries] of Object.entries(block)) {
    for (const entry of toList(entries as string | string[])) {
      if (type !== 'AWS') {
        probes.push({ principalArn: entry, principalAccount: keyAccount });
        continue;
      }
      if (entry === '*') {
        probes.push(...anyone);
        continue;
      }
      const account = accountOfPrincipal(entry);
      if (account === undefined) {
        probes.push({ principalArn: entry, principalAccount: keyAccount });
        continue;
      }
      if (/^\d{12}$/.test(entry) || isAccountRootArn(entry)) {
        // The account root user itself, and any IAM principal of the account (delegation).
        probes.push({ principalArn: accountRootArn(account, partition), principalAccount: account }, probe(account));
        continue;
      }
      if (entry.includes('*') || entry.includes('?')) {
        probes.push(probe(account));
        continue;
      }
      probes.push({ principalArn: entry, principalAccount: account });
    }
  }
  const seen = new Set<string>();
  return probes.filter((p) => (seen.has(p.principalArn) ? false : (seen.add(p.principalArn), true)));
}

/** A PCR8 value that is not in the list. */
function otherPCR8(pcr8: readonly string[]): string {
  for (const candidate of ['e'.repeat(96), 'f'.repeat(96), '1'.repeat(96)]) if (!pcr8.includes(candidate)) return candidate;
  /* c8 ignore next */
  return '2'.repeat(96);
}

/**
 * Run every proof on a candidate key policy. Pure. Use {@link assertKeyPolicyProofs} to refuse.
 */
export function proveKeyPolicy(policy: PolicyDocument, input: KeyPolicyProofInput): ProofReport {
  const findings: ProofFinding[] = [];
  let requests = 0;
  const key = parseKeyArn(input.keyArn);
  const partition = key?.partition ?? 'aws';
  const keyAccount = key?.accountId ?? accountOfPrincipal(input.roleArn) ?? '';
  const pcr8 = input.pcr8.map((value) => value.toLowerCase());
  const debugMode = input.debugEnclave ?? 'deny-required';
  const attestation = attestationKeys(policy);
  const roleAccount = accountOfPrincipal(input.roleArn) ?? keyAccount;
  const pcr3 = computePCR3(input.roleArn);

  const evaluate = (request: RequestContext, identity: PolicyDocument[]) => {
    requests += 1;
    return evaluateKeyPolicy(policy, request, identity);
  };
  const request = (probe: Probe, action: string, context: Record<string, ContextValue>, openWorld: boolean): RequestContext => {
    // A probe that stands for many principals leaves their identity keys open.
    const openKeys = probe.stands === 'anyone' ? ['aws:PrincipalArn', 'aws:PrincipalAccount', 'kms:CallerAccount'] : probe.stands === 'account' ? ['aws:PrincipalArn'] : [];
    return {
      principalArn: probe.principalArn,
      principalAccount: probe.principalAccount,
      action,
      resource: input.keyArn,
      // KMS is HTTPS only, and always sets kms:CallerAccount.
      context: { 'aws:SecureTransport': true, 'kms:CallerAccount': probe.principalAccount, ...context },
      openWorld,
      ...(openKeys.length > 0 ? { openKeys } : {}),
    };
  };

  // 0. Grammar the evaluator cannot read at all.
  for (const lint of lintPolicy(policy)) {
    if (lint.severity !== 'error') continue;
    findings.push({ check: 'unsupported', severity: 'error', code: 'POLICY_UNSUPPORTED', message: lint.message, statements: [statementRef(policy, lint.statement)] });
  }

  // 1. Lockout: each administrator (and the caller) keeps kms:PutKeyPolicy, for certain.
  const admins = new Map<string, Probe[]>();
  for (const admin of input.adminArns) {
    const account = accountOfPrincipal(admin) ?? keyAccount;
    const probes: Probe[] = /^\d{12}$/.test(admin) || isAccountRootArn(admin)
      ? [{ principalArn: accountRootArn(account, partition), principalAccount: account }, { principalArn: `arn:${partition}:iam::${account}:role/${PROBE_ROLE}`, principalAccount: account }]
      : [{ principalArn: admin, principalAccount: account }];
    admins.set(admin, probes);
  }
  if (input.callerArn !== undefined && !admins.has(input.callerArn)) {
    admins.set(input.callerArn, [{ principalArn: input.callerArn, principalAccount: accountOfPrincipal(input.callerArn) ?? keyAccount }]);
  }
  if (admins.size === 0) {
    findings.push({ check: 'lockout', severity: 'error', code: 'POLICY_LOCKOUT', message: 'no administrator is configured: nobody could change this key policy again', statements: [] });
  }
  for (const [admin, probes] of admins) {
    for (const probe of probes) {
      if (probe.principalAccount !== keyAccount) {
        findings.push({ check: 'lockout', severity: 'error', code: 'POLICY_LOCKOUT', principal: admin, action: 'kms:PutKeyPolicy', message: `${admin} is in another account; kms:PutKeyPolicy cannot be called across accounts`, statements: [] });
        continue;
      }
      const req = request(probe, 'kms:PutKeyPolicy', { ...absent(attestation), 'kms:BypassPolicyLockoutSafetyCheck': false }, true);
      const result = evaluate(req, [IAM_ALLOWS_ALL]);
      if (result.possibleDecisions.length === 1 && result.possibleDecisions[0] === 'Allow') continue;
      const denies = involved(policy, req, 'Deny');
      const who = probe.principalArn === admin ? admin : `${probe.principalArn} (standing for ${admin})`;
      const message = result.possibleDecisions.includes('ExplicitDeny')
        ? `${who} ${result.decision === 'ExplicitDeny' ? 'is' : 'may be'} denied kms:PutKeyPolicy by ${denies.map((i) => describeStatement(policy, i)).join(', ')}`
        : result.decision === 'Allow'
          ? `${who} may lose kms:PutKeyPolicy: the grant depends on something the evaluator cannot decide`
          : `no statement lets ${who} call kms:PutKeyPolicy`;
      findings.push({
        check: 'lockout',
        severity: 'error',
        code: 'POLICY_LOCKOUT',
        principal: admin,
        action: 'kms:PutKeyPolicy',
        message,
        statements: denies.map((i) => statementRef(policy, i)),
        ...(result.undecided.length > 0 ? { undecided: result.undecided } : {}),
      });
    }
  }

  const role: Probe = { principalArn: input.roleArn, principalAccount: roleAccount };

  // 2. The role can use the key from an attested enclave with each accepted PCR8.
  for (const value of pcr8) {
    for (const action of ROLE_ATTESTED_ACTIONS) {
      const context: Record<string, ContextValue> = {
        ...absent(attestation),
        [attestationKey('ImageSha384')]: SAMPLE_MEASUREMENT,
        [attestationKey(0)]: SAMPLE_MEASUREMENT,
        [attestationKey(1)]: SAMPLE_MEASUREMENT,
        [attestationKey(2)]: SAMPLE_MEASUREMENT,
        [attestationKey(3)]: pcr3,
        [attestationKey(8)]: value,
      };
      const result = evaluate(request(role, action, context, false), []);
      if (result.decision === 'Allow' && result.certain) continue;
      findings.push({
        check: 'attested-access',
        severity: result.decision === 'Allow' ? 'warning' : 'error',
        ...(result.decision === 'Allow' ? {} : { code: 'POLICY_ROLE_DENIED' as const }),
        principal: input.roleArn,
        action,
        message: result.decision === 'Allow'
          ? `the role's ${action} with PCR8 ${value.slice(0, 12)}… depends on something the evaluator cannot decide`
          : `the role could not call ${action} from an enclave with PCR8 ${value.slice(0, 12)}… (${result.decision}); the co-signer would lose access to its key`,
        statements: result.matchedStatements.map((i) => statementRef(policy, i)),
        ...(result.undecided.length > 0 ? { undecided: result.undecided } : {}),
      });
    }
  }

  // 3. The role cannot use the key without attestation, with another PCR8, or from a debug enclave.
  const negative = (check: ProofCheck, action: string, context: Record<string, ContextValue>, what: string, severity: 'error' | 'warning' = 'error') => {
    const req = request(role, action, context, true);
    const result = evaluate(req, [IAM_ALLOWS_ALL]);
    if (!result.possibleDecisions.includes('Allow')) return;
    const allows = involved(policy, req, 'Allow');
    findings.push({
      check,
      severity,
      ...(severity === 'error' ? { code: 'POLICY_BYPASS' as const } : {}),
      principal: input.roleArn,
      action,
      message: `the role ${result.decision === 'Allow' ? 'can' : 'may be able to'} call ${action} ${what} (through ${allows.map((i) => describeStatement(policy, i)).join(', ') || 'IAM delegation'})`,
      statements: allows.map((i) => statementRef(policy, i)),
      ...(result.undecided.length > 0 ? { undecided: result.undecided } : {}),
    });
  };
  for (const action of SENSITIVE_ACTIONS) negative('no-attestation', action, absent(attestation), 'without an enclave attestation');
  const other = otherPCR8(pcr8);
  const attestedSensitive = SENSITIVE_ACTIONS.filter((action) => ATTESTATION_CAPABLE_ACTIONS.includes(action));
  for (const action of attestedSensitive) negative('other-pcr8', action, { [attestationKey(8)]: other }, 'from an enclave with a PCR8 that is not in the list');
  const zeros = { [attestationKey('ImageSha384')]: ZERO_MEASUREMENT, [attestationKey(0)]: ZERO_MEASUREMENT, [attestationKey(1)]: ZERO_MEASUREMENT, [attestationKey(2)]: ZERO_MEASUREMENT };
  const before = findings.length;
  for (const value of pcr8) {
    for (const action of attestedSensitive) {
      negative('debug-enclave', action, { ...zeros, [attestationKey(3)]: pcr3, [attestationKey(8)]: value }, 'from a debug-mode enclave (ImageSha384 all zeros) signed with an accepted PCR8', debugMode === 'deny-required' ? 'error' : 'warning');
    }
  }
  if (debugMode === 'accept-risk' && findings.length > before) {
    // One warning is enough to say it; keep the first and drop the repetitions.
    findings.splice(before + 1);
    const first = findings[before];
    if (first !== undefined) first.message += ' — accepted: whether PCR8 survives debug mode is unconfirmed; the hardened profile denies it';
  }

  // 4. No statement lets anyone use a sensitive action without attestation.
  const reported = new Set<string>();
  policy.Statement.forEach((statement, index) => {
    if (statement.Effect !== 'Allow') return;
    const actions = SENSITIVE_ACTIONS.filter((action) => statementCoversAction(statement, action));
    if (actions.length === 0) return;
    for (const probe of representativePrincipals(statement, keyAccount, partition)) {
      for (const action of actions) {
        const req = request(probe, action, absent(attestation), true);
        if (evaluateStatement(statement, req, index).applies === false) continue;
        const result = evaluate(req, [IAM_ALLOWS_ALL]);
        if (!result.possibleDecisions.includes('Allow')) continue;
        const id = `${index}|${probe.stands === 'anyone' ? '*' : probe.principalArn}`;
        if (reported.has(id)) continue;
        reported.add(id);
        const principal = probe.stands === 'anyone' ? 'any principal' : probe.stands === 'account' ? `any principal in account ${probe.principalAccount}` : probe.principalArn;
        const delegated = result.allowedBy === 'delegation' || (statement.Principal !== undefined && statement.Principal !== '*' && toList(statement.Principal.AWS).some((p) => /^\d{12}$/.test(p) || isAccountRootArn(p)));
        findings.push({
          check: 'bypass',
          severity: 'error',
          code: 'POLICY_BYPASS',
          principal,
          action,
          message: `${describeStatement(policy, index)} ${result.decision === 'Allow' ? 'lets' : 'may let'} ${principal} call ${action} without an enclave attestation${delegated ? ' (through IAM policies of the account)' : ''}`,
          statements: [statementRef(policy, index)],
          ...(result.undecided.length > 0 ? { undecided: result.undecided } : {}),
        });
      }
    }
  });

  // Administrators can rewrite the policy: inherent, stated once.
  if (admins.size > 0) {
    findings.push({ check: 'admin-rewrite', severity: 'info', message: `administrators (${[...input.adminArns].join(', ')}) can replace this key policy; guard kms:PutKeyPolicy in IAM accordingly`, statements: [] });
  }

  return { ok: !findings.some((finding) => finding.severity === 'error'), findings, requests };
}

const CODE_ORDER: ProofCode[] = ['POLICY_LOCKOUT', 'POLICY_BYPASS', 'POLICY_UNSUPPORTED', 'POLICY_ROLE_DENIED'];

const HINTS: Record<ProofCode, string> = {
  POLICY_LOCKOUT: 'keep an administrator statement that grants kms:PutKeyPolicy (the account root by default) and remove any Deny that could hit it',
  POLICY_BYPASS: 'remove or restrict the statements listed (e.g. attest --remove-statement <Sid>) so that sensitive KMS actions always require an enclave attestation',
  POLICY_UNSUPPORTED: 'rewrite the statement with standard IAM condition operators and principals; cosigner-cli refuses what it cannot prove',
  POLICY_ROLE_DENIED: 'check the PCR8 list and any Deny statements that hit the co-signer role',
};

/** Throw the most important failed proof as a coded error, with every finding in its context. */
export function assertKeyPolicyProofs(report: ProofReport): void {
  if (report.ok) return;
  const errors = report.findings.filter((finding) => finding.severity === 'error');
  const code = CODE_ORDER.find((candidate) => errors.some((finding) => finding.code === candidate)) ?? 'POLICY_BYPASS';
  const first = errors.find((finding) => finding.code === code);
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more finding${errors.length > 2 ? 's' : ''})` : '';
  throw new CosignerError(code, `refusing this key policy: ${first?.message ?? 'a proof failed'}${more}`, {
    hint: HINTS[code],
    context: { findings: errors },
  });
}

export { proveBucketPolicy, type BucketPolicyProofInput } from './bucket-proofs.js';
