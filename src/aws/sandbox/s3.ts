/**
 * The simulated S3 behind {@link S3Port}. Behaviour spec: ./README.md, "S3".
 *
 * Bucket names are global: the sandbox keeps a set of names "owned by another account", so the
 * collision path is testable. Bucket policies are evaluated on every call (with the caller's IAM
 * policies, same-account logic), so a deny-all-but-the-role policy really denies everyone else.
 */
import type * as SDK from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { isCosignerError } from '../../errors.js';
import { toList, toPolicyDocument } from '../../policy/evaluate.js';
import type { PolicyDocument } from '../../policy/types.js';
import type { S3Port } from '../s3.js';
import type { SandboxEngine, Tx } from './engine.js';
import { awsPrincipals, principalStatus } from './iam.js';
import { awsError, SandboxServiceError } from './service-error.js';
import { newRegionState, type BucketRecord, type ObjectVersionRecord } from './state.js';
import { mergeTags, md5Hex, paginate, readBody, sha256Hex } from './util.js';

/** Names always owned by "another account". Any name starting with `taken-` is, too. */
export const TAKEN_BUCKET_NAMES: readonly string[] = ['cosigner', 'cosigner-cli', 'fireblocks', 'fireblocks-cosigner', 'my-bucket', 'test', 'test-bucket', 'example-bucket', 'backup'];

export const MAX_SANDBOX_OBJECT_BYTES = 64 * 1024 * 1024;

export function isTakenBucketName(name: string, extra: readonly string[]): boolean {
  return name.startsWith('taken-') || TAKEN_BUCKET_NAMES.includes(name) || extra.includes(name);
}

/** S3's general-purpose bucket naming rules. */
export function isValidBucketName(name: string): boolean {
  if (name.length < 3 || name.length > 63) return false;
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) return false;
  if (name.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(name)) return false;
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(name) || /(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(name)) return false;
  return true;
}

function bucketArn(name: string): string {
  return `arn:aws:s3:::${name}`;
}

/** A streaming body with the SDK's mixin methods (`transformToString` and friends). */
function sdkBody(bytes: Uint8Array): NonNullable<SDK.GetObjectCommandOutput['Body']> {
  const stream = Readable.from([Buffer.from(bytes)]);
  return Object.assign(stream, {
    transformToByteArray: () => Promise.resolve(new Uint8Array(bytes)),
    transformToString: (encoding?: string) => Promise.resolve(Buffer.from(bytes).toString((encoding ?? 'utf8') as BufferEncoding)),
    transformToWebStream: () => Readable.toWeb(Readable.from([Buffer.from(bytes)])) as unknown as ReadableStream,
  });
}

function newVersionId(): string {
  return randomBytes(24).toString('base64url').slice(0, 32);
}

/** A policy is public when an Allow grants `*` without any condition (a conservative reading). */
function isPublicPolicy(document: PolicyDocument): boolean {
  return document.Statement.some((statement) => {
    if (statement.Effect !== 'Allow' || statement.Condition !== undefined) return false;
    const principal = statement.Principal;
    return principal === '*' || (principal !== undefined && toList(principal.AWS).includes('*'));
  });
}

function canonicalUserId(account: string): string {
  return sha256Hex(`canonical:${account}`);
}

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
  #bucketCall<O extends object>(operation: string, write: boolean, input: { Bucket?: string | undefined }, access: BucketAccess, run: (tx: Tx, bucket: BucketRecord) => O | Promise<O>, objectLevel = false) {
    return this.#engine.call({
      service: 's3',
      operation,
      write,
      input,
      noTrail: objectLevel,
      run: (tx) => {
        const bucket = this.#findBucket(tx, input.Bucket, access.head === true);
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

  #findBucket(tx: Tx, name: string | undefined, head: boolean): BucketRecord {
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

  /** SSE-KMS: S3 asks KMS on the caller's behalf, without attestation. */
  #authorizeKms(tx: Tx, bucket: BucketRecord, keyId: string | undefined, action: 'kms:GenerateDataKey' | 'kms:Decrypt', objectKey: string): void {
    const regionState = (tx.state.regions[bucket.region] ??= newRegionState(tx.state.accountId, bucket.region));
    const id = keyId ?? '';
    const uuid = id.includes(':key/') ? id.split(':key/')[1] : id;
    const aliasName = id.startsWith('alias/') ? id : id.includes(':alias/') ? `alias/${id.split(':alias/')[1] ?? ''}` : undefined;
    const key = aliasName !== undefined ? regionState.kms.keys[regionState.kms.aliases[aliasName]?.keyId ?? ''] : regionState.kms.keys[uuid ?? ''];
    if (key === undefined) {
      if (id === '' || aliasName === 'alias/aws/s3') return; // the AWS managed key: always usable by the account
      throw tx.error('KMS.NotFoundException', `Invalid keyId ${id}`, 400);
    }
    if (key.pendingDeletion !== undefined || !key.enabled) throw tx.error('KMS.DisabledException', `${key.arn} is disabled.`, 400);
    tx.authorize({
      action,
      resource: key.arn,
      resourcePolicy: key.policy,
      model: 'kms',
      context: { 'kms:ViaService': `s3.${bucket.region}.amazonaws.com`, 'kms:EncryptionContext:aws:s3:arn': `${bucketArn(bucket.name)}/${objectKey}`, 'kms:EncryptionContextKeys': ['aws:s3:arn'] },
    });
  }

  createBucket(input: SDK.CreateBucketCommandInput) {
    return this.#engine.call({
      service: 's3',
      operation: 'CreateBucket',
      write: true,
      input,
      run: (tx) => {
        const name = input.Bucket ?? '';
        if (!isValidBucketName(name)) throw tx.error('InvalidBucketName', 'The specified bucket is not valid.');
        const constraint = input.CreateBucketConfiguration?.LocationConstraint as string | undefined;
        if (tx.region === 'us-east-1') {
          if (constraint !== undefined && constraint !== 'us-east-1' && constraint !== '') {
            throw tx.error('IllegalLocationConstraintException', `The ${constraint} location constraint is incompatible for the region specific endpoint this request was sent to.`);
          }
          if (constraint === 'us-east-1') throw tx.error('InvalidLocationConstraint', 'The specified location-constraint is not valid');
        } else if (constraint === undefined) {
          throw tx.error('IllegalLocationConstraintException', 'The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.');
        } else if (constraint !== tx.region) {
          throw tx.error('IllegalLocationConstraintException', `The ${constraint} location constraint is incompatible for the region specific endpoint this request was sent to.`);
        }
        if (isTakenBucketName(name, tx.knobs.takenBucketNames)) throw tx.error('BucketAlreadyExists', 'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.', 409);
        tx.authorize({ action: 's3:CreateBucket', resource: bucketArn(name) });
        const existing = tx.state.s3.buckets[name];
        if (existing !== undefined) {
          // us-east-1 answers 200 to a re-create by the owner; every other region says so.
          if (tx.region === 'us-east-1' && existing.region === 'us-east-1') return { Location: `/${name}`, BucketArn: bucketArn(name) };
          throw tx.error('BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.', 409);
        }
        if (input.ACL !== undefined && input.ACL !== 'private' && (input.ObjectOwnership ?? 'BucketOwnerEnforced') === 'BucketOwnerEnforced') {
          throw tx.error('InvalidBucketAclWithObjectOwnership', "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting");
        }
        if (Object.values(tx.state.s3.buckets).length >= 100) throw tx.error('TooManyBuckets', 'You have attempted to create more buckets than allowed');
        const bucket: BucketRecord = {
          name,
          region: tx.region,
          createdAt: tx.now.toISOString(),
          // New buckets: Block Public Access on, ACLs disabled, SSE-S3 (AWS defaults since 2023).
          publicAccessBlock: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
          ownership: input.ObjectOwnership ?? 'BucketOwnerEnforced',
          encryption: { algorithm: 'AES256', bucketKeyEnabled: false },
          objects: {},
          ...(input.ObjectLockEnabledForBucket === true ? { versioning: 'Enabled' as const, objectLockEnabled: true } : {}),
        };
        tx.state.s3.buckets[name] = bucket;
        tx.trail({ resources: [{ ARN: bucketArn(name), type: 'AWS::S3::Bucket' }] });
        return { Location: tx.region === 'us-east-1' ? `/${name}` : `http://${name}.s3.amazonaws.com/`, BucketArn: bucketArn(name) };
      },
    });
  }

  headBucket(input: SDK.HeadBucketCommandInput) {
    return this.#bucketCall('HeadBucket', false, input, { action: 's3:ListBucket', head: true }, (_tx, bucket) => ({ BucketRegion: bucket.region, AccessPointAlias: false, BucketArn: bucketArn(bucket.name) }));
  }

  getBucketLocation(input: SDK.GetBucketLocationCommandInput) {
    return this.#bucketCall('GetBucketLocation', false, input, { action: 's3:GetBucketLocation' }, (_tx, bucket) => (bucket.region === 'us-east-1' ? {} : { LocationConstraint: bucket.region as SDK.BucketLocationConstraint }));
  }

  listBuckets(input: SDK.ListBucketsCommandInput) {
    return this.#engine.call({
      service: 's3',
      operation: 'ListBuckets',
      write: false,
      input,
      run: (tx) => {
        tx.authorize({ action: 's3:ListAllMyBuckets', resource: '*' });
        const buckets = Object.values(tx.state.s3.buckets)
          .filter((bucket) => (input.Prefix === undefined || bucket.name.startsWith(input.Prefix)) && (input.BucketRegion === undefined || bucket.region === input.BucketRegion))
          .sort((a, b) => a.name.localeCompare(b.name));
        const paged = input.MaxBuckets !== undefined || input.ContinuationToken !== undefined;
        const page = paged
          ? paginate(buckets, { token: input.ContinuationToken, max: input.MaxBuckets, pageSize: tx.knobs.pageSize, scope: `ListBuckets:${input.Prefix ?? ''}:${input.BucketRegion ?? ''}`, invalid: () => tx.error('InvalidArgument', 'The continuation token provided is incorrect') })
          : { items: buckets, next: undefined };
        return {
          Buckets: page.items.map((bucket) => ({ Name: bucket.name, CreationDate: new Date(bucket.createdAt), BucketRegion: bucket.region, BucketArn: bucketArn(bucket.name) })),
          Owner: { ID: canonicalUserId(tx.state.accountId) },
          ...(input.Prefix === undefined ? {} : { Prefix: input.Prefix }),
          ...(page.next === undefined ? {} : { ContinuationToken: page.next }),
        };
      },
    });
  }

  deleteBucket(input: SDK.DeleteBucketCommandInput) {
    return this.#bucketCall('DeleteBucket', true, input, { action: 's3:DeleteBucket' }, (tx, bucket) => {
      const versions = Object.values(bucket.objects).reduce((total, list) => total + list.length, 0);
      if (versions > 0) {
        throw tx.error('BucketNotEmpty', bucket.versioning === undefined ? 'The bucket you tried to delete is not empty' : 'The bucket you tried to delete is not empty. You must delete all versions in the bucket.', 409);
      }
      delete tx.state.s3.buckets[bucket.name];
      return {};
    });
  }

  putPublicAccessBlock(input: SDK.PutPublicAccessBlockCommandInput) {
    return this.#bucketCall('PutPublicAccessBlock', true, input, { action: 's3:PutBucketPublicAccessBlock' }, (tx, bucket) => {
      const config = input.PublicAccessBlockConfiguration;
      if (config === undefined) throw tx.error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
      bucket.publicAccessBlock = { BlockPublicAcls: config.BlockPublicAcls ?? false, IgnorePublicAcls: config.IgnorePublicAcls ?? false, BlockPublicPolicy: config.BlockPublicPolicy ?? false, RestrictPublicBuckets: config.RestrictPublicBuckets ?? false };
      return {};
    });
  }

  getPublicAccessBlock(input: SDK.GetPublicAccessBlockCommandInput) {
    return this.#bucketCall('GetPublicAccessBlock', false, input, { action: 's3:GetBucketPublicAccessBlock' }, (tx, bucket) => {
      if (bucket.publicAccessBlock === undefined) throw tx.error('NoSuchPublicAccessBlockConfiguration', 'The public access block configuration was not found', 404);
      return { PublicAccessBlockConfiguration: { ...bucket.publicAccessBlock } };
    });
  }

  putBucketOwnershipControls(input: SDK.PutBucketOwnershipControlsCommandInput) {
    return this.#bucketCall('PutBucketOwnershipControls', true, input, { action: 's3:PutBucketOwnershipControls' }, (tx, bucket) => {
      const rule = input.OwnershipControls?.Rules?.[0]?.ObjectOwnership;
      if (rule === undefined || !['BucketOwnerEnforced', 'BucketOwnerPreferred', 'ObjectWriter'].includes(rule) || (input.OwnershipControls?.Rules?.length ?? 0) !== 1) {
        throw tx.error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
      }
      bucket.ownership = rule;
      return {};
    });
  }

  getBucketOwnershipControls(input: SDK.GetBucketOwnershipControlsCommandInput) {
    return this.#bucketCall('GetBucketOwnershipControls', false, input, { action: 's3:GetBucketOwnershipControls' }, (tx, bucket) => {
      if (bucket.ownership === undefined) throw tx.error('OwnershipControlsNotFoundError', 'The bucket ownership controls were not found', 404);
      return { OwnershipControls: { Rules: [{ ObjectOwnership: bucket.ownership as SDK.ObjectOwnership }] } };
    });
  }

  putBucketVersioning(input: SDK.PutBucketVersioningCommandInput) {
    return this.#bucketCall('PutBucketVersioning', true, input, { action: 's3:PutBucketVersioning' }, (tx, bucket) => {
      const status = input.VersioningConfiguration?.Status;
      if (status !== 'Enabled' && status !== 'Suspended') throw tx.error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
      if (input.VersioningConfiguration?.MFADelete === 'Enabled') throw tx.error('InvalidRequest', 'MFA delete is not supported by the cosigner-cli sandbox.');
      if (status === 'Suspended' && bucket.objectLockEnabled === true) throw tx.error('InvalidBucketState', 'An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.', 409);
      bucket.versioning = status;
      return {};
    });
  }

  getBucketVersioning(input: SDK.GetBucketVersioningCommandInput) {
    return this.#bucketCall('GetBucketVersioning', false, input, { action: 's3:GetBucketVersioning' }, (_tx, bucket) => (bucket.versioning === undefined ? {} : { Status: bucket.versioning, MFADelete: 'Disabled' as const }));
  }

  putBucketEncryption(input: SDK.PutBucketEncryptionCommandInput) {
    return this.#bucketCall('PutBucketEncryption', true, input, { action: 's3:PutEncryptionConfiguration' }, (tx, bucket) => {
      const rule = input.ServerSideEncryptionConfiguration?.Rules?.[0];
      const defaults = rule?.ApplyServerSideEncryptionByDefault;
      if (defaults?.SSEAlgorithm === undefined || !['AES256', 'aws:kms', 'aws:kms:dsse'].includes(defaults.SSEAlgorithm)) throw tx.error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
      if (defaults.SSEAlgorithm === 'AES256' && defaults.KMSMasterKeyID !== undefined) throw tx.error('InvalidArgument', 'a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse');
      bucket.encryption = { algorithm: defaults.SSEAlgorithm, ...(defaults.KMSMasterKeyID === undefined ? {} : { kmsKeyId: defaults.KMSMasterKeyID }), bucketKeyEnabled: rule?.BucketKeyEnabled ?? false };
      return {};
    });
  }

  getBucketEncryption(input: SDK.GetBucketEncryptionCommandInput) {
    return this.#bucketCall('GetBucketEncryption', false, input, { action: 's3:GetEncryptionConfiguration' }, (_tx, bucket) => ({
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: bucket.encryption.algorithm as SDK.ServerSideEncryption, ...(bucket.encryption.kmsKeyId === undefined ? {} : { KMSMasterKeyID: bucket.encryption.kmsKeyId }) }, BucketKeyEnabled: bucket.encryption.bucketKeyEnabled ?? false }],
      },
    }));
  }

  putBucketPolicy(input: SDK.PutBucketPolicyCommandInput) {
    return this.#bucketCall('PutBucketPolicy', true, input, { action: 's3:PutBucketPolicy' }, (tx, bucket) => {
      const text = input.Policy ?? '';
      if (!text.trimStart().startsWith('{')) throw tx.error('MalformedPolicy', "Policies must be valid JSON and the first byte must be '{'");
      if (Buffer.byteLength(text) > 20_480) throw tx.error('PolicyTooLarge', 'Policy exceeds the maximum allowed document size.');
      let document: PolicyDocument;
      try {
        document = toPolicyDocument(JSON.parse(text) as unknown);
      } catch (error) {
        if (error instanceof SyntaxError) throw tx.error('MalformedPolicy', "Policies must be valid JSON and the first byte must be '{'");
        if (isCosignerError(error)) throw tx.error('MalformedPolicy', error.message);
        throw error;
      }
      const arn = bucketArn(bucket.name);
      for (const statement of document.Statement) {
        if (statement.Principal === undefined && statement.NotPrincipal === undefined) throw tx.error('MalformedPolicy', 'Missing required field Principal');
        for (const action of toList(statement.Action ?? statement.NotAction)) {
          if (action !== '*' && !/^s3:[A-Za-z*?]+$/.test(action)) throw tx.error('MalformedPolicy', 'Policy has invalid action');
        }
        for (const resource of toList(statement.Resource ?? statement.NotResource)) {
          if (resource !== arn && !resource.startsWith(`${arn}/`)) throw tx.error('MalformedPolicy', 'Policy has invalid resource');
        }
      }
      for (const principal of awsPrincipals(document)) {
        if (principalStatus(tx.state, principal, tx.now, tx.knobs.iamPropagationDelayMs) !== 'valid') throw tx.error('MalformedPolicy', 'Invalid principal in policy');
      }
      if (bucket.publicAccessBlock?.BlockPublicPolicy === true && isPublicPolicy(document)) {
        throw tx.error('AccessDenied', `User: ${tx.caller.arn} is not authorized to perform: s3:PutBucketPolicy on resource: "${arn}" because public policies are blocked by the BlockPublicPolicy block public access setting.`, 403);
      }
      bucket.policy = text;
      return {};
    });
  }

  getBucketPolicy(input: SDK.GetBucketPolicyCommandInput) {
    return this.#bucketCall('GetBucketPolicy', false, input, { action: 's3:GetBucketPolicy' }, (tx, bucket) => {
      if (bucket.policy === undefined) throw tx.error('NoSuchBucketPolicy', 'The bucket policy does not exist', 404);
      return { Policy: bucket.policy };
    });
  }

  deleteBucketPolicy(input: SDK.DeleteBucketPolicyCommandInput) {
    return this.#bucketCall('DeleteBucketPolicy', true, input, { action: 's3:DeleteBucketPolicy' }, (_tx, bucket) => {
      delete bucket.policy;
      return {};
    });
  }

  getBucketPolicyStatus(input: SDK.GetBucketPolicyStatusCommandInput) {
    return this.#bucketCall('GetBucketPolicyStatus', false, input, { action: 's3:GetBucketPolicyStatus' }, (tx, bucket) => {
      if (bucket.policy === undefined) throw tx.error('NoSuchBucketPolicy', 'The bucket policy does not exist', 404);
      let isPublic: boolean;
      try {
        isPublic = isPublicPolicy(toPolicyDocument(JSON.parse(bucket.policy) as unknown));
      } catch {
        isPublic = false;
      }
      return { PolicyStatus: { IsPublic: isPublic } };
    });
  }

  putBucketTagging(input: SDK.PutBucketTaggingCommandInput) {
    return this.#bucketCall('PutBucketTagging', true, input, { action: 's3:PutBucketTagging' }, (tx, bucket) => {
      const tags = input.Tagging?.TagSet;
      if (tags === undefined) throw tx.error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
      if (tags.length > 50) throw tx.error('InvalidTag', 'Object tags cannot be greater than 50');
      const keys = new Set<string>();
      for (const tag of tags) {
        if (tag.Key === undefined || tag.Key.length === 0 || tag.Key.length > 128) throw tx.error('InvalidTag', 'The TagKey you have provided is invalid');
        if (tag.Key.toLowerCase().startsWith('aws:')) throw tx.error('InvalidTag', 'System tags cannot be added/updated by requester');
        if (keys.has(tag.Key)) throw tx.error('InvalidTag', 'Cannot provide multiple Tags with the same key');
        keys.add(tag.Key);
      }
      // PutBucketTagging replaces the whole tag set.
      bucket.tags = mergeTags([], tags);
      return {};
    });
  }

  getBucketTagging(input: SDK.GetBucketTaggingCommandInput) {
    return this.#bucketCall('GetBucketTagging', false, input, { action: 's3:GetBucketTagging' }, (tx, bucket) => {
      if (bucket.tags === undefined || bucket.tags.length === 0) throw tx.error('NoSuchTagSet', 'The TagSet does not exist', 404);
      return { TagSet: bucket.tags.map((tag) => ({ ...tag })) };
    });
  }

  getBucketLogging(input: SDK.GetBucketLoggingCommandInput) {
    return this.#bucketCall('GetBucketLogging', false, input, { action: 's3:GetBucketLogging' }, () => ({}));
  }

  getObjectLockConfiguration(input: SDK.GetObjectLockConfigurationCommandInput) {
    return this.#bucketCall('GetObjectLockConfiguration', false, input, { action: 's3:GetBucketObjectLockConfiguration' }, (tx, bucket) => {
      if (bucket.objectLockEnabled !== true) throw tx.error('ObjectLockConfigurationNotFoundError', 'Object Lock configuration does not exist for this bucket', 404);
      return { ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' as const } };
    });
  }

  listObjectsV2(input: SDK.ListObjectsV2CommandInput) {
    return this.#bucketCall('ListObjectsV2', false, input, { action: 's3:ListBucket', ...(input.Prefix === undefined ? {} : { context: { 's3:prefix': input.Prefix } }) }, (tx, bucket) => {
      const prefix = input.Prefix ?? '';
      const entries: ({ kind: 'object'; key: string; version: ObjectVersionRecord } | { kind: 'prefix'; prefix: string })[] = [];
      const seenPrefixes = new Set<string>();
      for (const key of Object.keys(bucket.objects).sort()) {
        const latest = bucket.objects[key]!.at(-1);
        if (latest === undefined || latest.deleteMarker || !key.startsWith(prefix) || (input.StartAfter !== undefined && key <= input.StartAfter)) continue;
        if (input.Delimiter !== undefined && input.Delimiter !== '') {
          const rest = key.slice(prefix.length);
          const cut = rest.indexOf(input.Delimiter);
          if (cut >= 0) {
            const common = prefix + rest.slice(0, cut + input.Delimiter.length);
            if (!seenPrefixes.has(common)) {
              seenPrefixes.add(common);
              entries.push({ kind: 'prefix', prefix: common });
            }
            continue;
          }
        }
        entries.push({ kind: 'object', key, version: latest });
      }
      const maxKeys = input.MaxKeys ?? 1000;
      const page = paginate(entries, { token: input.ContinuationToken, max: Math.max(1, maxKeys), pageSize: tx.knobs.pageSize, scope: `ListObjectsV2:${bucket.name}:${prefix}:${input.Delimiter ?? ''}:${input.StartAfter ?? ''}`, invalid: () => tx.error('InvalidArgument', 'The continuation token provided is incorrect') });
      const contents = page.items.flatMap((entry) => (entry.kind === 'object' ? [{ Key: entry.key, LastModified: new Date(entry.version.lastModified), ETag: `"${entry.version.etag}"`, Size: entry.version.size, StorageClass: 'STANDARD' as const }] : []));
      const common = page.items.flatMap((entry) => (entry.kind === 'prefix' ? [{ Prefix: entry.prefix }] : []));
      return {
        Name: bucket.name,
        Prefix: prefix,
        ...(input.Delimiter === undefined ? {} : { Delimiter: input.Delimiter }),
        MaxKeys: maxKeys,
        KeyCount: page.items.length,
        IsTruncated: page.next !== undefined,
        ...(contents.length === 0 ? {} : { Contents: contents }),
        ...(common.length === 0 ? {} : { CommonPrefixes: common }),
        ...(input.ContinuationToken === undefined ? {} : { ContinuationToken: input.ContinuationToken }),
        ...(page.next === undefined ? {} : { NextContinuationToken: page.next }),
        ...(input.StartAfter === undefined ? {} : { StartAfter: input.StartAfter }),
      };
    });
  }

  listObjectVersions(input: SDK.ListObjectVersionsCommandInput) {
    return this.#bucketCall('ListObjectVersions', false, input, { action: 's3:ListBucketVersions' }, (tx, bucket) => {
      const prefix = input.Prefix ?? '';
      const all: { key: string; version: ObjectVersionRecord; latest: boolean }[] = [];
      for (const key of Object.keys(bucket.objects).sort()) {
        if (!key.startsWith(prefix)) continue;
        const versions = bucket.objects[key]!;
        versions.forEach((version, index) => all.push({ key, version, latest: index === versions.length - 1 }));
      }
      // Within a key, newest first.
      all.sort((a, b) => (a.key === b.key ? Number(b.latest) - Number(a.latest) || Date.parse(b.version.lastModified) - Date.parse(a.version.lastModified) : a.key < b.key ? -1 : 1));
      let start = 0;
      if (input.KeyMarker !== undefined && input.KeyMarker !== '') {
        if (input.VersionIdMarker !== undefined && input.VersionIdMarker !== '') {
          const index = all.findIndex((entry) => entry.key === input.KeyMarker && entry.version.versionId === input.VersionIdMarker);
          if (index < 0) throw tx.error('InvalidArgument', 'Invalid version id specified');
          start = index + 1;
        } else {
          start = all.findIndex((entry) => entry.key > input.KeyMarker!);
          if (start < 0) start = all.length;
        }
      }
      const maxKeys = input.MaxKeys ?? 1000;
      const size = Math.max(1, Math.min(maxKeys, tx.knobs.pageSize));
      const page = all.slice(start, start + size);
      const truncated = start + page.length < all.length;
      const last = page.at(-1);
      const toEntry = (entry: (typeof all)[number]) => ({ Key: entry.key, VersionId: entry.version.versionId, IsLatest: entry.latest, LastModified: new Date(entry.version.lastModified), Owner: { ID: canonicalUserId(tx.state.accountId) } });
      const versions = page.filter((entry) => !entry.version.deleteMarker).map((entry) => ({ ...toEntry(entry), ETag: `"${entry.version.etag}"`, Size: entry.version.size, StorageClass: 'STANDARD' as const }));
      const markers = page.filter((entry) => entry.version.deleteMarker).map(toEntry);
      return {
        Name: bucket.name,
        Prefix: prefix,
        KeyMarker: input.KeyMarker ?? '',
        VersionIdMarker: input.VersionIdMarker ?? '',
        MaxKeys: maxKeys,
        IsTruncated: truncated,
        ...(versions.length === 0 ? {} : { Versions: versions }),
        ...(markers.length === 0 ? {} : { DeleteMarkers: markers }),
        ...(truncated && last !== undefined ? { NextKeyMarker: last.key, NextVersionIdMarker: last.version.versionId } : {}),
      };
    });
  }

  async putObject(input: SDK.PutObjectCommandInput) {
    let body: Uint8Array;
    try {
      body = await readBody(input.Body);
    } catch {
      throw awsError('s3', 'InvalidRequest', 'The request body could not be read.', 400);
    }
    if (body.length > MAX_SANDBOX_OBJECT_BYTES) throw awsError('s3', 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', 400);
    const blob = sha256Hex(body);
    await this.#engine.store.writeBlob(blob, body);
    const key = input.Key ?? '';
    return this.#bucketCall('PutObject', true, input, { action: 's3:PutObject', key }, (tx, bucket) => {
      if (key === '' || Buffer.byteLength(key) > 1024) throw tx.error('KeyTooLongError', 'Your key is too long', 400);
      const sse = input.ServerSideEncryption ?? bucket.encryption.algorithm;
      if (sse === 'aws:kms' || sse === 'aws:kms:dsse') this.#authorizeKms(tx, bucket, input.SSEKMSKeyId ?? bucket.encryption.kmsKeyId, 'kms:GenerateDataKey', key);
      if (bucket.ownership === 'BucketOwnerEnforced' && input.ACL !== undefined && input.ACL !== 'bucket-owner-full-control' && input.ACL !== 'private') {
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
      const versions = (bucket.objects[key] ?? []).filter((existing) => version.versionId !== 'null' || existing.versionId !== 'null');
      bucket.objects[key] = [...versions, version];
      return {
        ETag: `"${version.etag}"`,
        ServerSideEncryption: sse as SDK.ServerSideEncryption,
        ...(sse === 'aws:kms' && (input.SSEKMSKeyId ?? bucket.encryption.kmsKeyId) !== undefined ? { SSEKMSKeyId: input.SSEKMSKeyId ?? bucket.encryption.kmsKeyId } : {}),
        ...(bucket.versioning === undefined ? {} : { VersionId: version.versionId }),
      };
    }, true);
  }

  #objectVersion(tx: Tx, bucket: BucketRecord, key: string, versionId: string | undefined, head: boolean): ObjectVersionRecord {
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

  async getObject(input: SDK.GetObjectCommandInput) {
    const key = input.Key ?? '';
    const found = await this.#bucketCall('GetObject', false, input, { action: input.VersionId === undefined ? 's3:GetObject' : 's3:GetObjectVersion', key }, (tx, bucket) => {
      const version = this.#objectVersion(tx, bucket, key, input.VersionId, false);
      if (bucket.encryption.algorithm !== 'AES256') this.#authorizeKms(tx, bucket, bucket.encryption.kmsKeyId, 'kms:Decrypt', key);
      return { version, versioned: bucket.versioning !== undefined, sse: bucket.encryption.algorithm };
    }, true);
    const { version } = found;
    const bytes = await this.#engine.store.readBlob(version.blob ?? '');
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

  headObject(input: SDK.HeadObjectCommandInput) {
    const key = input.Key ?? '';
    return this.#bucketCall('HeadObject', false, input, { action: input.VersionId === undefined ? 's3:GetObject' : 's3:GetObjectVersion', key, head: true }, (tx, bucket) => {
      const version = this.#objectVersion(tx, bucket, key, input.VersionId, true);
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
    }, true);
  }

  deleteObject(input: SDK.DeleteObjectCommandInput) {
    const key = input.Key ?? '';
    return this.#bucketCall('DeleteObject', true, input, { action: input.VersionId === undefined ? 's3:DeleteObject' : 's3:DeleteObjectVersion', key }, (tx, bucket) => {
      const versions = bucket.objects[key] ?? [];
      if (input.VersionId !== undefined) {
        const target = versions.find((candidate) => candidate.versionId === input.VersionId);
        if (target === undefined) {
          if (!/^[A-Za-z0-9._-]{1,64}$/.test(input.VersionId)) throw tx.error('InvalidArgument', 'Invalid version id specified');
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
      const marker: ObjectVersionRecord = { versionId: bucket.versioning === 'Enabled' ? newVersionId() : 'null', deleteMarker: true, size: 0, etag: '', lastModified: tx.now.toISOString() };
      bucket.objects[key] = [...versions.filter((existing) => marker.versionId !== 'null' || existing.versionId !== 'null'), marker];
      return { DeleteMarker: true, VersionId: marker.versionId };
    }, true);
  }
}
