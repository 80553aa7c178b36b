/**
 * The S3 bucket policy: Fireblocks' deny-all-but-the-role statement (FB-INSTALL §1.3), a Deny of
 * every other object action to all but the role, and a TLS-only Deny (Security Hub S3.5). Neither statement may ever deny
 * `s3:PutBucketPolicy` or `s3:GetBucketPolicy` to the administrators over TLS: the first only lists
 * object and listing actions, the second only fires on plain HTTP. proveBucketPolicy checks it.
 */
import { fail } from '../errors.js';
import { assertAccountId, assertRoleArn } from './arn.js';
import { BUCKET_SIDS, POLICY_VERSION } from './constants.js';
import type { PolicyDocument, PolicyStatement } from './types.js';

/** The actions Fireblocks denies to every principal but the role, in Fireblocks' order. */
export const FIREBLOCKS_BUCKET_DENIED_ACTIONS: readonly string[] = [
  's3:PutObject',
  's3:GetObject',
  's3:DeleteObject',
  's3:ListBucket',
  's3:ListBucketMultipartUploads',
  's3:AbortMultipartUpload',
  's3:GetObjectAcl',
  's3:PutObjectAcl',
  's3:RestoreObject',
];

/** Every object action, by pattern: `*Object*` (objects, versions, ACLs, tags, retention), replication and multipart parts. */
export const BUCKET_OBJECT_DENY_PATTERNS: readonly string[] = ['s3:*Object*', 's3:Replicate*', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts', 's3:BypassGovernanceRetention'];

export interface BucketPolicyInput {
  bucketName: string;
  accountId: string;
  roleArn: string;
  /** @default 'aws' */
  partition?: string;
  /**
   * Add the TLS-only Deny (`aws:SecureTransport` false).
   * @default true
   */
  tlsOnly?: boolean;
}

const BUCKET_NAME = /^(?!xn--)(?!sthree-)(?!.*-s3alias$)(?!.*--ol-s3$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function bucketArn(bucketName: string, partition = 'aws'): string {
  return `arn:${partition}:s3:::${bucketName}`;
}

export function buildBucketPolicy(input: BucketPolicyInput): PolicyDocument {
  if (!BUCKET_NAME.test(input.bucketName) || input.bucketName.includes('..')) {
    fail('POLICY_INVALID', `not a valid S3 bucket name: ${JSON.stringify(input.bucketName)}`, 'use 3-63 lower-case letters, digits, dots and hyphens');
  }
  assertAccountId(input.accountId);
  assertRoleArn(input.roleArn);
  const arn = bucketArn(input.bucketName, input.partition);
  const statements: PolicyStatement[] = [
    {
      Sid: BUCKET_SIDS.denyAllButRole,
      Effect: 'Deny',
      Principal: '*',
      Action: [...FIREBLOCKS_BUCKET_DENIED_ACTIONS],
      Resource: [arn, `${arn}/*`],
      Condition: { ArnNotEquals: { 'aws:PrincipalArn': input.roleArn } },
    },
    {
      // Fireblocks' list leaves object versions, tags, retention and replication to IAM; this
      // statement takes every object action from everyone but the role (proveBucketPolicy's
      // bucket-objects step requires it).
      Sid: BUCKET_SIDS.denyObjectsButRole,
      Effect: 'Deny',
      Principal: '*',
      Action: [...BUCKET_OBJECT_DENY_PATTERNS],
      Resource: `${arn}/*`,
      Condition: { ArnNotEquals: { 'aws:PrincipalArn': input.roleArn } },
    },
  ];
  if (input.tlsOnly ?? true) {
    statements.push({
      Sid: BUCKET_SIDS.tlsOnly,
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: [arn, `${arn}/*`],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
  }
  return { Version: POLICY_VERSION, Statement: statements };
}
