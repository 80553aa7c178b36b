/**
 * Bucket lifecycle and replication configuration: what can expire, move to an archive class, or
 * copy the co-signer's encrypted database elsewhere. The sandbox keeps each configuration as S3
 * returns it (rules as given) and answers S3's 404s when there is none:
 * - GetBucketLifecycleConfiguration → NoSuchLifecycleConfiguration
 *   https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLifecycleConfiguration.html
 * - GetBucketReplication → ReplicationConfigurationNotFoundError
 *   https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketReplication.html
 * Replication needs versioning on the source bucket (PutBucketReplication's error
 * InvalidRequest), as in S3.
 */
import type * as SDK from '@aws-sdk/client-s3';
import type { Tx } from './engine.js';
import type { BucketRecord } from './state.js';

const MALFORMED = 'The XML you provided was not well-formed or did not validate against our published schema';

export function putBucketLifecycleConfiguration(
  tx: Tx,
  bucket: BucketRecord,
  input: SDK.PutBucketLifecycleConfigurationCommandInput,
) {
  const rules = input.LifecycleConfiguration?.Rules;
  if (rules === undefined || rules.length === 0 || rules.length > 1000) throw tx.error('MalformedXML', MALFORMED);
  for (const rule of rules) {
    if (rule.Status !== 'Enabled' && rule.Status !== 'Disabled') throw tx.error('MalformedXML', MALFORMED);
  }
  bucket.lifecycleRules = structuredClone(rules);
  return {};
}

export function getBucketLifecycleConfiguration(tx: Tx, bucket: BucketRecord) {
  if (bucket.lifecycleRules === undefined)
    throw tx.error('NoSuchLifecycleConfiguration', 'The lifecycle configuration does not exist', 404);
  return { Rules: structuredClone(bucket.lifecycleRules) as SDK.LifecycleRule[] };
}

export function deleteBucketLifecycle(bucket: BucketRecord) {
  delete bucket.lifecycleRules;
  return {};
}

export function putBucketReplication(tx: Tx, bucket: BucketRecord, input: SDK.PutBucketReplicationCommandInput) {
  const config = input.ReplicationConfiguration;
  if (config?.Role === undefined || config.Rules === undefined || config.Rules.length === 0)
    throw tx.error('MalformedXML', MALFORMED);
  if (bucket.versioning !== 'Enabled')
    throw tx.error(
      'InvalidRequest',
      "Versioning must be 'Enabled' on the bucket to apply a replication configuration",
      400,
    );
  bucket.replication = structuredClone(config);
  return {};
}

export function getBucketReplication(tx: Tx, bucket: BucketRecord) {
  if (bucket.replication === undefined)
    throw tx.error('ReplicationConfigurationNotFoundError', 'The replication configuration was not found', 404);
  return { ReplicationConfiguration: structuredClone(bucket.replication) as SDK.ReplicationConfiguration };
}

export function deleteBucketReplication(bucket: BucketRecord) {
  delete bucket.replication;
  return {};
}
