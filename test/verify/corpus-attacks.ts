/**
 * Broken deployments an attacker would make to get past a check: each hides its door where a
 * check that read only the obvious field would miss it (a condition operator that lets a request
 * without the key through, a NotPrincipal, a grant beside the key policy, a second alias of the
 * key, a second instance profile of the role, an alias moved to a decoy). Each must FAIL its check.
 */
import { EXPECTED_PCR8 } from './audit-world.js';
import {
  adminUser,
  allowTo,
  bucketPolicy,
  editKeyPolicy,
  keyPolicy,
  putBucketPolicy,
  putKeyPolicy,
  withKeyPolicy,
  type BrokenCase,
} from './corpus-support.js';

const roleName = (roleArn: string) => roleArn.split('/').pop() ?? '';

export const ATTACK_CASES: BrokenCase[] = [
  {
    // StringEqualsIfExists is true when the request carries no attestation document at all.
    name: 'an Allow of Decrypt to an administrator, pinned on PCR8 only "if it exists"',
    expect: { kms_key_enclave_attestation_not_enforced: 'FAIL', cosigner_kms_pcr8_matches_fb_env: 'FAIL' },
    break: (ctx) =>
      editKeyPolicy(ctx, (p) =>
        p.Statement.push(
          allowTo(adminUser(ctx), 'kms:Decrypt', {
            Condition: { StringEqualsIfExists: { 'kms:RecipientAttestation:PCR8': EXPECTED_PCR8 } },
          }),
        ),
      ),
  },
  {
    // ForAllValues over a key the request does not carry is vacuously true.
    name: 'an Allow of kms:Decrypt* to an administrator under ForAllValues:StringEquals on ImageSha384',
    expect: { kms_key_enclave_attestation_not_enforced: 'FAIL' },
    break: (ctx) =>
      editKeyPolicy(ctx, (p) =>
        p.Statement.push(
          allowTo(adminUser(ctx), 'kms:Decrypt*', {
            Condition: { 'ForAllValues:StringEquals': { 'kms:RecipientAttestation:ImageSha384': 'a0'.repeat(48) } },
          }),
        ),
      ),
  },
  {
    name: 'a grant of Decrypt to the co-signer role itself (no attestation asked by a grant)',
    expect: { kms_key_enclave_attestation_not_enforced: 'FAIL', kms_key_enclave_attestation_bypassable_path: 'FAIL' },
    break: (ctx) =>
      withKeyPolicy(
        ctx,
        (p) => p.Statement.push(allowTo(adminUser(ctx), 'kms:CreateGrant')),
        async () => {
          await ctx.admin.kms.createGrant({
            KeyId: ctx.keyArn,
            GranteePrincipal: ctx.roleArn,
            Operations: ['Decrypt'],
          });
        },
      ),
  },
  {
    name: 'the bucket’s object Deny rewritten with a NotPrincipal that excepts an administrator too',
    expect: { cosigner_s3_policy_deny_all_but_role: 'FAIL' },
    async break(ctx) {
      const policy = await bucketPolicy(ctx);
      for (const s of policy.Statement)
        if (s.Condition?.['ArnNotEquals'] !== undefined) {
          delete s.Condition;
          delete s.Principal;
          s.NotPrincipal = { AWS: [ctx.roleArn, adminUser(ctx)] };
        }
      await putBucketPolicy(ctx, policy);
    },
  },
  {
    name: 'a bucket Allow to every principal but the role (NotPrincipal), Block Public Access off to let it in',
    expect: { s3_bucket_public_access: 'FAIL', s3_bucket_level_public_access_block: 'FAIL' },
    async break(ctx) {
      await ctx.admin.s3.putPublicAccessBlock({
        Bucket: ctx.bucketName,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: false,
          RestrictPublicBuckets: true,
        },
      });
      const policy = await bucketPolicy(ctx);
      policy.Statement.push({
        Sid: 'AllButRole',
        Effect: 'Allow',
        NotPrincipal: { AWS: ctx.roleArn },
        Action: 's3:GetBucketPolicy',
        Resource: `arn:aws:s3:::${ctx.bucketName}`,
      });
      await putBucketPolicy(ctx, policy);
    },
  },
  {
    name: "default encryption with SSE-KMS under a second alias of the co-signer's key",
    expect: { cosigner_s3_encryption_not_cosigner_key: 'FAIL' },
    break: (ctx) =>
      withKeyPolicy(
        ctx,
        (p) => p.Statement.push(allowTo(`arn:aws:iam::${ctx.accountId}:root`, 'kms:CreateAlias')),
        async () => {
          await ctx.admin.kms.createAlias({ AliasName: 'alias/backups', TargetKeyId: ctx.keyArn });
          await ctx.admin.s3.putBucketEncryption({
            Bucket: ctx.bucketName,
            ServerSideEncryptionConfiguration: {
              Rules: [
                {
                  ApplyServerSideEncryptionByDefault: {
                    SSEAlgorithm: 'aws:kms',
                    KMSMasterKeyID: `arn:aws:kms:${ctx.keyArn.split(':')[3] ?? ''}:${ctx.accountId}:alias/backups`,
                  },
                },
              ],
            },
          });
        },
      ),
  },
  {
    name: 'the alias moved to a sound decoy key while the role (and so the co-signer) keeps the real one',
    expect: { cosigner_iam_least_privilege: 'FAIL' },
    async break(ctx) {
      const sound = await keyPolicy(ctx);
      const root = `arn:aws:iam::${ctx.accountId}:root`;
      const movable = { ...sound, Statement: [...sound.Statement, allowTo(root, 'kms:UpdateAlias')] };
      const decoy = await ctx.admin.kms.createKey({ Policy: JSON.stringify(movable) });
      const arn = decoy.KeyMetadata?.Arn ?? '';
      await ctx.admin.kms.enableKeyRotation({ KeyId: arn });
      await putKeyPolicy(ctx, movable);
      await ctx.admin.kms.updateAlias({ AliasName: 'alias/demo-cosigner', TargetKeyId: arn });
      await putKeyPolicy(ctx, sound);
      await putKeyPolicy({ ...ctx, keyArn: arn }, sound);
    },
  },
  {
    name: 'the co-signer role also in a second instance profile (a host launched with it is the co-signer)',
    expect: { ec2_instance_profile_attached: 'FAIL' },
    async break(ctx) {
      await ctx.admin.iam.createInstanceProfile({ InstanceProfileName: 'spare' });
      await ctx.admin.iam.addRoleToInstanceProfile({ InstanceProfileName: 'spare', RoleName: roleName(ctx.roleArn) });
    },
  },
];
