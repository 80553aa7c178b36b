/**
 * The S3 bucket policy: Fireblocks' deny-all-but-the-role statement (FB-INSTALL §1.3), a Deny of
 * every other object action to all but the role, a Deny of lifecycle and replication rules to
 * everyone (they reach the objects indirectly), and a TLS-only Deny (Security Hub S3.5). Neither statement may ever deny
 * `s3:PutBucketPolicy` or `s3:GetBucketPolicy` to the administrators over TLS: the first only lists
 * object and listing actions, the second only fires on plain HTTP. proveBucketPolicy checks it.
 */
import { fail } from '../errors.js';
import { assertAccountId, assertRoleArn } from './arn.js';
import { BUCKET_SIDS, POLICY_VERSION, S3_INDIRECT_OBJECT_ACTIONS } from './constants.js';
import type { PolicyDocument, PolicyStatement } from './types.js';

/** The actions Fireblocks denies to every principal but the role, in Fireblocks' order. */
const FIREBLOCKS_BUCKET_DENIED_ACTIONS: readonly string[] = [
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
const BUCKET_OBJECT_DENY_PATTERNS: readonly string[] = [
  's3:*Object*',
  's3:Replicate*',
  's3:InitiateReplication',
  's3:AbortMultipartUpload',
  's3:ListMultipartUploadParts',
  's3:BypassGovernanceRetention',
];

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

// S3's naming rules for general purpose buckets
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
const RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

/**
 * Why a bucket name cannot be used, or undefined when it can: S3's rules, plus no dots (a dotted
 * name breaks the TLS certificate match of virtual-hosted-style HTTPS requests).
 */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'must be 3 to 63 characters long';
  if (name.includes('.')) return 'must not contain dots (HTTPS to a dotted bucket name fails the certificate check)';
  if (!/^[a-z0-9-]+$/.test(name)) return 'may contain only lower-case letters, digits and hyphens';
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return 'must begin and end with a letter or a digit';
  const prefix = RESERVED_PREFIXES.find((reserved) => name.startsWith(reserved));
  if (prefix !== undefined) return `must not begin with ${JSON.stringify(prefix)} (reserved by S3)`;
  const suffix = RESERVED_SUFFIXES.find((reserved) => name.endsWith(reserved));
  if (suffix !== undefined) return `must not end with ${JSON.stringify(suffix)} (reserved by S3)`;
  return undefined;
}

/**
 * Why the bucket name derived from a co-signer name (`<name>-cosigner-<account>-<region>`) cannot
 * be used, or undefined: only the reserved prefixes can bite, the rest of the derived name is sound.
 */
export function derivedBucketPrefixProblem(cosignerName: string): string | undefined {
  const prefix = RESERVED_PREFIXES.find((reserved) => `${cosignerName}-cosigner-`.startsWith(reserved));
  if (prefix === undefined) return undefined;
  return `the bucket name derived from it would begin with ${JSON.stringify(prefix)} (reserved by S3): choose another name or set s3.bucketName`;
}

export function bucketArn(bucketName: string, partition = 'aws'): string {
  return `arn:${partition}:s3:::${bucketName}`;
}

export function buildBucketPolicy(input: BucketPolicyInput): PolicyDocument {
  const problem = bucketNameProblem(input.bucketName);
  if (problem !== undefined) {
    fail(
      'POLICY_INVALID',
      `not a usable S3 bucket name: ${JSON.stringify(input.bucketName)} ${problem}`,
      'use 3-63 lower-case letters, digits and hyphens, starting and ending with a letter or digit (s3.bucketName, --bucket-name)',
    );
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
    {
      Sid: BUCKET_SIDS.denyIndirectObjectAccess,
      Effect: 'Deny',
      Principal: '*',
      Action: [...S3_INDIRECT_OBJECT_ACTIONS],
      Resource: arn,
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
