/**
 * `destroy`: remove, in reverse order, what carries this co-signer's tags, after showing the plan
 * and getting confirmation (`--yes` non-interactively, else exit 5). The KMS key is only scheduled
 * for deletion with `--delete-key` (maximum waiting period unless the config sets another), the
 * bucket only deleted with `--delete-bucket` and only when empty; otherwise both are kept and listed.
 */
import { stat } from 'node:fs/promises';
import type { AwsPorts } from '../aws/ports.js';
import type { CommandContext, Invocation } from '../command-kit.js';
import { resolveConfigPath } from '../config/load.js';
import type { CosignerConfig } from '../config/schema.js';
import { CosignerError, fail, isCosignerError } from '../errors.js';
import type { IoHost } from '../io/io-host.js';
import { escapeControl } from '../io/safe-text.js';
import type { Style } from '../io/style.js';
import type { RetryTuning } from '../engine/journaled-call.js';
import { destroyLines, type DestroyOutcome } from '../teardown/teardown.js';

export interface DestroyOptions {
  configPath: string;
  flags: Record<string, unknown>;
  env: NodeJS.ProcessEnv;
  cwd: string;
  dryRun: boolean;
  deleteKey: boolean;
  deleteBucket: boolean;
}

export type DestroyResult = DestroyOutcome;

export interface DestroyCommandDeps {
  io: IoHost;
  ports: AwsPorts;
  /** The config (or one made from --name alone). */
  config: CosignerConfig;
  configPath: string;
  now: () => Date;
  signal?: AbortSignal;
  retry?: RetryTuning;
}

const OWN_FLAGS = ['dryRun', 'deleteKey', 'deleteBucket'];

export function parseOptions(invocation: Invocation): DestroyOptions {
  const { opts, globals, env, cwd } = invocation;
  return {
    configPath: resolveConfigPath(globals.config, env, cwd),
    flags: Object.fromEntries(Object.entries(opts).filter(([key]) => !OWN_FLAGS.includes(key))),
    env,
    cwd,
    dryRun: opts['dryRun'] === true,
    deleteKey: opts['deleteKey'] === true,
    deleteBucket: opts['deleteBucket'] === true,
  };
}

export async function runDestroy(options: DestroyOptions, deps: DestroyCommandDeps): Promise<DestroyResult> {
  const { runDestroyFlow } = await import('../teardown/teardown.js');
  return runDestroyFlow(
    {
      name: deps.config.name,
      dryRun: options.dryRun,
      deleteKey: options.deleteKey,
      deleteBucket: options.deleteBucket,
    },
    {
      ports: deps.ports,
      io: deps.io,
      config: deps.config,
      configPath: deps.configPath,
      now: deps.now,
      ...(deps.signal === undefined ? {} : { signal: deps.signal }),
      ...(deps.retry === undefined ? {} : { retry: deps.retry }),
    },
  );
}

/** The config file, or (without one) a config made from --name / COSIGNER_NAME. */
async function pathExists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

export async function configOrName(options: {
  configPath: string;
  flags: Record<string, unknown>;
  env: NodeJS.ProcessEnv;
  cwd: string;
}): Promise<{ config: CosignerConfig; path: string }> {
  const { loadConfig } = await import('../config/load.js');
  try {
    return await loadConfig({
      path: options.configPath,
      flags: options.flags,
      env: options.env,
      cwd: options.cwd,
      requireFile: false,
    });
  } catch (error) {
    // Only an absent name means "which co-signer?": a name that is given but invalid (in the file,
    // COSIGNER_NAME or --name) is the config error it is.
    const noName =
      isCosignerError(error, 'CONFIG_INVALID') &&
      ((error.context?.problems ?? []) as { path?: string }[]).some((p) => p.path === 'name') &&
      options.flags['name'] === undefined &&
      options.env['COSIGNER_NAME'] === undefined &&
      !(await pathExists(options.configPath));
    if (noName)
      fail('INPUT_REQUIRED', 'which co-signer? no config file and no --name', 'pass --name <name> or --config <file>', {
        context: { flag: '--name' },
      });
    throw error;
  }
}

export async function execute(options: DestroyOptions, context: CommandContext): Promise<DestroyResult> {
  const { portsFor } = await import('./aws-context.js');
  const { config, path } = await configOrName(options);
  const ports = await portsFor(context, config);
  // Ctrl-C from here on: no new call, the ones in flight journaled, ABORTED (src/io/interrupt.ts).
  const interrupt = context.io.interruptible('the teardown');
  try {
    return await runDestroy(options, {
      io: context.io,
      ports,
      config,
      configPath: path,
      now: context.now,
      signal: interrupt.signal,
    });
  } finally {
    interrupt.end();
    ports.destroy();
  }
}

/** `--delete-bucket` met a bucket that is not empty: the rest is done, the bucket (and key) kept. */
export function verdict(result: DestroyResult): CosignerError | undefined {
  const bucket = result.result?.bucketNotEmpty;
  if (bucket === undefined) return undefined;
  return new CosignerError('BUCKET_NOT_EMPTY', `bucket ${bucket} is not empty and was kept`, {
    hint: 'empty it (every object version), then run destroy --delete-bucket again',
  });
}

export function render(result: DestroyResult, style: Style): string {
  // Names, reasons and details come from AWS (tags, resource names): each line is escaped.
  const e = escapeControl;
  if (result.mode === 'dry-run')
    return [...destroyLines(result.plan).map((line) => e(line)), style.dim('  dry run: nothing was changed')].join(
      '\n',
    );
  if (result.mode === 'nothing-to-do') {
    const kept = result.plan.actions.filter((a) => a.decision === 'keep');
    return [
      `${style.green('✔')} nothing to remove for co-signer ${e(result.plan.name)}`,
      ...kept.map((a) => e(`  = kept ${a.resource} (${a.reason})`)),
    ].join('\n');
  }
  const done = result.result;
  return [
    `${style.green('✔')} co-signer ${e(result.plan.name)} torn down in account ${e(result.caller.accountId)}, ${e(result.caller.region)}`,
    ...(done?.deleted ?? []).map((r) => `  - deleted ${e(r)}`),
    ...(done?.scheduled ?? []).map((r) => `  - scheduled for deletion: ${e(r)}`),
    ...(done?.kept ?? []).map((k) => style.yellow(e(`  = kept ${k.resource} (${k.reason})`))),
  ].join('\n');
}
