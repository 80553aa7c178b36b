/**
 * The simulated S3 behind {@link S3Port}. Behaviour spec: ./README.md, "S3".
 *
 * Bucket names are global: the sandbox keeps a set of names "owned by another account", so the
 * collision path is testable. Bucket policies are evaluated on every call (with the caller's IAM
 * policies, same-account logic), so a deny-all-but-the-role policy really denies everyone else.
 *
 * The class wires each operation to the engine (bucket lookup, trail and authorization first); the
 * operations themselves live in the sibling `s3-*.ts` files, by concern.
 */
import type * as SDK from '@aws-sdk/client-s3';
import { bucketArn } from '../../policy/bucket-policy.js';
import type { S3Port } from '../s3.js';
import type { SandboxEngine, Tx } from './engine.js';
import {
  getBucketOwnershipControls,
  getBucketTagging,
  getObjectLockConfiguration,
  getPublicAccessBlock,
  putBucketEncryption,
  putBucketOwnershipControls,
  putBucketTagging,
  putBucketVersioning,
  putPublicAccessBlock,
} from './s3-bucket-config.js';
import { deleteBucketPolicy, getBucketPolicy, getBucketPolicyStatus, putBucketPolicy } from './s3-bucket-policy.js';
import {
  deleteBucketLifecycle,
  deleteBucketReplication,
  getBucketLifecycleConfiguration,
  getBucketReplication,
  putBucketLifecycleConfiguration,
  putBucketReplication,
} from './s3-bucket-retention.js';
import { createBucket, deleteBucket, findBucket, listBuckets } from './s3-buckets.js';
import { listObjectsV2, listObjectVersions } from './s3-listing.js';
import {
  deleteObject,
  getObjectOutput,
  getObjectVersion,
  headObject,
  putObject,
  readObjectBody,
} from './s3-objects.js';
import type { BucketRecord } from './state.js';
import { sha256Hex } from './util.js';

interface BucketAccess {
  action: string;
  /** Object key for object-level actions. */
  key?: string;
  head?: boolean;
  context?: Record<string, string | string[] | boolean>;
}

export class SandboxS3 implements S3Port {
  readonly #engine: SandboxEngine;

  constructor(engine: SandboxEngine) {
    this.#engine = engine;
  }

  /** A call on an existing bucket: existence, ownership and the bucket policy are checked first. */
  #bucketCall<O extends object>(
    operation: string,
    write: boolean,
    input: { Bucket?: string | undefined },
    access: BucketAccess,
    run: (tx: Tx, bucket: BucketRecord) => O | Promise<O>,
    objectLevel = false,
  ) {
    return this.#engine.call({
      service: 's3',
      operation,
      write,
      input,
      noTrail: objectLevel,
      run: (tx) => {
        const bucket = findBucket(tx, input.Bucket, access.head === true);
        tx.trail({ resources: [{ ARN: bucketArn(bucket.name), type: 'AWS::S3::Bucket' }] });
        tx.authorize({
          action: access.action,
          resource: access.key === undefined ? bucketArn(bucket.name) : `${bucketArn(bucket.name)}/${access.key}`,
          resourcePolicy: bucket.policy,
          model: 'generic',
          ...(access.head === true ? { head: true } : {}),
          ...(access.context === undefined ? {} : { context: access.context }),
        });
        return run(tx, bucket);
      },
    });
  }

  createBucket(input: SDK.CreateBucketCommandInput) {
    return this.#engine.call({
      service: 's3',
      operation: 'CreateBucket',
      write: true,
      input,
      run: (tx) => createBucket(tx, input),
    });
  }

  headBucket(input: SDK.HeadBucketCommandInput) {
    return this.#bucketCall('HeadBucket', false, input, { action: 's3:ListBucket', head: true }, (_tx, bucket) => ({
      BucketRegion: bucket.region,
      AccessPointAlias: false,
      BucketArn: bucketArn(bucket.name),
    }));
  }

  getBucketLocation(input: SDK.GetBucketLocationCommandInput) {
    return this.#bucketCall('GetBucketLocation', false, input, { action: 's3:GetBucketLocation' }, (_tx, bucket) =>
      bucket.region === 'us-east-1' ? {} : { LocationConstraint: bucket.region as SDK.BucketLocationConstraint },
    );
  }

  listBuckets(input: SDK.ListBucketsCommandInput) {
    return this.#engine.call({
      service: 's3',
      operation: 'ListBuckets',
      write: false,
      input,
      run: (tx) => listBuckets(tx, input),
    });
  }

  deleteBucket(input: SDK.DeleteBucketCommandInput) {
    return this.#bucketCall('DeleteBucket', true, input, { action: 's3:DeleteBucket' }, (tx, bucket) =>
      deleteBucket(tx, bucket),
    );
  }

  putPublicAccessBlock(input: SDK.PutPublicAccessBlockCommandInput) {
    return this.#bucketCall(
      'PutPublicAccessBlock',
      true,
      input,
      { action: 's3:PutBucketPublicAccessBlock' },
      (tx, bucket) => putPublicAccessBlock(tx, bucket, input),
    );
  }

  getPublicAccessBlock(input: SDK.GetPublicAccessBlockCommandInput) {
    return this.#bucketCall(
      'GetPublicAccessBlock',
      false,
      input,
      { action: 's3:GetBucketPublicAccessBlock' },
      (tx, bucket) => getPublicAccessBlock(tx, bucket),
    );
  }

  putBucketOwnershipControls(input: SDK.PutBucketOwnershipControlsCommandInput) {
    return this.#bucketCall(
      'PutBucketOwnershipControls',
      true,
      input,
      { action: 's3:PutBucketOwnershipControls' },
      (tx, bucket) => putBucketOwnershipControls(tx, bucket, input),
    );
  }

  getBucketOwnershipControls(input: SDK.GetBucketOwnershipControlsCommandInput) {
    return this.#bucketCall(
      'GetBucketOwnershipControls',
      false,
      input,
      { action: 's3:GetBucketOwnershipControls' },
      (tx, bucket) => getBucketOwnershipControls(tx, bucket),
    );
  }

  putBucketVersioning(input: SDK.PutBucketVersioningCommandInput) {
    return this.#bucketCall('PutBucketVersioning', true, input, { action: 's3:PutBucketVersioning' }, (tx, bucket) =>
      putBucketVersioning(tx, bucket, input),
    );
  }

  getBucketVersioning(input: SDK.GetBucketVersioningCommandInput) {
    return this.#bucketCall('GetBucketVersioning', false, input, { action: 's3:GetBucketVersioning' }, (_tx, bucket) =>
      bucket.versioning === undefined ? {} : { Status: bucket.versioning, MFADelete: 'Disabled' as const },
    );
  }

  putBucketEncryption(input: SDK.PutBucketEncryptionCommandInput) {
    return this.#bucketCall(
      'PutBucketEncryption',
      true,
      input,
      { action: 's3:PutEncryptionConfiguration' },
      (tx, bucket) => putBucketEncryption(tx, bucket, input),
    );
  }

  getBucketEncryption(input: SDK.GetBucketEncryptionCommandInput) {
    return this.#bucketCall(
      'GetBucketEncryption',
      false,
      input,
      { action: 's3:GetEncryptionConfiguration' },
      (_tx, bucket) => ({
        ServerSideEncryptionConfiguration: {
          Rules: [
            {
              ApplyServerSideEncryptionByDefault: {
                SSEAlgorithm: bucket.encryption.algorithm as SDK.ServerSideEncryption,
                ...(bucket.encryption.kmsKeyId === undefined ? {} : { KMSMasterKeyID: bucket.encryption.kmsKeyId }),
              },
              BucketKeyEnabled: bucket.encryption.bucketKeyEnabled ?? false,
            },
          ],
        },
      }),
    );
  }

  getBucketLifecycleConfiguration(input: SDK.GetBucketLifecycleConfigurationCommandInput) {
    return this.#bucketCall(
      'GetBucketLifecycleConfiguration',
      false,
      input,
      { action: 's3:GetLifecycleConfiguration' },
      (tx, bucket) => getBucketLifecycleConfiguration(tx, bucket),
    );
  }

  getBucketReplication(input: SDK.GetBucketReplicationCommandInput) {
    return this.#bucketCall(
      'GetBucketReplication',
      false,
      input,
      { action: 's3:GetReplicationConfiguration' },
      (tx, bucket) => getBucketReplication(tx, bucket),
    );
  }

  /** Not in the port (cosigner-cli never sets one): for tests and drills that break a bucket. */
  putBucketLifecycleConfiguration(input: SDK.PutBucketLifecycleConfigurationCommandInput) {
    return this.#bucketCall(
      'PutBucketLifecycleConfiguration',
      true,
      input,
      { action: 's3:PutLifecycleConfiguration' },
      (tx, bucket) => putBucketLifecycleConfiguration(tx, bucket, input),
    );
  }

  /** Not in the port, like {@link putBucketLifecycleConfiguration}. */
  deleteBucketLifecycle(input: SDK.DeleteBucketLifecycleCommandInput) {
    return this.#bucketCall(
      'DeleteBucketLifecycle',
      true,
      input,
      { action: 's3:PutLifecycleConfiguration' },
      (_tx, b) => deleteBucketLifecycle(b),
    );
  }

  /** Not in the port, like {@link putBucketLifecycleConfiguration}. */
  putBucketReplication(input: SDK.PutBucketReplicationCommandInput) {
    return this.#bucketCall(
      'PutBucketReplication',
      true,
      input,
      { action: 's3:PutReplicationConfiguration' },
      (tx, bucket) => putBucketReplication(tx, bucket, input),
    );
  }

  /** Not in the port, like {@link putBucketLifecycleConfiguration}. */
  deleteBucketReplication(input: SDK.DeleteBucketReplicationCommandInput) {
    return this.#bucketCall(
      'DeleteBucketReplication',
      true,
      input,
      { action: 's3:PutReplicationConfiguration' },
      (_tx, bucket) => deleteBucketReplication(bucket),
    );
  }

  putBucketPolicy(input: SDK.PutBucketPolicyCommandInput) {
    return this.#bucketCall('PutBucketPolicy', true, input, { action: 's3:PutBucketPolicy' }, (tx, bucket) =>
      putBucketPolicy(tx, bucket, input),
    );
  }

  getBucketPolicy(input: SDK.GetBucketPolicyCommandInput) {
    return this.#bucketCall('GetBucketPolicy', false, input, { action: 's3:GetBucketPolicy' }, (tx, bucket) =>
      getBucketPolicy(tx, bucket),
    );
  }

  deleteBucketPolicy(input: SDK.DeleteBucketPolicyCommandInput) {
    return this.#bucketCall('DeleteBucketPolicy', true, input, { action: 's3:DeleteBucketPolicy' }, (_tx, bucket) =>
      deleteBucketPolicy(bucket),
    );
  }

  getBucketPolicyStatus(input: SDK.GetBucketPolicyStatusCommandInput) {
    return this.#bucketCall(
      'GetBucketPolicyStatus',
      false,
      input,
      { action: 's3:GetBucketPolicyStatus' },
      (tx, bucket) => getBucketPolicyStatus(tx, bucket),
    );
  }

  putBucketTagging(input: SDK.PutBucketTaggingCommandInput) {
    return this.#bucketCall('PutBucketTagging', true, input, { action: 's3:PutBucketTagging' }, (tx, bucket) =>
      putBucketTagging(tx, bucket, input),
    );
  }

  getBucketTagging(input: SDK.GetBucketTaggingCommandInput) {
    return this.#bucketCall('GetBucketTagging', false, input, { action: 's3:GetBucketTagging' }, (tx, bucket) =>
      getBucketTagging(tx, bucket),
    );
  }

  getBucketLogging(input: SDK.GetBucketLoggingCommandInput) {
    return this.#bucketCall('GetBucketLogging', false, input, { action: 's3:GetBucketLogging' }, () => ({}));
  }

  getObjectLockConfiguration(input: SDK.GetObjectLockConfigurationCommandInput) {
    return this.#bucketCall(
      'GetObjectLockConfiguration',
      false,
      input,
      { action: 's3:GetBucketObjectLockConfiguration' },
      (tx, bucket) => getObjectLockConfiguration(tx, bucket),
    );
  }

  listObjectsV2(input: SDK.ListObjectsV2CommandInput) {
    return this.#bucketCall(
      'ListObjectsV2',
      false,
      input,
      { action: 's3:ListBucket', ...(input.Prefix === undefined ? {} : { context: { 's3:prefix': input.Prefix } }) },
      (tx, bucket) => listObjectsV2(tx, bucket, input),
    );
  }

  listObjectVersions(input: SDK.ListObjectVersionsCommandInput) {
    return this.#bucketCall('ListObjectVersions', false, input, { action: 's3:ListBucketVersions' }, (tx, bucket) =>
      listObjectVersions(tx, bucket, input),
    );
  }

  async putObject(input: SDK.PutObjectCommandInput) {
    const body = await readObjectBody(input);
    const blob = sha256Hex(body);
    await this.#engine.store.writeBlob(blob, body);
    const key = input.Key ?? '';
    return this.#bucketCall(
      'PutObject',
      true,
      input,
      { action: 's3:PutObject', key },
      (tx, bucket) => putObject(tx, bucket, input, key, body, blob),
      true,
    );
  }

  async getObject(input: SDK.GetObjectCommandInput) {
    const key = input.Key ?? '';
    const found = await this.#bucketCall(
      'GetObject',
      false,
      input,
      { action: input.VersionId === undefined ? 's3:GetObject' : 's3:GetObjectVersion', key },
      (tx, bucket) => getObjectVersion(tx, bucket, input, key),
      true,
    );
    const bytes = await this.#engine.store.readBlob(found.version.blob ?? '');
    return getObjectOutput(found, bytes);
  }

  headObject(input: SDK.HeadObjectCommandInput) {
    const key = input.Key ?? '';
    return this.#bucketCall(
      'HeadObject',
      false,
      input,
      { action: input.VersionId === undefined ? 's3:GetObject' : 's3:GetObjectVersion', key, head: true },
      (tx, bucket) => headObject(tx, bucket, input, key),
      true,
    );
  }

  deleteObject(input: SDK.DeleteObjectCommandInput) {
    const key = input.Key ?? '';
    return this.#bucketCall(
      'DeleteObject',
      true,
      input,
      { action: input.VersionId === undefined ? 's3:DeleteObject' : 's3:DeleteObjectVersion', key },
      (tx, bucket) => deleteObject(tx, bucket, input, key),
      true,
    );
  }
}
