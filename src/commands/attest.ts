/**
 * `attest`: put the co-signer image's PCR8 into the KMS key policy.
 *
 * Steps, in order: get PCR8 from every source given and cross-check them; describe the key (region,
 * state, manager); read the live key policy; compute the PCR8 list (set, `--add`, `--prune`);
 * build our statements and merge them by Sid, keeping every foreign statement and the order; diff;
 * prove (no lockout, attested-only, no bypass); stop on `--dry-run`; confirm; PutKeyPolicy (never
 * with BypassPolicyLockoutSafetyCheck), retrying while IAM propagates a new role; read back and
 * compare semantically; record the PCR8 list in the config file (fireblocks.pcr8), so that the
 * config and the key policy agree after every successful run and `provision` keeps the list.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { resolve } from 'node:path';
import type { CommandContext, Invocation } from '../command-kit.js';
import type { ConfigFileRef } from '../config/pcr8.js';
import type { CosignerConfig } from '../config/schema.js';
import type { IAMPort } from '../aws/iam.js';
import type { KMSPort } from '../aws/kms.js';
import { CosignerError, fail, isCosignerError } from '../errors.js';
import { interruptedError } from '../io/interrupt.js';
import { log, type IoHost } from '../io/io-host.js';
import { escapeControl } from '../io/safe-text.js';
import { createStyle, type Style } from '../io/style.js';
import { parseKeyArn, partitionForRegion } from '../policy/arn.js';
import { policiesEquivalent, policySize, serialisePolicy } from '../policy/canonical.js';
import { KEY_POLICY_MAX_BYTES, OWNED_KEY_POLICY_SIDS } from '../policy/constants.js';
import { diffPolicies, renderPolicyDiff, type DiffStyle, type PolicyDiff } from '../policy/diff.js';
import { buildKeyPolicy, KEY_POLICY_PROFILES, type KeyPolicyProfile } from '../policy/key-policy.js';
import { lintPolicy } from '../policy/lint.js';
import { mergeBySid, type MergeReport } from '../policy/merge.js';
import { pcr8ValuesOf } from '../policy/pcr8.js';
import { assertKeyPolicyProofs, proveKeyPolicy, type ProofFinding } from '../policy/proofs.js';
import type { PolicyDocument } from '../policy/types.js';
import type { KeyPropertyFinding } from '../policy/key-properties.js';
import { awsError, checkKey, describeKey, readPolicy, resolveRoleArn } from './attest-key.js';
import { planRecord, recordLines, type AttestConfigRecord } from './attest-record.js';
import {
  decidePCR8,
  defaultReaders,
  type AttestMode,
  type ConfiguredSource,
  type PCR8Request,
  type PCR8Source,
  type SourceReaders,
} from './attest-sources.js';

export type { AttestMode, PCR8Source } from './attest-sources.js';
export type { AttestConfigRecord } from './attest-record.js';

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
  warnings: string[];
  /** The candidate policy (the one written, unless dry-run or unchanged). */
  policy: PolicyDocument;
  /** The PCR8 record in the config file; absent when the run had no config to record into. */
  config?: AttestConfigRecord;
}

/** Diff colours from the terminal style (none when colour is off). */
function diffStyle(io: IoHost | undefined, style?: Style): DiffStyle {
  const s = style ?? createStyle(io?.color === true);
  // Each diff line holds Sids and values of the live policy: escaped before it is coloured.
  const e = escapeControl;
  return {
    added: (t) => s.green(e(t)),
    removed: (t) => s.red(e(t)),
    changed: (t) => s.yellow(e(t)),
    dim: (t) => s.dim(e(t)),
  };
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
  let readersPromise: Promise<SourceReaders> | undefined;
  const readers = () =>
    (readersPromise ??=
      deps.measureEif !== undefined && deps.readText !== undefined
        ? Promise.resolve({ measureEif: deps.measureEif, readText: deps.readText })
        : defaultReaders().then((d) => ({
            measureEif: deps.measureEif ?? d.measureEif,
            readText: deps.readText ?? d.readText,
          })));

  // 1. The key and who we are.
  log.info(io, `account ${caller.accountId} · ${caller.region} · ${caller.callerArn}`, {
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
  const partition = parseKeyArn(keyArn)?.partition ?? partitionForRegion(caller.region);
  const hardened = options.profile === 'hardened';
  const denyDebug = hardened && options.denyDebugEnclaves !== false;
  if (hardened && !denyDebug)
    warnings.push(
      'the debug-enclave Deny is switched off: a debug-mode run of a correctly signed image may be able to use the key',
    );
  const desired = buildKeyPolicy({
    accountId: caller.accountId,
    partition,
    roleArn,
    pcr8: list,
    adminArns: options.adminArns,
    profile: options.profile,
    ...(hardened ? { pcr3RoleBinding: options.pcr3RoleBinding, allowRotation: options.allowRotation, denyDebug } : {}),
  });
  if (!hardened && options.pcr3RoleBinding)
    warnings.push('the PCR3 role binding is not part of the fireblocks-exact profile and was not applied');
  const { policy, report: merge } = mergeBySid(live, desired, {
    ownedSids: OWNED_KEY_POLICY_SIDS,
    removeSids: options.removeStatements,
  });
  for (const sid of merge.notFound)
    warnings.push(
      `--remove-statement ${JSON.stringify(sid)}: no statement with this Sid in the key policy (Sids are case-sensitive)`,
    );
  const diff = diffPolicies(live, policy, OWNED_KEY_POLICY_SIDS);
  for (const finding of lintPolicy(policy)) if (finding.severity === 'warning') warnings.push(finding.message);

  // The config file's record of the list (fireblocks.pcr8), written after the policy.
  const record = deps.config === undefined ? undefined : await planRecord(deps.config, list);
  if (record !== undefined) warnings.push(...record.warnings);

  // 4. Proofs, before anything is written (also in a dry run: it predicts the real run).
  const admins = options.adminArns.length > 0 ? options.adminArns : [`arn:${partition}:iam::${caller.accountId}:root`];
  const proofs = proveKeyPolicy(policy, {
    keyArn,
    roleArn,
    pcr8: list,
    adminArns: admins,
    callerArn: caller.callerArn,
    debugEnclave: denyDebug ? 'deny-required' : 'accept-risk',
  });
  for (const finding of proofs.findings) if (finding.severity === 'warning') warnings.push(finding.message);
  for (const warning of warnings) log.warn(io, escapeControl(warning));
  const proofSummary = { ok: proofs.ok, requests: proofs.requests, findings: proofs.findings };
  const size = policySize(policy);
  if (size > KEY_POLICY_MAX_BYTES) {
    fail(
      'POLICY_TOO_LARGE',
      `the key policy would be ${size} bytes, over the KMS limit of ${KEY_POLICY_MAX_BYTES}`,
      'remove foreign statements you no longer need (--remove-statement <Sid>)',
      { context: { size } },
    );
  }
  const keyProperties = {
    grantsListed: properties.grantsListed,
    acceptedGrants: properties.acceptedGrants.map((grant) => grant.GrantId),
    findings: properties.findings,
  };
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
    proofs: proofSummary,
    keyProperties,
    warnings,
    policy,
  };
  if (!proofs.ok) {
    // Show what would have been written, then refuse.
    io.notify({
      level: 'info',
      code: 'ATTEST_DIFF',
      message: renderPolicyDiff(diff, diffStyle(io)),
      data: { diff },
      preformatted: true,
    });
    assertKeyPolicyProofs(proofs);
  }
  // The config's record of the list is shown like the policy diff and confirmed with it.
  const planned = record === undefined ? {} : { config: record.planned };
  if (!diff.changed) {
    log.info(io, 'the key policy already matches; nothing to write');
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
  io.notify({
    level: 'info',
    code: 'ATTEST_DIFF',
    message: renderPolicyDiff(diff, diffStyle(io)),
    data: { diff },
    preformatted: true,
  });
  record?.show(io);
  notWritten();
  await io.confirm(
    `write this key policy to ${keyArn} (account ${caller.accountId}, ${caller.region})${record?.changes === true ? ` and record its PCR8 list in ${record.planned.path}` : ''}?`,
    '--yes',
    { keyArn, pcr8: list, diff, policy, ...(record?.changes === true ? { config: record.planned } : {}) },
  );
  notWritten();

  // 6. Write, retrying while IAM propagates a freshly created role.
  const { withPropagationRetry, isIamPropagationError, isAwsErrorNamed } = await import('../aws/errors.js');
  const step = io.startStep('writing the key policy');
  let attempts = 0;
  try {
    await withPropagationRetry(
      async (attempt) => {
        // Each attempt is a write: none once interrupted (KMS refused every earlier attempt).
        notWritten(attempt > 0 ? ' (KMS refused every attempt while IAM propagated the role)' : '');
        attempts += 1;
        // BypassPolicyLockoutSafetyCheck is never set: AWS's own lockout check stays on.
        await deps.kms.putKeyPolicy({ KeyId: keyArn, PolicyName: 'default', Policy: serialisePolicy(policy) });
      },
      {
        isRetryable: isIamPropagationError,
        sleep: deps.sleep,
        now: () => deps.now().getTime(),
        maxWaitMs: deps.propagationMaxWaitMs ?? 120_000,
        waitingFor: 'the role to become a valid key-policy principal',
        onRetry: (progress) =>
          step.update(
            `waiting for IAM to propagate the role (attempt ${progress.attempt + 1}, ${Math.ceil(progress.remainingMs / 1000)} s left)`,
          ),
      },
    );
  } catch (error) {
    step.fail('the key policy was not written');
    if (isCosignerError(error)) throw error;
    if (
      isAwsErrorNamed(error, 'MalformedPolicyDocumentException') &&
      /will not allow you to (?:subsequently )?(?:update|call PutKeyPolicy)/i.test(
        error instanceof Error ? error.message : '',
      )
    ) {
      throw new CosignerError(
        'POLICY_LOCKOUT',
        'KMS refused the policy: it would not let the caller change the key policy again',
        { hint: 'keep the caller (or the account root) in the administrator statement', cause: error },
      );
    }
    const classified = await awsError(error, 'PutKeyPolicy', keyArn, caller.region);
    if (classified.code === 'AWS_ACCESS_DENIED') {
      throw new CosignerError('AWS_ACCESS_DENIED', `not allowed to write the key policy of ${keyArn}`, {
        hint: 'the caller needs kms:PutKeyPolicy on the key (the key policy must allow it, directly or through the account root)',
        cause: error,
      });
    }
    throw classified;
  }
  step.succeed(
    attempts > 1
      ? `key policy written (after ${attempts} attempts while IAM propagated the role)`
      : 'key policy written',
  );

  // 7. Read back and compare semantically.
  const check = io.startStep('reading the key policy back');
  let readBack: PolicyDocument | undefined;
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    readBack = await readPolicy(deps, keyArn);
    if (policiesEquivalent(readBack, policy)) break;
    if (attempt < 3) await deps.sleep(1000 * attempt);
  }
  if (readBack === undefined || !policiesEquivalent(readBack, policy)) {
    check.fail('the key policy read back differs from the one written');
    const readBackDiff = readBack === undefined ? undefined : diffPolicies(policy, readBack, OWNED_KEY_POLICY_SIDS);
    throw new CosignerError(
      'POLICY_READBACK_MISMATCH',
      `the key policy read back from ${keyArn} differs from the one written`,
      {
        hint: 'someone else may be changing the key policy; inspect it, then run attest again',
        context: { diff: readBackDiff },
      },
    );
  }
  check.succeed('key policy read back and verified');

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

// ---------------------------------------------------------------------------------------------
// CLI glue: argv → options, real dependencies, rendering.

export interface AttestCliOptions {
  configPath: string;
  /** Config flags (settings) only. */
  flags: Record<string, unknown>;
  env: NodeJS.ProcessEnv;
  cwd: string;
  eif?: string | undefined;
  buildOutput?: string | undefined;
  describeEifOutput?: string | undefined;
  pcr8?: string | undefined;
  add?: string | undefined;
  prune?: string | undefined;
  roleArn?: string | undefined;
  removeStatements: string[];
  dryRun: boolean;
  /**
   * `--fb-env custom --pcr8 <hex>`: the image is not a Fireblocks preset and `--pcr8` is also the
   * custom environment's PCR8 (fireblocks.pcr8), so it is not cross-checked against itself.
   */
  pcr8IsConfig: boolean;
}

const OWN_FLAGS = [
  'eif',
  'buildOutput',
  'describeEifOutput',
  'pcr8',
  'add',
  'prune',
  'dryRun',
  'removeStatement',
  'roleArn',
];

function optionalString(opts: Record<string, unknown>, key: string, flag: string): string | undefined {
  const value = opts[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '')
    fail('INVALID_OPTION', `${flag} needs a value`, `pass ${flag} <value>`);
  return value;
}

export async function parseOptions(invocation: Invocation): Promise<AttestCliOptions> {
  const { resolveConfigPath } = await import('../config/load.js');
  const { opts, globals, env, cwd } = invocation;
  const flags = Object.fromEntries(Object.entries(opts).filter(([key]) => !OWN_FLAGS.includes(key)));
  const pcr8 = optionalString(opts, 'pcr8', '--pcr8');
  // With --fb-env custom, --pcr8 names the custom image: it is the config's fireblocks.pcr8 too.
  const pcr8IsConfig = opts['fbEnv'] === 'custom' && pcr8 !== undefined;
  if (pcr8IsConfig) flags['pcr8'] = [pcr8];
  const removeRaw = opts['removeStatement'];
  const removeStatements =
    removeRaw === undefined ? [] : (Array.isArray(removeRaw) ? removeRaw : [removeRaw]).map(String);
  const pathOf = (key: string, flag: string) => {
    const value = optionalString(opts, key, flag);
    return value === undefined || value === '-' ? value : resolve(cwd, value);
  };
  return {
    configPath: resolveConfigPath(globals.config, env, cwd),
    flags,
    env,
    cwd,
    eif: pathOf('eif', '--eif'),
    buildOutput: pathOf('buildOutput', '--build-output'),
    describeEifOutput: pathOf('describeEifOutput', '--describe-eif-output'),
    pcr8,
    add: optionalString(opts, 'add', '--add'),
    prune: optionalString(opts, 'prune', '--prune'),
    roleArn: optionalString(opts, 'roleArn', '--role-arn'),
    removeStatements,
    dryRun: opts['dryRun'] === true,
    pcr8IsConfig,
  };
}

/** The config → AttestOptions part, separate so it can be tested without AWS. */
export function attestOptionsFromConfig(
  cli: AttestCliOptions,
  config: CosignerConfig,
  keyAlias: string,
  roleName: string,
  configured: ConfiguredSource | undefined,
): AttestOptions {
  return {
    keyId: config.kms.keyId ?? keyAlias,
    role: cli.roleArn !== undefined ? { arn: cli.roleArn } : { name: roleName },
    profile: config.kms.policyProfile,
    adminArns: [...config.kms.adminArns],
    pcr3RoleBinding: config.kms.pcr3RoleBinding,
    denyDebugEnclaves: config.kms.denyDebugEnclaves,
    allowRotation: config.kms.rotation,
    eif: cli.eif,
    buildOutput: cli.buildOutput,
    describeEifOutput: cli.describeEifOutput,
    pcr8: cli.pcr8,
    configured,
    add: cli.add,
    prune: cli.prune,
    removeStatements: cli.removeStatements,
    dryRun: cli.dryRun,
    acceptedGrants: [...config.kms.acceptedGrants],
  };
}

/** The PCR8 values the config admits, as attest's config source: fireblocks.pcr8, else the env's preset. */
async function configuredSource(config: CosignerConfig): Promise<ConfiguredSource> {
  const { configuredPcr8 } = await import('../config/pcr8.js');
  const chosen = configuredPcr8(config.fireblocks);
  return {
    name: chosen.source === 'config' ? 'fireblocks.pcr8 (config)' : `fireblocks.env=${config.fireblocks.env} (preset)`,
    values: chosen.values,
  };
}

export async function execute(cli: AttestCliOptions, context: CommandContext): Promise<AttestResult> {
  const [{ loadConfig }, { resourceNames }, { portsFor }, { describeCaller }] = await Promise.all([
    import('../config/load.js'),
    import('../config/names.js'),
    import('./aws-context.js'),
    import('../aws/identity.js'),
  ]);
  // A config file is optional (everything may come from flags and COSIGNER_* variables); without
  // one the PCR8 list cannot be recorded, and the run says so.
  const loaded = await loadConfig({
    path: cli.configPath,
    flags: cli.flags,
    env: cli.env,
    cwd: cli.cwd,
    requireFile: false,
  });
  const { config } = loaded;
  const ports = await portsFor(context, config);
  try {
    const who = await describeCaller(ports);
    const names = resourceNames(config, { accountId: who.accountId, region: who.region });
    const options = attestOptionsFromConfig(
      cli,
      config,
      names.keyAlias,
      names.roleName,
      cli.pcr8IsConfig ? undefined : await configuredSource(config),
    );
    // Ctrl-C from here on: nothing is written after it; a write in flight is read back (src/io/interrupt.ts).
    const interrupt = context.io.interruptible('attest');
    try {
      return await runAttest(options, {
        io: context.io,
        kms: ports.kms,
        iam: ports.iam,
        caller: { accountId: who.accountId, callerArn: who.callerArn, region: who.region },
        now: context.now,
        sleep,
        signal: interrupt.signal,
        config: {
          path: loaded.path,
          fileExists: loaded.fileExists,
          sources: loaded.sources,
          config,
          env: cli.env,
          flags: cli.flags,
        },
      });
    } finally {
      interrupt.end();
    }
  } finally {
    ports.destroy();
  }
}

export function render(result: AttestResult, style: Style): string {
  const lines: string[] = [];
  const e = escapeControl;
  lines.push(`${style.bold('key')}    ${e(result.keyArn)} (account ${e(result.accountId)}, ${e(result.region)})`);
  lines.push(`${style.bold('role')}   ${e(result.roleArn)}`);
  lines.push(
    `${style.bold('PCR8')}   ${result.pcr8.join('\n       ')}${result.mode === 'set' ? '' : style.dim(` (${result.mode})`)}`,
  );
  if (result.sources.length > 0) {
    const width = Math.max(...result.sources.map((s) => e(s.source).length));
    lines.push(style.dim(`       sources agree:`));
    for (const source of result.sources)
      lines.push(style.dim(`         ${e(source.source).padEnd(width)}  ${source.value}`));
  }
  if (result.dryRun && result.changed) {
    lines.push('', renderPolicyDiff(result.diff, diffStyle(undefined, style)), '');
  }
  const errors = result.proofs.findings.filter((f) => f.severity === 'error').length;
  lines.push(
    `${style.bold('proofs')} ${errors === 0 ? style.green('✔') : style.red('✖')} no lockout, attested-only, no bypass ${style.dim(`(${result.proofs.requests} requests evaluated)`)}`,
  );
  // The warnings went to stderr before any question was asked; printing them again here would repeat them.
  if (result.config !== undefined) lines.push(...recordLines(result.config, result.dryRun, style));
  if (!result.changed) lines.push(style.green('✔ the key policy already matches'));
  else if (result.dryRun) lines.push(style.yellow('dry run: nothing written'));
  else if (result.written)
    lines.push(
      style.green(
        `✔ key policy written and read back${result.writeAttempts > 1 ? ` (${result.writeAttempts} attempts)` : ''}`,
      ),
    );
  return lines.join('\n');
}
