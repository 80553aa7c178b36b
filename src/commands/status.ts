/**
 * `status`: the configured co-signer (or every co-signer in the account and region with `--all`, or
 * when there is no config file and no `--name`),
 * found by tags: each resource and its state, the host and its enclave support, and for the
 * configured co-signer the drift from its config. Read-only.
 */
import type { AwsPorts } from '../aws/ports.js';
import type { CommandContext, Invocation } from '../command-kit.js';
import { resolveConfigPath } from '../config/load.js';
import type { CosignerConfig } from '../config/schema.js';
import { CosignerError, isCosignerError } from '../errors.js';
import { escapeControl } from '../io/safe-text.js';
import type { Style } from '../io/style.js';
import { shortPCR8 } from '../policy/pcr8.js';
import { statementName } from '../provision/plan-policies.js';
import type { StatusReport } from '../status/status.js';
import { configOrName } from './destroy.js';

export interface StatusOptions {
  configPath: string;
  flags: Record<string, unknown>;
  env: NodeJS.ProcessEnv;
  cwd: string;
  all: boolean;
  /** Exit 2 when the configured co-signer drifted from its config (0 in sync). @default false */
  detailedExitcode: boolean;
}

/** The status, and whether the run asked for a detailed exit code (which {@link verdict} reads). */
export type StatusResult = StatusReport & { detailedExitcode?: true };

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
    flags: Object.fromEntries(Object.entries(opts).filter(([key]) => key !== 'all' && key !== 'detailedExitcode')),
    env,
    cwd,
    all: opts['all'] === true,
    detailedExitcode: opts['detailedExitcode'] === true,
  };
}

export async function runStatus(options: StatusOptions, deps: StatusCommandDeps): Promise<StatusResult> {
  const { runStatusFlow } = await import('../status/status.js');
  const status = await runStatusFlow(
    { all: options.all },
    {
      ports: deps.ports,
      ...(deps.config === undefined ? {} : { config: deps.config }),
      configPath: deps.configPath,
      now: deps.now,
    },
  );
  return options.detailedExitcode ? { ...status, detailedExitcode: true } : status;
}

/**
 * With `--detailed-exitcode`, drift of the configured co-signer is the verdict: exit 2 (STATUS_DRIFT),
 * as `terraform plan -detailed-exitcode`; in sync is exit 0. Without the flag the exit code does not
 * depend on drift.
 */
export function verdict(result: StatusResult): CosignerError | undefined {
  if (result.detailedExitcode !== true) return undefined;
  const drifted = result.coSigners.filter((c) => c.inSync === false);
  if (drifted.length === 0) return undefined;
  return new CosignerError('STATUS_DRIFT', `${drifted.map((c) => c.name).join(', ')} drifted from the config`, {
    hint: 'review the changes with `cosigner-cli provision --dry-run`; remove foreign statements with `cosigner-cli attest --remove-statement <Sid>`; record a PCR8 rotation with `cosigner-cli attest --add`/`--prune`',
    context: { coSigners: drifted.map((c) => c.name) },
  });
}

export async function execute(options: StatusOptions, context: CommandContext): Promise<StatusResult> {
  const { portsFor } = await import('./aws-context.js');
  let loaded: { config: CosignerConfig; path: string } | undefined;
  try {
    loaded = await configOrName(options);
  } catch (error) {
    // No config file and no --name: every co-signer in the account and region, as with `--all`.
    if (!isCosignerError(error, 'INPUT_REQUIRED')) throw error;
    options = { ...options, all: true };
  }
  const ports = await portsFor(context, loaded?.config);
  try {
    return await runStatus(options, {
      ports,
      ...(loaded === undefined ? {} : { config: loaded.config }),
      configPath: loaded?.path ?? options.configPath,
      now: context.now,
    });
  } finally {
    ports.destroy();
  }
}

const KIND_LABEL: Record<string, string> = {
  role: 'IAM role',
  instanceProfile: 'instance profile',
  bucket: 'S3 bucket',
  key: 'KMS key',
  securityGroup: 'security group',
  instance: 'EC2 host',
  vpc: 'VPC',
  subnet: 'subnet',
  internetGateway: 'internet gateway',
  address: 'Elastic IP',
  routeTable: 'route table',
  natGateway: 'NAT gateway',
  vpcEndpoint: 'VPC endpoint',
};

export function render(result: StatusResult, style: Style): string {
  // Names, ids, states and drift reasons come from AWS (tags anyone in the account can set).
  const e = escapeControl;
  const lines = [
    style.bold(`Account ${e(result.accountId)}, ${e(result.region)}: ${result.coSigners.length} co-signer(s)`),
  ];
  if (result.coSigners.length === 0) lines.push(style.dim('  nothing carries cosigner-cli tags here'));
  for (const c of result.coSigners) {
    const sync =
      c.inSync === undefined
        ? ''
        : c.inSync
          ? style.green(' in sync with the config')
          : style.yellow(' drifted from the config');
    lines.push('', `${style.bold(e(c.name))}${c.configured ? style.dim(' (configured)') : ''}${sync}`);
    for (const r of c.resources)
      lines.push(
        `  ${(KIND_LABEL[r.kind] ?? r.kind).padEnd(16)} ${r.name !== undefined && r.name !== r.id && r.name !== '' ? `${e(r.name)} ` : ''}${e(r.id)}  ${style.dim(e(r.state))}${r.adopted ? style.dim(' (adopted)') : ''}`,
      );
    for (const kind of c.missing) lines.push(style.yellow(`  ${(KIND_LABEL[kind] ?? kind).padEnd(16)} missing`));
    if (c.host !== undefined)
      lines.push(
        `  ${'enclave'.padEnd(16)} ${c.host.enclaveEnabled ? 'Nitro Enclaves enabled' : style.red('Nitro Enclaves NOT enabled')}; ${style.dim(e(c.host.enclave))}`,
      );
    // The host's differences are drift (status counts them); the plan's other notes are remarks.
    const hostDrift = new Set(c.hostDrift ?? []);
    for (const item of hostDrift) lines.push(style.yellow(e(`  drift: host: ${item}`)));
    for (const d of c.drift ?? []) {
      if (d.kind !== 'noop') lines.push(style.yellow(e(`  drift: ${d.resource}: ${d.kind} (${d.reasons.join('; ')})`)));
      for (const note of d.notes)
        if (!hostDrift.has(note)) lines.push(style.yellow(e(`  note: ${d.resource}: ${note}`)));
    }
    const foreign = c.foreignStatements;
    // Sids and PCR8 values come from the live policies: escaped like every AWS-returned text.
    if (foreign !== undefined && foreign.keyPolicy.length > 0)
      lines.push(
        style.yellow(
          e(`  drift: key policy: foreign ${foreign.keyPolicy.map(statementName).join(', ')} (not in the config)`),
        ),
      );
    if (foreign !== undefined && foreign.bucketPolicy.length > 0)
      lines.push(
        style.yellow(
          e(
            `  drift: bucket policy: foreign ${foreign.bucketPolicy.map(statementName).join(', ')} (not in the config)`,
          ),
        ),
      );
    if (c.pcr8 !== undefined && (c.pcr8.onlyLive.length > 0 || c.pcr8.onlyConfig.length > 0)) {
      const parts = [
        ...c.pcr8.onlyLive.map((v) => `${shortPCR8(v)} only in the key policy`),
        ...c.pcr8.onlyConfig.map((v) => `${shortPCR8(v)} only in the config`),
      ];
      lines.push(style.yellow(e(`  drift: PCR8: ${parts.join(', ')}`)));
    }
  }
  return lines.join('\n');
}
