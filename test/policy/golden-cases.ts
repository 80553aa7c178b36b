// The inputs of every golden file in test/policy/golden (file name → builder output).
import { buildBucketPolicy } from '../../src/policy/bucket-policy.js';
import { buildRoleInlinePolicy, buildRoleTrustPolicy, ssmManagedPolicyArn } from '../../src/policy/iam-policies.js';
import { buildKeyPolicy } from '../../src/policy/key-policy.js';

export const ACCOUNT = '123456789012';
export const ROLE = `arn:aws:iam::${ACCOUNT}:role/cosigner-prod`;
export const KEY_ARN = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
export const GLOBAL_PCR8 =
  'da1d9eca20ce98ab4fdbc51f8e5a2307fd4c61829b7d8bff40976cd6676862c8f3476ff4bdd0f65ecf4a48d6eb3099a8';
export const EU_PCR8 =
  'fffc94d68a150b49dc39b23954c793cd1a4f7972f528a1ee258dc130b6cd9454e29ae72ef66bd9697a55e774e17a2d49';
export const ADMIN = `arn:aws:iam::${ACCOUNT}:role/KeyAdmin`;
export const BREAK_GLASS = `arn:aws:iam::${ACCOUNT}:user/break-glass`;

export const GOLDEN_CASES: Record<string, () => unknown> = {
  'key-policy.fireblocks-exact.json': () =>
    buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [GLOBAL_PCR8], profile: 'fireblocks-exact' }),
  'key-policy.fireblocks-exact.rotation.json': () =>
    buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [GLOBAL_PCR8, EU_PCR8], profile: 'fireblocks-exact' }),
  'key-policy.hardened.json': () => buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [GLOBAL_PCR8] }),
  'key-policy.hardened.all-options.json': () =>
    buildKeyPolicy({
      accountId: ACCOUNT,
      roleArn: ROLE,
      pcr8: [GLOBAL_PCR8, EU_PCR8],
      adminArns: [ADMIN, BREAK_GLASS],
      pcr3RoleBinding: true,
      allowRotation: true,
    }),
  'key-policy.hardened.no-debug-deny.json': () =>
    buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [GLOBAL_PCR8], denyDebug: false }),
  'key-policy.hardened.aws-cn.json': () =>
    buildKeyPolicy({
      accountId: ACCOUNT,
      partition: 'aws-cn',
      roleArn: `arn:aws-cn:iam::${ACCOUNT}:role/cosigner-prod`,
      pcr8: [GLOBAL_PCR8],
    }),
  'bucket-policy.json': () =>
    buildBucketPolicy({ bucketName: 'cosigner-prod-123456789012', accountId: ACCOUNT, roleArn: ROLE }),
  'bucket-policy.no-tls.json': () =>
    buildBucketPolicy({ bucketName: 'cosigner-prod-123456789012', accountId: ACCOUNT, roleArn: ROLE, tlsOnly: false }),
  'iam-trust-policy.json': () => buildRoleTrustPolicy(),
  'iam-inline-policy.json': () => buildRoleInlinePolicy({ bucketName: 'cosigner-prod-123456789012', keyArn: KEY_ARN }),
  'iam-managed-policies.json': () => ({ aws: ssmManagedPolicyArn(), 'aws-cn': ssmManagedPolicyArn('aws-cn') }),
};
