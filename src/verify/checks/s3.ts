/**
 * The S3 checks, from bucket-level reads only (the bucket policy denies object access to everyone
 * but the role). The bucket policy is proved with the policy engine: `proveBucketPolicy` for the
 * deny-all-but-the-role invariant, the evaluator for TLS and public access.
 */
import { evaluateStatement } from '../../policy/evaluate.js';
import { actionMatches, arnMatches } from '../../policy/match.js';
import { toList } from '../../policy/parse.js';
import { proveBucketPolicy } from '../../policy/proofs.js';
import { coveredActions, principalEntries } from '../../policy/statement-shape.js';
import type { PolicyDocument, PolicyStatement, RequestContext } from '../../policy/types.js';
import { checkMeta } from '../catalogue.js';
import {
  skipped,
  statementEvidence,
  Verdict,
  type CheckContext,
  type CheckDefinition,
  type CheckOutcome,
  type ReadName,
} from '../check.js';
import { OUTSIDER_ACCOUNT, PRINCIPAL_KEYS, restrictedToAccount } from '../key-policy-proofs.js';

const OUTSIDER = `arn:aws:iam::${OUTSIDER_ACCOUNT}:role/anyone`;

function bucketArn(ctx: CheckContext): string {
  return `arn:${ctx.target.partition}:s3:::${ctx.target.bucketName}`;
}

type BucketJudge = (v: Verdict, ctx: CheckContext, arn: string) => Promise<void>;

/** A check of the bucket's configuration: SKIP when there is no bucket, ERROR when it cannot be listed. */
function bucketCheck(
  id: string,
  reads: readonly ReadName[],
  judge: BucketJudge,
  whenAbsent: 'skip' | 'fail' = 'skip',
): CheckDefinition {
  return {
    ...checkMeta(id),
    reads: ['bucket', ...reads],
    async run(ctx): Promise<CheckOutcome> {
      const arn = bucketArn(ctx);
      const v = new Verdict();
      const bucket = await ctx.reads.bucket();
      if (!bucket.ok) return v.unreadable(bucket.failure).outcome(arn);
      if (bucket.value === undefined) {
        const reason = `no bucket ${ctx.target.bucketName} in this account`;
        if (whenAbsent === 'skip') return skipped(arn, reason);
        return v.fail({ message: reason }).outcome(arn);
      }
      await judge(v, ctx, arn);
      return v.outcome(arn);
    },
  };
}

/** The bucket policy, or undefined (no policy); a failed read is recorded on the verdict. */
async function policyOf(v: Verdict, ctx: CheckContext): Promise<PolicyDocument | undefined | 'unreadable'> {
  const policy = await ctx.reads.bucketPolicy();
  if (!policy.ok) {
    v.unreadable(policy.failure);
    return 'unreadable';
  }
  return policy.value;
}

const publicAccessBlock = bucketCheck(
  's3_bucket_level_public_access_block',
  ['bucketPublicAccessBlock'],
  async (v, ctx) => {
    const config = await ctx.reads.bucketPublicAccessBlock();
    if (!config.ok) {
      v.unreadable(config.failure);
      return;
    }
    if (config.value === undefined) {
      v.fail({ message: 'the bucket has no public access block configuration' });
      return;
    }
    const settings = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const;
    const off = settings.filter((name) => config.value?.[name] !== true);
    v.note('publicAccessBlock', config.value);
    if (off.length > 0) v.fail({ message: `off: ${off.join(', ')}`, settings: off });
  },
);

const aclProhibited = bucketCheck('s3_bucket_acl_prohibited', ['bucketOwnership'], async (v, ctx) => {
  const ownership = await ctx.reads.bucketOwnership();
  if (!ownership.ok) {
    v.unreadable(ownership.failure);
    return;
  }
  v.note('objectOwnership', ownership.value ?? null);
  if (ownership.value !== 'BucketOwnerEnforced')
    v.fail({ message: `object ownership is ${ownership.value ?? 'not set'}: ACLs can grant access to objects` });
});

const versioning = bucketCheck('s3_bucket_object_versioning', ['bucketVersioning'], async (v, ctx) => {
  const status = await ctx.reads.bucketVersioning();
  if (!status.ok) {
    v.unreadable(status.failure);
    return;
  }
  v.note('versioning', status.value ?? 'never enabled');
  if (status.value !== 'Enabled')
    v.fail({
      message: `versioning is ${status.value ?? 'never enabled'}: a deleted or overwritten database cannot be recovered`,
    });
});

/** Does a Resource pattern cover every object of the bucket? */
function coversEveryObject(pattern: string, arn: string): boolean {
  if (pattern === '*') return true;
  if (!pattern.endsWith('*')) return false;
  const prefix = pattern.slice(0, -1);
  return !/[*?]|\$\{/.test(prefix) && `${arn}/`.startsWith(prefix);
}

/** A request by anyone (the caller's keys open) for `action` on `resource`, with or without TLS. */
function anyone(action: string, resource: string, secure: boolean): RequestContext {
  return {
    principalArn: OUTSIDER,
    principalAccount: OUTSIDER_ACCOUNT,
    action,
    resource,
    context: { 'aws:SecureTransport': secure },
    openWorld: true,
    openKeys: PRINCIPAL_KEYS,
  };
}

const secureTransport = bucketCheck('s3_bucket_secure_transport_policy', ['bucketPolicy'], async (v, ctx, arn) => {
  const policy = await policyOf(v, ctx);
  if (policy === 'unreadable') return;
  if (policy === undefined) {
    v.fail({ message: 'the bucket has no policy, so nothing denies requests without TLS' });
    return;
  }
  // A Deny with Principal "*" of every S3 action on the bucket and its objects that applies, for
  // certain, to any request without TLS (proved with the evaluator in an open world).
  const proving = policy.Statement.flatMap((statement, index) => {
    if (statement.Effect !== 'Deny' || principalEntries(statement) !== '*' || statement.Action === undefined) return [];
    if (!toList(statement.Action).some((pattern) => actionMatches(pattern, 's3:*'))) return [];
    const resources = toList(statement.Resource);
    if (!resources.some((p) => arnMatches(p, arn)) || !resources.some((p) => coversEveryObject(p, arn))) return [];
    const insecure = [anyone('s3:GetObject', `${arn}/any`, false), anyone('s3:PutBucketPolicy', arn, false)];
    return insecure.every((request) => evaluateStatement(statement, request, index).applies === true) ? [index] : [];
  });
  if (proving.length === 0)
    v.fail({
      message:
        'no Deny with Principal "*" of s3:* on the bucket and its objects applies to every request with aws:SecureTransport false',
    });
  else
    v.note(
      'denyStatements',
      proving.map((i) => statementEvidence(policy.Statement, i)),
    );
});

/** S3 actions a public Allow is reported with when it covers them. */
const PUBLIC_PROBES: readonly string[] = [
  's3:GetObject',
  's3:PutObject',
  's3:DeleteObject',
  's3:ListBucket',
  's3:GetBucketPolicy',
  's3:PutBucketPolicy',
];

function publicAllows(policy: PolicyDocument, accountId: string): { index: number; actions: string[] }[] {
  return policy.Statement.flatMap((statement: PolicyStatement, index) => {
    if (statement.Effect !== 'Allow') return [];
    const entries = principalEntries(statement);
    if ((entries !== '*' && entries !== 'not') || restrictedToAccount(statement, accountId)) return [];
    const covered = coveredActions(statement, PUBLIC_PROBES);
    return [{ index, actions: covered.length > 0 ? covered : toList(statement.Action ?? statement.NotAction) }];
  });
}

const publicAccess = bucketCheck('s3_bucket_public_access', ['bucketPolicy'], async (v, ctx) => {
  const policy = await policyOf(v, ctx);
  if (policy === 'unreadable') return;
  if (policy === undefined) {
    v.note('bucketPolicy', 'none: no statement grants anyone access');
    return;
  }
  for (const open of publicAllows(policy, ctx.target.accountId))
    v.fail({
      ...statementEvidence(policy.Statement, open.index),
      actions: open.actions,
      message: 'allows every principal (Principal "*" or NotPrincipal) and no condition restricts it to this account',
      witness: { principal: OUTSIDER },
    });
  v.note(
    'proved',
    'every Allow with Principal "*" or NotPrincipal pins aws:PrincipalAccount or aws:PrincipalArn to this account',
  );
});

const denyAllButRole = bucketCheck(
  'cosigner_s3_policy_deny_all_but_role',
  ['bucketPolicy', 'role'],
  async (v, ctx) => {
    const policy = await policyOf(v, ctx);
    if (policy === 'unreadable') return;
    if (policy === undefined) {
      v.fail({
        message:
          'the bucket has no policy: every principal of the account whose IAM policies allow it can read and delete the key shares',
      });
      return;
    }
    const role = await ctx.reads.role();
    if (!role.ok) v.unreadable(role.failure);
    const roleArn = role.ok && role.value !== undefined ? role.value.arn : ctx.target.roleArn;
    const report = proveBucketPolicy(policy, {
      bucketName: ctx.target.bucketName,
      partition: ctx.target.partition,
      accountId: ctx.target.accountId,
      roleArn,
    });
    v.note('role', roleArn).note('proof', { steps: report.steps, requestsEvaluated: report.requests });
    const publics = new Set(publicAllows(policy, ctx.target.accountId).map((p) => p.index));
    for (const finding of report.findings) {
      const item = {
        step: finding.check,
        message: finding.message,
        statements: finding.statements.map((s) => statementEvidence(policy.Statement, s.index)),
      };
      if (finding.check === 'bucket-objects') v.fail(item);
      // An Allow to "*" is s3_bucket_public_access's; one to another account or a service is this check's.
      else if (finding.check === 'bucket-foreign' && !finding.statements.every((s) => publics.has(s.index)))
        v.fail(item);
      else if (finding.check !== 'bucket-foreign' && finding.severity !== 'info') v.warn(item);
    }
  },
  'fail',
);

const notCosignerKey = bucketCheck(
  'cosigner_s3_encryption_not_cosigner_key',
  ['bucketEncryption', 'bucketEncryptionKey', 'key'],
  async (v, ctx) => {
    const rule = await ctx.reads.bucketEncryption();
    if (!rule.ok) {
      v.unreadable(rule.failure);
      return;
    }
    if (rule.value?.SSEAlgorithm === undefined) {
      v.fail({ message: 'the bucket has no default encryption' });
      return;
    }
    const algorithm = rule.value.SSEAlgorithm;
    const keyId = rule.value.KMSMasterKeyID;
    v.note('sseAlgorithm', algorithm).note('kmsKeyId', keyId ?? null);
    if (!algorithm.startsWith('aws:kms') || keyId === undefined) return;
    // The key is compared by its KeyId once resolved: another alias (or an alias ARN, or the key id
    // where the config names the ARN) of the co-signer's key is the co-signer's key.
    const [key, named] = await Promise.all([ctx.reads.key(), ctx.reads.bucketEncryptionKey()]);
    if (!key.ok || !named.ok) {
      if (!key.ok) v.unreadable(key.failure);
      if (!named.ok) v.unreadable(named.failure);
      return;
    }
    if (named.value?.KeyId === undefined) {
      v.warn({
        message: `no KMS key answers to ${keyId}: which key S3 uses cannot be shown (and writes to the bucket would fail)`,
      });
      return;
    }
    v.note('kmsKeyResolved', named.value.Arn ?? named.value.KeyId);
    if (key.value?.KeyId !== undefined && named.value.KeyId === key.value.KeyId)
      v.fail({
        message: `default encryption is SSE-KMS with the co-signer's key (${keyId} is ${key.value.Arn ?? key.value.KeyId}): S3 calls KMS without an attestation document, so the co-signer cannot read its own database (and the policy would have to allow S3 around the attestation)`,
      });
  },
);

export const S3_CHECKS: readonly CheckDefinition[] = [
  publicAccessBlock,
  aclProhibited,
  versioning,
  secureTransport,
  publicAccess,
  denyAllButRole,
  notCosignerKey,
];
