/** A key's life: CreateKey, DescribeKey, ListKeys, rotation, and scheduled (and cancelled) deletion. */
import type * as SDK from '@aws-sdk/client-kms';
import { randomUUID } from 'node:crypto';
import type { Tx } from './engine.js';
import { newMaterial } from './kms-crypto.js';
import { authorizeKey, keyTrail, liveKeys, listPage, metadata, requireState, resolveKey } from './kms-keys.js';
import { defaultKeyPolicy, validateKeyPolicy } from './kms-policy.js';
import { checkTags } from './kms-tags.js';
import type { KeyRecord } from './state.js';

export function createKey(tx: Tx, input: SDK.CreateKeyCommandInput) {
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
  const page = listPage(tx, keys, input, {});
  return { Keys: page.items.map((key) => ({ KeyId: key.id, KeyArn: key.arn })), Truncated: page.Truncated, ...(page.NextMarker === undefined ? {} : { NextMarker: page.NextMarker }) };
}

export function enableKeyRotation(tx: Tx, input: SDK.EnableKeyRotationCommandInput) {
  const resolved = resolveKey(tx, input.KeyId, false);
  keyTrail(tx, resolved.key);
  const period = input.RotationPeriodInDays ?? 365;
  if (!Number.isInteger(period) || period < 90 || period > 2560) throw tx.error('ValidationException', `1 validation error detected: Value '${period}' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value between 90 and 2560`);
  authorizeKey(tx, resolved, 'kms:EnableKeyRotation', { 'kms:RotationPeriodInDays': String(period) });
  requireState(tx, resolved.key, ['Enabled']);
  resolved.key.rotation = { enabled: true, periodDays: period, enabledAt: resolved.key.rotation.enabled ? (resolved.key.rotation.enabledAt ?? tx.now.toISOString()) : tx.now.toISOString() };
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
    ...(rotation.enabled ? { RotationPeriodInDays: rotation.periodDays, NextRotationDate: new Date(Date.parse(rotation.enabledAt ?? resolved.key.createdAt) + rotation.periodDays * 86_400_000) } : {}),
  };
}

export function scheduleKeyDeletion(tx: Tx, input: SDK.ScheduleKeyDeletionCommandInput) {
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
