/**
 * The real NitroCliPort: `nitro-cli` run through the ProcessPort (execa: argument arrays, an
 * explicit environment, timeouts, no shell). Outputs are parsed with the enclave core's schemas
 * (src/enclave/nitro-cli-output.ts); failures become the coded errors of ./nitro-cli-errors.ts.
 * Debug mode is passed only when the caller asks for it, and `--attach-console` (which implies
 * debug mode) is never passed.
 */
import { CosignerError } from '../errors.js';
import {
  parseBuildEnclaveOutput,
  parseDescribeEifOutput,
  parseDescribeEnclavesOutput,
  parseRunEnclaveOutput,
  parseTerminateEnclaveOutput,
} from '../enclave/nitro-cli-output.js';
import { nitroCliError } from './nitro-cli-errors.js';
import type { EnclaveSelector, NitroCliPort, ProcessPort, ProcessResult } from './ports.js';
import type { SpawnedResult } from './processes.js';

export interface NitroCliOptions {
  processes: ProcessPort;
  /** The environment nitro-cli runs with (see {@link nitroCliEnv}). */
  env: Record<string, string>;
  /** @default 'nitro-cli' (found on env.PATH) */
  command?: string;
  /** Per-call time limits. @default build 30 min, run 5 min, others 60 s */
  timeoutsMs?: Partial<Record<'build' | 'run' | 'other', number>>;
}

/** Variables nitro-cli and Docker read; nothing else of the caller's environment is passed on. */
const PASSED_VARIABLES = [
  'PATH',
  'HOME',
  'LANG',
  'LC_ALL',
  'NITRO_CLI_BLOBS',
  'NITRO_CLI_ARTIFACTS',
  'DOCKER_HOST',
  'DOCKER_CONFIG',
  // build-enclave signing with a KMS key resolves the instance's credentials itself (IMDS).
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
];

/** The explicit environment for nitro-cli, from the caller's. */
export function nitroCliEnv(from: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of PASSED_VARIABLES) {
    const value = from[name];
    if (value !== undefined) env[name] = value;
  }
  env.PATH ??= '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  return env;
}

function selectorArgs(selector: EnclaveSelector): string[] {
  return 'enclaveId' in selector ? ['--enclave-id', selector.enclaveId] : ['--enclave-name', selector.enclaveName];
}

export function createNitroCli(options: NitroCliOptions): NitroCliPort {
  const command = options.command ?? 'nitro-cli';
  const timeouts = { build: 30 * 60_000, run: 5 * 60_000, other: 60_000, ...options.timeoutsMs };

  const call = async (
    subcommand: string,
    args: string[],
    timeout: keyof typeof timeouts = 'other',
  ): Promise<ProcessResult> => {
    const argv = subcommand === '--version' ? ['--version'] : [subcommand, ...args];
    const result: SpawnedResult = await options.processes.run(command, argv, {
      env: options.env,
      timeoutMs: timeouts[timeout],
    });
    if (result.spawnError === 'ENOENT')
      throw new CosignerError('NITRO_CLI_NOT_FOUND', 'nitro-cli is not installed (not found on PATH)', {
        hint: 'install it: sudo dnf install -y aws-nitro-enclaves-cli aws-nitro-enclaves-cli-devel (Amazon Linux 2023), then log in again',
        context: { subcommand },
      });
    if (result.spawnError !== undefined)
      throw new CosignerError('NITRO_CLI_PERMISSION', `nitro-cli could not be started (${result.spawnError})`, {
        hint: 'check that nitro-cli is executable by this user',
        context: { subcommand, spawnError: result.spawnError },
      });
    if (result.timedOut)
      throw new CosignerError(
        'NITRO_CLI_TIMEOUT',
        `nitro-cli ${subcommand} did not finish within ${Math.round(timeouts[timeout] / 1000)} s`,
        {
          hint: 'check the host load and `journalctl -u nitro-enclaves-allocator`; run the same command by hand',
          context: { subcommand },
        },
      );
    if (result.exitCode !== 0) throw nitroCliError(subcommand, result.exitCode, result.stderr);
    return result;
  };

  return {
    async version() {
      const { stdout } = await call('--version', []);
      // "Nitro CLI 1.4.2"
      const version = /(\d+\.\d+(?:\.\d+)?)/.exec(stdout)?.[1];
      if (version === undefined)
        throw new CosignerError('NITRO_CLI_OUTPUT_INVALID', 'unexpected nitro-cli --version output', {
          hint: 'check that `nitro-cli` on PATH is the AWS Nitro Enclaves CLI',
        });
      return version;
    },
    async buildEnclave(input) {
      const args = [
        '--docker-uri',
        input.dockerUri,
        '--output-file',
        input.outputFile,
        '--signing-certificate',
        input.signingCertificate,
        '--private-key',
        input.privateKey,
        ...(input.name === undefined ? [] : ['--name', input.name]),
        ...(input.version === undefined ? [] : ['--version', input.version]),
      ];
      return parseBuildEnclaveOutput((await call('build-enclave', args, 'build')).stdout);
    },
    async describeEif(eifPath) {
      return parseDescribeEifOutput((await call('describe-eif', ['--eif-path', eifPath])).stdout);
    },
    async runEnclave(input) {
      const args = [
        ...runEnclaveArgv(input).slice(1),
        ...(input.enclaveCid === undefined ? [] : ['--enclave-cid', String(input.enclaveCid)]),
        ...(input.debugMode ? ['--debug-mode'] : []),
      ];
      return parseRunEnclaveOutput((await call('run-enclave', args, 'run')).stdout);
    },
    async describeEnclaves() {
      return parseDescribeEnclavesOutput((await call('describe-enclaves', [])).stdout);
    },
    async terminateEnclave(selector) {
      return parseTerminateEnclaveOutput((await call('terminate-enclave', selectorArgs(selector))).stdout);
    },
    async console(selector, disconnectTimeoutSeconds) {
      const args = [...selectorArgs(selector), '--disconnect-timeout', String(disconnectTimeoutSeconds)];
      return (await call('console', args)).stdout;
    },
  };
}

/** The argv `run-enclave` gets for an input, for the systemd unit (same flags as {@link createNitroCli}). */
export function runEnclaveArgv(input: {
  eifPath: string;
  memoryMiB: number;
  cpuCount: number;
  enclaveName: string;
}): string[] {
  return [
    'run-enclave',
    '--eif-path',
    input.eifPath,
    '--memory',
    String(input.memoryMiB),
    '--cpu-count',
    String(input.cpuCount),
    '--enclave-name',
    input.enclaveName,
  ];
}
