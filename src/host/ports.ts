/**
 * The host ports: everything `run` (and `verify --host`) touches on the EC2 host, each behind one
 * narrow interface. The real implementations shell out with execa (argument arrays, an explicit
 * environment, timeouts, never a shell) or read the file system and the instance metadata service;
 * the sandbox host (src/aws/sandbox/host/) implements the same interfaces over a directory, so the
 * code above them cannot tell the two apart.
 */
import type {
  BuildEnclaveOutput,
  DescribeEifOutput,
  DescribeEnclavesOutput,
  RunEnclaveOutput,
  TerminateEnclaveOutput,
} from '../enclave/nitro-cli-output.js';

/** `nitro-cli build-enclave`: a signed image from a Docker image. */
export interface BuildEnclaveInput {
  dockerUri: string;
  outputFile: string;
  signingCertificate: string;
  /** A local EC private key file, or a KMS key ARN (nitro-cli accepts both). */
  privateKey: string;
  name?: string;
  version?: string;
}

/** `nitro-cli run-enclave` with inline flags (never `--config`, never `--attach-console`). */
export interface RunEnclaveInput {
  eifPath: string;
  memoryMiB: number;
  cpuCount: number;
  enclaveName: string;
  /** Only with the operator's explicit, loud consent (`--insecure-debug`). */
  debugMode: boolean;
  enclaveCid?: number;
}

export type EnclaveSelector = { enclaveId: string } | { enclaveName: string };

/**
 * nitro-cli as a port. Every method resolves with the parsed JSON (enclave core schemas) or throws
 * a coded NITRO_CLI_* error carrying nitro-cli's own `Exx` code in its context.
 */
export interface NitroCliPort {
  /** `nitro-cli --version`, e.g. `1.4.2`. Throws NITRO_CLI_NOT_FOUND when nitro-cli is absent. */
  version(): Promise<string>;
  buildEnclave(input: BuildEnclaveInput): Promise<BuildEnclaveOutput>;
  describeEif(eifPath: string): Promise<DescribeEifOutput>;
  runEnclave(input: RunEnclaveInput): Promise<RunEnclaveOutput>;
  describeEnclaves(): Promise<DescribeEnclavesOutput>;
  terminateEnclave(selector: EnclaveSelector): Promise<TerminateEnclaveOutput>;
  /** `nitro-cli console` (debug-mode enclaves only): what it printed before the disconnect timeout. */
  console(selector: EnclaveSelector, disconnectTimeoutSeconds: number): Promise<string>;
}

export type UnitActiveState = 'active' | 'inactive' | 'failed' | 'activating' | 'deactivating' | 'reloading';

export interface UnitState {
  /** systemd's `LoadState`: false when no unit file exists. */
  loaded: boolean;
  active: UnitActiveState;
  /** `UnitFileState` is `enabled`. */
  enabled: boolean;
}

/** systemd as a port: unit state and control, the journal, and timedated's clock state. */
export interface ServiceManagerPort {
  state(unit: string): Promise<UnitState>;
  start(unit: string): Promise<void>;
  stop(unit: string): Promise<void>;
  restart(unit: string): Promise<void>;
  enable(unit: string): Promise<void>;
  disable(unit: string): Promise<void>;
  /** `systemctl daemon-reload`, after a unit file changed. */
  reload(): Promise<void>;
  /** The last `lines` journal lines of a unit, oldest first. */
  logs(unit: string, lines: number): Promise<string[]>;
  /** timedated's NTPSynchronized; undefined when it cannot be read. */
  clockSynchronized(): Promise<boolean | undefined>;
}

export type HostFileKind = 'file' | 'directory' | 'symlink' | 'character-device' | 'other';

export interface HostFileStat {
  kind: HostFileKind;
  /** Permission bits (mode & 0o7777). */
  mode: number;
  uid: number;
  size: number;
}

/**
 * The host's file system, addressed by host paths (`/etc/nitro_enclaves/allocator.yaml`). The real
 * one is `/`; the sandbox's is a directory that stands for `/`.
 */
export interface HostFsPort {
  /** Where a host path really is (the same path on a real host). */
  resolve(hostPath: string): string;
  /** lstat: links are reported as links, never followed. Undefined when absent. */
  stat(hostPath: string): Promise<HostFileStat | undefined>;
  /** A small text file; FILE_TOO_LARGE above `maxBytes`. Undefined when absent. */
  readText(hostPath: string, maxBytes: number): Promise<string | undefined>;
  /** Atomic replace (src/files/atomic-write.ts) with the given mode; a missing parent is created. */
  writeAtomic(hostPath: string, data: string | Uint8Array, mode: number): Promise<void>;
  /**
   * Copy a regular file of the operator's (not a link to a device, not a pipe) into the host, via a
   * temporary file beside the target and a rename.
   */
  copyIn(sourcePath: string, hostPath: string, mode: number): Promise<void>;
  rename(fromHostPath: string, toHostPath: string): Promise<void>;
  mkdir(hostPath: string, mode: number): Promise<void>;
  remove(hostPath: string): Promise<void>;
  /** Bytes free for an unprivileged writer on the file system holding `hostPath`. */
  freeBytes(hostPath: string): Promise<number>;
}

/** The instance identity document's fields `run` uses. */
export interface InstanceIdentity {
  instanceId: string;
  instanceType: string;
  region: string;
  accountId: string;
  availabilityZone: string;
}

/** The instance metadata service, IMDSv2 only (a token first, then each read with it). */
export interface ImdsPort {
  identity(): Promise<InstanceIdentity>;
  /** The name of the instance profile's role (`iam/security-credentials/`); never its credentials. */
  roleName(): Promise<string | undefined>;
}

export interface ProcessResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/**
 * Answers the program's output since the last answer: a visible prompt (an open line that asks,
 * or a question line) or, with `silent`, nothing on screen for a while. Undefined: keep waiting;
 * `unknown`: stop the program.
 */
export type PromptResponder = (
  outputSinceLastAnswer: string,
  silent: boolean,
) => { answer: Uint8Array } | { unknown: true } | undefined;

export interface InteractiveRunOptions {
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  /** Consulted when output looks like a prompt, and when the program has been silent for 10 × promptQuietMs. */
  respond: PromptResponder;
  /** Each complete line of output (stdout and stderr), for progress. */
  onLine?: (line: string) => void;
  /** How long output must be quiet before an open line counts as a prompt. @default 300 */
  promptQuietMs?: number;
}

/** Running programs: collected output, or interactive with prompts answered over stdin. */
export interface ProcessPort {
  run(
    file: string,
    args: readonly string[],
    options: { cwd?: string; env: Record<string, string>; timeoutMs: number },
  ): Promise<ProcessResult>;
  interact(file: string, args: readonly string[], options: InteractiveRunOptions): Promise<ProcessResult>;
}

/** Every host port, as one bundle handed to `run` and `verify --host`. */
export interface HostPorts {
  nitroCli: NitroCliPort;
  services: ServiceManagerPort;
  fs: HostFsPort;
  imds: ImdsPort;
  processes: ProcessPort;
  /** The effective user id `run` acts as (install.sh needs root). */
  uid: number;
  /** True on the simulated host (labels only; never decide behaviour on it). */
  sandbox: boolean;
  /** Environment variables the host adds for programs it runs (the sandbox's root, its shims). */
  programEnv: Record<string, string>;
}

/** Host paths every part of `run` agrees on. */
export const HOST_PATHS = {
  nitroDevice: '/dev/nitro_enclaves',
  allocatorConfig: '/etc/nitro_enclaves/allocator.yaml',
  vsockProxyConfig: '/etc/nitro_enclaves/vsock-proxy.yaml',
  neCpus: '/sys/module/nitro_enclaves/parameters/ne_cpus',
  hugepages: '/sys/kernel/mm/hugepages',
  hostFacts: '/etc/cosigner-cli/host.json',
  /** Verified images the tool's systemd unit starts; root-owned. */
  imageDir: '/var/lib/cosigner-cli',
  /** Extracted Fireblocks packages. */
  packageDir: '/opt/cosigner-cli/packages',
  unitDir: '/etc/systemd/system',
  /** Where Fireblocks' installer keeps its settings, the pairing token among them, in clear. */
  fireblocksEnvFile: '/opt/fireblocks/env.txt',
} as const;

export const ALLOCATOR_UNIT = 'nitro-enclaves-allocator.service';
export const VSOCK_PROXY_UNIT = 'nitro-enclaves-vsock-proxy.service';
/** The service Fireblocks' installer creates and starts. */
export const FIREBLOCKS_UNIT = 'cosigner.service';

/** The unit this tool writes for a generic image. */
export function enclaveUnitName(enclaveName: string): string {
  return `cosigner-enclave-${enclaveName}.service`;
}
