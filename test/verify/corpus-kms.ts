// Broken deployments: the co-signer's key (its policy, grants, rotation, state and kind).
import { EXPECTED_PCR8, IMAGE_PCRS } from './audit-world.js';
import {
  adminUser,
  allowTo,
  editKeyPolicy,
  enclave,
  keyPolicy,
  OTHER_PCR8,
  putKeyPolicy,
  sleep,
  statement,
  withKeyPolicy,
  type BrokenCase,
} from './corpus-support.js';

export const KMS_CASES: BrokenCase[] = [
  // ---- KMS ---------------------------------------------------------------------------------
  {
    name: 'an Allow of kms:Decrypt without attestation',
    expect: { kms_key_enclave_attestation_not_enforced: 'FAIL' },
    break: (ctx) => editKeyPolicy(ctx, (p) => p.Statement.push(allowTo(adminUser(ctx), 'kms:Decrypt'))),
  },
  {
    name: 'kms:CreateGrant allowed to the co-signer role',
    expect: { kms_key_enclave_attestation_bypassable_path: 'FAIL' },
    break: (ctx) => editKeyPolicy(ctx, (p) => p.Statement.push(allowTo(ctx.roleArn, 'kms:CreateGrant'))),
  },
  {
    name: 'a grant of Decrypt to another principal',
    // A grant is a door beside the key policy that asks for no attestation document.
    expect: { kms_key_enclave_attestation_not_enforced: 'FAIL', kms_key_enclave_attestation_bypassable_path: 'FAIL' },
    break: (ctx) =>
      withKeyPolicy(
        ctx,
        (p) => p.Statement.push(allowTo(adminUser(ctx), 'kms:CreateGrant')),
        async () => {
          await ctx.admin.kms.createGrant({
            KeyId: ctx.keyArn,
            GranteePrincipal: adminUser(ctx),
            Operations: ['Decrypt'],
          });
        },
      ),
  },
  {
    name: 'a PCR8 value nobody expects admitted by the attested statement',
    expect: { cosigner_kms_pcr8_matches_fb_env: 'FAIL' },
    break: (ctx) =>
      editKeyPolicy(ctx, (p) => {
        const attested = statement(p, 'Enable enclave data processing for specific role');
        attested.Condition = {
          StringEqualsIgnoreCase: { 'kms:RecipientAttestation:PCR8': [EXPECTED_PCR8, OTHER_PCR8] },
        };
      }),
  },
  {
    name: 'the attested statement names another role',
    expect: { cosigner_kms_role_principal_resolves: 'FAIL' },
    async break(ctx) {
      const other = await ctx.admin.iam.createRole({
        RoleName: 'intruder',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        }),
      });
      await sleep(60); // IAM propagation (FAST_KNOBS)
      await editKeyPolicy(ctx, (p) => {
        statement(p, 'Enable enclave data processing for specific role').Principal = { AWS: other.Role?.Arn ?? '' };
      });
    },
  },
  {
    name: 'no administrator keeps kms:PutKeyPolicy (locked out)',
    expect: { cosigner_kms_break_glass_present: 'FAIL' },
    break: (ctx) =>
      editKeyPolicy(
        ctx,
        (p) => {
          const admin = statement(p, 'Allow policy management to root user');
          admin.Action = (admin.Action as string[]).filter((a) => a !== 'kms:PutKeyPolicy');
        },
        true,
      ),
  },
  {
    name: 'the debug-enclave Deny removed',
    expect: { cosigner_kms_debug_enclave_denied: 'FAIL' },
    break: (ctx) =>
      editKeyPolicy(ctx, (p) => (p.Statement = p.Statement.filter((s) => s.Sid !== 'CosignerDenyDebugEnclave'))),
  },
  {
    name: 'kms:DescribeKey allowed to Principal "*"',
    expect: { kms_key_not_publicly_accessible: 'FAIL' },
    break: (ctx) =>
      editKeyPolicy(ctx, (p) =>
        p.Statement.push({ Sid: 'Open', Effect: 'Allow', Principal: '*', Action: 'kms:DescribeKey', Resource: '*' }),
      ),
  },
  {
    name: 'automatic rotation turned off',
    expect: { kms_cmk_rotation_enabled: 'FAIL' },
    break: (ctx) =>
      withKeyPolicy(
        ctx,
        (p) => p.Statement.push(allowTo(`arn:aws:iam::${ctx.accountId}:root`, 'kms:DisableKeyRotation')),
        async () => {
          await ctx.admin.kms.disableKeyRotation({ KeyId: ctx.keyArn });
        },
      ),
  },
  {
    name: 'the key disabled',
    expect: { kms_cmk_not_deleted_unintentionally: 'FAIL' },
    break: (ctx) =>
      withKeyPolicy(
        ctx,
        (p) => p.Statement.push(allowTo(`arn:aws:iam::${ctx.accountId}:root`, 'kms:DisableKey')),
        async () => {
          await ctx.admin.kms.disableKey({ KeyId: ctx.keyArn });
        },
      ),
  },
  {
    name: 'the alias moved to a multi-Region key (policy, rotation and role kept in step)',
    expect: { kms_cmk_not_multi_region: 'FAIL' },
    async break(ctx) {
      const sound = await keyPolicy(ctx);
      const root = `arn:aws:iam::${ctx.accountId}:root`;
      const described = await ctx.admin.kms.describeKey({ KeyId: ctx.keyArn });
      // Moving an alias needs kms:UpdateAlias on both keys, which neither policy grants: briefly.
      const movable = { ...sound, Statement: [...sound.Statement, allowTo(root, 'kms:UpdateAlias')] };
      const created = await ctx.admin.kms.createKey({
        MultiRegion: true,
        Policy: JSON.stringify(movable),
        Description: described.KeyMetadata?.Description ?? '',
      });
      const arn = created.KeyMetadata?.Arn ?? '';
      await ctx.admin.kms.enableKeyRotation({ KeyId: arn });
      await putKeyPolicy(ctx, movable);
      await ctx.admin.kms.updateAlias({ AliasName: 'alias/demo-cosigner', TargetKeyId: arn });
      await putKeyPolicy(ctx, sound);
      await putKeyPolicy({ ...ctx, keyArn: arn }, sound);
      const roleName = ctx.roleArn.split('/').pop() ?? '';
      const inline = await ctx.admin.iam.getRolePolicy({ RoleName: roleName, PolicyName: 'cosigner-access' });
      const text = decodeURIComponent(inline.PolicyDocument ?? '')
        .split(ctx.keyArn)
        .join(arn);
      await ctx.admin.iam.putRolePolicy({ RoleName: roleName, PolicyName: 'cosigner-access', PolicyDocument: text });
      await enclave({ ...ctx, keyArn: arn }, IMAGE_PCRS);
    },
  },
];
