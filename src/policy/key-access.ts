/**
 * The key-policy invariants that say "somebody can": every administrator and the caller keep
 * kms:PutKeyPolicy (no lockout), and the co-signer role keeps its attested data access. They
 * evaluate concrete requests, with every condition key they do not pin left open, so a Deny that
 * could apply for some value counts as applying; what the evaluator reads as not applying but AWS
 * may apply (a Deny with NotPrincipal, on one of a role's sessions, on a measurement value) is
 * added from the statements' text.
 */
import { computePCR3 } from '../enclave/pcr.js';
import { accountOfPrincipal, accountRootArn, isAccountRootArn } from './arn.js';
import { attestationKey, isAttestationKey } from './condition-keys.js';
import { ROLE_ATTESTED_ACTIONS, ZERO_MEASUREMENT } from './constants.js';
import { evaluateKeyPolicy } from './evaluate.js';
import { inertActionsFor } from './inert-actions.js';
import type { KeyProofContext } from './key-invariants.js';
import { IAM_ALLOWS_ALL, involved, statementRef } from './proof-support.js';
import type { ProofFinding } from './proofs.js';
import { coveredActions, describeStatement, pinningClauses, principalEntries } from './statement-shape.js';
import type { ContextValue, PolicyDocument, PolicyStatement, RequestContext } from './types.js';

const PCR8_KEY = attestationKey(8);
const IMAGE_KEY = attestationKey('ImageSha384');
/** A measurement that is not zero (the role-access request's PCR0/1/2). */
const SAMPLE_MEASUREMENT = 'a5'.repeat(48);

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
  // IAM role names are not distinguished by case (arn.ts sameIamPrincipal).
  const names = new Set(
    roleArns
      .map(roleName)
      .filter((name): name is string => name !== undefined)
      .map((name) => name.toLowerCase()),
  );
  if (names.size === 0) return [];
  return policy.Statement.flatMap((statement, index) => {
    if (statement.Effect !== 'Deny' || coveredActions(statement, [action]).length === 0) return [];
    const entries = principalEntries(statement);
    if (!Array.isArray(entries)) return [];
    const hit = entries.some((entry) => {
      const session = /^arn:[^:]+:sts::\d{12}:assumed-role\/([^/*?]+)\//.exec(entry.value);
      return session !== null && names.has((session[1] ?? '').toLowerCase());
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
 * The measurements an attested request carries that no configuration fixes: the image, kernel and
 * application hashes (PCR0/1/2, ImageSha384) and the parent instance (PCR4). PCR3 (the role ARN)
 * and PCR8 (an accepted value) are facts of every request the co-signer makes.
 */
const FREE_MEASUREMENTS = [IMAGE_KEY, attestationKey(0), attestationKey(1), attestationKey(2), attestationKey(4)];

/** A Deny that only ever applies to a debug-mode enclave: one of its clauses pins a measurement to all zeros. */
function debugOnly(statement: PolicyStatement): boolean {
  return FREE_MEASUREMENTS.some((key) =>
    pinningClauses(statement, key).some((values) => values.every((value) => value.toLowerCase() === ZERO_MEASUREMENT)),
  );
}

/**
 * Denies that could apply to the co-signer for some value of the free measurements: the
 * role-access request pins them to a sample (a non-debug enclave), so a Deny on, say, one PCR0
 * value would otherwise read as never applying, while the Fireblocks image's PCR0 could be that
 * value. Evaluated again with those keys open; a Deny that applies only to all-zero measurements
 * (the debug guard) cannot hit an attested, non-debug enclave and is left out.
 */
function measurementDenies(policy: PolicyDocument, request: RequestContext): number[] {
  const open: RequestContext = { ...request, openKeys: FREE_MEASUREMENTS };
  return involved(policy, open, 'Deny').filter((index) => {
    const statement = policy.Statement[index];
    return statement !== undefined && !debugOnly(statement);
  });
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
      const request: RequestContext = {
        principalArn: ctx.roleArn,
        principalAccount: roleAccount,
        action,
        resource: ctx.keyArn,
        context,
        openWorld: true,
      };
      const extra = [
        ...new Set([
          ...notPrincipalDenies(ctx.policy, action),
          ...sessionDenies(ctx.policy, [ctx.roleArn], action),
          ...measurementDenies(ctx.policy, request),
        ]),
      ];
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
