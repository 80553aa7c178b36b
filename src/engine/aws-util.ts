/**
 * Small helpers shared by observation, apply, destroy and status: tag lists to records and back,
 * IAM's URL-encoded policy documents, pagination, and "this error means absent" predicates.
 */
import { isAwsErrorNamed, awsErrorStatus } from '../aws/errors.js';
import { parsePolicyDocument } from '../policy/evaluate.js';
import type { PolicyDocument } from '../policy/types.js';

export type TagRecord = Record<string, string>;

/** `[{Key, Value}]` (IAM, S3, EC2) to a record. */
export function tagsOf(
  tags: readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined,
): TagRecord {
  const out: TagRecord = {};
  for (const tag of tags ?? []) if (tag.Key !== undefined) out[tag.Key] = tag.Value ?? '';
  return out;
}

/** `[{TagKey, TagValue}]` (KMS) to a record. */
export function kmsTagsOf(
  tags: readonly { TagKey?: string | undefined; TagValue?: string | undefined }[] | undefined,
): TagRecord {
  const out: TagRecord = {};
  for (const tag of tags ?? []) if (tag.TagKey !== undefined) out[tag.TagKey] = tag.TagValue ?? '';
  return out;
}

export function toTagList(tags: TagRecord): { Key: string; Value: string }[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

export function toKmsTagList(tags: TagRecord): { TagKey: string; TagValue: string }[] {
  return Object.entries(tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue }));
}

/** Tags of `want` that `have` lacks or holds with another value. */
export function missingTags(want: TagRecord, have: TagRecord): TagRecord {
  const out: TagRecord = {};
  for (const [key, value] of Object.entries(want)) if (have[key] !== value) out[key] = value;
  return out;
}

/** IAM returns policy documents URL-encoded; S3 and KMS return plain JSON. */
export function parseAwsPolicy(text: string | undefined): PolicyDocument | undefined {
  if (text === undefined || text === '') return undefined;
  const trimmed = text.trim();
  return parsePolicyDocument(trimmed.startsWith('{') ? trimmed : decodeURIComponent(trimmed));
}

/** Collect every page of a paginated list. */
export async function allPages<T>(
  fetch: (token: string | undefined) => Promise<{ items: T[] | undefined; next: string | undefined }>,
  maxPages = 1000,
): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const { items, next } = await fetch(token);
    out.push(...(items ?? []));
    if (next === undefined || next === '') return out;
    token = next;
  }
  return out;
}

/** Not-found errors of every service we read. */
export function isNotFound(error: unknown): boolean {
  return (
    isAwsErrorNamed(
      error,
      'NoSuchEntity',
      'NotFoundException',
      'NoSuchBucket',
      'NotFound',
      'ParameterNotFound',
      'NoSuchTagSet',
      'NoSuchTagSetError',
      'NoSuchBucketPolicy',
      'NoSuchPublicAccessBlockConfiguration',
      'OwnershipControlsNotFoundError',
      'ServerSideEncryptionConfigurationNotFoundError',
      'NoSuchLifecycleConfiguration',
      'ReplicationConfigurationNotFoundError',
      'InvalidGroup.NotFound',
      'InvalidInstanceID.NotFound',
      'InvalidVpcID.NotFound',
      'InvalidSubnetID.NotFound',
    ) || awsErrorStatus(error) === 404
  );
}

export function isAccessDenied(error: unknown): boolean {
  return (
    isAwsErrorNamed(error, 'AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'Forbidden') ||
    awsErrorStatus(error) === 403
  );
}

/** Run a read; a not-found error gives `undefined`. */
export async function orAbsent<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** KMS's answer when the key is already scheduled for deletion (or gone). */
export function isPendingDeletion(error: unknown): boolean {
  return (
    (isAwsErrorNamed(error, 'KMSInvalidStateException') && /pending ?deletion/i.test((error as Error).message)) ||
    isAwsErrorNamed(error, 'NotFoundException')
  );
}
