/**
 * The key-policy invariants that say "nobody else", one function each (grammar, NotPrincipal,
 * Principal "*", attested-only data access, the debug guard, key control). They are read from the
 * statements' text, so they hold for every principal, every PCR8 value and every request, not for
 * sampled ones: a statement passes only when its shape alone guarantees the property, and
 * anything else is refused. The "somebody can" invariants (no lockout, the role's own access) are
 * in key-access.ts.
 */
import { isRoleOrSession, isSessionOfRole, sameIamPrincipal } from './arn.js';
import { attestationKey } from './condition-keys.js';
import { ATTESTED_DATA_ACTIONS, KEY_CONTROL_ACTIONS, KEY_DATA_ACTIONS, ZERO_MEASUREMENT } from './constants.js';
import { lintPolicy } from './lint.js';
import { statementRef } from './proof-support.js';
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
import type { PolicyDocument, PolicyStatement } from './types.js';

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
 * No Allow names "*" (`"*"`, `{"AWS": "*"}`, or `"*"` under any principal type), whatever it
 * allows and whatever its condition: it names every principal of every account, as the bucket
 * proofs refuse it too. Fireblocks' documented statements name the role and the account root,
 * never "*". A condition that narrows it (kms:CallerAccount, kms:ViaService…) is not read here: name
 * the principals instead.
 */
export function publicPrincipalStep(ctx: KeyProofContext): ProofFinding[] {
  const findings: ProofFinding[] = [];
  each(ctx.policy, 'Allow', (statement, index) => {
    const principals = principalEntries(statement);
    if (principals !== '*' && !(Array.isArray(principals) && principals.some((entry) => entry.value === '*'))) return;
    findings.push({
      check: 'public-principal',
      severity: 'error',
      code: 'POLICY_BYPASS',
      principal: '"*"',
      message: `${describeStatement(statement, index)} is an Allow with Principal "*": it names every principal of every account; name the principals it is for instead`,
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
      principals.every((entry) => entry.type === 'AWS' && isRoleOrSession(entry.value, ctx.roleArn));
    if (!onlyRole) {
      const who =
        principals === '*'
          ? '"*"'
          : principals === 'not'
            ? 'a NotPrincipal'
            : principals === 'none'
              ? 'no principal'
              : principals
                  .filter((e) => e.type !== 'AWS' || !isRoleOrSession(e.value, ctx.roleArn))
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

/**
 * Invariant 2: the operations that control the key (its policy, grants, state and deletion, key
 * material, regions, rotation, description, tags and aliases: KEY_CONTROL_ACTIONS) are allowed to
 * the administrators and the account principal only, never to the co-signer role (any spelling of
 * its name, or one of its sessions), "*", a NotPrincipal, another principal type or another
 * account. Root on the host holds the role: with UpdateKeyDescription it could rewrite the marker
 * that decides the key's owner, with DisableKeyRotation turn rotation off, with an alias
 * operation point the co-signer's alias elsewhere.
 */
export function keyControlStep(ctx: KeyProofContext): ProofFinding[] {
  const findings: ProofFinding[] = [];
  for (const admin of ctx.adminArns) {
    if (!isRoleOrSession(admin, ctx.roleArn)) continue;
    const spelled =
      admin === ctx.roleArn
        ? ''
        : isSessionOfRole(admin, ctx.roleArn)
          ? ` (${admin} is one of its sessions)`
          : ` (${admin} names it: IAM role names are not distinguished by case)`;
    findings.push({
      check: 'key-control',
      severity: 'error',
      code: 'POLICY_KEY_CONTROL',
      principal: admin,
      message: `the co-signer role ${ctx.roleArn} is configured as a key administrator${spelled}: root on the host could rewrite the key policy and then decrypt`,
      statements: [],
    });
  }
  const isAdmin = (value: string) => ctx.adminArns.some((admin) => sameIamPrincipal(admin, value));
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
            isRoleOrSession(e.value, ctx.roleArn) ||
            !(isAdmin(e.value) || isAccountPrincipal(e.value, ctx.keyAccount)),
        )
        .map((e) =>
          e.type === 'AWS' && isRoleOrSession(e.value, ctx.roleArn) ? `${e.value} (the co-signer role)` : e.value,
        );
    if (outsiders.length === 0) return;
    findings.push({
      check: 'key-control',
      severity: 'error',
      code: 'POLICY_KEY_CONTROL',
      principal: outsiders.join(', '),
      action: actions.join(', '),
      message: `${describeStatement(statement, index)} allows ${actions.join(', ')} to ${outsiders.join(', ')}: only the key administrators (${ctx.adminArns.join(', ')}) and the account may control the key`,
      statements: [statementRef(ctx.policy, index)],
    });
  });
  return findings;
}
