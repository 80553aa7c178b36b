/**
 * The KMS key policy, built from configuration. Two profiles:
 *
 * - `fireblocks-exact` reproduces the policy of the Fireblocks installation guide literally
 *   (FB-INSTALL §1.4; fireblocks-aws.md §1.6): same `Id`, Sids, actions, order and shapes.
 * - `hardened` (default) keeps Fireblocks' three statements (with our Sids, configurable
 *   administrators and a PCR8 value list for rotation) and adds, each switchable:
 *   a Deny of the attestation-capable actions for debug-mode enclaves (ImageSha384 all zeros),
 *   an optional PCR3 binding of the attested statement to the role, and a rotation permission.
 */
import { fail } from '../errors.js';
import { computePCR3 } from '../enclave/pcr.js';
import { accountRootArn, assertAccountId, assertPrincipalArn, assertRoleArn } from './arn.js';
import {
  ATTESTATION_CAPABLE_ACTIONS,
  FIREBLOCKS_ADMIN_ACTIONS,
  FIREBLOCKS_KEY_POLICY_ID,
  FIREBLOCKS_ROLE_KMS_ACTIONS,
  FIREBLOCKS_SIDS,
  HARDENED_KEY_POLICY_ID,
  HARDENED_SIDS,
  POLICY_VERSION,
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
export function resolveKeyPolicyInput(input: KeyPolicyInput): ResolvedKeyPolicyInput {
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
      fail('POLICY_INVALID', `the fireblocks-exact profile reproduces the documented policy and cannot add ${extras.join(', ')}`, 'use the hardened profile (the default) for these options');
    }
    return { accountId: input.accountId, partition, roleArn: input.roleArn, pcr8, adminArns, profile, pcr3RoleBinding: false, denyDebug: false, allowRotation: false };
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

/** Fireblocks' documented key policy, with a PCR8 list only during a rotation. */
function buildFireblocksExact(input: ResolvedKeyPolicyInput): PolicyDocument {
  const role = { AWS: input.roleArn };
  return {
    Version: POLICY_VERSION,
    Id: FIREBLOCKS_KEY_POLICY_ID,
    Statement: [
      {
        Sid: FIREBLOCKS_SIDS.attested,
        Effect: 'Allow',
        Principal: role,
        Action: [...FIREBLOCKS_ROLE_KMS_ACTIONS],
        Resource: '*',
        Condition: { StringEqualsIgnoreCase: { 'kms:RecipientAttestation:PCR8': oneOrMany(input.pcr8) } },
      },
      { Sid: FIREBLOCKS_SIDS.getKeyPolicy, Effect: 'Allow', Principal: { AWS: input.roleArn }, Action: 'kms:GetKeyPolicy', Resource: '*' },
      {
        Sid: FIREBLOCKS_SIDS.admin,
        Effect: 'Allow',
        Principal: { AWS: accountRootArn(input.accountId, input.partition) },
        Action: [...FIREBLOCKS_ADMIN_ACTIONS],
        Resource: '*',
      },
    ],
  };
}

function buildHardened(input: ResolvedKeyPolicyInput): PolicyDocument {
  const attestation: Record<string, string | string[]> = { 'kms:RecipientAttestation:PCR8': [...input.pcr8] };
  if (input.pcr3RoleBinding) attestation['kms:RecipientAttestation:PCR3'] = computePCR3(input.roleArn);
  const admins = { AWS: oneOrMany(input.adminArns) };
  const statements: PolicyStatement[] = [
    {
      Sid: HARDENED_SIDS.attested,
      Effect: 'Allow',
      Principal: { AWS: input.roleArn },
      Action: [...FIREBLOCKS_ROLE_KMS_ACTIONS],
      Resource: '*',
      Condition: { StringEqualsIgnoreCase: attestation },
    },
    { Sid: HARDENED_SIDS.getKeyPolicy, Effect: 'Allow', Principal: { AWS: input.roleArn }, Action: 'kms:GetKeyPolicy', Resource: '*' },
    { Sid: HARDENED_SIDS.admin, Effect: 'Allow', Principal: admins, Action: [...FIREBLOCKS_ADMIN_ACTIONS], Resource: '*' },
  ];
  if (input.allowRotation) {
    statements.push({ Sid: HARDENED_SIDS.rotation, Effect: 'Allow', Principal: { AWS: oneOrMany(input.adminArns) }, Action: [...ROTATION_ACTIONS], Resource: '*' });
  }
  if (input.denyDebug) {
    statements.push({
      Sid: HARDENED_SIDS.denyDebug,
      Effect: 'Deny',
      Principal: '*',
      Action: [...ATTESTATION_CAPABLE_ACTIONS],
      Resource: '*',
      Condition: { StringEqualsIgnoreCase: { 'kms:RecipientAttestation:ImageSha384': ZERO_MEASUREMENT } },
    });
  }
  return { Version: POLICY_VERSION, Id: HARDENED_KEY_POLICY_ID, Statement: statements };
}

/** Build the key policy for a co-signer. Pure; throws POLICY_INVALID / PCR_INVALID on bad input. */
export function buildKeyPolicy(input: KeyPolicyInput): PolicyDocument {
  const resolved = resolveKeyPolicyInput(input);
  return resolved.profile === 'fireblocks-exact' ? buildFireblocksExact(resolved) : buildHardened(resolved);
}

/** The Sid of our attested statement in a profile. */
export function attestedSid(profile: KeyPolicyProfile): string {
  return profile === 'fireblocks-exact' ? FIREBLOCKS_SIDS.attested : HARDENED_SIDS.attested;
}
