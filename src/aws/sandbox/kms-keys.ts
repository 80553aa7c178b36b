/** Key lookup and state: resolving a KeyId (id, ARN, alias), key states, metadata, authorization (key policy, then grants), list pages. */
import type * as SDK from '@aws-sdk/client-kms';
import type { ContextValue } from '../../policy/types.js';
import type { Tx } from './engine.js';
import type { SandboxServiceError } from './service-error.js';
import { grantAllows } from './kms-grant-match.js';
import type { KeyRecord } from './state.js';
import { paginate } from './util.js';

/** A key id: a UUID, or `mrk-` and 32 hex digits for a multi-Region key (both 36 characters). */
export const KEY_ID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;

export type KeyStateName = 'Enabled' | 'Disabled' | 'PendingDeletion' | 'PendingImport';

/** Deletion is complete once the deletion date has passed: the key and its aliases are gone. */
export function isDeleted(key: KeyRecord, now: Date): boolean {
  return key.pendingDeletion !== undefined && now.getTime() >= Date.parse(key.pendingDeletion.deletionDate);
}

export function liveKeys(tx: Tx): KeyRecord[] {
  return Object.values(tx.regionState.kms.keys).filter((key) => !isDeleted(key, tx.now));
}

function keyState(key: KeyRecord): KeyStateName {
  if (key.pendingDeletion !== undefined) return 'PendingDeletion';
  // A key created for imported material waits for it (GetParametersForImport/ImportKeyMaterial are not simulated).
  if (key.origin === 'EXTERNAL' && key.material.length === 0) return 'PendingImport';
  return key.enabled ? 'Enabled' : 'Disabled';
}

export function keySpecOf(key: KeyRecord): string {
  return key.keySpec ?? 'SYMMETRIC_DEFAULT';
}

export function keyUsageOf(key: KeyRecord): string {
  return key.keyUsage ?? 'ENCRYPT_DECRYPT';
}

/** The encryption algorithms DescribeKey reports for a key spec and usage. */
function encryptionAlgorithms(spec: string, usage: string): SDK.EncryptionAlgorithmSpec[] | undefined {
  if (spec === 'SYMMETRIC_DEFAULT') return ['SYMMETRIC_DEFAULT'];
  if (spec.startsWith('RSA_') && usage === 'ENCRYPT_DECRYPT') return ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'];
  return undefined;
}

export function metadata(tx: Tx, key: KeyRecord): SDK.KeyMetadata {
  const spec = keySpecOf(key);
  const usage = keyUsageOf(key);
  const algorithms = encryptionAlgorithms(spec, usage);
  return {
    AWSAccountId: tx.state.accountId,
    KeyId: key.id,
    Arn: key.arn,
    CreationDate: new Date(key.createdAt),
    Enabled: keyState(key) === 'Enabled',
    Description: key.description,
    KeyUsage: usage as SDK.KeyUsageType,
    KeyState: keyState(key),
    ...(key.pendingDeletion === undefined ? {} : { DeletionDate: new Date(key.pendingDeletion.deletionDate) }),
    Origin: key.origin ?? 'AWS_KMS',
    KeyManager: 'CUSTOMER',
    CustomerMasterKeySpec: spec as SDK.CustomerMasterKeySpec,
    KeySpec: spec as SDK.KeySpec,
    ...(algorithms === undefined ? {} : { EncryptionAlgorithms: algorithms }),
    MultiRegion: key.multiRegion === true,
    ...(key.multiRegion === true
      ? {
          MultiRegionConfiguration: {
            MultiRegionKeyType: 'PRIMARY',
            PrimaryKey: { Arn: key.arn, Region: tx.region },
            ReplicaKeys: [],
          },
        }
      : {}),
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
  if (id === '')
    throw tx.error(
      'ValidationException',
      "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null",
    );
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
    if (key === undefined || isDeleted(key, tx.now))
      throw tx.error('NotFoundException', `Alias ${prefix}${aliasName} is not found.`);
    return { key, alias: aliasName };
  }
  let uuid = id;
  if (id.startsWith('arn:')) {
    if (!id.startsWith(`${prefix}key/`)) throw tx.error('NotFoundException', `Key '${id}' does not exist`);
    uuid = id.slice(`${prefix}key/`.length);
  }
  if (!KEY_ID.test(uuid)) throw tx.error('NotFoundException', `Invalid keyId '${id}'`);
  const key = tx.regionState.kms.keys[uuid];
  if (key === undefined || isDeleted(key, tx.now))
    throw tx.error('NotFoundException', `Key '${prefix}key/${uuid}' does not exist`);
  return { key };
}

export function requireState(tx: Tx, key: KeyRecord, allowed: KeyStateName[]): void {
  const state = keyState(key);
  if (allowed.includes(state)) return;
  if (state === 'Disabled') throw tx.error('DisabledException', `${key.arn} is disabled.`);
  const described = { PendingDeletion: 'pending deletion', PendingImport: 'pending import', Enabled: 'enabled' }[state];
  throw tx.error('KMSInvalidStateException', `${key.arn} is ${described}.`);
}

/**
 * Authorizes `action` on the key: its key policy (and the caller's IAM policies, where the key
 * policy names the account) decide; where they give no Allow and no explicit Deny, a grant of the
 * key naming the caller and the operation allows, as in KMS.
 */
export function authorizeKey(
  tx: Tx,
  resolved: ResolvedKey,
  action: string,
  context: Record<string, ContextValue> = {},
): void {
  tx.authorize({
    action,
    resource: resolved.key.arn,
    resourcePolicy: resolved.key.policy,
    model: 'kms',
    context: { ...(resolved.alias === undefined ? {} : { 'kms:RequestAlias': resolved.alias }), ...context },
    grants: (caller) => grantAllows(resolved.key.grants ?? [], caller, action, context),
  });
}

/** One page of a KMS listing (`Limit` 1 to `maxLimit`, `Marker`, `Truncated`, `NextMarker`). */
export function kmsListPage<T>(
  tx: Tx,
  items: T[],
  input: { Limit?: number | undefined; Marker?: string | undefined },
  scope: object,
  maxLimit = 1000,
) {
  if (input.Limit !== undefined && (input.Limit < 1 || input.Limit > maxLimit))
    throw tx.error(
      'ValidationException',
      `1 validation error detected: Value '${input.Limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and ${maxLimit}`,
    );
  const page = paginate(items, {
    token: input.Marker,
    max: input.Limit,
    pageSize: tx.knobs.pageSize,
    scope: `${tx.operation}:${JSON.stringify(scope)}`,
    invalid: (): SandboxServiceError => tx.error('InvalidMarkerException', 'Invalid marker'),
  });
  return {
    items: page.items,
    Truncated: page.next !== undefined,
    ...(page.next === undefined ? {} : { NextMarker: page.next }),
  };
}

export function keyTrail(tx: Tx, key: KeyRecord): void {
  tx.trail({ resources: [{ ARN: key.arn, accountId: tx.state.accountId, type: 'AWS::KMS::Key' }] });
}
