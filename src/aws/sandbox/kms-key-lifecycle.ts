/** A key's life: CreateKey (symmetric, asymmetric and HMAC specs, multi-Region, imported-material origin), DescribeKey, ListKeys, rotation, and scheduled (and cancelled) deletion. */
import type * as SDK from '@aws-sdk/client-kms';
import { randomUUID } from 'node:crypto';
import type { Tx } from './engine.js';
import { newMaterial } from './kms-crypto.js';
import {
  authorizeKey,
  keySpecOf,
  keyTrail,
  liveKeys,
  kmsListPage,
  metadata,
  requireState,
  resolveKey,
} from './kms-keys.js';
import { defaultKeyPolicy, validateKeyPolicy } from './kms-policy.js';
import { checkKmsTags } from './kms-tags.js';
import type { KeyRecord } from './state.js';

/** The key usages each key spec allows (KMS's key spec reference). */
const KEY_USAGES: Readonly<Record<string, readonly string[]>> = {
  SYMMETRIC_DEFAULT: ['ENCRYPT_DECRYPT'],
  RSA_2048: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'],
  RSA_3072: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'],
  RSA_4096: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'],
  ECC_NIST_P256: ['SIGN_VERIFY', 'KEY_AGREEMENT'],
  ECC_NIST_P384: ['SIGN_VERIFY', 'KEY_AGREEMENT'],
  ECC_NIST_P521: ['SIGN_VERIFY', 'KEY_AGREEMENT'],
  ECC_SECG_P256K1: ['SIGN_VERIFY'],
  HMAC_224: ['GENERATE_VERIFY_MAC'],
  HMAC_256: ['GENERATE_VERIFY_MAC'],
  HMAC_384: ['GENERATE_VERIFY_MAC'],
  HMAC_512: ['GENERATE_VERIFY_MAC'],
};

const ORIGINS = ['AWS_KMS', 'EXTERNAL', 'AWS_CLOUDHSM', 'EXTERNAL_KEY_STORE'];

/** Key spec, usage and origin of a CreateKey request, validated; custom key stores do not exist here. */
function keyShape(
  tx: Tx,
  input: SDK.CreateKeyCommandInput,
): { spec: string; usage: string; origin: 'AWS_KMS' | 'EXTERNAL' } {
  if (input.KeySpec !== undefined && input.CustomerMasterKeySpec !== undefined)
    throw tx.error('ValidationException', 'You cannot specify both KeySpec and CustomerMasterKeySpec. Use KeySpec.');
  const spec = input.KeySpec ?? input.CustomerMasterKeySpec ?? 'SYMMETRIC_DEFAULT';
  const usages = KEY_USAGES[spec];
  if (usages === undefined)
    throw tx.error(
      'ValidationException',
      `1 validation error detected: Value '${spec}' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [${Object.keys(KEY_USAGES).join(', ')}]`,
    );
  const usage = input.KeyUsage ?? 'ENCRYPT_DECRYPT';
  if (!usages.includes(usage))
    throw tx.error('ValidationException', `KeyUsage ${usage} is not compatible with KeySpec ${spec}.`);
  const origin = input.Origin ?? 'AWS_KMS';
  if (!ORIGINS.includes(origin))
    throw tx.error(
      'ValidationException',
      `1 validation error detected: Value '${origin}' at 'origin' failed to satisfy constraint: Member must satisfy enum value set: [${ORIGINS.join(', ')}]`,
    );
  // No custom key store exists in the sandbox account (CreateCustomKeyStore is not simulated).
  if (input.CustomKeyStoreId !== undefined)
    throw tx.error('CustomKeyStoreNotFoundException', `Custom key store ${input.CustomKeyStoreId} does not exist.`);
  if (origin === 'AWS_CLOUDHSM' || origin === 'EXTERNAL_KEY_STORE')
    throw tx.error('ValidationException', `Origin ${origin} requires a CustomKeyStoreId.`);
  if (input.XksKeyId !== undefined)
    throw tx.error('ValidationException', 'XksKeyId requires Origin EXTERNAL_KEY_STORE and a CustomKeyStoreId.');
  if (input.MultiRegion === true && spec !== 'SYMMETRIC_DEFAULT' && origin === 'EXTERNAL')
    throw tx.error(
      'UnsupportedOperationException',
      'Multi-Region keys with imported key material must be symmetric encryption keys.',
    );
  return { spec, usage, origin };
}

/** `mrk-` and 32 hex digits for a multi-Region key, a UUID otherwise. */
function newKeyId(multiRegion: boolean): string {
  return multiRegion ? `mrk-${randomUUID().replace(/-/g, '')}` : randomUUID();
}

export function createKey(tx: Tx, input: SDK.CreateKeyCommandInput) {
  const shape = keyShape(tx, input);
  const multiRegion = input.MultiRegion === true;
  if ((input.Description ?? '').length > 8192)
    throw tx.error('ValidationException', 'Description must be at most 8192 characters.');
  const tags = checkKmsTags(tx, input.Tags ?? []);
  const id = newKeyId(multiRegion);
  const arn = `arn:aws:kms:${tx.region}:${tx.state.accountId}:key/${id}`;
  tx.authorize({ action: 'kms:CreateKey', resource: '*' });
  if (tags.length > 0) tx.authorize({ action: 'kms:TagResource', resource: '*' });
  const policy =
    input.Policy === undefined
      ? defaultKeyPolicy(tx.state.accountId)
      : validateKeyPolicy(tx, input.Policy, arn, input.BypassPolicyLockoutSafetyCheck === true);
  const key: KeyRecord = {
    id,
    arn,
    createdAt: tx.now.toISOString(),
    description: input.Description ?? '',
    enabled: true,
    policy,
    rotation: { enabled: false, periodDays: 365 },
    tags,
    // The sandbox holds material for symmetric keys it generated; imported material waits for an import.
    material: shape.origin === 'AWS_KMS' && shape.spec === 'SYMMETRIC_DEFAULT' ? [newMaterial(tx.now)] : [],
    createdBy: tx.caller.arn,
    ...(shape.origin === 'AWS_KMS' ? {} : { origin: shape.origin }),
    ...(multiRegion ? { multiRegion } : {}),
    ...(shape.spec === 'SYMMETRIC_DEFAULT' ? {} : { keySpec: shape.spec }),
    ...(shape.usage === 'ENCRYPT_DECRYPT' ? {} : { keyUsage: shape.usage }),
  };
  tx.regionState.kms.keys[id] = key;
  keyTrail(tx, key);
  tx.trail({ responseElements: { keyMetadata: { keyId: id, arn } } });
  return { KeyMetadata: metadata(tx, key) };
}

export function describeKey(tx: Tx, input: SDK.DescribeKeyCommandInput) {
  const resolved = resolveKey(tx, input.KeyId, true);
  keyTrail(tx, resolved.key);
  authorizeKey(tx, resolved, 'kms:DescribeKey');
  return { KeyMetadata: metadata(tx, resolved.key) };
}

export function listKeys(tx: Tx, input: SDK.ListKeysCommandInput) {
  tx.authorize({ action: 'kms:ListKeys', resource: '*' });
  const keys = liveKeys(tx).sort((a, b) => a.id.localeCompare(b.id));
  const page = kmsListPage(tx, keys, input, {});
  return {
    Keys: page.items.map((key) => ({ KeyId: key.id, KeyArn: key.arn })),
    Truncated: page.Truncated,
    ...(page.NextMarker === undefined ? {} : { NextMarker: page.NextMarker }),
  };
}

export function enableKeyRotation(tx: Tx, input: SDK.EnableKeyRotationCommandInput) {
  const resolved = resolveKey(tx, input.KeyId, false);
  keyTrail(tx, resolved.key);
  const period = input.RotationPeriodInDays ?? 365;
  if (!Number.isInteger(period) || period < 90 || period > 2560)
    throw tx.error(
      'ValidationException',
      `1 validation error detected: Value '${period}' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value between 90 and 2560`,
    );
  authorizeKey(tx, resolved, 'kms:EnableKeyRotation', { 'kms:RotationPeriodInDays': String(period) });
  // Automatic rotation is for symmetric keys with KMS-generated material only.
  if (keySpecOf(resolved.key) !== 'SYMMETRIC_DEFAULT' || (resolved.key.origin ?? 'AWS_KMS') !== 'AWS_KMS') {
    throw tx.error(
      'UnsupportedOperationException',
      `${resolved.key.arn} origin is ${resolved.key.origin ?? 'AWS_KMS'} and key spec is ${keySpecOf(resolved.key)}, which is not valid for this operation.`,
    );
  }
  requireState(tx, resolved.key, ['Enabled']);
  resolved.key.rotation = {
    enabled: true,
    periodDays: period,
    enabledAt: resolved.key.rotation.enabled
      ? (resolved.key.rotation.enabledAt ?? tx.now.toISOString())
      : tx.now.toISOString(),
  };
  return {};
}

/** DisableKeyRotation: not in the KMSPort (the CLI never turns rotation off); for tests. */
export function disableKeyRotation(tx: Tx, input: SDK.DisableKeyRotationCommandInput) {
  const resolved = resolveKey(tx, input.KeyId, false);
  keyTrail(tx, resolved.key);
  authorizeKey(tx, resolved, 'kms:DisableKeyRotation');
  requireState(tx, resolved.key, ['Enabled']);
  resolved.key.rotation = { enabled: false, periodDays: resolved.key.rotation.periodDays };
  return {};
}

export function getKeyRotationStatus(tx: Tx, input: SDK.GetKeyRotationStatusCommandInput) {
  const resolved = resolveKey(tx, input.KeyId, false);
  keyTrail(tx, resolved.key);
  authorizeKey(tx, resolved, 'kms:GetKeyRotationStatus');
  const rotation = resolved.key.rotation;
  return {
    KeyRotationEnabled: rotation.enabled,
    KeyId: resolved.key.arn,
    ...(rotation.enabled
      ? {
          RotationPeriodInDays: rotation.periodDays,
          NextRotationDate: new Date(
            Date.parse(rotation.enabledAt ?? resolved.key.createdAt) + rotation.periodDays * 86_400_000,
          ),
        }
      : {}),
  };
}

export function scheduleKeyDeletion(tx: Tx, input: SDK.ScheduleKeyDeletionCommandInput) {
  const resolved = resolveKey(tx, input.KeyId, false);
  keyTrail(tx, resolved.key);
  const days = input.PendingWindowInDays ?? 30;
  if (!Number.isInteger(days) || days < 7 || days > 30)
    throw tx.error(
      'ValidationException',
      `1 validation error detected: Value '${days}' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value between 7 and 30`,
    );
  authorizeKey(tx, resolved, 'kms:ScheduleKeyDeletion', { 'kms:ScheduleKeyDeletionPendingWindowInDays': String(days) });
  requireState(tx, resolved.key, ['Enabled', 'Disabled', 'PendingImport']);
  const deletionDate = new Date(tx.now.getTime() + days * 86_400_000);
  resolved.key.pendingDeletion = {
    scheduledAt: tx.now.toISOString(),
    deletionDate: deletionDate.toISOString(),
    windowDays: days,
  };
  resolved.key.enabled = false;
  return {
    KeyId: resolved.key.arn,
    DeletionDate: deletionDate,
    KeyState: 'PendingDeletion' as const,
    PendingWindowInDays: days,
  };
}

export function cancelKeyDeletion(tx: Tx, input: SDK.CancelKeyDeletionCommandInput) {
  const resolved = resolveKey(tx, input.KeyId, false);
  keyTrail(tx, resolved.key);
  authorizeKey(tx, resolved, 'kms:CancelKeyDeletion');
  requireState(tx, resolved.key, ['PendingDeletion']);
  // As in KMS, a key whose deletion is cancelled is left disabled.
  delete resolved.key.pendingDeletion;
  resolved.key.enabled = false;
  return { KeyId: resolved.key.arn };
}

/**
 * EnableKey and DisableKey. KMS's key-state table: both succeed on an Enabled or Disabled key and
 * fail with KMSInvalidStateException on a key pending deletion or pending import
 * (https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html).
 */
export function setKeyEnabled(tx: Tx, input: SDK.EnableKeyCommandInput, enabled: boolean) {
  const resolved = resolveKey(tx, input.KeyId, false);
  keyTrail(tx, resolved.key);
  authorizeKey(tx, resolved, enabled ? 'kms:EnableKey' : 'kms:DisableKey');
  requireState(tx, resolved.key, ['Enabled', 'Disabled']);
  resolved.key.enabled = enabled;
  return {};
}
