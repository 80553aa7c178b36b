/** Buckets themselves: the global namespace and naming rules, lookup, CreateBucket, ListBuckets, DeleteBucket. */
import type * as SDK from '@aws-sdk/client-s3';
import { bucketArn } from '../../policy/bucket-policy.js';
import type { Tx } from './engine.js';
import { SandboxServiceError } from './service-error.js';
import type { BucketRecord } from './state.js';
import { paginate, sha256Hex } from './util.js';

/** Names always owned by "another account". Any name starting with `taken-` is, too. */
const TAKEN_BUCKET_NAMES: readonly string[] = [
  'cosigner',
  'cosigner-cli',
  'fireblocks',
  'fireblocks-cosigner',
  'my-bucket',
  'test',
  'test-bucket',
  'example-bucket',
  'backup',
];

function isTakenBucketName(name: string, extra: readonly string[]): boolean {
  return name.startsWith('taken-') || TAKEN_BUCKET_NAMES.includes(name) || extra.includes(name);
}

/** S3's general-purpose bucket naming rules. */
function isValidBucketName(name: string): boolean {
  if (name.length < 3 || name.length > 63) return false;
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) return false;
  if (name.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(name)) return false;
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(name) || /(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(name))
    return false;
  return true;
}

export function canonicalUserId(account: string): string {
  return sha256Hex(`canonical:${account}`);
}

export function findBucket(tx: Tx, name: string | undefined, head: boolean): BucketRecord {
  const bucketName = name ?? '';
  const bucket = tx.state.s3.buckets[bucketName];
  if (bucket !== undefined) return bucket;
  if (isTakenBucketName(bucketName, tx.knobs.takenBucketNames)) {
    if (head) throw new SandboxServiceError('s3', 'Unknown', 'UnknownError', 403);
    throw tx.error('AccessDenied', 'Access Denied', 403);
  }
  if (head) throw new SandboxServiceError('s3', 'NotFound', 'UnknownError', 404);
  throw tx.error('NoSuchBucket', 'The specified bucket does not exist', 404);
}

export function createBucket(tx: Tx, input: SDK.CreateBucketCommandInput) {
  const name = input.Bucket ?? '';
  if (!isValidBucketName(name)) throw tx.error('InvalidBucketName', 'The specified bucket is not valid.');
  const constraint = input.CreateBucketConfiguration?.LocationConstraint as string | undefined;
  if (tx.region === 'us-east-1') {
    if (constraint !== undefined && constraint !== 'us-east-1' && constraint !== '') {
      throw tx.error(
        'IllegalLocationConstraintException',
        `The ${constraint} location constraint is incompatible for the region specific endpoint this request was sent to.`,
      );
    }
    if (constraint === 'us-east-1')
      throw tx.error('InvalidLocationConstraint', 'The specified location-constraint is not valid');
  } else if (constraint === undefined) {
    throw tx.error(
      'IllegalLocationConstraintException',
      'The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.',
    );
  } else if (constraint !== tx.region) {
    throw tx.error(
      'IllegalLocationConstraintException',
      `The ${constraint} location constraint is incompatible for the region specific endpoint this request was sent to.`,
    );
  }
  if (isTakenBucketName(name, tx.knobs.takenBucketNames))
    throw tx.error(
      'BucketAlreadyExists',
      'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.',
      409,
    );
  tx.authorize({ action: 's3:CreateBucket', resource: bucketArn(name) });
  const existing = tx.state.s3.buckets[name];
  if (existing !== undefined) {
    // us-east-1 answers 200 to a re-create by the owner; every other region says so.
    if (tx.region === 'us-east-1' && existing.region === 'us-east-1')
      return { Location: `/${name}`, BucketArn: bucketArn(name) };
    throw tx.error(
      'BucketAlreadyOwnedByYou',
      'Your previous request to create the named bucket succeeded and you already own it.',
      409,
    );
  }
  if (
    input.ACL !== undefined &&
    input.ACL !== 'private' &&
    (input.ObjectOwnership ?? 'BucketOwnerEnforced') === 'BucketOwnerEnforced'
  ) {
    throw tx.error(
      'InvalidBucketAclWithObjectOwnership',
      "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
    );
  }
  if (Object.values(tx.state.s3.buckets).length >= 100)
    throw tx.error('TooManyBuckets', 'You have attempted to create more buckets than allowed');
  const bucket: BucketRecord = {
    name,
    region: tx.region,
    createdAt: tx.now.toISOString(),
    // New buckets: Block Public Access on, ACLs disabled, SSE-S3 (AWS defaults since 2023).
    publicAccessBlock: {
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    },
    ownership: input.ObjectOwnership ?? 'BucketOwnerEnforced',
    encryption: { algorithm: 'AES256', bucketKeyEnabled: false },
    objects: {},
    ...(input.ObjectLockEnabledForBucket === true ? { versioning: 'Enabled' as const, objectLockEnabled: true } : {}),
  };
  tx.state.s3.buckets[name] = bucket;
  tx.trail({ resources: [{ ARN: bucketArn(name), type: 'AWS::S3::Bucket' }] });
  return {
    Location: tx.region === 'us-east-1' ? `/${name}` : `http://${name}.s3.amazonaws.com/`,
    BucketArn: bucketArn(name),
  };
}

export function listBuckets(tx: Tx, input: SDK.ListBucketsCommandInput) {
  tx.authorize({ action: 's3:ListAllMyBuckets', resource: '*' });
  const buckets = Object.values(tx.state.s3.buckets)
    .filter(
      (bucket) =>
        (input.Prefix === undefined || bucket.name.startsWith(input.Prefix)) &&
        (input.BucketRegion === undefined || bucket.region === input.BucketRegion),
    )
    .sort((a, b) => a.name.localeCompare(b.name));
  const paged = input.MaxBuckets !== undefined || input.ContinuationToken !== undefined;
  const page = paged
    ? paginate(buckets, {
        token: input.ContinuationToken,
        max: input.MaxBuckets,
        pageSize: tx.knobs.pageSize,
        scope: `ListBuckets:${input.Prefix ?? ''}:${input.BucketRegion ?? ''}`,
        invalid: () => tx.error('InvalidArgument', 'The continuation token provided is incorrect'),
      })
    : { items: buckets, next: undefined };
  return {
    Buckets: page.items.map((bucket) => ({
      Name: bucket.name,
      CreationDate: new Date(bucket.createdAt),
      BucketRegion: bucket.region,
      BucketArn: bucketArn(bucket.name),
    })),
    Owner: { ID: canonicalUserId(tx.state.accountId) },
    ...(input.Prefix === undefined ? {} : { Prefix: input.Prefix }),
    ...(page.next === undefined ? {} : { ContinuationToken: page.next }),
  };
}

export function deleteBucket(tx: Tx, bucket: BucketRecord) {
  const versions = Object.values(bucket.objects).reduce((total, list) => total + list.length, 0);
  if (versions > 0) {
    throw tx.error(
      'BucketNotEmpty',
      bucket.versioning === undefined
        ? 'The bucket you tried to delete is not empty'
        : 'The bucket you tried to delete is not empty. You must delete all versions in the bucket.',
      409,
    );
  }
  delete tx.state.s3.buckets[bucket.name];
  return {};
}
