/** Key lookup and state: resolving a KeyId (id, ARN, alias), key states, metadata, key-policy authorization, list pages. */
import type * as SDK from '@aws-sdk/client-kms';
import type { ContextValue } from '../../policy/types.js';
import type { Tx } from './engine.js';
import type { SandboxServiceError } from './service-error.js';
import type { KeyRecord } from './state.js';
import { paginate } from './util.js';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Deletion is complete once the deletion date has passed: the key and its aliases are gone. */
export function isDeleted(key: KeyRecord, now: Date): boolean {
  return key.pendingDeletion !== undefined && now.getTime() >= Date.parse(key.pendingDeletion.deletionDate);
}

export function liveKeys(tx: Tx): KeyRecord[] {
  return Object.values(tx.regionState.kms.keys).filter((key) => !isDeleted(key, tx.now));
}

function keyState(key: KeyRecord): SDK.KeyState {
  if (key.pendingDeletion !== undefined) return 'PendingDeletion';
  return key.enabled ? 'Enabled' : 'Disabled';
}

export function metadata(tx: Tx, key: KeyRecord): SDK.KeyMetadata {
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

export interface ResolvedKey {
  key: KeyRecord;
  /** The alias name when the caller named the key by alias (`kms:RequestAlias`). */
  alias?: string;
}

/**
 * Resolves a KeyId: key id, key ARN, and (where `aliases` is true) alias name or alias ARN. A key
 * ARN of another region or account does not exist here.
 */
export function resolveKey(tx: Tx, keyId: string | undefined, aliases: boolean): ResolvedKey {
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

export function requireState(tx: Tx, key: KeyRecord, allowed: ('Enabled' | 'Disabled' | 'PendingDeletion')[]): void {
  const state = keyState(key);
  if (allowed.includes(state as 'Enabled')) return;
  if (state === 'Disabled') throw tx.error('DisabledException', `${key.arn} is disabled.`);
  throw tx.error('KMSInvalidStateException', `${key.arn} is ${state === 'PendingDeletion' ? 'pending deletion' : state.toLowerCase()}.`);
}

/** Authorizes `action` on the key by its key policy (and the caller's IAM policies). */
export function authorizeKey(tx: Tx, resolved: ResolvedKey, action: string, context: Record<string, ContextValue> = {}): void {
  tx.authorize({
    action,
    resource: resolved.key.arn,
    resourcePolicy: resolved.key.policy,
    model: 'kms',
    context: { ...(resolved.alias === undefined ? {} : { 'kms:RequestAlias': resolved.alias }), ...context },
  });
}

export function listPage<T>(tx: Tx, items: T[], input: { Limit?: number | undefined; Marker?: string | undefined }, scope: object) {
  if (input.Limit !== undefined && (input.Limit < 1 || input.Limit > 1000)) throw tx.error('ValidationException', `1 validation error detected: Value '${input.Limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 1000`);
  const page = paginate(items, { token: input.Marker, max: input.Limit, pageSize: tx.knobs.pageSize, scope: `${tx.operation}:${JSON.stringify(scope)}`, invalid: (): SandboxServiceError => tx.error('InvalidMarkerException', 'Invalid marker') });
  return { items: page.items, Truncated: page.next !== undefined, ...(page.next === undefined ? {} : { NextMarker: page.next }) };
}

export function keyTrail(tx: Tx, key: KeyRecord): void {
  tx.trail({ resources: [{ ARN: key.arn, accountId: tx.state.accountId, type: 'AWS::KMS::Key' }] });
}
