/**
 * The key-policy invariants, one function each. The "nobody else" invariants (attested-only data
 * access, key control, the debug guard) are read from the statements' text, so they hold for every
 * principal, every PCR8 value and every request, not for sampled ones: a statement passes only
 * when its shape alone guarantees the property, and anything else is refused. The "somebody can"
 * invariants (no lockout, the role's own access) evaluate concrete requests, with every condition
 * key they do not pin left open, so a Deny that could apply for some value counts as applying.
 */
import { computePCR3 } from '../enclave/pcr.js';
import { accountOfPrincipal, accountRootArn, isAccountRootArn } from './arn.js';
import { attestationKey, isAttestationKey } from './condition-keys.js';
import {
  ATTESTED_DATA_ACTIONS,
  KEY_CONTROL_ACTIONS,
  KEY_DATA_ACTIONS,
  ROLE_ATTESTED_ACTIONS,
  ZERO_MEASUREMENT,
} from './constants.js';
import { evaluateKeyPolicy } from './evaluate.js';
import { inertActionsFor } from './inert-actions.js';
import { lintPolicy } from './lint.js';
import { IAM_ALLOWS_ALL, involved, statementRef } from './proof-support.js';
import type { ProofFinding } from './proofs.js';
import {
  coveredActions,
  describeStatement,
  isAccountPrincipal,
  pinningClauses,
  principalEntries,
} from './statement-shape.js';
import { arnMatches } from './match.js';
import { toList } from './parse.js';
import type { ContextValue, PolicyDocument, PolicyStatement, RequestContext } from './types.js';

/** Everything a step needs, resolved once. */
export interface KeyProofContext {
  policy: PolicyDocument;
  keyArn: string;
  keyAccount: string;
  partition: string;
  roleArn: string;
  /** Accepted PCR8 values, lower case. */
  pcr8: readonly string[];
  adminArns: readonly string[];
  callerArn?: string;
  debugEnclave: 'deny-required' | 'accept-risk';
  /** Concrete requests evaluated so far (reported). */
  requests: number;
}

const PCR8_KEY = attestationKey(8);
const IMAGE_KEY = attestationKey('ImageSha384');
/** A measurement that is not zero (the role-access request's PCR0/1/2). */
const SAMPLE_MEASUREMENT = 'a5'.repeat(48);

function each(
  policy: PolicyDocument,
  effect: 'Allow' | 'Deny',
  visit: (statement: PolicyStatement, index: number) => void,
): void {
  policy.Statement.forEach((statement, index) => {
    if (statement.Effect === effect) visit(statement, index);
  });
}

function short(values: readonly string[]): string {
  return values.map((value) => (value.length > 16 ? `${value.slice(0, 12)}…` : JSON.stringify(value))).join(', ');
}

/** Grammar the proofs cannot read (unknown operators, misspelled keys, policy variables): refused. */
export function grammarStep(ctx: KeyProofContext): ProofFinding[] {
  return lintPolicy(ctx.policy)
    .filter((lint) => lint.severity === 'error')
    .map((lint) => ({
      check: 'unsupported',
      severity: 'error',
      code: 'POLICY_UNSUPPORTED',
      message: lint.message,
      statements: [statementRef(ctx.policy, lint.statement)],
    }));
}

/** An Allow with NotPrincipal grants everyone it does not list, every other account included. */
export function notPrincipalStep(ctx: KeyProofContext): ProofFinding[] {
  const findings: ProofFinding[] = [];
  each(ctx.policy, 'Allow', (statement, index) => {
    if (statement.NotPrincipal === undefined) return;
    findings.push({
      check: 'not-principal',
      severity: 'error',
      code: 'POLICY_BYPASS',
      principal: 'every principal not listed',
      message: `${describeStatement(statement, index)} is an Allow with NotPrincipal: it grants every principal it does not list, in every account`,
      statements: [statementRef(ctx.policy, index)],
    });
  });
  return findings;
}

/**
 * Invariant 1: every Allow that covers a data action carries a positive PCR8 pin whose values are
 * all accepted values, and names the co-signer role and nobody else.
 */
export function attestedOnlyStep(ctx: KeyProofContext): ProofFinding[] {
  const findings: ProofFinding[] = [];
  const accepted = new Set(ctx.pcr8);
  each(ctx.policy, 'Allow', (statement, index) => {
    const actions = coveredActions(statement, KEY_DATA_ACTIONS);
    if (actions.length === 0) return;
    const where = describeStatement(statement, index);
    const ref = [statementRef(ctx.policy, index)];
    const clauses = pinningClauses(statement, PCR8_KEY);
    const bounded = clauses.some((values) => values.every((value) => accepted.has(value.toLowerCase())));
    if (!bounded) {
      const foreign = clauses.flat().filter((value) => !accepted.has(value.toLowerCase()));
      const why =
        clauses.length === 0
          ? `without a StringEquals/StringEqualsIgnoreCase condition on ${PCR8_KEY}`
          : `with a PCR8 condition that admits values not configured (${short(foreign)})`;
      findings.push({
        check: 'attested-only',
        severity: 'error',
        code: 'POLICY_BYPASS',
        action: actions.join(', '),
        message: `${where} allows ${actions.join(', ')} ${why}: an enclave signed with another certificate, or no enclave at all, could get the key's plaintext`,
        statements: ref,
      });
    }
    const principals = principalEntries(statement);
    const onlyRole =
      Array.isArray(principals) &&
      principals.length > 0 &&
      principals.every((entry) => entry.type === 'AWS' && entry.value === ctx.roleArn);
    if (!onlyRole) {
      const who =
        principals === '*'
          ? '"*"'
          : principals === 'not'
            ? 'a NotPrincipal'
            : principals === 'none'
              ? 'no principal'
              : principals
                  .filter((e) => e.type !== 'AWS' || e.value !== ctx.roleArn)
                  .map((e) => e.value)
                  .join(', ');
      findings.push({
        check: 'attested-only',
        severity: 'error',
        code: 'POLICY_BYPASS',
        principal: who,
        action: actions.join(', '),
        message: `${where} allows ${actions.join(', ')} to ${who}: only the co-signer role ${ctx.roleArn} may use the key's data operations`,
        statements: ref,
      });
    }
  });
  return findings;
}

/**
 * A Deny that takes every attested data action away from a debug-mode enclave, whoever calls:
 * Principal "*", no NotResource, a Resource that covers the key, and a condition that is exactly
 * ImageSha384 equal to the all-zero measurement (any other clause could make it not apply).
 */
function debugDenyCovers(statement: PolicyStatement, keyArn: string): string[] {
  if (statement.Effect !== 'Deny' || principalEntries(statement) !== '*' || statement.NotResource !== undefined)
    return [];
  if (
    statement.Resource !== undefined &&
    !toList(statement.Resource).some((pattern) => !pattern.includes('${') && arnMatches(pattern, keyArn))
  )
    return [];
  const condition = statement.Condition ?? {};
  const clauses = Object.entries(condition).flatMap(([operator, block]) =>
    Object.entries(block).map(([key, values]) => ({ operator, key, values })),
  );
  if (clauses.length !== 1) return [];
  const [clause] = clauses;
  if (
    clause === undefined ||
    !['StringEquals', 'StringEqualsIgnoreCase'].includes(clause.operator) ||
    clause.key.toLowerCase() !== IMAGE_KEY.toLowerCase()
  )
    return [];
  const values = Array.isArray(clause.values) ? clause.values : [clause.values];
  if (!values.includes(ZERO_MEASUREMENT)) return [];
  return coveredActions(statement, ATTESTED_DATA_ACTIONS);
}

/** The debug guard: a debug-mode enclave (ImageSha384 all zeros) is denied every attested data action. */
export function debugGuardStep(ctx: KeyProofContext): ProofFinding[] {
  const covered = new Set(ctx.policy.Statement.flatMap((statement) => debugDenyCovers(statement, ctx.keyArn)));
  const missing = ATTESTED_DATA_ACTIONS.filter((action) => !covered.has(action));
  if (missing.length === 0) return [];
  const required = ctx.debugEnclave === 'deny-required';
  return [
    {
      check: 'debug-enclave',
      severity: required ? 'error' : 'warning',
      ...(required ? { code: 'POLICY_BYPASS' as const } : {}),
      action: missing.join(', '),
      message: `no Deny takes ${missing.join(', ')} away from a debug-mode enclave (ImageSha384 all zeros)${required ? '' : ' — accepted: whether PCR8 survives debug mode is unconfirmed; the hardened profile denies it'}`,
      statements: [],
    },
  ];
}

/** Invariant 2: the operations that control the key are allowed to the administrators and the account only. */
export function keyControlStep(ctx: KeyProofContext): ProofFinding[] {
  const findings: ProofFinding[] = [];
  const admins = new Set(ctx.adminArns);
  if (admins.has(ctx.roleArn)) {
    findings.push({
      check: 'key-control',
      severity: 'error',
      code: 'POLICY_KEY_CONTROL',
      principal: ctx.roleArn,
      message: `the co-signer role ${ctx.roleArn} is configured as a key administrator: root on the host could rewrite the key policy and then decrypt`,
      statements: [],
    });
  }
  each(ctx.policy, 'Allow', (statement, index) => {
    const actions = coveredActions(statement, KEY_CONTROL_ACTIONS);
    if (actions.length === 0) return;
    const principals = principalEntries(statement);
    let outsiders: string[];
    if (principals === '*') outsiders = ['"*"'];
    else if (principals === 'not') outsiders = ['a NotPrincipal'];
    else if (principals === 'none') outsiders = ['no principal'];
    else
      outsiders = principals
        .filter(
          (e) =>
            e.type !== 'AWS' ||
            e.value === ctx.roleArn ||
            !(admins.has(e.value) || isAccountPrincipal(e.value, ctx.keyAccount)),
        )
        .map((e) => e.value);
    if (outsiders.length === 0) return;
    findings.push({
      check: 'key-control',
      severity: 'error',
      code: 'POLICY_KEY_CONTROL',
      principal: outsiders.join(', '),
      action: actions.join(', '),
      message: `${describeStatement(statement, index)} allows ${actions.join(', ')} to ${outsiders.join(', ')}: only the key administrators (${[...admins].join(', ')}) and the account may control the key`,
      statements: [statementRef(ctx.policy, index)],
    });
  });
  return findings;
}

/**
 * Every attestation key the policy names (any spelling) and the documented ones, as absent. Keys are
 * case-insensitive, so they are given in lower case: a value set afterwards under the same key in
 * lower case replaces the absence whatever spelling the policy used.
 */
function absentAttestation(policy: PolicyDocument): Record<string, ContextValue> {
  const keys = new Set<string>(
    [IMAGE_KEY, ...[0, 1, 2, 3, 4, 8].map((pcr) => attestationKey(pcr))].map((key) => key.toLowerCase()),
  );
  for (const statement of policy.Statement) {
    for (const block of Object.values(statement.Condition ?? {}))
      for (const key of Object.keys(block)) if (isAttestationKey(key)) keys.add(key.toLowerCase());
  }
  return Object.fromEntries([...keys].map((key) => [key, undefined]));
}

/** Attestation values for a context, under lower-case keys (see {@link absentAttestation}). */
function attested(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key.toLowerCase(), value]));
}

/**
 * Deny statements with NotPrincipal that cover the action: AWS documents that such a Deny also
 * applies to listed principals in some cases (a principal with a permissions boundary; a role
 * listed without its session ARN), so the proofs count it as applying to everyone.
 */
function notPrincipalDenies(policy: PolicyDocument, action: string): number[] {
  return policy.Statement.flatMap((statement, index) =>
    statement.Effect === 'Deny' &&
    statement.NotPrincipal !== undefined &&
    coveredActions(statement, [action]).length > 0
      ? [index]
      : [],
  );
}

/** The role name of an IAM role ARN (any path), or undefined. */
function roleName(arn: string): string | undefined {
  return /^arn:[^:]+:iam::\d{12}:role\/(?:.*\/)?([^/]+)$/.exec(arn)?.[1];
}

/**
 * Deny statements that name a session of one of these roles (`arn:…:sts::…:assumed-role/<name>/…`)
 * and cover the action: the proofs model a role by its ARN, so a Deny on one of its sessions (an
 * IAM Identity Center user's, say) is counted as a Deny on the role.
 */
function sessionDenies(policy: PolicyDocument, roleArns: readonly string[], action: string): number[] {
  const names = new Set(roleArns.map(roleName).filter((name): name is string => name !== undefined));
  if (names.size === 0) return [];
  return policy.Statement.flatMap((statement, index) => {
    if (statement.Effect !== 'Deny' || coveredActions(statement, [action]).length === 0) return [];
    const entries = principalEntries(statement);
    if (!Array.isArray(entries)) return [];
    const hit = entries.some((entry) => {
      const session = /^arn:[^:]+:sts::\d{12}:assumed-role\/([^/*?]+)\//.exec(entry.value);
      return session !== null && names.has(session[1] ?? '');
    });
    return hit ? [index] : [];
  });
}

function who(principalArn: string, admin: string): string {
  return principalArn === admin ? admin : `${principalArn} (for ${admin})`;
}

/**
 * Invariant 3: every administrator and the caller keep kms:PutKeyPolicy for certain. The request
 * pins only what holds for every PutKeyPolicy call (TLS, no attestation, the caller's account);
 * every other condition key is open, so a Deny that could apply for some value counts.
 */
export function lockoutStep(ctx: KeyProofContext): ProofFinding[] {
  const findings: ProofFinding[] = [];
  const principals = new Map<string, string[]>();
  for (const admin of ctx.adminArns) {
    const account = accountOfPrincipal(admin) ?? ctx.keyAccount;
    principals.set(
      admin,
      /^\d{12}$/.test(admin) || isAccountRootArn(admin) ? [accountRootArn(account, ctx.partition)] : [admin],
    );
  }
  if (ctx.callerArn !== undefined && !principals.has(ctx.callerArn)) principals.set(ctx.callerArn, [ctx.callerArn]);
  if (principals.size === 0) {
    return [
      {
        check: 'lockout',
        severity: 'error',
        code: 'POLICY_LOCKOUT',
        message: 'no administrator is configured: nobody could change this key policy again',
        statements: [],
      },
    ];
  }
  const context = absentAttestation(ctx.policy);
  for (const [admin, arns] of principals) {
    for (const principalArn of arns) {
      const account = accountOfPrincipal(principalArn) ?? ctx.keyAccount;
      if (account !== ctx.keyAccount) {
        findings.push({
          check: 'lockout',
          severity: 'error',
          code: 'POLICY_LOCKOUT',
          principal: admin,
          action: 'kms:PutKeyPolicy',
          message: `${admin} is in another account; kms:PutKeyPolicy cannot be called across accounts`,
          statements: [],
        });
        continue;
      }
      const request: RequestContext = {
        principalArn,
        principalAccount: account,
        action: 'kms:PutKeyPolicy',
        resource: ctx.keyArn,
        // kms:BypassPolicyLockoutSafetyCheck stays open: whether KMS sets it for a call that
        // leaves the parameter out (the console, other tools) is not documented.
        context: { 'aws:SecureTransport': true, 'kms:CallerAccount': account, ...context },
        openWorld: true,
      };
      ctx.requests += 1;
      // Denies the evaluator reads as not applying but AWS may apply (NotPrincipal, a session).
      const extra = [
        ...notPrincipalDenies(ctx.policy, 'kms:PutKeyPolicy'),
        ...sessionDenies(ctx.policy, [principalArn], 'kms:PutKeyPolicy'),
      ];
      const result = evaluateKeyPolicy(ctx.policy, request, [IAM_ALLOWS_ALL]);
      if (extra.length === 0 && result.possibleDecisions.length === 1 && result.possibleDecisions[0] === 'Allow')
        continue;
      const denies = [...new Set([...extra, ...involved(ctx.policy, request, 'Deny')])];
      const name = who(principalArn, admin);
      const by = denies.map((i) => describeStatement(ctx.policy.Statement[i], i)).join(', ');
      const message =
        extra.length > 0
          ? `${name} may be denied kms:PutKeyPolicy by ${by} (a Deny with NotPrincipal, or on one of its sessions)`
          : result.possibleDecisions.includes('ExplicitDeny')
            ? `${name} ${result.decision === 'ExplicitDeny' ? 'is' : 'may be'} denied kms:PutKeyPolicy by ${by}`
            : result.decision === 'Allow'
              ? `${name} may lose kms:PutKeyPolicy: the grant depends on a condition that does not hold for every request`
              : `no statement lets ${name} call kms:PutKeyPolicy`;
      findings.push({
        check: 'lockout',
        severity: 'error',
        code: 'POLICY_LOCKOUT',
        principal: admin,
        action: 'kms:PutKeyPolicy',
        message,
        statements: denies.map((i) => statementRef(ctx.policy, i)),
        ...(result.undecided.length > 0 ? { undecided: result.undecided } : {}),
      });
    }
  }
  return findings;
}

/**
 * The role keeps Decrypt and GenerateDataKey, for certain, from an attested enclave with each
 * accepted PCR8. Pinned: what every such request carries (the role, its account, TLS, the key's
 * region, the attestation's measurements); every other key is open, so a Deny on the time, the
 * principal type, a VPC endpoint or anything else the co-signer's request may or may not carry
 * counts as possibly applying, and refuses.
 */
export function roleAccessStep(ctx: KeyProofContext): ProofFinding[] {
  const findings: ProofFinding[] = [];
  const roleAccount = accountOfPrincipal(ctx.roleArn) ?? ctx.keyAccount;
  const region = ctx.keyArn.split(':')[3] ?? '';
  const pcr3 = computePCR3(ctx.roleArn);
  // Inert actions are never access: named when the role is left without Decrypt/GenerateDataKey.
  const inertNote = (): string => {
    const inert = inertActionsFor(ctx.policy, ctx.roleArn);
    const verb =
      inert.length === 1
        ? 'is inert (no attestation, or no key) and grants'
        : 'are inert (no attestation, or no key) and grant';
    return inert.length === 0 ? '' : `; the role's ${inert.join(', ')} in this policy ${verb} no access`;
  };
  for (const value of ctx.pcr8) {
    for (const action of ROLE_ATTESTED_ACTIONS) {
      const context: Record<string, ContextValue> = {
        ...absentAttestation(ctx.policy),
        ...attested({
          [IMAGE_KEY]: SAMPLE_MEASUREMENT,
          [attestationKey(0)]: SAMPLE_MEASUREMENT,
          [attestationKey(1)]: SAMPLE_MEASUREMENT,
          [attestationKey(2)]: SAMPLE_MEASUREMENT,
          [attestationKey(3)]: pcr3,
          [attestationKey(4)]: SAMPLE_MEASUREMENT,
          [PCR8_KEY]: value,
        }),
        'aws:SecureTransport': true,
        'kms:CallerAccount': roleAccount,
        ...(region === '' ? {} : { 'aws:RequestedRegion': region }),
      };
      ctx.requests += 1;
      const extra = [...notPrincipalDenies(ctx.policy, action), ...sessionDenies(ctx.policy, [ctx.roleArn], action)];
      const request: RequestContext = {
        principalArn: ctx.roleArn,
        principalAccount: roleAccount,
        action,
        resource: ctx.keyArn,
        context,
        openWorld: true,
      };
      const result = evaluateKeyPolicy(ctx.policy, request, []);
      const mayBeDenied = extra.length > 0 || result.possibleDecisions.includes('ExplicitDeny');
      if (!mayBeDenied && result.decision === 'Allow' && result.certain) continue;
      const allowedButUncertain = !mayBeDenied && result.decision === 'Allow';
      const denies = [...new Set([...extra, ...involved(ctx.policy, request, 'Deny')])];
      findings.push({
        check: 'attested-access',
        severity: allowedButUncertain ? 'warning' : 'error',
        ...(allowedButUncertain ? {} : { code: 'POLICY_ROLE_DENIED' as const }),
        principal: ctx.roleArn,
        action,
        message: allowedButUncertain
          ? `the role's ${action} with PCR8 ${value.slice(0, 12)}… depends on something the evaluator cannot decide`
          : mayBeDenied
            ? `the role ${result.decision === 'ExplicitDeny' ? 'is' : 'may be'} denied ${action} from an enclave with PCR8 ${value.slice(0, 12)}…${denies.length > 0 ? ` by ${denies.map((i) => describeStatement(ctx.policy.Statement[i], i)).join(', ')}` : ''}: a Deny whose condition the co-signer's requests may meet would cut it off from its key`
            : `the role could not call ${action} from an enclave with PCR8 ${value.slice(0, 12)}… (${result.decision}); the co-signer would lose access to its key${inertNote()}`,
        statements: (denies.length > 0 ? denies : result.matchedStatements).map((i) => statementRef(ctx.policy, i)),
        ...(result.undecided.length > 0 ? { undecided: result.undecided } : {}),
      });
    }
  }
  return findings;
}
