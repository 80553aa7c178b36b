/**
 * `attest`: argv → options, the real dependencies, and the human rendering of the result. The run
 * itself (sources, key checks, merge, proofs, write, read-back, config record) is src/attest.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { resolve } from 'node:path';
import type { AttestOptions, AttestResult, ConfiguredSource } from '../attest/attest.js';
import { diffStyle, inertLines, recordLines } from '../attest/render.js';
import { describeCaller } from '../aws/identity.js';
import type { CommandContext, Invocation } from '../command-kit.js';
import { loadConfig, resolveConfigPath } from '../config/load.js';
import { resourceNames } from '../config/names.js';
import { configuredPcr8 } from '../config/pcr8.js';
import type { CosignerConfig } from '../config/schema.js';
import { fail } from '../errors.js';
import { escapeControl } from '../io/safe-text.js';
import type { Style } from '../io/style.js';
import { renderPolicyDiff } from '../policy/diff.js';
import { portsFor } from './aws-context.js';

export type { AttestResult } from '../attest/attest.js';

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

export function parseOptions(invocation: Invocation): AttestCliOptions {
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

/** The run's options: the parsed flags over the loaded config, the key and role named by it. */
function attestOptionsFromConfig(
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
function configuredSource(config: CosignerConfig): ConfiguredSource {
  const chosen = configuredPcr8(config.fireblocks);
  return {
    name: chosen.source === 'config' ? 'fireblocks.pcr8 (config)' : `fireblocks.env=${config.fireblocks.env} (preset)`,
    values: chosen.values,
  };
}

export async function execute(cli: AttestCliOptions, context: CommandContext): Promise<AttestResult> {
  // The run itself is loaded only once the options parsed.
  const { runAttest } = await import('../attest/attest.js');
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
      cli.pcr8IsConfig ? undefined : configuredSource(config),
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
  lines.push(...inertLines(result.inertActions, style));
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
