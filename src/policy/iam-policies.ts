/**
 * The co-signer role's IAM documents (FB-INSTALL §1.2, §1.5; fireblocks-aws.md §1.4): the EC2
 * trust policy the console creates for the EC2 use case, the inline policy from Fireblocks'
 * template scoped to this bucket and key, and the managed AmazonSSMManagedInstanceCore policy.
 */
import { fail } from '../errors.js';
import { parseKeyArn } from './arn.js';
import { bucketArn } from './bucket-policy.js';
import { FIREBLOCKS_ROLE_KMS_ACTIONS, POLICY_VERSION } from './constants.js';
import type { PolicyDocument } from './types.js';

/** The trust policy: EC2 may assume the role (the console default for the EC2 use case). */
export function buildRoleTrustPolicy(): PolicyDocument {
  return {
    Version: POLICY_VERSION,
    Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  };
}

export interface RoleInlinePolicyInput {
  bucketName: string;
  /** The full key ARN, `arn:aws:kms:{region}:{account}:key/{id}`. */
  keyArn: string;
}

/** The name of the inline policy on the role. */
export const ROLE_INLINE_POLICY_NAME = 'cosigner-access';

/**
 * Fireblocks' inline policy template with the bucket and key filled in. Its `kms:GenerateRandom` on
 * the key's ARN never matches (GenerateRandom takes no key: an IAM permission on "*" only, per the
 * KMS API reference). Co-signers deployed from the template therefore run without it, and no grant
 * on "*" is added here: it would be a permission the documented deployment does not have.
 */
export function buildRoleInlinePolicy(input: RoleInlinePolicyInput): PolicyDocument {
  const key = parseKeyArn(input.keyArn);
  if (key === undefined)
    fail(
      'POLICY_INVALID',
      `not a KMS key ARN: ${JSON.stringify(input.keyArn)}`,
      'pass the full key ARN, e.g. arn:aws:kms:eu-west-1:123456789012:key/…',
    );
  const bucket = bucketArn(input.bucketName, key.partition);
  return {
    Version: POLICY_VERSION,
    Statement: [
      { Sid: 'ListBuckets', Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' },
      { Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetBucketLocation'], Resource: bucket },
      {
        Sid: 'WritePermissionsOnBucket',
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:PutObjectAcl', 's3:GetObject', 's3:GetObjectAcl', 's3:DeleteObject'],
        Resource: `${bucket}/*`,
      },
      {
        Sid: 'AccessToTheKey',
        Effect: 'Allow',
        Action: ['kms:Encrypt', ...FIREBLOCKS_ROLE_KMS_ACTIONS.filter((action) => action !== 'kms:Encrypt')],
        Resource: [input.keyArn],
      },
    ],
  };
}

/** The managed policy attached to the role so SSM can reach the host. */
export function ssmManagedPolicyArn(partition = 'aws'): string {
  return `arn:${partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`;
}
