/**
 * The KMS key policy, built from configuration. Two profiles:
 *
 * - `fireblocks-exact` reproduces the policy of the Fireblocks installation guide literally
 *   (FB-INSTALL §1.4): same `Id`, Sids, actions, order and shapes (a PCR8 list only during a
 *   rotation).
 * - `hardened` (default) is the same three statements, unchanged, plus separate statements, each
 *   switchable: other administrators (when configured), recovery from a scheduled deletion, key
 *   rotation, a Deny of the attested data actions to debug-mode enclaves, and a PCR3 binding to
 *   the role. The co-signer may read its own policy (it is granted kms:GetKeyPolicy), so
 *   Fireblocks' statements keep their Sids and shapes; hardening is only ever added beside them.
 *
 * Inert on purpose: Fireblocks' attested statement lists `Encrypt`, `GenerateDataKeyWithoutPlaintext`,
 * `GenerateDataKeyPairWithoutPlaintext` and `GetKeyPolicy`, calls that never carry an attestation,
 * so its PCR8 condition never matches them; and `GenerateRandom` takes no key, so a key policy
 * cannot grant it (API reference: it is an IAM-policy permission). They stay where Fireblocks put
 * them and are never counted as granted access; our own statements do not name them.
 */
import { fail } from '../errors.js';
import { computePCR3 } from '../enclave/pcr.js';
import { accountRootArn, assertAccountId, assertPrincipalArn, assertRoleArn } from './arn.js';
import {
  ATTESTED_DATA_ACTIONS,
  FIREBLOCKS_ADMIN_ACTIONS,
  FIREBLOCKS_KEY_POLICY_ID,
  FIREBLOCKS_ROLE_KMS_ACTIONS,
  FIREBLOCKS_SIDS,
  HARDENED_SIDS,
  POLICY_VERSION,
  RECOVERY_ACTIONS,
  ROTATION_ACTIONS,
  ZERO_MEASUREMENT,
} from './constants.js';
import { assertPCR8List } from './pcr8.js';
import type { PolicyDocument, PolicyStatement } from './types.js';

export type KeyPolicyProfile = 'hardened' | 'fireblocks-exact';
export const KEY_POLICY_PROFILES: readonly KeyPolicyProfile[] = ['hardened', 'fireblocks-exact'];

export interface KeyPolicyInput {
  accountId: string;
  /** @default 'aws' */
  partition?: string;
  /** The co-signer's IAM role (the EC2 instance profile role). */
  roleArn: string;
  /** Accepted PCR8 values; more than one only during a rotation. */
  pcr8: readonly string[];
  /**
   * Principals that administer the key policy (`kms:PutKeyPolicy` and friends).
   * @default [the account root] — as Fireblocks does: IAM policies of the account decide who.
   */
  adminArns?: readonly string[];
  /** @default 'hardened' */
  profile?: KeyPolicyProfile;
  /**
   * Also require PCR3 (the parent instance's role ARN) in the attested statement (hardened only).
   * @default false
   */
  pcr3RoleBinding?: boolean;
  /**
   * Deny the attestation-capable actions to debug-mode enclaves (ImageSha384 all zeros) (hardened only).
   * @default true
   */
  denyDebug?: boolean;
  /**
   * Let the administrators enable and read key rotation (hardened only).
   * @default false
   */
  allowRotation?: boolean;
}

/** The options after defaults, as recorded next to a built policy. */
export interface ResolvedKeyPolicyInput {
  accountId: string;
  partition: string;
  roleArn: string;
  pcr8: string[];
  adminArns: string[];
  profile: KeyPolicyProfile;
  pcr3RoleBinding: boolean;
  denyDebug: boolean;
  allowRotation: boolean;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function oneOrMany(values: readonly string[]): string | string[] {
  return values.length === 1 ? (values[0] as string) : [...values];
}

/** Apply defaults and validate (POLICY_INVALID, PCR_INVALID). */
function resolveKeyPolicyInput(input: KeyPolicyInput): ResolvedKeyPolicyInput {
  const profile = input.profile ?? 'hardened';
  if (profile !== 'hardened' && profile !== 'fireblocks-exact') {
    fail('POLICY_INVALID', `unknown policy profile ${JSON.stringify(profile)}`, 'use hardened or fireblocks-exact');
  }
  const partition = input.partition ?? 'aws';
  assertAccountId(input.accountId);
  assertRoleArn(input.roleArn);
  const root = accountRootArn(input.accountId, partition);
  const adminArns = unique(input.adminArns === undefined || input.adminArns.length === 0 ? [root] : input.adminArns);
  adminArns.forEach(assertPrincipalArn);
  const pcr8 = assertPCR8List(input.pcr8);
  if (profile === 'fireblocks-exact') {
    const extras: string[] = [];
    if (input.pcr3RoleBinding === true) extras.push('PCR3 role binding');
    if (input.denyDebug === true) extras.push('the debug-enclave Deny');
    if (input.allowRotation === true) extras.push('the rotation permission');
    if (adminArns.length !== 1 || adminArns[0] !== root) extras.push('administrators other than the account root');
    if (extras.length > 0) {
      fail(
        'POLICY_INVALID',
        `the fireblocks-exact profile reproduces the documented policy and cannot add ${extras.join(', ')}`,
        'use the hardened profile (the default) for these options',
      );
    }
    return {
      accountId: input.accountId,
      partition,
      roleArn: input.roleArn,
      pcr8,
      adminArns,
      profile,
      pcr3RoleBinding: false,
      denyDebug: false,
      allowRotation: false,
    };
  }
  return {
    accountId: input.accountId,
    partition,
    roleArn: input.roleArn,
    pcr8,
    adminArns,
    profile,
    pcr3RoleBinding: input.pcr3RoleBinding ?? false,
    denyDebug: input.denyDebug ?? true,
    allowRotation: input.allowRotation ?? false,
  };
}

/** Fireblocks' three documented statements, with a PCR8 list only during a rotation. */
function fireblocksStatements(input: ResolvedKeyPolicyInput): PolicyStatement[] {
  return [
    {
      Sid: FIREBLOCKS_SIDS.attested,
      Effect: 'Allow',
      Principal: { AWS: input.roleArn },
      Action: [...FIREBLOCKS_ROLE_KMS_ACTIONS],
      Resource: '*',
      Condition: { StringEqualsIgnoreCase: { 'kms:RecipientAttestation:PCR8': oneOrMany(input.pcr8) } },
    },
    {
      Sid: FIREBLOCKS_SIDS.getKeyPolicy,
      Effect: 'Allow',
      Principal: { AWS: input.roleArn },
      Action: 'kms:GetKeyPolicy',
      Resource: '*',
    },
    {
      Sid: FIREBLOCKS_SIDS.admin,
      Effect: 'Allow',
      Principal: { AWS: accountRootArn(input.accountId, input.partition) },
      Action: [...FIREBLOCKS_ADMIN_ACTIONS],
      Resource: '*',
    },
  ];
}

/** The statements the hardened profile adds after Fireblocks' three. */
function hardeningStatements(input: ResolvedKeyPolicyInput): PolicyStatement[] {
  const root = accountRootArn(input.accountId, input.partition);
  const admins = { AWS: oneOrMany(input.adminArns) };
  const statements: PolicyStatement[] = [];
  if (input.adminArns.some((admin) => admin !== root)) {
    statements.push({
      Sid: HARDENED_SIDS.admin,
      Effect: 'Allow',
      Principal: admins,
      Action: [...FIREBLOCKS_ADMIN_ACTIONS],
      Resource: '*',
    });
  }
  // Fireblocks' policy grants nobody CancelKeyDeletion or EnableKey: a scheduled deletion could not be undone.
  statements.push({
    Sid: HARDENED_SIDS.recovery,
    Effect: 'Allow',
    Principal: admins,
    Action: [...RECOVERY_ACTIONS],
    Resource: '*',
  });
  if (input.allowRotation) {
    statements.push({
      Sid: HARDENED_SIDS.rotation,
      Effect: 'Allow',
      Principal: admins,
      Action: [...ROTATION_ACTIONS],
      Resource: '*',
    });
  }
  if (input.denyDebug) {
    statements.push({
      Sid: HARDENED_SIDS.denyDebug,
      Effect: 'Deny',
      Principal: '*',
      Action: [...ATTESTED_DATA_ACTIONS],
      Resource: '*',
      Condition: { StringEqualsIgnoreCase: { 'kms:RecipientAttestation:ImageSha384': ZERO_MEASUREMENT } },
    });
  }
  if (input.pcr3RoleBinding) {
    // A Deny beside Fireblocks' statement rather than a second key in its condition. An absent PCR3
    // (no attestation) also matches, which only denies calls that are never allowed anyway.
    statements.push({
      Sid: HARDENED_SIDS.bindParentRole,
      Effect: 'Deny',
      Principal: '*',
      Action: [...ATTESTED_DATA_ACTIONS],
      Resource: '*',
      Condition: { StringNotEqualsIgnoreCase: { 'kms:RecipientAttestation:PCR3': computePCR3(input.roleArn) } },
    });
  }
  return statements;
}

/** Build the key policy for a co-signer. Pure; throws POLICY_INVALID / PCR_INVALID on bad input. */
export function buildKeyPolicy(input: KeyPolicyInput): PolicyDocument {
  const resolved = resolveKeyPolicyInput(input);
  const statements = fireblocksStatements(resolved);
  if (resolved.profile === 'hardened') statements.push(...hardeningStatements(resolved));
  return { Version: POLICY_VERSION, Id: FIREBLOCKS_KEY_POLICY_ID, Statement: statements };
}
