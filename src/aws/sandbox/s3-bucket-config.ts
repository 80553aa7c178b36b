/** Bucket settings: Block Public Access, ownership controls, versioning, default encryption, tags, Object Lock. */
import type * as SDK from '@aws-sdk/client-s3';
import type { Tx } from './engine.js';
import type { BucketRecord } from './state.js';
import { mergeTags } from './util.js';

export function putPublicAccessBlock(tx: Tx, bucket: BucketRecord, input: SDK.PutPublicAccessBlockCommandInput) {
  const config = input.PublicAccessBlockConfiguration;
  if (config === undefined)
    throw tx.error(
      'MalformedXML',
      'The XML you provided was not well-formed or did not validate against our published schema',
    );
  bucket.publicAccessBlock = {
    BlockPublicAcls: config.BlockPublicAcls ?? false,
    IgnorePublicAcls: config.IgnorePublicAcls ?? false,
    BlockPublicPolicy: config.BlockPublicPolicy ?? false,
    RestrictPublicBuckets: config.RestrictPublicBuckets ?? false,
  };
  return {};
}

export function getPublicAccessBlock(tx: Tx, bucket: BucketRecord) {
  if (bucket.publicAccessBlock === undefined)
    throw tx.error('NoSuchPublicAccessBlockConfiguration', 'The public access block configuration was not found', 404);
  return { PublicAccessBlockConfiguration: { ...bucket.publicAccessBlock } };
}

export function putBucketOwnershipControls(
  tx: Tx,
  bucket: BucketRecord,
  input: SDK.PutBucketOwnershipControlsCommandInput,
) {
  const rule = input.OwnershipControls?.Rules?.[0]?.ObjectOwnership;
  if (
    rule === undefined ||
    !['BucketOwnerEnforced', 'BucketOwnerPreferred', 'ObjectWriter'].includes(rule) ||
    (input.OwnershipControls?.Rules?.length ?? 0) !== 1
  ) {
    throw tx.error(
      'MalformedXML',
      'The XML you provided was not well-formed or did not validate against our published schema',
    );
  }
  bucket.ownership = rule;
  return {};
}

export function getBucketOwnershipControls(tx: Tx, bucket: BucketRecord) {
  if (bucket.ownership === undefined)
    throw tx.error('OwnershipControlsNotFoundError', 'The bucket ownership controls were not found', 404);
  return { OwnershipControls: { Rules: [{ ObjectOwnership: bucket.ownership as SDK.ObjectOwnership }] } };
}

export function putBucketVersioning(tx: Tx, bucket: BucketRecord, input: SDK.PutBucketVersioningCommandInput) {
  const status = input.VersioningConfiguration?.Status;
  if (status !== 'Enabled' && status !== 'Suspended')
    throw tx.error(
      'MalformedXML',
      'The XML you provided was not well-formed or did not validate against our published schema',
    );
  if (input.VersioningConfiguration?.MFADelete === 'Enabled')
    throw tx.error('InvalidRequest', 'MFA delete is not supported by the cosigner-cli sandbox.');
  if (status === 'Suspended' && bucket.objectLockEnabled === true)
    throw tx.error(
      'InvalidBucketState',
      'An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.',
      409,
    );
  bucket.versioning = status;
  return {};
}

export function putBucketEncryption(tx: Tx, bucket: BucketRecord, input: SDK.PutBucketEncryptionCommandInput) {
  const rule = input.ServerSideEncryptionConfiguration?.Rules?.[0];
  const defaults = rule?.ApplyServerSideEncryptionByDefault;
  if (defaults?.SSEAlgorithm === undefined || !['AES256', 'aws:kms', 'aws:kms:dsse'].includes(defaults.SSEAlgorithm))
    throw tx.error(
      'MalformedXML',
      'The XML you provided was not well-formed or did not validate against our published schema',
    );
  if (defaults.SSEAlgorithm === 'AES256' && defaults.KMSMasterKeyID !== undefined)
    throw tx.error(
      'InvalidArgument',
      'a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse',
    );
  bucket.encryption = {
    algorithm: defaults.SSEAlgorithm,
    ...(defaults.KMSMasterKeyID === undefined ? {} : { kmsKeyId: defaults.KMSMasterKeyID }),
    bucketKeyEnabled: rule?.BucketKeyEnabled ?? false,
  };
  return {};
}

export function putBucketTagging(tx: Tx, bucket: BucketRecord, input: SDK.PutBucketTaggingCommandInput) {
  const tags = input.Tagging?.TagSet;
  if (tags === undefined)
    throw tx.error(
      'MalformedXML',
      'The XML you provided was not well-formed or did not validate against our published schema',
    );
  if (tags.length > 50) throw tx.error('InvalidTag', 'Object tags cannot be greater than 50');
  const keys = new Set<string>();
  for (const tag of tags) {
    if (tag.Key === undefined || tag.Key.length === 0 || tag.Key.length > 128)
      throw tx.error('InvalidTag', 'The TagKey you have provided is invalid');
    if (tag.Key.toLowerCase().startsWith('aws:'))
      throw tx.error('InvalidTag', 'System tags cannot be added/updated by requester');
    if (keys.has(tag.Key)) throw tx.error('InvalidTag', 'Cannot provide multiple Tags with the same key');
    keys.add(tag.Key);
  }
  // PutBucketTagging replaces the whole tag set.
  bucket.tags = mergeTags([], tags);
  return {};
}

export function getBucketTagging(tx: Tx, bucket: BucketRecord) {
  if (bucket.tags === undefined || bucket.tags.length === 0)
    throw tx.error('NoSuchTagSet', 'The TagSet does not exist', 404);
  return { TagSet: bucket.tags.map((tag) => ({ ...tag })) };
}

export function getObjectLockConfiguration(tx: Tx, bucket: BucketRecord) {
  if (bucket.objectLockEnabled !== true)
    throw tx.error(
      'ObjectLockConfigurationNotFoundError',
      'Object Lock configuration does not exist for this bucket',
      404,
    );
  return { ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' as const } };
}
