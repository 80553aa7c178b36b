/**
 * The key-policy change that lets the administrators retire a key, and undo that: Fireblocks' key
 * policy grants nobody `kms:ScheduleKeyDeletion`, `kms:DeleteAlias`, `kms:CancelKeyDeletion` or
 * `kms:EnableKey` (hardened grants the last two already), so `destroy
 * --delete-key` and the clean-up of a key created twice first add one statement, merged by Sid
 * into the existing policy (everything else kept), and proven free of lockout before it is written.
 */
import { accountRootArn } from './arn.js';
import { policiesEquivalent } from './canonical.js';
import { OWNED_KEY_POLICY_SIDS, POLICY_VERSION } from './constants.js';
import { mergeBySid } from './merge.js';
import { assertKeyPolicyProofs, proveKeyPolicy } from './proofs.js';
import type { PolicyDocument, PolicyStatement } from './types.js';

export const TEARDOWN_SID = 'CosignerKeyTeardown';
/** Scheduling the deletion, and undoing it (CancelKeyDeletion leaves the key disabled: EnableKey). */
const TEARDOWN_ACTIONS = [
  'kms:ScheduleKeyDeletion',
  'kms:DeleteAlias',
  'kms:CancelKeyDeletion',
  'kms:EnableKey',
] as const;

export interface TeardownPolicyInput {
  accountId: string;
  partition: string;
  keyArn: string;
  roleArn: string;
  /** Key administrators; the account root when empty. */
  adminArns: readonly string[];
  callerArn: string;
  pcr8: readonly string[];
  /**
   * The role no longer exists (a teardown resumed after it was deleted): drop our statements that
   * name it, which KMS would otherwise reject as invalid principals.
   */
  roleGone?: boolean;
}

/** The existing policy plus the teardown statement; undefined when it is already there. */
export function teardownKeyPolicy(existing: PolicyDocument, input: TeardownPolicyInput): PolicyDocument | undefined {
  const admins: [string, ...string[]] =
    input.adminArns.length === 0
      ? [accountRootArn(input.accountId, input.partition)]
      : [input.adminArns[0]!, ...input.adminArns.slice(1)];
  const statement: PolicyDocument = {
    Version: POLICY_VERSION,
    Statement: [
      {
        Sid: TEARDOWN_SID,
        Effect: 'Allow',
        Principal: { AWS: admins.length === 1 ? admins[0] : admins },
        Action: [...TEARDOWN_ACTIONS],
        Resource: '*',
      },
    ],
  };
  // Only the teardown Sid is ours here: every other statement stays as it is, except (roleGone)
  // our own statements that name the deleted role.
  const namesRole = (s: PolicyStatement) =>
    s.Sid !== undefined &&
    OWNED_KEY_POLICY_SIDS.includes(s.Sid) &&
    JSON.stringify(s.Principal ?? '').includes(input.roleArn);
  const base =
    input.roleGone === true ? { ...existing, Statement: existing.Statement.filter((s) => !namesRole(s)) } : existing;
  const { policy } = mergeBySid(base, statement, { ownedSids: [TEARDOWN_SID] });
  if (policiesEquivalent(policy, existing)) return undefined;
  const report = proveKeyPolicy(policy, {
    keyArn: input.keyArn,
    roleArn: input.roleArn,
    pcr8: input.pcr8,
    adminArns: admins,
    callerArn: input.callerArn,
    debugEnclave: 'accept-risk',
  });
  // Only a lockout refuses here: the key is about to be deleted, the bypass proofs do not matter.
  assertKeyPolicyProofs({
    ...report,
    ok: !report.findings.some((f) => f.severity === 'error' && f.code === 'POLICY_LOCKOUT'),
    findings: report.findings.filter((f) => f.code === 'POLICY_LOCKOUT'),
  });
  return policy;
}
