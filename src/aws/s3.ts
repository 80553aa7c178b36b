/**
 * The S3 port: only the S3 operations cosigner-cli calls, typed with the SDK's own
 * input/output types. The real implementation imports @aws-sdk/client-s3 on first use and makes exactly one
 * `client.send(new XCommand(input))` per method. The sandbox implements the same interface.
 */
import type * as SDK from '@aws-sdk/client-s3';
import { lazyClient } from './lazy-client.js';

/** The names of the operations in {@link S3Port}, in AWS's spelling. */
export const S3_OPERATIONS = [
  'CreateBucket',
  'HeadBucket',
  'GetBucketLocation',
  'ListBuckets',
  'DeleteBucket',
  'PutPublicAccessBlock',
  'GetPublicAccessBlock',
  'PutBucketOwnershipControls',
  'GetBucketOwnershipControls',
  'PutBucketVersioning',
  'GetBucketVersioning',
  'PutBucketEncryption',
  'GetBucketEncryption',
  'PutBucketPolicy',
  'GetBucketPolicy',
  'DeleteBucketPolicy',
  'GetBucketPolicyStatus',
  'PutBucketTagging',
  'GetBucketTagging',
  'GetBucketLogging',
  'GetBucketLifecycleConfiguration',
  'GetBucketReplication',
  'GetObjectLockConfiguration',
  'ListObjectsV2',
  'ListObjectVersions',
  'PutObject',
  'GetObject',
  'HeadObject',
  'DeleteObject',
] as const;

export interface S3Port {
  createBucket(input: SDK.CreateBucketCommandInput): Promise<SDK.CreateBucketCommandOutput>;
  headBucket(input: SDK.HeadBucketCommandInput): Promise<SDK.HeadBucketCommandOutput>;
  getBucketLocation(input: SDK.GetBucketLocationCommandInput): Promise<SDK.GetBucketLocationCommandOutput>;
  listBuckets(input: SDK.ListBucketsCommandInput): Promise<SDK.ListBucketsCommandOutput>;
  deleteBucket(input: SDK.DeleteBucketCommandInput): Promise<SDK.DeleteBucketCommandOutput>;
  putPublicAccessBlock(input: SDK.PutPublicAccessBlockCommandInput): Promise<SDK.PutPublicAccessBlockCommandOutput>;
  getPublicAccessBlock(input: SDK.GetPublicAccessBlockCommandInput): Promise<SDK.GetPublicAccessBlockCommandOutput>;
  putBucketOwnershipControls(
    input: SDK.PutBucketOwnershipControlsCommandInput,
  ): Promise<SDK.PutBucketOwnershipControlsCommandOutput>;
  getBucketOwnershipControls(
    input: SDK.GetBucketOwnershipControlsCommandInput,
  ): Promise<SDK.GetBucketOwnershipControlsCommandOutput>;
  putBucketVersioning(input: SDK.PutBucketVersioningCommandInput): Promise<SDK.PutBucketVersioningCommandOutput>;
  getBucketVersioning(input: SDK.GetBucketVersioningCommandInput): Promise<SDK.GetBucketVersioningCommandOutput>;
  putBucketEncryption(input: SDK.PutBucketEncryptionCommandInput): Promise<SDK.PutBucketEncryptionCommandOutput>;
  getBucketEncryption(input: SDK.GetBucketEncryptionCommandInput): Promise<SDK.GetBucketEncryptionCommandOutput>;
  putBucketPolicy(input: SDK.PutBucketPolicyCommandInput): Promise<SDK.PutBucketPolicyCommandOutput>;
  getBucketPolicy(input: SDK.GetBucketPolicyCommandInput): Promise<SDK.GetBucketPolicyCommandOutput>;
  deleteBucketPolicy(input: SDK.DeleteBucketPolicyCommandInput): Promise<SDK.DeleteBucketPolicyCommandOutput>;
  getBucketPolicyStatus(input: SDK.GetBucketPolicyStatusCommandInput): Promise<SDK.GetBucketPolicyStatusCommandOutput>;
  putBucketTagging(input: SDK.PutBucketTaggingCommandInput): Promise<SDK.PutBucketTaggingCommandOutput>;
  getBucketTagging(input: SDK.GetBucketTaggingCommandInput): Promise<SDK.GetBucketTaggingCommandOutput>;
  getBucketLogging(input: SDK.GetBucketLoggingCommandInput): Promise<SDK.GetBucketLoggingCommandOutput>;
  getBucketLifecycleConfiguration(
    input: SDK.GetBucketLifecycleConfigurationCommandInput,
  ): Promise<SDK.GetBucketLifecycleConfigurationCommandOutput>;
  getBucketReplication(input: SDK.GetBucketReplicationCommandInput): Promise<SDK.GetBucketReplicationCommandOutput>;
  getObjectLockConfiguration(
    input: SDK.GetObjectLockConfigurationCommandInput,
  ): Promise<SDK.GetObjectLockConfigurationCommandOutput>;
  listObjectsV2(input: SDK.ListObjectsV2CommandInput): Promise<SDK.ListObjectsV2CommandOutput>;
  listObjectVersions(input: SDK.ListObjectVersionsCommandInput): Promise<SDK.ListObjectVersionsCommandOutput>;
  putObject(input: SDK.PutObjectCommandInput): Promise<SDK.PutObjectCommandOutput>;
  getObject(input: SDK.GetObjectCommandInput): Promise<SDK.GetObjectCommandOutput>;
  headObject(input: SDK.HeadObjectCommandInput): Promise<SDK.HeadObjectCommandOutput>;
  deleteObject(input: SDK.DeleteObjectCommandInput): Promise<SDK.DeleteObjectCommandOutput>;
}

/** The real S3 port over the AWS SDK v3 client built with `config`. */
export function createS3Port(config: SDK.S3ClientConfig): S3Port & { destroy(): void } {
  const lazy = lazyClient(
    () => import('@aws-sdk/client-s3'),
    (sdk) => new sdk.S3Client(config),
  );
  return {
    async createBucket(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.CreateBucketCommand(input));
    },
    async headBucket(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.HeadBucketCommand(input));
    },
    async getBucketLocation(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.GetBucketLocationCommand(input));
    },
    async listBuckets(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.ListBucketsCommand(input));
    },
    async deleteBucket(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.DeleteBucketCommand(input));
    },
    async putPublicAccessBlock(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.PutPublicAccessBlockCommand(input));
    },
    async getPublicAccessBlock(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.GetPublicAccessBlockCommand(input));
    },
    async putBucketOwnershipControls(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.PutBucketOwnershipControlsCommand(input));
    },
    async getBucketOwnershipControls(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.GetBucketOwnershipControlsCommand(input));
    },
    async putBucketVersioning(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.PutBucketVersioningCommand(input));
    },
    async getBucketVersioning(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.GetBucketVersioningCommand(input));
    },
    async putBucketEncryption(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.PutBucketEncryptionCommand(input));
    },
    async getBucketEncryption(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.GetBucketEncryptionCommand(input));
    },
    async putBucketPolicy(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.PutBucketPolicyCommand(input));
    },
    async getBucketPolicy(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.GetBucketPolicyCommand(input));
    },
    async deleteBucketPolicy(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.DeleteBucketPolicyCommand(input));
    },
    async getBucketPolicyStatus(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.GetBucketPolicyStatusCommand(input));
    },
    async putBucketTagging(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.PutBucketTaggingCommand(input));
    },
    async getBucketTagging(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.GetBucketTaggingCommand(input));
    },
    async getBucketLogging(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.GetBucketLoggingCommand(input));
    },
    async getBucketLifecycleConfiguration(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.GetBucketLifecycleConfigurationCommand(input));
    },
    async getBucketReplication(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.GetBucketReplicationCommand(input));
    },
    async getObjectLockConfiguration(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.GetObjectLockConfigurationCommand(input));
    },
    async listObjectsV2(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.ListObjectsV2Command(input));
    },
    async listObjectVersions(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.ListObjectVersionsCommand(input));
    },
    async putObject(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.PutObjectCommand(input));
    },
    async getObject(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.GetObjectCommand(input));
    },
    async headObject(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.HeadObjectCommand(input));
    },
    async deleteObject(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.DeleteObjectCommand(input));
    },
    destroy: lazy.destroy,
  };
}
