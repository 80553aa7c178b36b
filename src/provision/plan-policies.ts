/**
 * The policies of the existing bucket and key in a plan: merged by Sid into what is live and proven
 * (no lockout, no bypass) before anything is planned, also when nothing is to be written, so a
 * foreign statement that fails the proofs is named and refused, never kept as "matches the config".
 * The key policy's PCR8 list is the config's; its change against the live policy is reported. Pure.
 */
import { CosignerError, isCosignerError } from '../errors.js';
import { accountRootArn } from '../policy/arn.js';
import { policySize } from '../policy/canonical.js';
import { KEY_POLICY_MAX_BYTES, OWNED_BUCKET_POLICY_SIDS, OWNED_KEY_POLICY_SIDS } from '../policy/constants.js';
import { mergeBySid } from '../policy/merge.js';
import { pcr8Change, pcr8ValuesOf, shortPCR8 } from '../policy/pcr8.js';
import { assertKeyPolicyProofs, proveBucketPolicy, proveKeyPolicy, type ProofReport } from '../policy/proofs.js';
import type { PolicyDocument } from '../policy/types.js';
import { samePolicy } from '../engine/digest.js';
import { keyPolicyFor } from './desired.js';
import type { ObservedKey } from './observed.js';
import type { PlanInput } from './plan-nodes.js';
import type { Pcr8Change } from './plan-types.js';

/** A shell-safe spelling of a Sid for a hinted command. */
function shellWord(value: string): string {
  return /^[\w.:/@-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The foreign statements (not one of our Sids) that the failed proofs of a report involve. */
function failingForeignStatements(
  report: ProofReport,
  policy: PolicyDocument,
  ownedSids: readonly string[],
): { index: number; sid?: string }[] {
  const seen = new Map<number, { index: number; sid?: string }>();
  for (const finding of report.findings) {
    if (finding.severity !== 'error') continue;
    for (const ref of finding.statements) {
      const sid = policy.Statement[ref.index]?.Sid;
      if (sid !== undefined && ownedSids.includes(sid)) continue;
      seen.set(ref.index, { index: ref.index, ...(sid === undefined ? {} : { sid }) });
    }
  }
  return [...seen.values()].sort((a, b) => a.index - b.index);
}

/** `statement "Sid"` or `statement #3 (no Sid)`. */
export function statementName(ref: { index: number; sid?: string }): string {
  return ref.sid === undefined || ref.sid === ''
    ? `statement #${ref.index} (no Sid)`
    : `statement ${JSON.stringify(ref.sid)}`;
}

/** The merged bucket policy, refused (as a CosignerError) when it fails the bucket proofs. */
export function provenBucketPolicy(input: PlanInput, current: PolicyDocument | undefined): PolicyDocument {
  const { desired } = input;
  const policy =
    current === undefined
      ? desired.bucket.policy
      : mergeBySid(current, desired.bucket.policy, { ownedSids: OWNED_BUCKET_POLICY_SIDS }).policy;
  // The administrators and the caller (who writes the policy) must keep the bucket-policy actions.
  const admins = desired.key.policyInput.adminArns;
  const report = proveBucketPolicy(policy, {
    bucketName: desired.bucket.name,
    partition: desired.partition,
    accountId: desired.accountId,
    roleArn: desired.role.arn,
    adminArns: [accountRootArn(desired.accountId, desired.partition), ...(admins ?? [])],
    callerArn: input.callerArn,
  });
  const first = report.findings.find((f) => f.severity === 'error');
  if (!report.ok && first !== undefined) {
    // Provision keeps foreign statements; one that fails the proofs is named, never silently kept.
    const foreign = failingForeignStatements(report, policy, OWNED_BUCKET_POLICY_SIDS);
    const names = foreign.map(statementName).join(', ');
    throw new CosignerError(
      first.code ?? 'POLICY_LOCKOUT',
      `refusing the bucket policy: ${first.message}${foreign.length > 0 ? `; foreign ${names} of the live bucket policy fails the proofs` : ''}`,
      {
        hint:
          foreign.length > 0
            ? `remove ${names} from the policy of bucket ${desired.bucket.name} (aws s3api get-bucket-policy --bucket ${desired.bucket.name}, edit, aws s3api put-bucket-policy), then run provision again`
            : 'remove the bucket policy statements that deny the administrators or the role',
        context: { findings: report.findings.filter((f) => f.severity === 'error'), foreignStatements: foreign },
      },
    );
  }
  return policy;
}

/** What the key policy of an existing key needs: the policy to write (if any) and its PCR8 change. */
export interface KeyPolicyUpdate {
  policy?: PolicyDocument;
  pcr8Change?: Pcr8Change;
  notes: string[];
}

/**
 * The key policy to write on an existing key, merged and proven. The PCR8 list is the config's
 * (fireblocks.pcr8, the record `attest` keeps, else the preset): values the live policy admits that
 * the config does not are removed, and values it lacks are added, each as a visible PCR8 change
 * that apply asks about. The live policy is proven even when nothing is to be written, so that a
 * foreign statement that opens a way around the enclave is never called "matches the config".
 */
export function keyPolicyUpdate(input: PlanInput, key: ObservedKey & { policy: PolicyDocument }): KeyPolicyUpdate {
  const { desired } = input;
  const list = desired.key.pcr8.values;
  const policy = mergeBySid(key.policy, keyPolicyFor(desired, list), { ownedSids: OWNED_KEY_POLICY_SIDS }).policy;
  if (samePolicy(policy, key.policy)) {
    // Nothing is written, so no caller has to keep kms:PutKeyPolicy for this proof.
    proveKey(input, policy, list, key.arn, false);
    return { notes: [] };
  }
  proveKey(input, policy, list, key.arn, true);
  const live = pcr8ValuesOf(key.policy);
  const { added, removed } = pcr8Change(live, list);
  if (added.length === 0 && removed.length === 0) return { policy, notes: [] };
  const notes = [
    ...removed.map(
      (v) =>
        `PCR8 ${shortPCR8(v)} is in the live key policy but not in the config: this plan removes it (to keep it, record it first: cosigner-cli attest --add ${v})`,
    ),
    ...(live.length > 0
      ? added.map((v) => `PCR8 ${shortPCR8(v)} is in the config but not in the live key policy: this plan adds it`)
      : []),
  ];
  return { policy, pcr8Change: { live, config: [...list], added, removed }, notes };
}

/**
 * Refuse (throw) a key policy that fails the lockout or bypass proofs or the size quota. A failing
 * foreign statement is named, with the command that removes it.
 */
export function proveKey(
  input: PlanInput,
  policy: PolicyDocument,
  pcr8: string[],
  keyArn: string,
  writing: boolean,
): void {
  const { desired } = input;
  const admins = desired.key.policyInput.adminArns;
  const report = proveKeyPolicy(policy, {
    keyArn,
    roleArn: desired.role.arn,
    pcr8,
    adminArns:
      admins === undefined || admins.length === 0 ? [accountRootArn(desired.accountId, desired.partition)] : admins,
    ...(writing ? { callerArn: input.callerArn } : {}),
    debugEnclave:
      desired.key.profile === 'fireblocks-exact' || desired.key.policyInput.denyDebug === false
        ? 'accept-risk'
        : 'deny-required',
  });
  try {
    assertKeyPolicyProofs(report);
  } catch (error) {
    const foreign = failingForeignStatements(report, policy, OWNED_KEY_POLICY_SIDS);
    if (!isCosignerError(error) || foreign.length === 0) throw error;
    const names = foreign.map(statementName).join(', ');
    const withSid = foreign.filter((f) => f.sid !== undefined && f.sid !== '');
    const noSid = foreign.filter((f) => f.sid === undefined || f.sid === '');
    const hints = [
      ...(withSid.length > 0
        ? [
            `remove it: cosigner-cli attest ${withSid.map((f) => `--remove-statement ${shellWord(f.sid as string)}`).join(' ')}`,
          ]
        : []),
      ...(noSid.length > 0
        ? [
            `${noSid.map(statementName).join(', ')} cannot be named by --remove-statement: remove it from the key policy (aws kms get-key-policy, edit, aws kms put-key-policy) or give it a Sid`,
          ]
        : []),
    ];
    throw new CosignerError(error.code, `${error.message}; foreign ${names} of the key policy fails the proofs`, {
      hint: `${hints.join('; ')}; then run provision again`,
      context: { ...error.context, foreignStatements: foreign },
      cause: error,
    });
  }
  if (policySize(policy) > KEY_POLICY_MAX_BYTES) {
    throw new CosignerError(
      'POLICY_TOO_LARGE',
      `the key policy would be ${policySize(policy)} bytes, over KMS's ${KEY_POLICY_MAX_BYTES}`,
      { hint: 'remove foreign statements from the key policy' },
    );
  }
}

/** A PCR8 change in a few words: `+ da1d9e…99a8, − fffc94…2d49`. */
export function pcr8ChangeText(change: Pick<Pcr8Change, 'added' | 'removed'>): string {
  return [...change.added.map((v) => `+ ${shortPCR8(v)}`), ...change.removed.map((v) => `− ${shortPCR8(v)}`)].join(
    ', ',
  );
}
