/**
 * `attest`: put the co-signer image's PCR8 into the KMS key policy.
 *
 * Steps, in order: get PCR8 from every source given and cross-check them (pcr8-sources.ts);
 * describe the key (region, state, manager) and read the live key policy (key.ts); compute the
 * PCR8 list (set, `--add`, `--prune`); build our statements and merge them by Sid, keeping every
 * foreign statement and the order; diff; prove (no lockout, attested-only, no bypass)
 * (candidate.ts); stop on `--dry-run`; confirm; PutKeyPolicy (never with
 * BypassPolicyLockoutSafetyCheck), retrying while IAM propagates a new role; read back and compare
 * semantically (write-policy.ts); record the PCR8 list in the config file (fireblocks.pcr8,
 * config-record.ts), so that the config and the key policy agree after every successful run and
 * `provision` keeps the list.
 */
import type { IAMPort } from '../aws/iam.js';
import type { KMSPort } from '../aws/kms.js';
import type { ConfigFileRef } from '../config/pcr8.js';
import { fail } from '../errors.js';
import { interruptedError } from '../io/interrupt.js';
import { log, type IoHost } from '../io/io-host.js';
import { escapeControl } from '../io/safe-text.js';
import { policySize } from '../policy/canonical.js';
import { KEY_POLICY_MAX_BYTES } from '../policy/constants.js';
import { renderPolicyDiff, type PolicyDiff } from '../policy/diff.js';
import { inertActionsOf, type InertAction } from '../policy/inert-actions.js';
import type { KeyPropertyFinding } from '../policy/key-properties.js';
import { KEY_POLICY_PROFILES, type KeyPolicyProfile } from '../policy/key-policy.js';
import type { MergeReport } from '../policy/merge.js';
import { pcr8ValuesOf } from '../policy/pcr8.js';
import { assertKeyPolicyProofs, type ProofFinding } from '../policy/proofs.js';
import type { PolicyDocument } from '../policy/types.js';
import { buildCandidate, proveCandidate } from './candidate.js';
import { planRecord, type AttestConfigRecord } from './config-record.js';
import { checkKey, describeKey, readPolicy, resolveRoleArn } from './key.js';
import {
  decidePCR8,
  defaultReaders,
  type AttestMode,
  type PCR8Request,
  type PCR8Source,
  type SourceReaders,
} from './pcr8-sources.js';
import { diffStyle } from './render.js';
import { verifyReadBack, writeKeyPolicy } from './write-policy.js';

export type { ConfiguredSource } from './pcr8-sources.js';

/** What one attest run does; the PCR8 sources, preset and rotation step come from PCR8Request. */
export interface AttestOptions extends PCR8Request {
  /** The KMS key: id, ARN or `alias/…`. */
  keyId: string;
  /** The co-signer role: its ARN, or its name (looked up with iam:GetRole). */
  role: { arn: string } | { name: string };
  /** @default 'hardened' */
  profile: KeyPolicyProfile;
  /** Key policy administrators; empty means the account root. */
  adminArns: string[];
  pcr3RoleBinding: boolean;
  /** Deny the sensitive actions to debug-mode enclaves (hardened profile). @default true */
  denyDebugEnclaves?: boolean;
  /** Let administrators enable key rotation (hardened profile). */
  allowRotation: boolean;
  /** Foreign statements to remove, by Sid (explicit; never implied). */
  removeStatements: string[];
  /** Stop after the diff and the proofs. */
  dryRun: boolean;
  /** Grants of the key accepted by id (`--accept-grant`); any other grant is refused. */
  acceptedGrants?: readonly string[];
}

export interface AttestDeps {
  io: IoHost;
  kms: Pick<KMSPort, 'describeKey' | 'getKeyPolicy' | 'putKeyPolicy' | 'listGrants'>;
  /** Needed only when the role is given by name. */
  iam?: Pick<IAMPort, 'getRole'> | undefined;
  /** Who is calling, where (sts:GetCallerIdentity and the ports' region). */
  caller: { accountId: string; callerArn: string; region: string };
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  /** Measure an EIF file. @default the in-process EIF reader */
  measureEif?: SourceReaders['measureEif'];
  /** Read a small text file, or stdin for `-`. @default node:fs / process.stdin */
  readText?: SourceReaders['readText'];
  /** Bound on the time spent waiting for IAM propagation. @default 120000 */
  propagationMaxWaitMs?: number;
  /**
   * Ctrl-C: before PutKeyPolicy nothing is written (ABORTED); once KMS accepted the policy, the
   * read-back still runs and ABORTED says the policy is in place and whether it was verified.
   */
  signal?: AbortSignal;
  /** The config the run was loaded from: the PCR8 list is recorded in its file. Absent: nothing is recorded. */
  config?: ConfigFileRef;
}

export interface AttestResult {
  keyArn: string;
  accountId: string;
  region: string;
  roleArn: string;
  profile: KeyPolicyProfile;
  mode: AttestMode;
  /** The PCR8 list before and after. */
  previousPcr8: string[];
  pcr8: string[];
  /** Where each PCR8 value came from (empty for `--prune`). */
  sources: PCR8Source[];
  /** The candidate policy differs from the live one. */
  changed: boolean;
  dryRun: boolean;
  written: boolean;
  /** The read-back policy matched the written one. */
  verified: boolean;
  /** PutKeyPolicy calls made (more than one while IAM propagated the role). */
  writeAttempts: number;
  diff: PolicyDiff;
  merge: MergeReport;
  proofs: { ok: boolean; requests: number; findings: ProofFinding[] };
  /** Whether the key policy can protect the key: its properties and grants. */
  keyProperties: { grantsListed: boolean; acceptedGrants: string[]; findings: KeyPropertyFinding[] };
  /**
   * Actions the candidate policy names that never take effect (Fireblocks' attested statement lists
   * them), with the reason: never counted as access (src/policy/inert-actions.ts).
   */
  inertActions: InertAction[];
  warnings: string[];
  /** The candidate policy (the one written, unless dry-run or unchanged). */
  policy: PolicyDocument;
  /** The PCR8 record in the config file; absent when the run had no config to record into. */
  config?: AttestConfigRecord;
}

/** Run attest. Throws coded errors; writes nothing unless every proof holds and the user confirmed. */
export async function runAttest(options: AttestOptions, deps: AttestDeps): Promise<AttestResult> {
  const { io, caller } = deps;
  const warnings: string[] = [];
  const notWritten = (detail = '') => {
    if (deps.signal?.aborted === true)
      throw interruptedError(deps.signal, `interrupted before the key policy was written${detail}: it is unchanged`, {
        written: false,
      });
  };
  if (!KEY_POLICY_PROFILES.includes(options.profile))
    fail(
      'INVALID_OPTION',
      `unknown policy profile ${JSON.stringify(options.profile)}`,
      'use hardened or fireblocks-exact',
    );
  const real = defaultReaders();
  const readers: SourceReaders = {
    measureEif: deps.measureEif ?? real.measureEif,
    readText: deps.readText ?? real.readText,
  };

  // 1. The key and who we are.
  log.info(io, 'ATTEST_TARGET', `account ${caller.accountId} · ${caller.region} · ${caller.callerArn}`, {
    accountId: caller.accountId,
    region: caller.region,
    callerArn: caller.callerArn,
  });
  const key = await describeKey(options.keyId, deps, warnings);
  const keyArn = key.arn;
  const roleArn = await resolveRoleArn(options.role, deps);

  // 2. The live policy, a key it can protect, and the PCR8 list.
  const live = await readPolicy(deps, keyArn);
  const properties = await checkKey(key, live, options.acceptedGrants ?? [], deps, warnings);
  const previous = pcr8ValuesOf(live);
  const { mode, list, sources } = await decidePCR8(options, previous, readers, warnings);
  notWritten();

  // 3. Our statements, merged by Sid into the live policy.
  const target = { keyArn, roleArn, pcr8: list, caller };
  const candidate = buildCandidate(live, options, target, warnings);
  const { policy, merge, diff } = candidate;

  // The config file's record of the list (fireblocks.pcr8), written after the policy.
  const record = deps.config === undefined ? undefined : await planRecord(deps.config, list);
  if (record !== undefined) warnings.push(...record.warnings);

  // 4. Proofs, before anything is written (also in a dry run: it predicts the real run).
  const proofs = proveCandidate(candidate, options, target, warnings);
  for (const warning of warnings) log.warn(io, 'ATTEST_WARNING', escapeControl(warning));
  const size = policySize(policy);
  if (size > KEY_POLICY_MAX_BYTES) {
    fail(
      'POLICY_TOO_LARGE',
      `the key policy would be ${size} bytes, over the KMS limit of ${KEY_POLICY_MAX_BYTES}`,
      'remove foreign statements you no longer need (--remove-statement <Sid>)',
      { context: { size } },
    );
  }
  const base = {
    keyArn,
    accountId: caller.accountId,
    region: caller.region,
    roleArn,
    profile: options.profile,
    mode,
    previousPcr8: previous,
    pcr8: list,
    sources,
    diff,
    merge,
    proofs: { ok: proofs.ok, requests: proofs.requests, findings: proofs.findings },
    keyProperties: {
      grantsListed: properties.grantsListed,
      acceptedGrants: properties.acceptedGrants.map((grant) => grant.GrantId),
      findings: properties.findings,
    },
    inertActions: inertActionsOf(policy),
    warnings,
    policy,
  };
  const showDiff = () =>
    io.notify({
      level: 'info',
      code: 'ATTEST_DIFF',
      message: renderPolicyDiff(diff, diffStyle(io)),
      data: { diff },
      preformatted: true,
    });
  if (!proofs.ok) {
    // Show what would have been written, then refuse.
    showDiff();
    assertKeyPolicyProofs(proofs);
  }
  // The config's record of the list is shown like the policy diff and confirmed with it.
  const planned = record === undefined ? {} : { config: record.planned };
  if (!diff.changed) {
    log.info(io, 'ATTEST_UNCHANGED', 'the key policy already matches; nothing to write');
    record?.show(io);
    if (record?.changes !== true || options.dryRun)
      return {
        ...base,
        ...planned,
        changed: false,
        dryRun: options.dryRun,
        written: false,
        verified: true,
        writeAttempts: 0,
      };
    // The key already has the list but the config does not say so (yet): record it.
    await io.confirm(`record the PCR8 list ${list.join(', ')} in ${record.planned.path}?`, '--yes', {
      keyArn,
      pcr8: list,
      config: record.planned,
    });
    notWritten();
    return {
      ...base,
      config: await record.write(io, false),
      changed: false,
      dryRun: false,
      written: false,
      verified: true,
      writeAttempts: 0,
    };
  }
  if (options.dryRun) {
    record?.show(io);
    return { ...base, ...planned, changed: true, dryRun: true, written: false, verified: false, writeAttempts: 0 };
  }

  // 5. Confirm (the diffs go to stderr first, so they are on screen when the question is asked).
  showDiff();
  record?.show(io);
  notWritten();
  const recording = record?.changes === true;
  await io.confirm(
    `write this key policy to ${keyArn} (account ${caller.accountId}, ${caller.region})${recording ? ` and record its PCR8 list in ${record.planned.path}` : ''}?`,
    '--yes',
    { keyArn, pcr8: list, diff, policy, ...(recording ? { config: record.planned } : {}) },
  );
  notWritten();

  // 6. Write, retrying while IAM propagates a freshly created role; no attempt once interrupted.
  const attempts = await writeKeyPolicy(keyArn, policy, deps, (attempt) =>
    notWritten(attempt > 0 ? ' (KMS refused every attempt while IAM propagated the role)' : ''),
  );

  // 7. Read back and compare semantically.
  await verifyReadBack(keyArn, policy, deps);

  // 8. Record the list in the config, so that provision keeps it (the write says so on stderr). Also
  // after Ctrl-C: the policy is in place, and a config that does not say so would make the next
  // provision undo it.
  const config = record === undefined ? undefined : await record.write(io, true);
  if (deps.signal?.aborted === true) {
    throw interruptedError(
      deps.signal,
      'interrupted after the key policy was written: it is in place, and was read back and verified',
      { written: true, verified: true },
    );
  }
  return {
    ...base,
    ...(config === undefined ? {} : { config }),
    changed: true,
    dryRun: false,
    written: true,
    verified: true,
    writeAttempts: attempts,
  };
}
