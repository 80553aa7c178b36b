/**
 * The simulated KMS behind {@link KMSPort}. Behaviour spec: ./README.md, "KMS".
 *
 * Every call is authorized by evaluating the key policy (and the caller's IAM policies, for
 * delegation to the account) with src/policy's evaluator. Calls that carry
 * `Recipient.AttestationDocument` have the document verified against the sandbox's trusted
 * attestation roots, and its PCRs become `kms:RecipientAttestation:PCRn` / `ImageSha384` context
 * keys, so a policy pinned to another PCR8 really denies.
 */
import type * as SDK from '@aws-sdk/client-kms';
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { isCosignerError } from '../../errors.js';
import { AWS_NITRO_ROOT_G1_DER, verifyAttestationDocument, type AttestationVerification } from '../../enclave/index.js';
import { toPolicyDocument } from '../../policy/evaluate.js';
import type { ContextValue, PolicyDocument } from '../../policy/types.js';
import type { KMSPort } from '../kms.js';
import { envelopeForRecipient } from './cms.js';
import type { SandboxEngine, Tx } from './engine.js';
import { awsPrincipals, principalStatus } from './iam.js';
import type { SandboxServiceError } from './service-error.js';
import type { KeyRecord } from './state.js';
import { paginate } from './util.js';

/** The KMS quota on key policy size. */
export const KEY_POLICY_MAX_BYTES = 32_768;

/** The policy KMS gives a key created without one. */
export function defaultKeyPolicy(accountId: string): string {
  return JSON.stringify(
    { Version: '2012-10-17', Id: 'key-default-1', Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'kms:*', Resource: '*' }] },
    null,
    2,
  );
}

const AWS_MANAGED_ALIASES = ['alias/aws/ebs', 'alias/aws/s3', 'alias/aws/ssm'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Deletion is complete once the deletion date has passed: the key and its aliases are gone. */
function isDeleted(key: KeyRecord, now: Date): boolean {
  return key.pendingDeletion !== undefined && now.getTime() >= Date.parse(key.pendingDeletion.deletionDate);
}

function liveKeys(tx: Tx): KeyRecord[] {
  return Object.values(tx.regionState.kms.keys).filter((key) => !isDeleted(key, tx.now));
}

function keyState(key: KeyRecord): SDK.KeyState {
  if (key.pendingDeletion !== undefined) return 'PendingDeletion';
  return key.enabled ? 'Enabled' : 'Disabled';
}

function metadata(tx: Tx, key: KeyRecord): SDK.KeyMetadata {
  return {
    AWSAccountId: tx.state.accountId,
    KeyId: key.id,
    Arn: key.arn,
    CreationDate: new Date(key.createdAt),
    Enabled: key.enabled,
    Description: key.description,
    KeyUsage: 'ENCRYPT_DECRYPT',
    KeyState: keyState(key),
    ...(key.pendingDeletion === undefined ? {} : { DeletionDate: new Date(key.pendingDeletion.deletionDate) }),
    Origin: 'AWS_KMS',
    KeyManager: 'CUSTOMER',
    CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
    KeySpec: 'SYMMETRIC_DEFAULT',
    EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
    MultiRegion: false,
  };
}

interface ResolvedKey {
  key: KeyRecord;
  /** The alias name when the caller named the key by alias (`kms:RequestAlias`). */
  alias?: string;
}

/**
 * Resolves a KeyId: key id, key ARN, and (where `aliases` is true) alias name or alias ARN. A key
 * ARN of another region or account does not exist here.
 */
function resolveKey(tx: Tx, keyId: string | undefined, aliases: boolean): ResolvedKey {
  const id = keyId ?? '';
  if (id === '') throw tx.error('ValidationException', "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null");
  const prefix = `arn:aws:kms:${tx.region}:${tx.state.accountId}:`;
  let aliasName: string | undefined;
  if (id.startsWith('alias/')) aliasName = id;
  else if (id.startsWith('arn:') && id.includes(':alias/')) {
    if (!id.startsWith(prefix)) throw tx.error('NotFoundException', `Alias ${id} is not found.`);
    aliasName = id.slice(prefix.length);
  }
  if (aliasName !== undefined) {
    if (!aliases) throw tx.error('NotFoundException', `Invalid keyId '${id}'`);
    const alias = tx.regionState.kms.aliases[aliasName];
    const key = alias === undefined ? undefined : tx.regionState.kms.keys[alias.keyId];
    if (key === undefined || isDeleted(key, tx.now)) throw tx.error('NotFoundException', `Alias ${prefix}${aliasName} is not found.`);
    return { key, alias: aliasName };
  }
  let uuid = id;
  if (id.startsWith('arn:')) {
    if (!id.startsWith(`${prefix}key/`)) throw tx.error('NotFoundException', `Key '${id}' does not exist`);
    uuid = id.slice(`${prefix}key/`.length);
  }
  if (!UUID.test(uuid)) throw tx.error('NotFoundException', `Invalid keyId '${id}'`);
  const key = tx.regionState.kms.keys[uuid];
  if (key === undefined || isDeleted(key, tx.now)) throw tx.error('NotFoundException', `Key '${prefix}key/${uuid}' does not exist`);
  return { key };
}

function requireState(tx: Tx, key: KeyRecord, allowed: ('Enabled' | 'Disabled' | 'PendingDeletion')[]): void {
  const state = keyState(key);
  if (allowed.includes(state as 'Enabled')) return;
  if (state === 'Disabled') throw tx.error('DisabledException', `${key.arn} is disabled.`);
  throw tx.error('KMSInvalidStateException', `${key.arn} is ${state === 'PendingDeletion' ? 'pending deletion' : state.toLowerCase()}.`);
}

/** Validation of a key policy on write: JSON, size, grammar, principals, lockout safety check. */
function validateKeyPolicy(tx: Tx, text: string | undefined, keyArn: string, bypass: boolean): string {
  if (text === undefined) throw tx.error('ValidationException', "1 validation error detected: Value null at 'policy' failed to satisfy constraint: Member must not be null");
  if (Buffer.byteLength(text, 'utf8') > KEY_POLICY_MAX_BYTES) throw tx.error('LimitExceededException', `The key policy exceeds the ${KEY_POLICY_MAX_BYTES / 1024} KB quota for key policy size.`);
  let document: PolicyDocument;
  try {
    document = toPolicyDocument(JSON.parse(text) as unknown);
  } catch (error) {
    if (error instanceof SyntaxError) throw tx.error('MalformedPolicyDocumentException', 'The key policy is not a valid JSON document.');
    if (isCosignerError(error)) throw tx.error('MalformedPolicyDocumentException', `The key policy is malformed: ${error.message}`);
    throw error;
  }
  for (const statement of document.Statement) {
    if (statement.Principal === undefined && statement.NotPrincipal === undefined) throw tx.error('MalformedPolicyDocumentException', 'Policy contains a statement with no principal.');
  }
  // Principals must exist and be visible to KMS (a new role is not, until IAM has propagated it).
  for (const principal of awsPrincipals(document)) {
    if (principalStatus(tx.state, principal, tx.now, tx.knobs.iamPropagationDelayMs) !== 'valid') {
      throw tx.error('MalformedPolicyDocumentException', 'Policy contains a statement with one or more invalid principals.');
    }
  }
  // Lockout safety check: the caller must be able to PutKeyPolicy under the new policy.
  if (!bypass) {
    try {
      tx.authorize({ action: 'kms:PutKeyPolicy', resource: keyArn, resourcePolicy: text, model: 'kms' });
    } catch (error) {
      if (isCosignerError(error)) throw error;
      throw tx.error('MalformedPolicyDocumentException', 'The new key policy will not allow you to update the key policy in the future.');
    }
  }
  return text;
}

/** Authorizes `action` on the key by its key policy (and the caller's IAM policies). */
function authorizeKey(tx: Tx, resolved: ResolvedKey, action: string, context: Record<string, ContextValue> = {}): void {
  tx.authorize({
    action,
    resource: resolved.key.arn,
    resourcePolicy: resolved.key.policy,
    model: 'kms',
    context: { ...(resolved.alias === undefined ? {} : { 'kms:RequestAlias': resolved.alias }), ...context },
  });
}

function encryptionContextKeys(context: Record<string, string> | undefined): Record<string, ContextValue> {
  const entries = Object.entries(context ?? {});
  return {
    'kms:EncryptionAlgorithm': 'SYMMETRIC_DEFAULT',
    ...(entries.length === 0 ? {} : { 'kms:EncryptionContextKeys': entries.map(([key]) => key) }),
    ...Object.fromEntries(entries.map(([key, value]) => [`kms:EncryptionContext:${key}`, value])),
  };
}

// ----------------------------------------------------------------------------------------------
// Ciphertext: version byte, key id, material id, IV, tag, AES-256-GCM ciphertext. The encryption
// context is the additional authenticated data, as in KMS.

const BLOB_VERSION = 0x01;
const MAGIC = Buffer.from('sbx', 'ascii');

function canonicalContext(context: Record<string, string> | undefined): string {
  return JSON.stringify(Object.entries(context ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function seal(key: KeyRecord, plaintext: Uint8Array, context: Record<string, string> | undefined): Uint8Array {
  const material = key.material[key.material.length - 1]!;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(material.key, 'base64'), iv);
  cipher.setAAD(Buffer.from(`${key.id}|${canonicalContext(context)}`));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return new Uint8Array(Buffer.concat([Buffer.from([BLOB_VERSION]), MAGIC, Buffer.from(key.id, 'ascii'), Buffer.from(material.id, 'ascii'), iv, cipher.getAuthTag(), body]));
}

function blobKeyId(blob: Uint8Array): string | undefined {
  const bytes = Buffer.from(blob);
  if (bytes.length < 1 + 3 + 36 + 8 + 12 + 16 || bytes[0] !== BLOB_VERSION || !bytes.subarray(1, 4).equals(MAGIC)) return undefined;
  const id = bytes.subarray(4, 40).toString('ascii');
  return UUID.test(id) ? id : undefined;
}

function open(tx: Tx, key: KeyRecord, blob: Uint8Array, context: Record<string, string> | undefined): Uint8Array {
  const bytes = Buffer.from(blob);
  const materialId = bytes.subarray(40, 48).toString('ascii');
  const material = key.material.find((candidate) => candidate.id === materialId);
  if (material === undefined) throw tx.error('InvalidCiphertextException', '');
  try {
    const decipher = createDecipheriv('aes-256-gcm', Buffer.from(material.key, 'base64'), bytes.subarray(48, 60));
    decipher.setAAD(Buffer.from(`${key.id}|${canonicalContext(context)}`));
    decipher.setAuthTag(bytes.subarray(60, 76));
    return new Uint8Array(Buffer.concat([decipher.update(bytes.subarray(76)), decipher.final()]));
  } catch {
    // Wrong encryption context, tampered blob: KMS says nothing more.
    throw tx.error('InvalidCiphertextException', '');
  }
}

function newMaterial(now: Date): KeyRecord['material'][number] {
  return { id: randomBytes(4).toString('hex'), createdAt: now.toISOString(), key: randomBytes(32).toString('base64') };
}

// ----------------------------------------------------------------------------------------------
// Attestation (Recipient)

interface Attested {
  verification: AttestationVerification;
  context: Record<string, ContextValue>;
  publicKey: Uint8Array;
}

function pcrBase64(hex: string | undefined): string | undefined {
  return hex === undefined ? undefined : Buffer.from(hex, 'hex').toString('base64');
}

/** Verifies `Recipient.AttestationDocument` and turns it into condition keys and trail data. */
function attest(tx: Tx, recipient: SDK.RecipientInfo | undefined): Attested | undefined {
  if (recipient === undefined) return undefined;
  if (recipient.KeyEncryptionAlgorithm !== undefined && recipient.KeyEncryptionAlgorithm !== 'RSAES_OAEP_SHA_256') {
    throw tx.error('ValidationException', `1 validation error detected: Value '${String(recipient.KeyEncryptionAlgorithm)}' at 'recipient.keyEncryptionAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [RSAES_OAEP_SHA_256]`);
  }
  const document = recipient.AttestationDocument;
  if (document === undefined || document.length === 0 || document.length > 262_144) throw tx.error('ValidationException', 'The attestation document in the Recipient parameter is missing or too large.');
  const roots = [...tx.state.attestationRoots.map((root) => new Uint8Array(Buffer.from(root, 'base64'))), AWS_NITRO_ROOT_G1_DER];
  let verification: AttestationVerification | undefined;
  let lastError: unknown;
  for (const root of roots) {
    try {
      // KMS admits debug-mode documents (all-zero PCR0–2): policies decide, so do not reject here.
      verification = verifyAttestationDocument(document, { now: tx.now, rootCertificate: root, allowDebugMode: true });
      break;
    } catch (error) {
      lastError = error;
      if (!isCosignerError(error, 'ATTESTATION_ROOT_UNTRUSTED')) break;
    }
  }
  if (verification === undefined) {
    const why = isCosignerError(lastError) ? lastError.message : 'it could not be verified';
    throw tx.error('ValidationException', `The attestation document is not valid: ${why}`);
  }
  // KMS only accepts documents produced moments ago.
  if (Math.abs(tx.now.getTime() - verification.document.timestamp.getTime()) > 5 * 60_000) {
    throw tx.error('ValidationException', 'The attestation document is expired: its timestamp is more than 5 minutes from the current time.');
  }
  const publicKey = verification.document.publicKey;
  if (publicKey === null) throw tx.error('ValidationException', 'The attestation document does not contain a public key.');
  const pcrs = verification.document.pcrs;
  const context: Record<string, ContextValue> = {};
  for (const [index, value] of pcrs) context[`kms:RecipientAttestation:PCR${index}`] = value.toLowerCase();
  if (pcrs.get(0) !== undefined) context['kms:RecipientAttestation:ImageSha384'] = pcrs.get(0)!.toLowerCase();
  const recipientTrail: Record<string, string> = { attestationDocumentModuleId: verification.document.moduleId };
  const digest = pcrBase64(pcrs.get(0));
  if (digest !== undefined) recipientTrail['attestationDocumentEnclaveImageDigest'] = digest;
  for (const index of [1, 2, 3, 4, 8]) {
    const value = pcrBase64(pcrs.get(index));
    if (value !== undefined) recipientTrail[`attestationDocumentEnclavePCR${index}`] = value;
  }
  tx.trail({ additionalEventData: { recipient: recipientTrail } });
  return { verification, context, publicKey };
}

// ----------------------------------------------------------------------------------------------

function listPage<T>(tx: Tx, items: T[], input: { Limit?: number | undefined; Marker?: string | undefined }, scope: object) {
  if (input.Limit !== undefined && (input.Limit < 1 || input.Limit > 1000)) throw tx.error('ValidationException', `1 validation error detected: Value '${input.Limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 1000`);
  const page = paginate(items, { token: input.Marker, max: input.Limit, pageSize: tx.knobs.pageSize, scope: `${tx.operation}:${JSON.stringify(scope)}`, invalid: (): SandboxServiceError => tx.error('InvalidMarkerException', 'Invalid marker') });
  return { items: page.items, Truncated: page.next !== undefined, ...(page.next === undefined ? {} : { NextMarker: page.next }) };
}

function checkTags(tx: Tx, tags: SDK.Tag[]): { TagKey: string; TagValue: string }[] {
  for (const tag of tags) {
    if (tag.TagKey === undefined || tag.TagKey.length === 0 || tag.TagKey.length > 128) throw tx.error('ValidationException', 'Tag keys must be 1 to 128 characters.');
    if (tag.TagKey.toLowerCase().startsWith('aws:')) throw tx.error('TagException', `Tags beginning with aws: are reserved.`);
  }
  return tags.map((tag) => ({ TagKey: tag.TagKey!, TagValue: tag.TagValue ?? '' }));
}

function mergeKmsTags(existing: KeyRecord['tags'], added: KeyRecord['tags']): KeyRecord['tags'] {
  const result = [...existing];
  for (const tag of added) {
    const index = result.findIndex((candidate) => candidate.TagKey === tag.TagKey);
    if (index >= 0) result[index] = tag;
    else result.push(tag);
  }
  return result;
}

const ALIAS_NAME = /^alias\/[a-zA-Z0-9/_-]{1,250}$/;

function checkAliasName(tx: Tx, name: string | undefined): string {
  if (name === undefined || !ALIAS_NAME.test(name)) throw tx.error('ValidationException', `Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html`);
  if (name.startsWith('alias/aws/')) throw tx.error('NotAuthorizedException', 'Cannot create alias with prefix alias/aws/');
  return name;
}

function keyTrail(tx: Tx, key: KeyRecord): void {
  tx.trail({ resources: [{ ARN: key.arn, accountId: tx.state.accountId, type: 'AWS::KMS::Key' }] });
}

export class SandboxKMS implements KMSPort {
  readonly #engine: SandboxEngine;

  constructor(engine: SandboxEngine) {
    this.#engine = engine;
  }

  #call<O extends object>(operation: string, write: boolean, input: object, run: (tx: Tx) => O) {
    return this.#engine.call({ service: 'kms', operation, write, input, run });
  }

  createKey(input: SDK.CreateKeyCommandInput) {
    return this.#call('CreateKey', true, input, (tx) => {
      if ((input.KeyUsage ?? 'ENCRYPT_DECRYPT') !== 'ENCRYPT_DECRYPT' || (input.KeySpec ?? input.CustomerMasterKeySpec ?? 'SYMMETRIC_DEFAULT') !== 'SYMMETRIC_DEFAULT') {
        throw tx.error('UnsupportedOperationException', 'The cosigner-cli sandbox supports symmetric encryption keys (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT) only.');
      }
      if ((input.Origin ?? 'AWS_KMS') !== 'AWS_KMS' || input.CustomKeyStoreId !== undefined || input.XksKeyId !== undefined) throw tx.error('UnsupportedOperationException', 'The cosigner-cli sandbox supports keys with origin AWS_KMS only.');
      if (input.MultiRegion === true) throw tx.error('UnsupportedOperationException', 'The cosigner-cli sandbox does not simulate multi-Region keys.');
      if ((input.Description ?? '').length > 8192) throw tx.error('ValidationException', 'Description must be at most 8192 characters.');
      const tags = checkTags(tx, input.Tags ?? []);
      const id = randomUUID();
      const arn = `arn:aws:kms:${tx.region}:${tx.state.accountId}:key/${id}`;
      tx.authorize({ action: 'kms:CreateKey', resource: '*' });
      if (tags.length > 0) tx.authorize({ action: 'kms:TagResource', resource: '*' });
      const policy = input.Policy === undefined ? defaultKeyPolicy(tx.state.accountId) : validateKeyPolicy(tx, input.Policy, arn, input.BypassPolicyLockoutSafetyCheck === true);
      const key: KeyRecord = {
        id,
        arn,
        createdAt: tx.now.toISOString(),
        description: input.Description ?? '',
        enabled: true,
        policy,
        rotation: { enabled: false, periodDays: 365 },
        tags,
        material: [newMaterial(tx.now)],
        createdBy: tx.caller.arn,
      };
      tx.regionState.kms.keys[id] = key;
      keyTrail(tx, key);
      tx.trail({ responseElements: { keyMetadata: { keyId: id, arn } } });
      return { KeyMetadata: metadata(tx, key) };
    });
  }

  describeKey(input: SDK.DescribeKeyCommandInput) {
    return this.#call('DescribeKey', false, input, (tx) => {
      const resolved = resolveKey(tx, input.KeyId, true);
      keyTrail(tx, resolved.key);
      authorizeKey(tx, resolved, 'kms:DescribeKey');
      return { KeyMetadata: metadata(tx, resolved.key) };
    });
  }

  listKeys(input: SDK.ListKeysCommandInput) {
    return this.#call('ListKeys', false, input, (tx) => {
      tx.authorize({ action: 'kms:ListKeys', resource: '*' });
      const keys = liveKeys(tx).sort((a, b) => a.id.localeCompare(b.id));
      const page = listPage(tx, keys, input, {});
      return { Keys: page.items.map((key) => ({ KeyId: key.id, KeyArn: key.arn })), Truncated: page.Truncated, ...(page.NextMarker === undefined ? {} : { NextMarker: page.NextMarker }) };
    });
  }

  getKeyPolicy(input: SDK.GetKeyPolicyCommandInput) {
    return this.#call('GetKeyPolicy', false, input, (tx) => {
      const resolved = resolveKey(tx, input.KeyId, false);
      keyTrail(tx, resolved.key);
      if (input.PolicyName !== undefined && input.PolicyName !== 'default') throw tx.error('NotFoundException', `No such policy exists: ${input.PolicyName}`);
      authorizeKey(tx, resolved, 'kms:GetKeyPolicy');
      return { Policy: resolved.key.policy, PolicyName: 'default' };
    });
  }

  putKeyPolicy(input: SDK.PutKeyPolicyCommandInput) {
    return this.#call('PutKeyPolicy', true, input, (tx) => {
      const resolved = resolveKey(tx, input.KeyId, false);
      keyTrail(tx, resolved.key);
      if (input.PolicyName !== undefined && input.PolicyName !== 'default') throw tx.error('ValidationException', `PolicyName must be "default", got "${input.PolicyName}"`);
      authorizeKey(tx, resolved, 'kms:PutKeyPolicy');
      requireState(tx, resolved.key, ['Enabled', 'Disabled']);
      resolved.key.policy = validateKeyPolicy(tx, input.Policy, resolved.key.arn, input.BypassPolicyLockoutSafetyCheck === true);
      return {};
    });
  }

  createAlias(input: SDK.CreateAliasCommandInput) {
    return this.#call('CreateAlias', true, input, (tx) => {
      const name = checkAliasName(tx, input.AliasName);
      const resolved = resolveKey(tx, input.TargetKeyId, false);
      keyTrail(tx, resolved.key);
      const aliasArn = `arn:aws:kms:${tx.region}:${tx.state.accountId}:${name}`;
      tx.authorize({ action: 'kms:CreateAlias', resource: aliasArn });
      authorizeKey(tx, resolved, 'kms:CreateAlias');
      requireState(tx, resolved.key, ['Enabled', 'Disabled']);
      const existing = tx.regionState.kms.aliases[name];
      const existingKey = existing === undefined ? undefined : tx.regionState.kms.keys[existing.keyId];
      if (existingKey !== undefined && !isDeleted(existingKey, tx.now)) {
        throw tx.error('AlreadyExistsException', `An alias with the name ${aliasArn} already exists`);
      }
      if (Object.values(tx.regionState.kms.aliases).filter((alias) => alias.keyId === resolved.key.id).length >= 50) throw tx.error('LimitExceededException', 'Cannot exceed quota for AliasesPerKey: 50');
      tx.regionState.kms.aliases[name] = { name, keyId: resolved.key.id, createdAt: tx.now.toISOString(), updatedAt: tx.now.toISOString() };
      return {};
    });
  }

  updateAlias(input: SDK.UpdateAliasCommandInput) {
    return this.#call('UpdateAlias', true, input, (tx) => {
      const name = checkAliasName(tx, input.AliasName);
      const alias = tx.regionState.kms.aliases[name];
      const aliasArn = `arn:aws:kms:${tx.region}:${tx.state.accountId}:${name}`;
      const current = alias === undefined ? undefined : tx.regionState.kms.keys[alias.keyId];
      if (alias === undefined || current === undefined || isDeleted(current, tx.now)) throw tx.error('NotFoundException', `Alias ${aliasArn} is not found.`);
      const target = resolveKey(tx, input.TargetKeyId, false);
      tx.authorize({ action: 'kms:UpdateAlias', resource: aliasArn });
      authorizeKey(tx, { key: current }, 'kms:UpdateAlias');
      authorizeKey(tx, target, 'kms:UpdateAlias');
      requireState(tx, target.key, ['Enabled', 'Disabled']);
      alias.keyId = target.key.id;
      alias.updatedAt = tx.now.toISOString();
      return {};
    });
  }

  deleteAlias(input: SDK.DeleteAliasCommandInput) {
    return this.#call('DeleteAlias', true, input, (tx) => {
      const name = checkAliasName(tx, input.AliasName);
      const alias = tx.regionState.kms.aliases[name];
      const aliasArn = `arn:aws:kms:${tx.region}:${tx.state.accountId}:${name}`;
      const key = alias === undefined ? undefined : tx.regionState.kms.keys[alias.keyId];
      if (alias === undefined || key === undefined || isDeleted(key, tx.now)) throw tx.error('NotFoundException', `Alias ${aliasArn} is not found.`);
      tx.authorize({ action: 'kms:DeleteAlias', resource: aliasArn });
      authorizeKey(tx, { key }, 'kms:DeleteAlias');
      delete tx.regionState.kms.aliases[name];
      return {};
    });
  }

  listAliases(input: SDK.ListAliasesCommandInput) {
    return this.#call('ListAliases', false, input, (tx) => {
      let target: KeyRecord | undefined;
      if (input.KeyId !== undefined) {
        target = resolveKey(tx, input.KeyId, false).key;
        authorizeKey(tx, { key: target }, 'kms:ListAliases');
      } else {
        tx.authorize({ action: 'kms:ListAliases', resource: '*' });
      }
      const prefix = `arn:aws:kms:${tx.region}:${tx.state.accountId}:`;
      const customer = Object.values(tx.regionState.kms.aliases)
        .filter((alias) => {
          const key = tx.regionState.kms.keys[alias.keyId];
          return key !== undefined && !isDeleted(key, tx.now) && (target === undefined || key.id === target.id);
        })
        .map((alias): SDK.AliasListEntry => ({ AliasName: alias.name, AliasArn: `${prefix}${alias.name}`, TargetKeyId: alias.keyId, CreationDate: new Date(alias.createdAt), LastUpdatedDate: new Date(alias.updatedAt) }));
      const managed = target === undefined ? AWS_MANAGED_ALIASES.map((name): SDK.AliasListEntry => ({ AliasName: name, AliasArn: `${prefix}${name}` })) : [];
      const all = [...customer, ...managed].sort((a, b) => (a.AliasName ?? '').localeCompare(b.AliasName ?? ''));
      const page = listPage(tx, all, input, { key: target?.id });
      return { Aliases: page.items, Truncated: page.Truncated, ...(page.NextMarker === undefined ? {} : { NextMarker: page.NextMarker }) };
    });
  }

  enableKeyRotation(input: SDK.EnableKeyRotationCommandInput) {
    return this.#call('EnableKeyRotation', true, input, (tx) => {
      const resolved = resolveKey(tx, input.KeyId, false);
      keyTrail(tx, resolved.key);
      const period = input.RotationPeriodInDays ?? 365;
      if (!Number.isInteger(period) || period < 90 || period > 2560) throw tx.error('ValidationException', `1 validation error detected: Value '${period}' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value between 90 and 2560`);
      authorizeKey(tx, resolved, 'kms:EnableKeyRotation', { 'kms:RotationPeriodInDays': String(period) });
      requireState(tx, resolved.key, ['Enabled']);
      resolved.key.rotation = { enabled: true, periodDays: period, enabledAt: resolved.key.rotation.enabled ? (resolved.key.rotation.enabledAt ?? tx.now.toISOString()) : tx.now.toISOString() };
      return {};
    });
  }

  getKeyRotationStatus(input: SDK.GetKeyRotationStatusCommandInput) {
    return this.#call('GetKeyRotationStatus', false, input, (tx) => {
      const resolved = resolveKey(tx, input.KeyId, false);
      keyTrail(tx, resolved.key);
      authorizeKey(tx, resolved, 'kms:GetKeyRotationStatus');
      const rotation = resolved.key.rotation;
      return {
        KeyRotationEnabled: rotation.enabled,
        KeyId: resolved.key.arn,
        ...(rotation.enabled ? { RotationPeriodInDays: rotation.periodDays, NextRotationDate: new Date(Date.parse(rotation.enabledAt ?? resolved.key.createdAt) + rotation.periodDays * 86_400_000) } : {}),
      };
    });
  }

  scheduleKeyDeletion(input: SDK.ScheduleKeyDeletionCommandInput) {
    return this.#call('ScheduleKeyDeletion', true, input, (tx) => {
      const resolved = resolveKey(tx, input.KeyId, false);
      keyTrail(tx, resolved.key);
      const days = input.PendingWindowInDays ?? 30;
      if (!Number.isInteger(days) || days < 7 || days > 30) throw tx.error('ValidationException', `1 validation error detected: Value '${days}' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value between 7 and 30`);
      authorizeKey(tx, resolved, 'kms:ScheduleKeyDeletion', { 'kms:ScheduleKeyDeletionPendingWindowInDays': String(days) });
      requireState(tx, resolved.key, ['Enabled', 'Disabled']);
      const deletionDate = new Date(tx.now.getTime() + days * 86_400_000);
      resolved.key.pendingDeletion = { scheduledAt: tx.now.toISOString(), deletionDate: deletionDate.toISOString(), windowDays: days };
      resolved.key.enabled = false;
      return { KeyId: resolved.key.arn, DeletionDate: deletionDate, KeyState: 'PendingDeletion' as const, PendingWindowInDays: days };
    });
  }

  cancelKeyDeletion(input: SDK.CancelKeyDeletionCommandInput) {
    return this.#call('CancelKeyDeletion', true, input, (tx) => {
      const resolved = resolveKey(tx, input.KeyId, false);
      keyTrail(tx, resolved.key);
      authorizeKey(tx, resolved, 'kms:CancelKeyDeletion');
      requireState(tx, resolved.key, ['PendingDeletion']);
      // As in KMS, a key whose deletion is cancelled is left disabled.
      delete resolved.key.pendingDeletion;
      resolved.key.enabled = false;
      return { KeyId: resolved.key.arn };
    });
  }

  tagResource(input: SDK.TagResourceCommandInput) {
    return this.#call('TagResource', true, input, (tx) => {
      const resolved = resolveKey(tx, input.KeyId, false);
      keyTrail(tx, resolved.key);
      const tags = checkTags(tx, input.Tags ?? []);
      authorizeKey(tx, resolved, 'kms:TagResource');
      requireState(tx, resolved.key, ['Enabled', 'Disabled']);
      const merged = mergeKmsTags(resolved.key.tags, tags);
      if (merged.length > 50) throw tx.error('TagException', 'Cannot exceed quota for TagsPerKey: 50');
      resolved.key.tags = merged;
      return {};
    });
  }

  listResourceTags(input: SDK.ListResourceTagsCommandInput) {
    return this.#call('ListResourceTags', false, input, (tx) => {
      const resolved = resolveKey(tx, input.KeyId, false);
      keyTrail(tx, resolved.key);
      authorizeKey(tx, resolved, 'kms:ListResourceTags');
      const page = listPage(tx, resolved.key.tags, input, { key: resolved.key.id });
      return { Tags: page.items.map((tag) => ({ ...tag })), Truncated: page.Truncated, ...(page.NextMarker === undefined ? {} : { NextMarker: page.NextMarker }) };
    });
  }

  generateDataKey(input: SDK.GenerateDataKeyCommandInput) {
    return this.#call('GenerateDataKey', false, input, (tx) => {
      const resolved = resolveKey(tx, input.KeyId, true);
      keyTrail(tx, resolved.key);
      if (input.KeySpec !== undefined && input.NumberOfBytes !== undefined) throw tx.error('ValidationException', 'Please specify either number of bytes or key spec.');
      if (input.KeySpec === undefined && input.NumberOfBytes === undefined) throw tx.error('ValidationException', 'Please specify either number of bytes or key spec.');
      if (input.KeySpec !== undefined && !['AES_128', 'AES_256'].includes(input.KeySpec)) throw tx.error('ValidationException', `1 validation error detected: Value '${input.KeySpec}' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]`);
      const size = input.KeySpec === 'AES_128' ? 16 : input.KeySpec === 'AES_256' ? 32 : input.NumberOfBytes!;
      if (!Number.isInteger(size) || size < 1 || size > 1024) throw tx.error('ValidationException', `1 validation error detected: Value '${size}' at 'numberOfBytes' failed to satisfy constraint: Member must have value between 1 and 1024`);
      const attested = attest(tx, input.Recipient);
      authorizeKey(tx, resolved, 'kms:GenerateDataKey', { ...encryptionContextKeys(input.EncryptionContext), ...(attested?.context ?? {}) });
      requireState(tx, resolved.key, ['Enabled']);
      const plaintext = new Uint8Array(randomBytes(size));
      const ciphertext = seal(resolved.key, plaintext, input.EncryptionContext);
      if (attested !== undefined) {
        return { KeyId: resolved.key.arn, CiphertextBlob: ciphertext, CiphertextForRecipient: envelopeForRecipient(plaintext, attested.publicKey) };
      }
      return { KeyId: resolved.key.arn, CiphertextBlob: ciphertext, Plaintext: plaintext };
    });
  }

  encrypt(input: SDK.EncryptCommandInput) {
    return this.#call('Encrypt', false, input, (tx) => {
      const resolved = resolveKey(tx, input.KeyId, true);
      keyTrail(tx, resolved.key);
      const plaintext = input.Plaintext;
      if (plaintext === undefined || plaintext.length < 1 || plaintext.length > 4096) throw tx.error('ValidationException', "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length between 1 and 4096");
      if (input.EncryptionAlgorithm !== undefined && input.EncryptionAlgorithm !== 'SYMMETRIC_DEFAULT') throw tx.error('InvalidKeyUsageException', `The encryption algorithm ${input.EncryptionAlgorithm} is not compatible with the type of key.`);
      authorizeKey(tx, resolved, 'kms:Encrypt', encryptionContextKeys(input.EncryptionContext));
      requireState(tx, resolved.key, ['Enabled']);
      return { KeyId: resolved.key.arn, CiphertextBlob: seal(resolved.key, plaintext, input.EncryptionContext), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' as const };
    });
  }

  decrypt(input: SDK.DecryptCommandInput) {
    return this.#call('Decrypt', false, input, (tx) => {
      const blob = input.CiphertextBlob;
      if (blob === undefined || blob.length === 0) throw tx.error('ValidationException', "1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null");
      const blobKey = blobKeyId(blob);
      if (blobKey === undefined) throw tx.error('InvalidCiphertextException', '');
      const resolved: ResolvedKey = input.KeyId === undefined ? resolveKey(tx, blobKey, false) : resolveKey(tx, input.KeyId, true);
      keyTrail(tx, resolved.key);
      if (resolved.key.id !== blobKey) throw tx.error('IncorrectKeyException', 'The key ID in the request does not identify a KMS key that can perform this operation.');
      const attested = attest(tx, input.Recipient);
      authorizeKey(tx, resolved, 'kms:Decrypt', { ...encryptionContextKeys(input.EncryptionContext), ...(attested?.context ?? {}) });
      requireState(tx, resolved.key, ['Enabled']);
      const plaintext = open(tx, resolved.key, blob, input.EncryptionContext);
      if (attested !== undefined) return { KeyId: resolved.key.arn, CiphertextForRecipient: envelopeForRecipient(plaintext, attested.publicKey), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' as const };
      return { KeyId: resolved.key.arn, Plaintext: plaintext, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' as const };
    });
  }
}
