/**
 * `provision`: plan → confirm → apply the co-signer's IAM role and instance profile, S3 bucket, KMS
 * key, security group and EC2 host; idempotent and resumable. `--dry-run` shows the plan,
 * `--plan-out <file>` saves it, `--apply <file>` applies a saved plan if nothing changed since.
 * The JSON result is the plan and, after an apply, the receipt.
 */
import { resolve } from 'node:path';
import type { AwsPorts } from '../aws/ports.js';
import { nextCommand, shellWord, type CommandContext, type Invocation } from '../command-kit.js';
import { resolveConfigPath } from '../config/load.js';
import type { CosignerConfig } from '../config/schema.js';
import { fail } from '../errors.js';
import type { IoHost } from '../io/io-host.js';
import { escapeControl } from '../io/safe-text.js';
import type { Style } from '../io/style.js';
import type { PolicyDocument } from '../policy/types.js';
import type { RetryTuning } from '../engine/journaled-call.js';
import type { ProvisionOutcome } from '../provision/provision.js';
import { planLines, receiptLines } from '../provision/render.js';

export interface ProvisionOptions {
  configPath: string;
  /** Config settings given as flags (precedence flags > env > file > defaults). */
  flags: Record<string, unknown>;
  env: NodeJS.ProcessEnv;
  cwd: string;
  dryRun: boolean;
  planOut?: string;
  applyPath?: string;
  resume: boolean;
  /** Print the operator's IAM policy and stop (no config, no AWS call). */
  printIamPolicy?: boolean;
}

/** What `--print-iam-policy` returns: the policy the operator needs (src/provision/operator-policy.ts). */
export interface OperatorPolicyResult {
  mode: 'iam-policy';
  policy: PolicyDocument;
}

export type ProvisionResult = ProvisionOutcome | OperatorPolicyResult;

export interface ProvisionCommandDeps {
  io: IoHost;
  ports: AwsPorts;
  config: CosignerConfig;
  configPath: string;
  now: () => Date;
  signal?: AbortSignal;
  retry?: RetryTuning;
}

const OWN_FLAGS = ['dryRun', 'planOut', 'apply', 'resume', 'printIamPolicy'];

function pathFlag(opts: Record<string, unknown>, key: string, flag: string, cwd: string): string | undefined {
  const value = opts[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '')
    fail('INVALID_OPTION', `${flag} needs a file`, `pass ${flag} plan.json`);
  return resolve(cwd, value);
}

export function parseOptions(invocation: Invocation): ProvisionOptions {
  const { opts, globals, env, cwd } = invocation;
  const planOut = pathFlag(opts, 'planOut', '--plan-out', cwd);
  const applyPath = pathFlag(opts, 'apply', '--apply', cwd);
  const dryRun = opts['dryRun'] === true;
  if (planOut !== undefined && applyPath !== undefined)
    fail(
      'INVALID_OPTION',
      '--plan-out and --apply cannot be used together',
      'write the plan with --plan-out, review it, then apply it with --apply',
    );
  if (dryRun && applyPath !== undefined)
    fail('INVALID_OPTION', '--dry-run and --apply cannot be used together', 'drop --dry-run to apply the saved plan');
  return {
    configPath: resolveConfigPath(globals.config, env, cwd),
    flags: Object.fromEntries(Object.entries(opts).filter(([key]) => !OWN_FLAGS.includes(key))),
    env,
    cwd,
    dryRun,
    ...(planOut === undefined ? {} : { planOut }),
    ...(applyPath === undefined ? {} : { applyPath }),
    resume: opts['resume'] === true,
    ...(opts['printIamPolicy'] === true ? { printIamPolicy: true } : {}),
  };
}

export async function runProvision(options: ProvisionOptions, deps: ProvisionCommandDeps): Promise<ProvisionOutcome> {
  const { runProvisionFlow } = await import('../provision/provision.js');
  return runProvisionFlow(
    {
      dryRun: options.dryRun,
      resume: options.resume,
      ...(options.planOut === undefined ? {} : { planOut: options.planOut }),
      ...(options.applyPath === undefined ? {} : { applyPath: options.applyPath }),
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

export async function execute(options: ProvisionOptions, context: CommandContext): Promise<ProvisionResult> {
  if (options.printIamPolicy === true) {
    const { operatorIamPolicy } = await import('../provision/operator-policy.js');
    return { mode: 'iam-policy', policy: operatorIamPolicy() };
  }
  const [{ loadConfig }, { portsFor }] = await Promise.all([import('../config/load.js'), import('./aws-context.js')]);
  const { config, path } = await loadConfig({
    path: options.configPath,
    flags: options.flags,
    env: options.env,
    cwd: options.cwd,
  });
  const ports = await portsFor(context, config);
  // Ctrl-C from here on: no new call, the ones in flight journaled, ABORTED (src/io/interrupt.ts).
  const interrupt = context.io.interruptible('provisioning');
  try {
    return await runProvision(options, {
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

export function render(result: ProvisionResult, style: Style, invocation?: Invocation): string {
  const lines: string[] = [];
  switch (result.mode) {
    case 'iam-policy':
      return JSON.stringify(result.policy, null, 2);
    case 'dry-run':
      lines.push(...planLines(result.plan, style), style.dim('  dry run: nothing was changed'));
      break;
    case 'plan-out':
      lines.push(
        ...planLines(result.plan, style),
        `${style.green('✔')} plan written to ${escapeControl(result.planPath ?? '')}`,
        style.dim(
          `  apply it with: ${nextCommand(invocation, `provision --apply ${shellWord(result.planPath ?? '')}`)}`,
        ),
      );
      break;
    case 'up-to-date':
      lines.push(`${style.green('✔')} everything matches the config; no change made`);
      if (result.receipt !== undefined) lines.push(...receiptLines(result.receipt, result.receiptPath, style));
      break;
    case 'applied':
      lines.push(
        `${style.green('✔')} provisioned: ${result.plan.summary.create} created, ${result.plan.summary.update} updated (${result.apply?.writes ?? 0} write calls)`,
      );
      if (result.receipt !== undefined) lines.push(...receiptLines(result.receipt, result.receiptPath, style));
      lines.push(
        style.dim(
          `  next: on the host (SSM Session Manager), \`sudo cosigner-cli run --package <tar.gz> --package-sha256 <sha256> --token-file <file>\` installs the Fireblocks package; \`${nextCommand(invocation, 'attest --dry-run')}\` re-proves the key policy`,
        ),
      );
      break;
  }
  return lines.join('\n');
}
