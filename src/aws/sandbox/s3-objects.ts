/** Objects: versions, SSE-KMS on S3's behalf, and PutObject, GetObject, HeadObject, DeleteObject. */
import type * as SDK from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { bucketArn } from '../../policy/bucket-policy.js';
import type { Tx } from './engine.js';
import { awsError, SandboxServiceError } from './service-error.js';
import { type BucketRecord, type ObjectVersionRecord } from './state.js';
import { newRegionState } from './state-new.js';
import { md5Hex, readBody } from './util.js';

const MAX_SANDBOX_OBJECT_BYTES = 64 * 1024 * 1024;

/** A streaming body with the SDK's mixin methods (`transformToString` and friends). */
function sdkBody(bytes: Uint8Array): NonNullable<SDK.GetObjectCommandOutput['Body']> {
  const stream = Readable.from([Buffer.from(bytes)]);
  return Object.assign(stream, {
    transformToByteArray: () => Promise.resolve(new Uint8Array(bytes)),
    transformToString: (encoding?: string) =>
      Promise.resolve(Buffer.from(bytes).toString((encoding ?? 'utf8') as BufferEncoding)),
    transformToWebStream: () => Readable.toWeb(Readable.from([Buffer.from(bytes)])) as unknown as ReadableStream,
  });
}

function newVersionId(): string {
  return randomBytes(24).toString('base64url').slice(0, 32);
}

/** SSE-KMS: S3 asks KMS on the caller's behalf, without attestation. */
function authorizeKms(
  tx: Tx,
  bucket: BucketRecord,
  keyId: string | undefined,
  action: 'kms:GenerateDataKey' | 'kms:Decrypt',
  objectKey: string,
): void {
  const regionState = tx.state.regions[bucket.region] ?? newRegionState(tx.state.accountId, bucket.region);
  const id = keyId ?? '';
  const uuid = id.includes(':key/') ? id.split(':key/')[1] : id;
  const aliasName = id.startsWith('alias/')
    ? id
    : id.includes(':alias/')
      ? `alias/${id.split(':alias/')[1] ?? ''}`
      : undefined;
  const key =
    aliasName !== undefined
      ? regionState.kms.keys[regionState.kms.aliases[aliasName]?.keyId ?? '']
      : regionState.kms.keys[uuid ?? ''];
  if (key === undefined) {
    if (id === '' || aliasName === 'alias/aws/s3') return; // the AWS managed key: always usable by the account
    throw tx.error('KMS.NotFoundException', `Invalid keyId ${id}`, 400);
  }
  if (key.pendingDeletion !== undefined || !key.enabled)
    throw tx.error('KMS.DisabledException', `${key.arn} is disabled.`, 400);
  tx.authorize({
    action,
    resource: key.arn,
    resourcePolicy: key.policy,
    model: 'kms',
    context: {
      'kms:ViaService': `s3.${bucket.region}.amazonaws.com`,
      'kms:EncryptionContext:aws:s3:arn': `${bucketArn(bucket.name)}/${objectKey}`,
      'kms:EncryptionContextKeys': ['aws:s3:arn'],
    },
  });
}

function objectVersion(
  tx: Tx,
  bucket: BucketRecord,
  key: string,
  versionId: string | undefined,
  head: boolean,
): ObjectVersionRecord {
  const versions = bucket.objects[key] ?? [];
  if (versionId !== undefined) {
    const version = versions.find((candidate) => candidate.versionId === versionId);
    if (version === undefined) {
      if (head) throw new SandboxServiceError('s3', 'NotFound', 'UnknownError', 404);
      throw tx.error('NoSuchVersion', 'The specified version does not exist.', 404);
    }
    if (version.deleteMarker) {
      if (head) throw new SandboxServiceError('s3', 'MethodNotAllowed', 'UnknownError', 405);
      throw tx.error('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405);
    }
    return version;
  }
  const latest = versions.at(-1);
  if (latest === undefined || latest.deleteMarker) {
    if (head) throw new SandboxServiceError('s3', 'NotFound', 'UnknownError', 404);
    throw tx.error('NoSuchKey', 'The specified key does not exist.', 404);
  }
  return latest;
}

/** Reads a PutObject body, refusing one that cannot be read or is over the sandbox's size cap. */
export async function readObjectBody(input: SDK.PutObjectCommandInput): Promise<Uint8Array> {
  let body: Uint8Array;
  try {
    body = await readBody(input.Body);
  } catch {
    throw awsError('s3', 'InvalidRequest', 'The request body could not be read.', 400);
  }
  if (body.length > MAX_SANDBOX_OBJECT_BYTES)
    throw awsError('s3', 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', 400);
  return body;
}

export function putObject(
  tx: Tx,
  bucket: BucketRecord,
  input: SDK.PutObjectCommandInput,
  key: string,
  body: Uint8Array,
  blob: string,
) {
  if (key === '' || Buffer.byteLength(key) > 1024) throw tx.error('KeyTooLongError', 'Your key is too long', 400);
  const sse = input.ServerSideEncryption ?? bucket.encryption.algorithm;
  if (sse === 'aws:kms' || sse === 'aws:kms:dsse')
    authorizeKms(tx, bucket, input.SSEKMSKeyId ?? bucket.encryption.kmsKeyId, 'kms:GenerateDataKey', key);
  if (
    bucket.ownership === 'BucketOwnerEnforced' &&
    input.ACL !== undefined &&
    input.ACL !== 'bucket-owner-full-control' &&
    input.ACL !== 'private'
  ) {
    throw tx.error('AccessControlListNotSupported', 'The bucket does not allow ACLs', 400);
  }
  const version: ObjectVersionRecord = {
    versionId: bucket.versioning === 'Enabled' ? newVersionId() : 'null',
    deleteMarker: false,
    blob,
    size: body.length,
    etag: md5Hex(body),
    lastModified: tx.now.toISOString(),
    ...(input.ContentType === undefined ? {} : { contentType: input.ContentType }),
    ...(input.Metadata === undefined ? {} : { metadata: { ...input.Metadata } }),
  };
  const versions = (bucket.objects[key] ?? []).filter(
    (existing) => version.versionId !== 'null' || existing.versionId !== 'null',
  );
  bucket.objects[key] = [...versions, version];
  return {
    ETag: `"${version.etag}"`,
    ServerSideEncryption: sse as SDK.ServerSideEncryption,
    ...(sse === 'aws:kms' && (input.SSEKMSKeyId ?? bucket.encryption.kmsKeyId) !== undefined
      ? { SSEKMSKeyId: input.SSEKMSKeyId ?? bucket.encryption.kmsKeyId }
      : {}),
    ...(bucket.versioning === undefined ? {} : { VersionId: version.versionId }),
  };
}

/** GetObject inside the transaction: the version to read, and kms:Decrypt for SSE-KMS. */
export function getObjectVersion(tx: Tx, bucket: BucketRecord, input: SDK.GetObjectCommandInput, key: string) {
  const version = objectVersion(tx, bucket, key, input.VersionId, false);
  if (bucket.encryption.algorithm !== 'AES256')
    authorizeKms(tx, bucket, bucket.encryption.kmsKeyId, 'kms:Decrypt', key);
  return { version, versioned: bucket.versioning !== undefined, sse: bucket.encryption.algorithm };
}

/** GetObject's output, once the version's bytes are read from the blob store. */
export function getObjectOutput<M>(found: ReturnType<typeof getObjectVersion> & { $metadata: M }, bytes: Uint8Array) {
  const { version } = found;
  return {
    $metadata: found.$metadata,
    Body: sdkBody(bytes),
    ContentLength: version.size,
    ContentType: version.contentType ?? 'binary/octet-stream',
    ETag: `"${version.etag}"`,
    LastModified: new Date(version.lastModified),
    AcceptRanges: 'bytes',
    ServerSideEncryption: found.sse as SDK.ServerSideEncryption,
    ...(version.metadata === undefined ? {} : { Metadata: { ...version.metadata } }),
    ...(found.versioned ? { VersionId: version.versionId } : {}),
  };
}

export function headObject(tx: Tx, bucket: BucketRecord, input: SDK.HeadObjectCommandInput, key: string) {
  const version = objectVersion(tx, bucket, key, input.VersionId, true);
  return {
    ContentLength: version.size,
    ContentType: version.contentType ?? 'binary/octet-stream',
    ETag: `"${version.etag}"`,
    LastModified: new Date(version.lastModified),
    AcceptRanges: 'bytes',
    ServerSideEncryption: bucket.encryption.algorithm as SDK.ServerSideEncryption,
    ...(version.metadata === undefined ? {} : { Metadata: { ...version.metadata } }),
    ...(bucket.versioning === undefined ? {} : { VersionId: version.versionId }),
  };
}

export function deleteObject(tx: Tx, bucket: BucketRecord, input: SDK.DeleteObjectCommandInput, key: string) {
  const versions = bucket.objects[key] ?? [];
  if (input.VersionId !== undefined) {
    const target = versions.find((candidate) => candidate.versionId === input.VersionId);
    if (target === undefined) {
      if (!/^[A-Za-z0-9._-]{1,64}$/.test(input.VersionId))
        throw tx.error('InvalidArgument', 'Invalid version id specified');
      return { VersionId: input.VersionId };
    }
    const rest = versions.filter((candidate) => candidate !== target);
    if (rest.length === 0) delete bucket.objects[key];
    else bucket.objects[key] = rest;
    return { VersionId: target.versionId, ...(target.deleteMarker ? { DeleteMarker: true } : {}) };
  }
  if (bucket.versioning === undefined) {
    delete bucket.objects[key];
    return {};
  }
  const marker: ObjectVersionRecord = {
    versionId: bucket.versioning === 'Enabled' ? newVersionId() : 'null',
    deleteMarker: true,
    size: 0,
    etag: '',
    lastModified: tx.now.toISOString(),
  };
  bucket.objects[key] = [
    ...versions.filter((existing) => marker.versionId !== 'null' || existing.versionId !== 'null'),
    marker,
  ];
  return { DeleteMarker: true, VersionId: marker.versionId };
}
