/**
 * The bucket-policy proofs (invariant 5), as named steps like the key policy's:
 *
 * - unsupported: nothing the proofs cannot read (unknown operators, principal types…).
 * - bucket-objects: no principal but the co-signer role can read, write or delete objects or object
 *   versions, and nobody can set a lifecycle or replication rule (which reach them indirectly). The bucket's own account reaches objects through IAM policies alone, so this holds
 *   only when, for every object action, a Deny with Principal "*" covers it on `bucket/*` and its
 *   sole condition exempts exactly the role's ARN. Read from the statements' text: it holds for
 *   every principal and request.
 * - bucket-foreign: no Allow names `*`, a NotPrincipal, a service or federated principal, or a
 *   principal of another account.
 * - bucket-lockout: the administrators and the caller keep s3:GetBucketPolicy, PutBucketPolicy and
 *   DeleteBucketPolicy over TLS (a bucket-policy lockout needs the root user to undo): every Deny
 *   that could apply for some value of its condition keys counts.
 * - bucket-role-access: the role keeps GetObject and PutObject.
 */
import { accountOfPrincipal, accountRootArn, isAccountRootArn } from './arn.js';
import { S3_INDIRECT_OBJECT_ACTIONS, S3_OBJECT_ACTIONS, S3_POLICY_ADMIN_ACTIONS } from './constants.js';
import { lintPolicy } from './lint.js';
import { arnMatches } from './match.js';
import { evaluateAccess } from './evaluate.js';
import { IAM_ALLOWS_ALL, involved, statementRef } from './proof-support.js';
import { runProofSteps, type ProofCheck, type ProofFinding, type ProofReport } from './proofs.js';
import { coveredActions, describeStatement, principalEntries } from './statement-shape.js';
import { toList } from './parse.js';
import type { PolicyDocument, PolicyStatement, RequestContext } from './types.js';

export interface BucketPolicyProofInput {
  bucketName: string;
  /** @default 'aws' */
  partition?: string;
  accountId: string;
  /** Principals that must keep the bucket-policy actions (default: the account root). */
  adminArns?: readonly string[];
  /** The principal about to write the bucket policy; it must keep them too. */
  callerArn?: string;
  roleArn: string;
}

interface BucketProofContext {
  policy: PolicyDocument;
  bucketArn: string;
  partition: string;
  accountId: string;
  admins: string[];
  roleArn: string;
  requests: number;
}

/** Does a Resource pattern cover every object key of the bucket (`bucket/<anything>`)? */
function coversEveryObject(pattern: string, bucketArn: string): boolean {
  if (pattern === '*') return true;
  if (!pattern.endsWith('*')) return false;
  const prefix = pattern.slice(0, -1);
  return !/[*?]|\$\{/.test(prefix) && `${bucketArn}/`.startsWith(prefix);
}

/**
 * The object actions a Deny takes from every principal but the role: Principal "*", no
 * NotResource, a Resource covering every object, and either no condition (the role loses them too,
 * which bucket-role-access reports) or exactly one clause that exempts the role's ARN alone.
 */
function roleOnlyDenyCovers(statement: PolicyStatement, ctx: BucketProofContext): string[] {
  if (statement.Effect !== 'Deny' || principalEntries(statement) !== '*' || statement.NotResource !== undefined)
    return [];
  if (!toList(statement.Resource).some((pattern) => coversEveryObject(pattern, ctx.bucketArn))) return [];
  const clauses = Object.entries(statement.Condition ?? {}).flatMap(([operator, block]) =>
    Object.entries(block).map(([key, values]) => ({ operator, key, values })),
  );
  if (clauses.length > 1) return [];
  const [clause] = clauses;
  if (clause !== undefined) {
    if (!['ArnNotEquals', 'ArnNotLike', 'StringNotEquals', 'StringNotLike'].includes(clause.operator)) return [];
    if (clause.key.toLowerCase() !== 'aws:principalarn') return [];
    const values = Array.isArray(clause.values) ? clause.values : [clause.values];
    // Compared as written, not with sameIamPrincipal: this is a condition on aws:PrincipalArn,
    // which carries the role's ARN as IAM stores it, and the Arn/String operators compare case by
    // case. An exemption spelled otherwise exempts nobody (the role loses access too, which
    // bucket-role-access reports), so reading it as "not exactly the role" is the safe side.
    if (values.length !== 1 || values[0] !== ctx.roleArn) return [];
  }
  return coveredActions(statement, S3_OBJECT_ACTIONS);
}

/** The indirect-access actions an unconditional Deny with Principal "*" on the bucket covers. */
function unconditionalDenyCovers(statement: PolicyStatement, ctx: BucketProofContext): string[] {
  if (
    statement.Effect !== 'Deny' ||
    principalEntries(statement) !== '*' ||
    statement.NotResource !== undefined ||
    statement.Condition !== undefined
  )
    return [];
  if (!toList(statement.Resource).some((pattern) => !pattern.includes('${') && arnMatches(pattern, ctx.bucketArn)))
    return [];
  return coveredActions(statement, S3_INDIRECT_OBJECT_ACTIONS);
}

function objectsStep(ctx: BucketProofContext): ProofFinding[] {
  const findings: ProofFinding[] = [];
  const indirect = new Set(ctx.policy.Statement.flatMap((statement) => unconditionalDenyCovers(statement, ctx)));
  const reachable = S3_INDIRECT_OBJECT_ACTIONS.filter((action) => !indirect.has(action));
  if (reachable.length > 0) {
    findings.push({
      check: 'bucket-objects',
      severity: 'error',
      code: 'POLICY_BYPASS',
      action: reachable.join(', '),
      message: `principals of the account could call ${reachable.join(', ')} on ${ctx.bucketArn}: a lifecycle rule can expire every object version, a replication rule copies them out; no unconditional Deny with Principal "*" covers it`,
      statements: [],
    });
  }
  const covered = new Set(ctx.policy.Statement.flatMap((statement) => roleOnlyDenyCovers(statement, ctx)));
  const open = S3_OBJECT_ACTIONS.filter((action) => !covered.has(action));
  if (open.length === 0) return findings;
  return [
    ...findings,
    {
      check: 'bucket-objects',
      severity: 'error',
      code: 'POLICY_BYPASS',
      action: open.join(', '),
      message: `principals other than the co-signer role could call ${open.slice(0, 4).join(', ')}${open.length > 4 ? ` and ${open.length - 4} more object actions` : ''} on ${ctx.bucketArn}/*: no Deny with Principal "*" that exempts only ${ctx.roleArn} covers them`,
      statements: [],
    },
  ];
}

function foreignStep(ctx: BucketProofContext): ProofFinding[] {
  const findings: ProofFinding[] = [];
  ctx.policy.Statement.forEach((statement, index) => {
    if (statement.Effect !== 'Allow') return;
    const principals = principalEntries(statement);
    let outsiders: string[];
    if (principals === '*') outsiders = ['"*" (anyone)'];
    else if (principals === 'not') outsiders = ['every principal not listed (NotPrincipal)'];
    else if (principals === 'none') outsiders = ['no principal'];
    else
      outsiders = principals
        .filter((e) => e.type !== 'AWS' || accountOfPrincipal(e.value) !== ctx.accountId)
        .map((e) => `${e.type === 'AWS' ? '' : `${e.type} `}${e.value}`);
    if (outsiders.length === 0) return;
    findings.push({
      check: 'bucket-foreign',
      severity: 'error',
      code: 'POLICY_BYPASS',
      principal: outsiders.join(', '),
      message: `${describeStatement(statement, index)} allows ${outsiders.join(', ')} access to the co-signer's bucket: only principals of account ${ctx.accountId} may be named`,
      statements: [statementRef(ctx.policy, index)],
    });
  });
  return findings;
}

function lockoutStep(ctx: BucketProofContext): ProofFinding[] {
  const findings: ProofFinding[] = [];
  for (const admin of ctx.admins) {
    const principalArn = /^\d{12}$/.test(admin) ? accountRootArn(admin, ctx.partition) : admin;
    const account = accountOfPrincipal(principalArn) ?? ctx.accountId;
    for (const action of S3_POLICY_ADMIN_ACTIONS) {
      const request: RequestContext = {
        principalArn,
        principalAccount: account,
        action,
        resource: ctx.bucketArn,
        context: { 'aws:SecureTransport': true },
        openWorld: true,
      };
      ctx.requests += 1;
      const result = evaluateAccess(ctx.policy, request, [IAM_ALLOWS_ALL], {
        service: 'generic',
        resourceAccount: ctx.accountId,
      });
      if (result.possibleDecisions.length === 1 && result.possibleDecisions[0] === 'Allow') continue;
      const denies = involved(ctx.policy, request, 'Deny');
      findings.push({
        check: 'bucket-lockout',
        severity: 'error',
        code: 'POLICY_LOCKOUT',
        principal: admin,
        action,
        message: `${principalArn} could be denied ${action} on the bucket${denies.length > 0 ? ` by ${denies.map((i) => describeStatement(ctx.policy.Statement[i], i)).join(', ')}` : ''}`,
        statements: denies.map((i) => statementRef(ctx.policy, i)),
        ...(result.undecided.length > 0 ? { undecided: result.undecided } : {}),
      });
    }
  }
  return findings;
}

function roleAccessStep(ctx: BucketProofContext): ProofFinding[] {
  const findings: ProofFinding[] = [];
  const account = accountOfPrincipal(ctx.roleArn) ?? ctx.accountId;
  for (const action of ['s3:GetObject', 's3:PutObject']) {
    const request: RequestContext = {
      principalArn: ctx.roleArn,
      principalAccount: account,
      action,
      resource: `${ctx.bucketArn}/cosigner/object`,
      context: { 'aws:SecureTransport': true },
    };
    ctx.requests += 1;
    const result = evaluateAccess(ctx.policy, request, [IAM_ALLOWS_ALL], {
      service: 'generic',
      resourceAccount: ctx.accountId,
    });
    if (result.decision === 'Allow') continue;
    findings.push({
      check: 'bucket-role-access',
      severity: 'error',
      code: 'POLICY_ROLE_DENIED',
      principal: ctx.roleArn,
      action,
      message: `${ctx.roleArn} would be denied ${action} on the bucket's objects`,
      statements: involved(ctx.policy, request, 'Deny').map((i) => statementRef(ctx.policy, i)),
    });
  }
  return findings;
}

/** Grammar the proofs cannot read: refused, as in the key policy. */
function grammarStep(ctx: BucketProofContext): ProofFinding[] {
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

const BUCKET_STEPS: [ProofCheck, (ctx: BucketProofContext) => ProofFinding[]][] = [
  ['unsupported', grammarStep],
  ['bucket-objects', objectsStep],
  ['bucket-foreign', foreignStep],
  ['bucket-lockout', lockoutStep],
  ['bucket-role-access', roleAccessStep],
];

/** Run the bucket-policy proofs. Pure. */
export function proveBucketPolicy(policy: PolicyDocument, input: BucketPolicyProofInput): ProofReport {
  const partition = input.partition ?? 'aws';
  const root = accountRootArn(input.accountId, partition);
  const admins = new Set(
    input.adminArns === undefined || input.adminArns.length === 0
      ? [root]
      : input.adminArns.map((a) =>
          isAccountRootArn(a) || /^\d{12}$/.test(a)
            ? accountRootArn(accountOfPrincipal(a) ?? input.accountId, partition)
            : a,
        ),
  );
  if (input.callerArn !== undefined) admins.add(input.callerArn);
  return runProofSteps(BUCKET_STEPS, {
    policy,
    bucketArn: `arn:${partition}:s3:::${input.bucketName}`,
    partition,
    accountId: input.accountId,
    admins: [...admins],
    roleArn: input.roleArn,
    requests: 0,
  });
}
