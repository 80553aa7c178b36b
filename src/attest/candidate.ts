/**
 * `attest`'s candidate key policy: our statements for the profile and the PCR8 list, merged by Sid
 * into the live policy (every foreign statement and the order kept), the diff, and the proofs it
 * must pass before it is written. Pure: warnings are collected, nothing is read or written.
 */
import { parseKeyArn, partitionForRegion } from '../policy/arn.js';
import { OWNED_KEY_POLICY_SIDS } from '../policy/constants.js';
import { diffPolicies, type PolicyDiff } from '../policy/diff.js';
import { buildKeyPolicy, type KeyPolicyProfile } from '../policy/key-policy.js';
import { lintPolicy } from '../policy/lint.js';
import { mergeBySid, type MergeReport } from '../policy/merge.js';
import { proveKeyPolicy, type ProofReport } from '../policy/proofs.js';
import type { PolicyDocument } from '../policy/types.js';

/** The policy settings of one run (from AttestOptions). */
export interface CandidateSettings {
  profile: KeyPolicyProfile;
  /** Key policy administrators; empty means the account root. */
  adminArns: readonly string[];
  pcr3RoleBinding: boolean;
  /** @default true */
  denyDebugEnclaves?: boolean;
  allowRotation: boolean;
  /** Foreign statements to remove, by Sid. */
  removeStatements: readonly string[];
}

export interface CandidateTarget {
  keyArn: string;
  roleArn: string;
  pcr8: string[];
  caller: { accountId: string; callerArn: string; region: string };
}

export interface Candidate {
  policy: PolicyDocument;
  merge: MergeReport;
  diff: PolicyDiff;
  partition: string;
  /** The hardened profile's debug-enclave Deny is part of the policy. */
  denyDebug: boolean;
}

/** Build our statements and merge them into the live policy; warnings about the result go to `warnings`. */
export function buildCandidate(
  live: PolicyDocument,
  settings: CandidateSettings,
  target: CandidateTarget,
  warnings: string[],
): Candidate {
  const { caller } = target;
  const partition = parseKeyArn(target.keyArn)?.partition ?? partitionForRegion(caller.region);
  const hardened = settings.profile === 'hardened';
  const denyDebug = hardened && settings.denyDebugEnclaves !== false;
  if (hardened && !denyDebug)
    warnings.push(
      'the debug-enclave Deny is switched off: a debug-mode run of a correctly signed image may be able to use the key',
    );
  const desired = buildKeyPolicy({
    accountId: caller.accountId,
    partition,
    roleArn: target.roleArn,
    pcr8: target.pcr8,
    adminArns: settings.adminArns,
    profile: settings.profile,
    ...(hardened
      ? { pcr3RoleBinding: settings.pcr3RoleBinding, allowRotation: settings.allowRotation, denyDebug }
      : {}),
  });
  if (!hardened && settings.pcr3RoleBinding)
    warnings.push('the PCR3 role binding is not part of the fireblocks-exact profile and was not applied');
  const { policy, report: merge } = mergeBySid(live, desired, {
    ownedSids: OWNED_KEY_POLICY_SIDS,
    removeSids: settings.removeStatements,
  });
  for (const sid of merge.notFound)
    warnings.push(
      `--remove-statement ${JSON.stringify(sid)}: no statement with this Sid in the key policy (Sids are case-sensitive)`,
    );
  const diff = diffPolicies(live, policy, OWNED_KEY_POLICY_SIDS);
  for (const finding of lintPolicy(policy)) if (finding.severity === 'warning') warnings.push(finding.message);
  return { policy, merge, diff, partition, denyDebug };
}

/**
 * Every key-policy proof on the candidate, for the administrators (the account root when none is
 * configured) and the caller; warning findings go to `warnings`.
 */
export function proveCandidate(
  candidate: Candidate,
  settings: Pick<CandidateSettings, 'adminArns'>,
  target: CandidateTarget,
  warnings: string[],
): ProofReport {
  const { caller } = target;
  const admins =
    settings.adminArns.length > 0 ? settings.adminArns : [`arn:${candidate.partition}:iam::${caller.accountId}:root`];
  const proofs = proveKeyPolicy(candidate.policy, {
    keyArn: target.keyArn,
    roleArn: target.roleArn,
    pcr8: target.pcr8,
    adminArns: admins,
    callerArn: caller.callerArn,
    debugEnclave: candidate.denyDebug ? 'deny-required' : 'accept-risk',
  });
  for (const finding of proofs.findings) if (finding.severity === 'warning') warnings.push(finding.message);
  return proofs;
}
