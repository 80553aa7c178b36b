/**
 * The IAM policy an operator needs to run `provision`, `attest`, `status` and `destroy` (printed
 * by `provision --print-iam-policy`), least privilege: reads on `*` (Describe/Get/List have no
 * narrower resource for most calls, and discovery lists the account), IAM writes only under the
 * tool's path `/cosigner-cli/`, PassRole only of those roles and only to EC2, the SSM managed
 * policy the only one that may be attached or detached, and EC2's tag-on-create only with the create calls.
 *
 * A test runs the whole lifecycle (both network modes that need no prepared network: `public-ip`
 * and `managed`) on the sandbox as a role holding exactly this policy, and checks that every
 * action here was asked for by some call (test/provision/operator-policy.e2e.test.ts). The actions
 * in {@link NOT_SIMULATED} are the exception: AWS checks them and the sandbox does not.
 */
import type { PolicyDocument } from '../policy/types.js';
import { IAM_PATH } from '../config/names.js';

/** Reads, on `*`: observation, discovery (status, destroy), the audit of policies. */
const READ_ACTIONS = [
  'ec2:DescribeAddresses',
  'ec2:DescribeImages',
  'ec2:DescribeInstanceTypeOfferings',
  'ec2:DescribeInstanceTypes',
  'ec2:DescribeInstances',
  'ec2:DescribeInternetGateways',
  'ec2:DescribeNatGateways',
  'ec2:DescribeRouteTables',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeSubnets',
  'ec2:DescribeVolumes',
  'ec2:DescribeVpcAttribute',
  'ec2:DescribeVpcEndpoints',
  'ec2:DescribeVpcs',
  'iam:GetInstanceProfile',
  'iam:GetRole',
  'iam:GetRolePolicy',
  'iam:GetUser',
  'iam:ListAttachedRolePolicies',
  'iam:ListInstanceProfiles',
  'iam:ListRolePolicies',
  'iam:ListRoles',
  'kms:DescribeKey',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListAliases',
  'kms:ListGrants',
  'kms:ListKeys',
  'kms:ListResourceTags',
  's3:GetBucketOwnershipControls',
  's3:GetBucketPolicy',
  's3:GetBucketPublicAccessBlock',
  's3:GetBucketTagging',
  's3:GetBucketVersioning',
  's3:GetEncryptionConfiguration',
  's3:GetLifecycleConfiguration',
  's3:GetReplicationConfiguration',
  's3:ListAllMyBuckets',
  'ssm:GetParameter',
];

/** Writes on the role and instance profile, which live under the tool's IAM path. */
const IAM_WRITE_ACTIONS = [
  'iam:AddRoleToInstanceProfile',
  'iam:CreateInstanceProfile',
  'iam:CreateRole',
  'iam:DeleteInstanceProfile',
  'iam:DeleteRole',
  'iam:DeleteRolePolicy',
  'iam:PutRolePolicy',
  'iam:RemoveRoleFromInstanceProfile',
  'iam:TagInstanceProfile',
  'iam:TagRole',
];

/** Writes on the bucket, the key and the host's network and instance. */
const WRITE_ACTIONS = [
  'ec2:AllocateAddress',
  'ec2:AssociateRouteTable',
  'ec2:AttachInternetGateway',
  'ec2:AuthorizeSecurityGroupEgress',
  'ec2:AuthorizeSecurityGroupIngress',
  'ec2:CreateInternetGateway',
  'ec2:CreateNatGateway',
  'ec2:CreateRoute',
  'ec2:CreateRouteTable',
  'ec2:CreateSecurityGroup',
  'ec2:CreateSubnet',
  'ec2:CreateVpc',
  'ec2:CreateVpcEndpoint',
  'ec2:DeleteInternetGateway',
  'ec2:DeleteNatGateway',
  'ec2:DeleteRouteTable',
  'ec2:DeleteSecurityGroup',
  'ec2:DeleteSubnet',
  'ec2:DeleteVpc',
  'ec2:DeleteVpcEndpoints',
  'ec2:DetachInternetGateway',
  'ec2:DisassociateRouteTable',
  'ec2:ModifyVpcAttribute',
  'ec2:ReleaseAddress',
  'ec2:RevokeSecurityGroupEgress',
  'ec2:RunInstances',
  'ec2:TerminateInstances',
  'kms:CreateAlias',
  'kms:CreateKey',
  'kms:DeleteAlias',
  'kms:EnableKeyRotation',
  'kms:PutKeyPolicy',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  's3:CreateBucket',
  's3:DeleteBucket',
  's3:PutBucketOwnershipControls',
  's3:PutBucketPolicy',
  's3:PutBucketPublicAccessBlock',
  's3:PutBucketTagging',
  's3:PutBucketVersioning',
  's3:PutEncryptionConfiguration',
];

/** The EC2 calls that create tagged resources: CreateTags is allowed only as part of them. */
const TAGGED_CREATES = [
  'AllocateAddress',
  'CreateInternetGateway',
  'CreateNatGateway',
  'CreateRouteTable',
  'CreateSecurityGroup',
  'CreateSubnet',
  'CreateVpc',
  'CreateVpcEndpoint',
  'RunInstances',
];

/**
 * Actions AWS checks that the sandbox does not: tagging on create (`ec2:CreateTags` with
 * TagSpecifications, `iam:TagInstanceProfile` with CreateInstanceProfile's tags) and reading the
 * public AMI parameter (`ssm:GetParameter`).
 */
export const NOT_SIMULATED: readonly string[] = ['ec2:CreateTags', 'iam:TagInstanceProfile', 'ssm:GetParameter'];

/** The AWS managed policy the co-signer role gets (SSM Session Manager): the only one attachable. */
const SSM_POLICY_ARN = 'arn:*:iam::aws:policy/AmazonSSMManagedInstanceCore';

export function operatorIamPolicy(): PolicyDocument {
  const rolePath = `arn:*:iam::*:role${IAM_PATH}*`;
  const profilePath = `arn:*:iam::*:instance-profile${IAM_PATH}*`;
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'CosignerRead', Effect: 'Allow', Action: [...READ_ACTIONS], Resource: '*' },
      { Sid: 'CosignerWrite', Effect: 'Allow', Action: [...WRITE_ACTIONS], Resource: '*' },
      {
        Sid: 'CosignerIamUnderPath',
        Effect: 'Allow',
        Action: [...IAM_WRITE_ACTIONS],
        Resource: [rolePath, profilePath],
      },
      {
        Sid: 'CosignerAttachSsmPolicy',
        Effect: 'Allow',
        Action: ['iam:AttachRolePolicy', 'iam:DetachRolePolicy'],
        Resource: rolePath,
        Condition: { ArnLike: { 'iam:PolicyARN': SSM_POLICY_ARN } },
      },
      {
        Sid: 'CosignerPassRoleToEc2',
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: rolePath,
        // RunInstances passes the role to EC2 (iam:PassedToService set); AddRoleToInstanceProfile
        // also asks for PassRole, where the key may be absent.
        Condition: { StringEqualsIfExists: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
      },
      {
        Sid: 'CosignerTagOnCreate',
        Effect: 'Allow',
        Action: 'ec2:CreateTags',
        Resource: '*',
        Condition: { StringEquals: { 'ec2:CreateAction': TAGGED_CREATES } },
      },
    ],
  };
}
