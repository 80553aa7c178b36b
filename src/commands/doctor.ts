/**
 * `doctor`: a preflight of this workstation. Each check reports pass / warn / fail with a hint;
 * the first failure sets the exit code (a bad config exits 2, missing AWS credentials 4).
 */
import type { AwsPorts } from '../aws/ports.js';
import type { CommandContext, Invocation } from '../command-kit.js';
import { loadConfig, resolveConfigPath } from '../config/load.js';
import type { CosignerConfig } from '../config/schema.js';
import { CosignerError, isCosignerError, type CosignerErrorCode } from '../errors.js';
import type { HostPorts } from '../host/ports.js';
import { escapeControl } from '../io/safe-text.js';
import type { Style } from '../io/style.js';
import { portsFor } from './aws-context.js';

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface DoctorCheck {
  id: string;
  status: CheckStatus;
  message: string;
  hint?: string;
  /** The error code a failure maps to (sets the exit code). */
  code?: CosignerErrorCode;
  data?: Record<string, unknown>;
}

export interface DoctorOptions {
  configPath: string;
  flags: Record<string, unknown>;
  env: NodeJS.ProcessEnv;
}

export interface DoctorResult {
  ok: boolean;
  checks: DoctorCheck[];
}

/** A named probe, given the config when it is valid; probes never throw, they report. */
export type DoctorProbe = (config: CosignerConfig | undefined) => Promise<DoctorCheck>;

export interface DoctorDeps {
  nodeVersion: string;
  /** Extra probes (AWS identity, host checks) appended after the workstation checks. */
  probes?: DoctorProbe[];
}

export const MIN_NODE = [20, 19] as const;

export function parseOptions(invocation: Invocation): DoctorOptions {
  return {
    configPath: resolveConfigPath(invocation.globals.config, invocation.env, invocation.cwd),
    flags: invocation.opts,
    env: invocation.env,
  };
}

export function checkNode(version: string): DoctorCheck {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  const ok = major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
  if (!ok) {
    return {
      id: 'node',
      status: 'fail',
      code: 'NODE_UNSUPPORTED',
      message: `Node.js ${version} is too old`,
      hint: `install Node.js ${MIN_NODE.join('.')} or newer (22 or 24 recommended)`,
    };
  }
  // The CLI suppresses the SDK's own start-up warning about this and reports it here once.
  return major < 22
    ? {
        id: 'node',
        status: 'warn',
        message: `Node.js ${version} works, but AWS SDK releases after January 2027 need Node.js 22 or newer`,
        hint: 'upgrade to Node.js 22 or 24 to keep receiving AWS SDK fixes',
      }
    : { id: 'node', status: 'pass', message: `Node.js ${version}` };
}

/** The config check; a valid config is also handed to the probes (read once). */
async function checkConfig(options: DoctorOptions): Promise<{ check: DoctorCheck; config?: CosignerConfig }> {
  try {
    const { config, path } = await loadConfig({ path: options.configPath, flags: options.flags, env: options.env });
    return {
      check: {
        id: 'config',
        status: 'pass',
        message: `config ${path} is valid (co-signer ${config.name})`,
        data: { name: config.name },
      },
      config,
    };
  } catch (error) {
    if (!isCosignerError(error)) throw error;
    if (error.code === 'CONFIG_NOT_FOUND') {
      return {
        check: {
          id: 'config',
          status: 'warn',
          message: `no config at ${options.configPath}`,
          hint: 'create one with `cosigner-cli init`',
        },
      };
    }
    return {
      check: {
        id: 'config',
        status: 'fail',
        code: error.code,
        message: error.message,
        ...(error.hint ? { hint: error.hint } : {}),
      },
    };
  }
}

export async function runDoctor(options: DoctorOptions, deps: DoctorDeps): Promise<DoctorResult> {
  const { check, config } = await checkConfig(options);
  const checks: DoctorCheck[] = [checkNode(deps.nodeVersion), check];
  for (const probe of deps.probes ?? []) checks.push(await probe(config));
  return { ok: checks.every((c) => c.status !== 'fail'), checks };
}

/**
 * The AWS probe: resolve credentials and region the way every command does, then ask STS who we
 * are. Reports account id, caller ARN, region and credential source, or the classified failure.
 */
export function awsProbe(context: CommandContext): DoctorProbe {
  return async (config) => {
    let ports: AwsPorts | undefined;
    try {
      ports = await portsFor(context, config);
      const { describeCaller } = await import('../aws/identity.js');
      const who = await describeCaller(ports);
      const source =
        who.credentialSource.kind + (who.credentialSource.profile ? ` (profile ${who.credentialSource.profile})` : '');
      return {
        id: 'aws',
        status: 'pass',
        message: `account ${who.accountId} · region ${who.region} · ${who.callerArn} · credentials from ${source}${who.sandbox ? ' (sandbox)' : ''}`,
        data: {
          accountId: who.accountId,
          callerArn: who.callerArn,
          region: who.region,
          credentialSource: who.credentialSource,
          sandbox: who.sandbox,
        },
      };
    } catch (error) {
      if (!isCosignerError(error)) throw error;
      return {
        id: 'aws',
        status: 'fail',
        code: error.code,
        message: error.message,
        ...(error.hint ? { hint: error.hint } : {}),
      };
    } finally {
      ports?.destroy();
    }
  };
}

/**
 * On the co-signer host (where /dev/nitro_enclaves exists), the preflight of `run --check` as one
 * check: the worst status of its checks, the failing ones named, all of them in `data`.
 */
export function hostProbe(createHost: () => Promise<HostPorts>): DoctorProbe {
  return async (config) => {
    const { runPreflight } = await import('../host/preflight.js');
    const host = await createHost();
    const needs = { memoryMiB: config?.enclave.memoryMiB ?? 4096, cpuCount: config?.enclave.cpuCount ?? 2 };
    const { checks } = await runPreflight(host, { needs, diskBytesNeeded: 0 });
    const failed = checks.filter((c) => c.status === 'fail');
    const warned = checks.filter((c) => c.status === 'warn');
    const first = failed[0] ?? warned[0];
    return {
      id: 'host',
      status: failed.length > 0 ? 'fail' : warned.length > 0 ? 'warn' : 'pass',
      message:
        first === undefined
          ? `co-signer host ready (${checks.length} checks, see \`cosigner-cli run --check\`)`
          : `co-signer host: ${[...failed, ...warned].map((c) => `${c.id}: ${c.message}`).join('; ')}`,
      ...(first?.hint ? { hint: first.hint } : {}),
      ...(failed[0]?.code ? { code: failed[0].code } : {}),
      data: { checks },
    };
  };
}

export async function execute(options: DoctorOptions, context: CommandContext): Promise<DoctorResult> {
  const { stat } = await import('node:fs/promises');
  const onHost =
    context.sandboxDir === undefined && (await stat('/dev/nitro_enclaves').catch(() => undefined)) !== undefined;
  return runDoctor(options, {
    nodeVersion: process.version,
    probes: [
      awsProbe(context),
      ...(onHost
        ? [hostProbe(async () => (await import('../host/index.js')).createHostPorts({ env: context.invocation.env }))]
        : []),
    ],
  });
}

export function verdict(result: DoctorResult): CosignerError | undefined {
  const failed = result.checks.find((c) => c.status === 'fail');
  if (!failed) return undefined;
  // The checks' messages are already in the result: name the failing checks rather than repeat them.
  const ids = result.checks.filter((c) => c.status === 'fail').map((c) => c.id);
  return new CosignerError(
    failed.code ?? 'INTERNAL',
    `doctor found ${ids.length} problem${ids.length === 1 ? '' : 's'}: ${ids.join(', ')}`,
    {
      ...(failed.hint ? { hint: failed.hint } : {}),
    },
  );
}

const MARK: Record<CheckStatus, (s: Style) => string> = {
  pass: (s) => s.green('✔'),
  warn: (s) => s.yellow('⚠'),
  fail: (s) => s.red('✖'),
  skip: (s) => s.dim('-'),
};

export function render(result: DoctorResult, style: Style): string {
  return (
    result.checks
      // Messages and hints may carry AWS error texts.
      .map(
        (c) =>
          `${MARK[c.status](style)} ${style.bold(c.id.padEnd(12))} ${escapeControl(c.message)}${c.hint && c.status !== 'pass' ? `\n  ${style.dim(`hint: ${escapeControl(c.hint)}`)}` : ''}`,
      )
      .join('\n')
  );
}
