/**
 * `run` (on the EC2 host) and its subcommands: flags → typed options → src/host → result. `run`
 * starts a verified image (`--eif`) or installs the Fireblocks package (`--package`); `--check` is
 * the read-only preflight; `run status|stop|logs|build|supervise` operate the enclave. With
 * `--sandbox` everything runs on the simulated host of the co-signer's sandbox instance.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CommandContext, Invocation } from '../command-kit.js';
import type { CosignerConfig } from '../config/schema.js';
import { CosignerError, fail } from '../errors.js';
import { log } from '../io/io-host.js';
import { looksLikeToken } from '../io/safe-text.js';
import type { HostPorts } from '../host/ports.js';
import { refuseInsecureToken, type TokenSource } from '../host/token.js';
import { render as renderRun, type RunResult } from './run-render.js';

export type RunMode = 'start' | 'check' | 'status' | 'stop' | 'logs' | 'build' | 'supervise';
export type { RunResult } from './run-render.js';

export interface RunCliOptions {
  mode: RunMode;
  configPath: string;
  /** Setting flags (name, --fb-env, --pcr8, --kms-key-id, …) for the config loader. */
  flags: Record<string, unknown>;
  env: NodeJS.ProcessEnv;
  cwd: string;
  eif?: string;
  package?: { path: string; sha256: string };
  enclaveName?: string;
  debugMode: boolean;
  insecureDebug: boolean;
  healthTimeoutMs: number;
  /** Undefined: the no-echo prompt (on a terminal). */
  token?: TokenSource;
  callback?: { url: string; publicKeyPath: string };
  lines: number;
  build?: { dockerUri: string; output: string; signingCertificate: string; privateKey: string; buildOutput: string };
  supervise?: { pcr0: string; pcr8: string; intervalMs: number; once: boolean };
}

/** Flags of `run` itself; every other option is a config setting. */
const OWN_FLAGS = [
  'eif',
  'package',
  'packageSha256',
  'enclaveName',
  'debugMode',
  'insecureDebug',
  'check',
  'healthTimeout',
  'token',
  'tokenStdin',
  'tokenFile',
  'tokenSsm',
  'tokenSsmDelete',
  'callbackUrl',
  'callbackPublicKey',
  'lines',
  'dockerUri',
  'output',
  'signingCertificate',
  'privateKey',
  'buildOutput',
  'pcr0',
  'interval',
  'once',
  'region',
  'profile',
];

/** Environment variables that would carry the token: refused, never read. */
const TOKEN_VARIABLES = ['COSIGNER_TOKEN', 'COSIGNER_PAIRING_TOKEN', 'FIREBLOCKS_PAIRING_TOKEN', 'PAIRING_TOKEN'];

function str(opts: Record<string, unknown>, key: string, flag: string): string | undefined {
  const value = opts[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '')
    fail('INVALID_OPTION', `${flag} needs a value`, `pass ${flag} <value>`);
  return value;
}

function positive(opts: Record<string, unknown>, key: string, flag: string, fallback: number): number {
  const raw = str(opts, key, flag);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0)
    fail('INVALID_OPTION', `${flag} must be a positive whole number`, `pass ${flag} <n>`);
  return n;
}

function tokenSource(opts: Record<string, unknown>, cwd: string): TokenSource | undefined {
  const sources: TokenSource[] = [];
  if (opts['tokenStdin'] === true) sources.push({ kind: 'stdin' });
  const file = str(opts, 'tokenFile', '--token-file');
  if (file !== undefined) sources.push({ kind: 'file', path: resolve(cwd, file) });
  const ssm = str(opts, 'tokenSsm', '--token-ssm');
  if (ssm !== undefined) sources.push({ kind: 'ssm', name: ssm, deleteAfterUse: opts['tokenSsmDelete'] === true });
  if (opts['tokenSsmDelete'] === true && ssm === undefined)
    fail('INVALID_OPTION', '--token-ssm-delete needs --token-ssm', 'pass --token-ssm <parameter name>');
  if (sources.length > 1)
    fail('INVALID_OPTION', 'give the pairing token one way', 'pass one of --token-stdin, --token-file, --token-ssm');
  return sources[0];
}

export async function parseOptions(invocation: Invocation): Promise<RunCliOptions> {
  const { resolveConfigPath } = await import('../config/load.js');
  const { opts, globals, env, cwd } = invocation;
  // A token where others can read it is refused before anything else, and never echoed.
  if (opts['token'] !== undefined) refuseInsecureToken('argv', '--token');
  for (const name of TOKEN_VARIABLES) if (env[name] !== undefined) refuseInsecureToken('env', name);
  // A token pasted into another option (`--token-file <token>`, `--token-ssm <token>`) would be
  // quoted back by the error about that option ("file … does not exist"): refused unseen too.
  for (const [key, value] of Object.entries(opts))
    if (typeof value === 'string' && looksLikeToken(value))
      refuseInsecureToken('argv', `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
  for (const [name, value] of Object.entries(env))
    if (name.startsWith('COSIGNER_') && value !== undefined && looksLikeToken(value)) refuseInsecureToken('env', name);
  const sub = invocation.command.split(' ')[1];
  const mode: RunMode = (sub as RunMode | undefined) ?? (opts['check'] === true ? 'check' : 'start');
  const path = (key: string, flag: string) => {
    const value = str(opts, key, flag);
    return value === undefined ? undefined : resolve(cwd, value);
  };
  const options: RunCliOptions = {
    mode,
    configPath: resolveConfigPath(globals.config, env, cwd),
    flags: Object.fromEntries(Object.entries(opts).filter(([key]) => !OWN_FLAGS.includes(key))),
    env,
    cwd,
    debugMode: opts['debugMode'] === true,
    insecureDebug: opts['insecureDebug'] === true,
    healthTimeoutMs: positive(opts, 'healthTimeout', '--health-timeout', 120) * 1000,
    lines: positive(opts, 'lines', '--lines', 100),
  };
  const enclaveName = str(opts, 'enclaveName', '--enclave-name');
  if (enclaveName !== undefined) options.enclaveName = enclaveName;
  const token = tokenSource(opts, cwd);
  if (token !== undefined) options.token = token;
  if (mode === 'start') {
    const eif = path('eif', '--eif');
    const pkg = path('package', '--package');
    if (eif !== undefined && pkg !== undefined)
      fail(
        'INVALID_OPTION',
        '--eif and --package exclude each other',
        'run a generic image with --eif, or the Fireblocks package with --package',
      );
    if (eif === undefined && pkg === undefined)
      throw new CosignerError('INPUT_REQUIRED', 'run needs an image: --eif <file> or --package <tar.gz>', {
        hint: 'pass --package nitro-cosigner.tar.gz --package-sha256 <hex> (Fireblocks) or --eif <file>; `run --check` checks the host only',
        context: { flag: '--eif' },
      });
    if (eif !== undefined) options.eif = eif;
    if (pkg !== undefined) {
      const { parseSha256 } = await import('../host/package-file.js');
      options.package = { path: pkg, sha256: parseSha256(str(opts, 'packageSha256', '--package-sha256')) };
    }
    const url = str(opts, 'callbackUrl', '--callback-url');
    const key = path('callbackPublicKey', '--callback-public-key');
    if ((url === undefined) !== (key === undefined))
      fail('INVALID_OPTION', '--callback-url and --callback-public-key go together', 'pass both, or neither');
    if (url !== undefined && key !== undefined) options.callback = { url, publicKeyPath: key };
  }
  if (mode === 'build') {
    const need = (key: string, flag: string) =>
      path(key, flag) ?? fail('INPUT_REQUIRED', `run build needs ${flag}`, `pass ${flag}`, { context: { flag } });
    const output = need('output', '--output');
    options.build = {
      dockerUri:
        str(opts, 'dockerUri', '--docker-uri') ??
        fail('INPUT_REQUIRED', 'run build needs --docker-uri', 'pass --docker-uri <image:tag>'),
      output,
      signingCertificate: need('signingCertificate', '--signing-certificate'),
      privateKey:
        str(opts, 'privateKey', '--private-key')?.startsWith('arn:') === true
          ? (opts['privateKey'] as string)
          : need('privateKey', '--private-key'),
      buildOutput: path('buildOutput', '--build-output') ?? `${output}.build.json`,
    };
  }
  if (mode === 'supervise') {
    // As for `run`: a supervisor that accepts a debug-mode enclave is asked for as loudly.
    if (options.debugMode && !options.insecureDebug) {
      const { refuseDebugWithoutInsecure } = await import('../host/launch.js');
      refuseDebugWithoutInsecure(true, false);
    }
    const pcr = (key: string, flag: string) => {
      const value = str(opts, key, flag) ?? fail('INPUT_REQUIRED', `run supervise needs ${flag}`, `pass ${flag}`);
      if (!/^[0-9a-f]{96}$/.test(value))
        fail('PCR_INVALID', `${flag} must be 96 lower-case hex characters`, `pass ${flag} <hex>`);
      return value;
    };
    options.supervise = {
      pcr0: pcr('expectPcr0', '--expect-pcr0'),
      pcr8: pcr('expectPcr8', '--expect-pcr8'),
      intervalMs: positive(opts, 'interval', '--interval', 10) * 1000,
      once: opts['once'] === true,
    };
  }
  return options;
}

/** The config for the host: flags, COSIGNER_*, the config file, then the host facts provision left. */
async function hostConfig(cli: RunCliOptions, host: HostPorts | undefined): Promise<CosignerConfig> {
  const { loadConfig } = await import('../config/load.js');
  const flags = { ...cli.flags };
  if (host !== undefined && flags['name'] === undefined && cli.env.COSIGNER_NAME === undefined) {
    const { HOST_PATHS } = await import('../host/ports.js');
    const facts = await host.fs.readText(HOST_PATHS.hostFacts, 64 * 1024).catch(() => undefined);
    const parsed = facts === undefined ? {} : (JSON.parse(facts) as { name?: unknown; fireblocksEnv?: unknown });
    if (typeof parsed.name === 'string') flags['name'] = parsed.name;
    if (typeof parsed.fireblocksEnv === 'string' && flags['fbEnv'] === undefined) flags['fbEnv'] = parsed.fireblocksEnv;
  }
  return (await loadConfig({ path: cli.configPath, flags, env: cli.env, cwd: cli.cwd, requireFile: false })).config;
}

async function hostPorts(
  cli: RunCliOptions,
  context: CommandContext,
): Promise<{ host: HostPorts; config: CosignerConfig }> {
  const { createHostPorts } = await import('../host/index.js');
  if (context.sandboxDir === undefined) {
    const host = await createHostPorts({ env: cli.env });
    return { host, config: await hostConfig(cli, host) };
  }
  const config = await hostConfig(cli, undefined);
  const region = context.invocation.globals.region ?? config.aws.region ?? cli.env.AWS_REGION ?? 'us-east-1';
  const host = await createHostPorts({
    env: cli.env,
    sandbox: { dir: context.sandboxDir, name: config.name, region, now: context.now },
  });
  return { host, config };
}

/** This CLI's own argv (node and its entry script), for the unit's supervisor. */
function selfArgv(): string[] {
  return [process.execPath, fileURLToPath(new URL('../../bin/cosigner-cli.js', import.meta.url))];
}

export async function execute(cli: RunCliOptions, context: CommandContext): Promise<RunResult> {
  const { host, config } = await hostPorts(cli, context);
  const enclaveName = cli.enclaveName ?? (cli.package !== undefined ? 'cosigner' : config.name);
  const needs = { memoryMiB: config.enclave.memoryMiB, cpuCount: config.enclave.cpuCount };
  const ops = await import('../host/operations.js');
  switch (cli.mode) {
    case 'check': {
      const { runPreflight } = await import('../host/preflight.js');
      return { mode: 'check', ...(await runPreflight(host, { needs, diskBytesNeeded: 0 })) };
    }
    case 'status':
      return { mode: 'status', ...(await ops.hostStatus(host)) };
    case 'stop':
      await context.io.confirm(`stop the enclave ${enclaveName} (the co-signer stops signing)`, '--yes');
      return { mode: 'stop', ...(await ops.stopEnclave(host, enclaveName)) };
    case 'logs':
      return { mode: 'logs', ...(await ops.enclaveLogs(host, enclaveName, cli.lines)) };
    case 'build':
      return { mode: 'build', ...(await build(cli, host)) };
    case 'supervise': {
      const s = cli.supervise as NonNullable<RunCliOptions['supervise']>;
      const { gateDebugMode } = await import('../host/launch.js');
      gateDebugMode(cli.debugMode, cli.insecureDebug, context.io);
      for (;;) {
        const problem = await ops.superviseOnce(host, {
          enclaveName,
          pcr0: s.pcr0,
          pcr8: s.pcr8,
          debugMode: cli.debugMode,
        });
        if (problem !== undefined) throw problem;
        if (s.once) return { mode: 'supervise', enclaveName, healthy: true };
        await sleep(s.intervalMs);
      }
    }
    case 'start':
      return start(cli, context, host, config, enclaveName, needs);
  }
}

async function build(cli: RunCliOptions, host: HostPorts) {
  const b = cli.build as NonNullable<RunCliOptions['build']>;
  const { buildImage } = await import('../host/operations.js');
  if (!host.sandbox) return buildImage(host, { ...b, output: b.output, buildOutputPath: b.buildOutput });
  // The simulated nitro-cli reads and writes inside the simulated host: bring the inputs in, the image out.
  const { copyFile } = await import('node:fs/promises');
  const dir = `/tmp/cosigner-cli-build-${process.pid}`;
  await host.fs.copyIn(b.signingCertificate, `${dir}/certificate.pem`, 0o600);
  await host.fs.copyIn(b.privateKey, `${dir}/key.pem`, 0o600);
  try {
    const result = await buildImage(host, {
      dockerUri: b.dockerUri,
      output: `${dir}/image.eif`,
      signingCertificate: `${dir}/certificate.pem`,
      privateKey: `${dir}/key.pem`,
      buildOutputPath: b.buildOutput,
    });
    await copyFile(host.fs.resolve(`${dir}/image.eif`), b.output);
    return { ...result, output: b.output };
  } finally {
    await host.fs.remove(dir);
  }
}

async function start(
  cli: RunCliOptions,
  context: CommandContext,
  host: HostPorts,
  config: CosignerConfig,
  enclaveName: string,
  needs: { memoryMiB: number; cpuCount: number },
): Promise<RunResult> {
  const [{ createHostAwsPorts, keyArnFor }, { configuredPcr8 }, { resourceNames }, { formatAwsCall }] =
    await Promise.all([
      import('../host/host-aws.js'),
      import('../config/pcr8.js'),
      import('../config/names.js'),
      import('../aws/ports.js'),
    ]);
  // Refused before anything is read or started.
  if (cli.debugMode && !cli.insecureDebug) {
    const { gateDebugMode } = await import('../host/launch.js');
    gateDebugMode(true, false, context.io);
  }
  const identity = await host.imds.identity();
  const keyArn = keyArnFor(config.kms.keyId, identity);
  const configured = configuredPcr8(config.fireblocks);
  const aws = await createHostAwsPorts({
    env: cli.env,
    identity,
    host,
    ...(context.sandboxDir === undefined ? {} : { sandboxDir: context.sandboxDir }),
    onCall: (call) => log.debug(context.io, 'AWS_CALL', formatAwsCall(call), { ...call }),
  });
  try {
    const source = (cli.eif ?? cli.package?.path) as string;
    const sourceSize = (await stat(source).catch(() => ({ size: 0 }))).size;
    if (cli.eif !== undefined) {
      const { launchImage } = await import('../host/launch.js');
      const result = await launchImage(
        {
          source,
          sourceSize,
          enclaveName,
          ...needs,
          debugMode: cli.debugMode,
          insecureDebug: cli.insecureDebug,
          keyArn,
          configured,
          healthTimeoutMs: cli.healthTimeoutMs,
          settleMs: host.sandbox ? 0 : 5_000,
          pollMs: host.sandbox ? 50 : 1_000,
          cosignerCli: selfArgv(),
        },
        { host, kms: aws.kms, io: context.io, now: context.now, sleep: (ms) => sleep(ms), region: identity.region },
      );
      return { mode: 'start', kind: 'eif', ...result };
    }
    const { installPackage } = await import('../host/install-package.js');
    const result = await installPackage(
      {
        source,
        sourceSize,
        sha256: (cli.package as NonNullable<RunCliOptions['package']>).sha256,
        ...needs,
        keyArn,
        bucketName: config.s3.bucketName ?? resourceNames(config, identity).bucketName,
        configured,
        token: cli.token ?? { kind: 'prompt' },
        ...(cli.callback === undefined ? {} : { callback: cli.callback }),
        installerTimeoutMs: 15 * 60_000,
        healthTimeoutMs: cli.healthTimeoutMs,
        pollMs: host.sandbox ? 50 : 2_000,
      },
      {
        host,
        kms: aws.kms,
        ssm: aws.ssm,
        io: context.io,
        stdin: process.stdin,
        uid: process.getuid?.() ?? -1,
        now: context.now,
        sleep: (ms) => sleep(ms),
        region: identity.region,
      },
    );
    return { mode: 'start', kind: 'package', ...result };
  } finally {
    aws.destroy();
  }
}

export function verdict(result: RunResult): CosignerError | undefined {
  if (result.mode !== 'check' || result.ok) return undefined;
  const failed = result.checks.filter((c) => c.status === 'fail');
  return new CosignerError('HOST_PREFLIGHT_FAILED', `the host is not ready: ${failed.map((c) => c.id).join(', ')}`, {
    ...(failed[0]?.hint ? { hint: failed[0].hint } : {}),
  });
}

export const render = renderRun;
