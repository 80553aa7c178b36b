/**
 * The minimal read-only IAM policy the audit needs (`verify --print-iam-policy`): the actions of
 * every read the checks make, and, in a statement of its own, the listing `--all` does to find the
 * co-signers (status's discovery). Describe/Get/List/Lookup only. `sts:GetCallerIdentity` needs no
 * permission. The key policies grant kms:DescribeKey and kms:GetKeyPolicy to the account (so an IAM
 * policy delegates them); the hardened profile also lets the account read rotation and grants.
 */
import type { PolicyDocument } from '../policy/types.js';

/** The actions of the audit's reads (deployment-reads.ts), by service. */
export const AUDIT_READ_ACTIONS: readonly string[] = [
  'cloudtrail:DescribeTrails',
  'cloudtrail:GetTrailStatus',
  'cloudtrail:LookupEvents',
  'ec2:DescribeInstanceAttribute',
  'ec2:DescribeInstanceTypes',
  'ec2:DescribeInstances',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeVolumes',
  'iam:GetInstanceProfile',
  'iam:GetRole',
  'iam:GetRolePolicy',
  'iam:ListAttachedRolePolicies',
  'iam:ListInstanceProfilesForRole',
  'iam:ListRolePolicies',
  'kms:DescribeKey',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListGrants',
  's3:GetBucketOwnershipControls',
  's3:GetBucketPolicy',
  's3:GetBucketPublicAccessBlock',
  's3:GetBucketVersioning',
  's3:GetEncryptionConfiguration',
  's3:ListAllMyBuckets',
];

/** What `--all` adds to find every co-signer of the account and region by its tags. */
const DISCOVERY_ACTIONS: readonly string[] = [
  'ec2:DescribeAddresses',
  'ec2:DescribeInternetGateways',
  'ec2:DescribeNatGateways',
  'ec2:DescribeRouteTables',
  'ec2:DescribeSubnets',
  'ec2:DescribeVpcEndpoints',
  'ec2:DescribeVpcs',
  'iam:ListInstanceProfiles',
  'iam:ListRoles',
  'kms:ListAliases',
  'kms:ListKeys',
  'kms:ListResourceTags',
  's3:GetBucketTagging',
];

export function verifyIamPolicy(): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'CosignerVerifyRead', Effect: 'Allow', Action: [...AUDIT_READ_ACTIONS], Resource: '*' },
      { Sid: 'CosignerVerifyDiscoverAll', Effect: 'Allow', Action: [...DISCOVERY_ACTIONS], Resource: '*' },
    ],
  };
}
