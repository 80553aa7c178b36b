/**
 * `status`: the configured co-signer (or every co-signer in the account and region with `--all`),
 * found by tags: each resource and its state, the host and its enclave support, and for the
 * configured co-signer the drift from its config. Read-only.
 */
import type { AwsPorts } from '../aws/ports.js';
import type { CommandContext, Invocation } from '../command-kit.js';
import { resolveConfigPath } from '../config/load.js';
import type { CosignerConfig } from '../config/schema.js';
import { isCosignerError } from '../errors.js';
import { escapeControl } from '../io/safe-text.js';
import type { Style } from '../io/style.js';
import type { StatusResult as Status } from '../provision/status.js';
import { configOrName } from './destroy.js';

export interface StatusOptions {
  configPath: string;
  flags: Record<string, unknown>;
  env: NodeJS.ProcessEnv;
  cwd: string;
  all: boolean;
}

export type StatusResult = Status;

export interface StatusCommandDeps {
  ports: AwsPorts;
  config?: CosignerConfig;
  configPath: string;
  now: () => Date;
}

export function parseOptions(invocation: Invocation): StatusOptions {
  const { opts, globals, env, cwd } = invocation;
  return {
    configPath: resolveConfigPath(globals.config, env, cwd),
    flags: Object.fromEntries(Object.entries(opts).filter(([key]) => key !== 'all')),
    env,
    cwd,
    all: opts['all'] === true,
  };
}

export async function runStatus(options: StatusOptions, deps: StatusCommandDeps): Promise<StatusResult> {
  const { runStatusFlow } = await import('../provision/status.js');
  return runStatusFlow({ all: options.all }, { ports: deps.ports, ...(deps.config === undefined ? {} : { config: deps.config }), configPath: deps.configPath, now: deps.now });
}

export async function execute(options: StatusOptions, context: CommandContext): Promise<StatusResult> {
  const { portsFor } = await import('./aws-context.js');
  let loaded: { config: CosignerConfig; path: string } | undefined;
  try {
    loaded = await configOrName(options);
  } catch (error) {
    // `--all` needs no configured co-signer.
    if (!(options.all && isCosignerError(error, 'INPUT_REQUIRED'))) throw error;
  }
  const ports = await portsFor(context, loaded?.config);
  try {
    return await runStatus(options, { ports, ...(loaded === undefined ? {} : { config: loaded.config }), configPath: loaded?.path ?? options.configPath, now: context.now });
  } finally {
    ports.destroy();
  }
}

const KIND_LABEL: Record<string, string> = { role: 'IAM role', instanceProfile: 'instance profile', bucket: 'S3 bucket', key: 'KMS key', securityGroup: 'security group', instance: 'EC2 host' };

export function render(result: StatusResult, style: Style): string {
  // Names, ids, states and drift reasons come from AWS (tags anyone in the account can set).
  const e = escapeControl;
  const lines = [style.bold(`Account ${e(result.accountId)}, ${e(result.region)}: ${result.coSigners.length} co-signer(s)`)];
  if (result.coSigners.length === 0) lines.push(style.dim('  nothing carries cosigner-cli tags here'));
  for (const c of result.coSigners) {
    const sync = c.inSync === undefined ? '' : c.inSync ? style.green(' in sync with the config') : style.yellow(' drifted from the config');
    lines.push('', `${style.bold(e(c.name))}${c.configured ? style.dim(' (configured)') : ''}${sync}`);
    for (const r of c.resources) lines.push(`  ${(KIND_LABEL[r.kind] ?? r.kind).padEnd(16)} ${r.name !== undefined && r.name !== r.id && r.name !== '' ? `${e(r.name)} ` : ''}${e(r.id)}  ${style.dim(e(r.state))}${r.adopted ? style.dim(' (adopted)') : ''}`);
    for (const kind of c.missing) lines.push(style.yellow(`  ${(KIND_LABEL[kind] ?? kind).padEnd(16)} missing`));
    if (c.host !== undefined) lines.push(`  ${'enclave'.padEnd(16)} ${c.host.enclaveEnabled ? 'Nitro Enclaves enabled' : style.red('Nitro Enclaves NOT enabled')}; ${style.dim(e(c.host.enclave))}`);
    for (const d of c.drift ?? []) {
      if (d.kind !== 'noop') lines.push(style.yellow(e(`  drift: ${d.resource}: ${d.kind} (${d.reasons.join('; ')})`)));
      for (const note of d.notes) lines.push(style.yellow(e(`  note: ${d.resource}: ${note}`)));
    }
  }
  return lines.join('\n');
}

