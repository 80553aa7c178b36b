/**
 * Grants: CreateGrant (idempotent by Name), ListGrants (paged, filters by grant id and grantee),
 * RevokeGrant. A grant lets its grantee call the granted operations without the key policy
 * (./kms-grant-match.ts decides, in every authorization of the key).
 */
import type * as SDK from '@aws-sdk/client-kms';
import { randomBytes } from 'node:crypto';
import type { ContextValue } from '../../policy/types.js';
import type { Tx } from './engine.js';
import { principalStatus } from './iam-records.js';
import { authorizeKey, keySpecOf, keyTrail, keyUsageOf, kmsListPage, requireState, resolveKey } from './kms-keys.js';
import type { GrantRecord, KeyRecord } from './state.js';

/** KMS's grant operations (the `GrantOperation` enum). */
const GRANT_OPERATIONS = [
  'Decrypt',
  'Encrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'ReEncryptFrom',
  'ReEncryptTo',
  'Sign',
  'Verify',
  'GetPublicKey',
  'CreateGrant',
  'RetireGrant',
  'DescribeKey',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
  'GenerateMac',
  'VerifyMac',
  'DeriveSharedSecret',
];

/** Operations that take no encryption context: a grant with a constraint cannot include them. */
const NON_CRYPTOGRAPHIC = ['CreateGrant', 'RetireGrant', 'DescribeKey', 'GetPublicKey'];

/** The KMS quota on grants per key. */
const GRANTS_PER_KEY = 50_000;

/** The grant operations that make sense for a key's spec and usage. */
function operationsFor(key: KeyRecord): string[] {
  const common = ['CreateGrant', 'RetireGrant', 'DescribeKey'];
  if (keySpecOf(key) === 'SYMMETRIC_DEFAULT') {
    return [
      ...common,
      'Decrypt',
      'Encrypt',
      'GenerateDataKey',
      'GenerateDataKeyWithoutPlaintext',
      'ReEncryptFrom',
      'ReEncryptTo',
      'GenerateDataKeyPair',
      'GenerateDataKeyPairWithoutPlaintext',
    ];
  }
  switch (keyUsageOf(key)) {
    case 'ENCRYPT_DECRYPT':
      return [...common, 'Encrypt', 'Decrypt', 'ReEncryptFrom', 'ReEncryptTo', 'GetPublicKey'];
    case 'SIGN_VERIFY':
      return [...common, 'Sign', 'Verify', 'GetPublicKey'];
    case 'GENERATE_VERIFY_MAC':
      return [...common, 'GenerateMac', 'VerifyMac'];
    default:
      return [...common, 'DeriveSharedSecret', 'GetPublicKey'];
  }
}

const SERVICE_PRINCIPAL = /^[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com$/;

/** A grantee or retiring principal: an AWS principal ARN (existing, in this account) or a service principal. */
function checkPrincipal(tx: Tx, principal: string | undefined, field: string): string {
  if (principal === undefined || principal === '')
    throw tx.error(
      'ValidationException',
      `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  if (SERVICE_PRINCIPAL.test(principal)) return principal;
  if (principal === '*' || principalStatus(tx.state, principal, tx.now, tx.knobs.iamPropagationDelayMs) !== 'valid') {
    throw tx.error(
      'ValidationException',
      `Invalid ${field} ${principal}: it must be the ARN of an existing AWS principal or a service principal.`,
    );
  }
  return principal;
}

function checkContextMap(
  tx: Tx,
  map: Record<string, string> | undefined,
  name: string,
): Record<string, string> | undefined {
  if (map === undefined) return undefined;
  if (Object.keys(map).length === 0) throw tx.error('ValidationException', `${name} must have at least one entry.`);
  return { ...map };
}

function grantConstraints(tx: Tx, input: SDK.GrantConstraints | undefined): GrantRecord['constraints'] {
  if (input === undefined) return undefined;
  const equals = checkContextMap(tx, input.EncryptionContextEquals, 'EncryptionContextEquals');
  const subset = checkContextMap(tx, input.EncryptionContextSubset, 'EncryptionContextSubset');
  if (equals !== undefined && subset !== undefined)
    throw tx.error(
      'ValidationException',
      'A grant constraint can have EncryptionContextEquals or EncryptionContextSubset, not both.',
    );
  if (equals !== undefined) return { EncryptionContextEquals: equals };
  if (subset !== undefined) return { EncryptionContextSubset: subset };
  return undefined;
}

/** Same grantee, operations (as a set), retiring principal and constraints: a retry of the same grant. */
function sameGrant(a: GrantRecord, b: Omit<GrantRecord, 'id' | 'createdAt'>): boolean {
  const ops = (ops: string[]) => [...ops].sort().join(',');
  return (
    a.granteePrincipal === b.granteePrincipal &&
    ops(a.operations) === ops(b.operations) &&
    a.retiringPrincipal === b.retiringPrincipal &&
    JSON.stringify(a.constraints ?? null) === JSON.stringify(b.constraints ?? null)
  );
}

function dryRun(tx: Tx): never {
  throw tx.error('DryRunOperationException', 'The request would have succeeded, but the DryRun option is set.', 412);
}

/** A grant token: opaque, new with every CreateGrant (KMS's are long base64 strings). */
function grantToken(): string {
  return randomBytes(160).toString('base64');
}

export function createGrant(tx: Tx, input: SDK.CreateGrantCommandInput) {
  const resolved = resolveKey(tx, input.KeyId, false);
  keyTrail(tx, resolved.key);
  const grantee = checkPrincipal(tx, input.GranteePrincipal, 'granteePrincipal');
  const retiring =
    input.RetiringPrincipal === undefined
      ? undefined
      : checkPrincipal(tx, input.RetiringPrincipal, 'retiringPrincipal');
  const operations = [...new Set(input.Operations ?? [])];
  if (operations.length === 0)
    throw tx.error(
      'ValidationException',
      "1 validation error detected: Value at 'operations' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  const unknown = operations.filter((operation) => !GRANT_OPERATIONS.includes(operation));
  if (unknown.length > 0)
    throw tx.error(
      'ValidationException',
      `1 validation error detected: Value '[${unknown.join(', ')}]' at 'operations' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [${GRANT_OPERATIONS.join(', ')}]]`,
    );
  const invalid = operations.filter((operation) => !operationsFor(resolved.key).includes(operation));
  if (invalid.length > 0)
    throw tx.error(
      'ValidationException',
      `Grant operations ${invalid.join(', ')} are not valid for a ${keySpecOf(resolved.key)} key with key usage ${keyUsageOf(resolved.key)}.`,
    );
  const constraints = grantConstraints(tx, input.Constraints);
  if (constraints !== undefined && operations.some((operation) => NON_CRYPTOGRAPHIC.includes(operation))) {
    throw tx.error(
      'ValidationException',
      `Grant constraints cannot be used with the operations ${operations.filter((operation) => NON_CRYPTOGRAPHIC.includes(operation)).join(', ')}.`,
    );
  }
  if (input.Name !== undefined && !/^[a-zA-Z0-9:/_-]{1,256}$/.test(input.Name))
    throw tx.error(
      'ValidationException',
      `1 validation error detected: Value '${input.Name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$`,
    );
  const context: Record<string, ContextValue> = {
    'kms:GranteePrincipal': grantee,
    'kms:GrantOperations': operations,
    'kms:GrantIsForAWSResource': false,
    ...(retiring === undefined ? {} : { 'kms:RetiringPrincipal': retiring }),
    ...(constraints === undefined ? {} : { 'kms:GrantConstraintType': Object.keys(constraints)[0] }),
  };
  authorizeKey(tx, resolved, 'kms:CreateGrant', context);
  requireState(tx, resolved.key, ['Enabled', 'Disabled', 'PendingImport']);
  if (input.DryRun === true) dryRun(tx);
  const wanted: Omit<GrantRecord, 'id' | 'createdAt'> = {
    granteePrincipal: grantee,
    operations,
    issuingAccount: `arn:aws:iam::${tx.state.accountId}:root`,
    ...(input.Name === undefined ? {} : { name: input.Name }),
    ...(retiring === undefined ? {} : { retiringPrincipal: retiring }),
    ...(constraints === undefined ? {} : { constraints }),
  };
  const grants = (resolved.key.grants ??= []);
  // With a Name, retrying the same grant returns the grant already made (a new token each time).
  const existing =
    input.Name === undefined
      ? undefined
      : grants.find((grant) => grant.name === input.Name && sameGrant(grant, wanted));
  if (existing !== undefined) return { GrantId: existing.id, GrantToken: grantToken() };
  if (grants.length >= GRANTS_PER_KEY)
    throw tx.error('LimitExceededException', `Cannot exceed quota for GrantsPerKey: ${GRANTS_PER_KEY}`);
  const grant: GrantRecord = { id: randomBytes(32).toString('hex'), createdAt: tx.now.toISOString(), ...wanted };
  grants.push(grant);
  tx.trail({ responseElements: { grantId: grant.id } });
  return { GrantId: grant.id, GrantToken: grantToken() };
}

function grantEntry(key: KeyRecord, grant: GrantRecord): SDK.GrantListEntry {
  return {
    KeyId: key.arn,
    GrantId: grant.id,
    ...(grant.name === undefined ? {} : { Name: grant.name }),
    CreationDate: new Date(grant.createdAt),
    GranteePrincipal: grant.granteePrincipal,
    ...(grant.retiringPrincipal === undefined ? {} : { RetiringPrincipal: grant.retiringPrincipal }),
    IssuingAccount: grant.issuingAccount,
    Operations: grant.operations as SDK.GrantOperation[],
    ...(grant.constraints === undefined ? {} : { Constraints: { ...grant.constraints } }),
  };
}

export function listGrants(tx: Tx, input: SDK.ListGrantsCommandInput) {
  const resolved = resolveKey(tx, input.KeyId, false);
  keyTrail(tx, resolved.key);
  authorizeKey(tx, resolved, 'kms:ListGrants');
  const grants = (resolved.key.grants ?? []).filter(
    (grant) =>
      (input.GrantId === undefined || grant.id === input.GrantId) &&
      (input.GranteePrincipal === undefined || grant.granteePrincipal === input.GranteePrincipal),
  );
  const page = kmsListPage(
    tx,
    grants,
    input,
    { key: resolved.key.id, grantId: input.GrantId, grantee: input.GranteePrincipal },
    100,
  );
  return {
    Grants: page.items.map((grant) => grantEntry(resolved.key, grant)),
    Truncated: page.Truncated,
    ...(page.NextMarker === undefined ? {} : { NextMarker: page.NextMarker }),
  };
}

export function revokeGrant(tx: Tx, input: SDK.RevokeGrantCommandInput) {
  const resolved = resolveKey(tx, input.KeyId, false);
  keyTrail(tx, resolved.key);
  const id = input.GrantId ?? '';
  if (id === '')
    throw tx.error(
      'ValidationException',
      "1 validation error detected: Value null at 'grantId' failed to satisfy constraint: Member must not be null",
    );
  if (!/^[0-9a-f]{64}$/.test(id)) throw tx.error('InvalidGrantIdException', `Invalid grant ID ${id}`);
  authorizeKey(tx, resolved, 'kms:RevokeGrant');
  const grants = resolved.key.grants ?? [];
  const index = grants.findIndex((grant) => grant.id === id);
  if (index < 0) throw tx.error('NotFoundException', `Grant ID ${id} not found`);
  if (input.DryRun === true) dryRun(tx);
  grants.splice(index, 1);
  return {};
}
