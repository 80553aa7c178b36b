/**
 * What the host checks read on the EC2 host, as one narrow interface: nitro-cli's
 * `describe-enclaves`, a systemd unit's state, a file's owner and mode, the allocator's reservation
 * (its file and what the kernel reserved) and the vsock-proxy allowlist. The host ports of `run`
 * (src/host/ports.ts: NitroCliPort, ServiceManagerPort, HostFsPort) answer each of these;
 * {@link hostFactsFromPorts} is that wiring, read-only (stat and small reads, never a write).
 * Tests pass fake facts, or the simulated host's ports.
 */
import type { DescribeEnclavesOutput } from '../enclave/nitro-cli-output.js';
import { parseAllocatorYaml, readReservation, type AllocatorConfig, type Reservation } from '../host/allocator.js';
import { FIREBLOCKS_UNIT, HOST_PATHS, enclaveUnitName, type HostFsPort } from '../host/ports.js';
import { parseVsockProxyConfig, type AllowlistEntry } from '../host/vsock-proxy.js';

export interface HostUnitState {
  /** A unit file exists. */
  loaded: boolean;
  /** systemd's ActiveState: `active`, `inactive`, `failed`, … */
  active: string;
}

export interface HostFileFacts {
  kind: 'file' | 'directory' | 'symlink' | 'character-device' | 'other';
  /** Permission bits (mode & 0o7777). */
  mode: number;
  uid: number;
}

export type { AllocatorConfig, AllowlistEntry, Reservation };

export interface HostFacts {
  /** `nitro-cli describe-enclaves`. */
  describeEnclaves(): Promise<DescribeEnclavesOutput>;
  unitState(unit: string): Promise<HostUnitState>;
  /** lstat of a host path; undefined when it does not exist. */
  fileStat(path: string): Promise<HostFileFacts | undefined>;
  /**
   * `/etc/nitro_enclaves/allocator.yaml` read as the allocator reads it; undefined when absent.
   * Throws HOST_CONFIG_UNPARSEABLE for a file the allocator would refuse.
   */
  allocatorConfig(): Promise<AllocatorConfig | undefined>;
  /** What the kernel reserved for enclaves: hugepages and the ne_cpus pool. */
  reservation(): Promise<Reservation>;
  /**
   * The entries of `/etc/nitro_enclaves/vsock-proxy.yaml`; undefined when absent. Throws
   * HOST_CONFIG_UNPARSEABLE for a file whose allowlist this parser cannot read.
   */
  vsockProxyAllowlist(): Promise<AllowlistEntry[] | undefined>;
}

/** The Nitro Enclaves units the co-signer needs running. */
export const HOST_UNITS = {
  allocator: 'nitro-enclaves-allocator.service',
  vsockProxy: 'nitro-enclaves-vsock-proxy.service',
} as const;

/**
 * The units that can run the co-signer: Fireblocks' installer's `cosigner.service`, or the unit
 * `run --eif` writes for the enclave (named after the co-signer, or `--enclave-name`: each
 * enclave nitro-cli reports names one).
 */
export function cosignerUnits(name: string, enclaveNames: readonly string[]): string[] {
  return [...new Set([FIREBLOCKS_UNIT, enclaveUnitName(name), ...enclaveNames.map(enclaveUnitName)])];
}

/** Files that hold the pairing token or the co-signer's settings, in clear (fireblocks-aws.md §1.9). */
export const SECRET_FILES: readonly string[] = [HOST_PATHS.fireblocksEnvFile];

/** The allowlist file is small; a larger one is refused, not read whole. */
const CONFIG_MAX_BYTES = 64 * 1024;

/** The narrow shapes of src/host/ports.ts this interface is read from. */
export interface HostPortsLike {
  nitroCli: { describeEnclaves(): Promise<DescribeEnclavesOutput> };
  services: { state(unit: string): Promise<{ loaded: boolean; active: string }> };
  fs: HostFsPort;
  /** The user id the host ports act as (`run`'s: root on the host). */
  uid: number;
}

/**
 * HostFacts over the host ports `run` uses. A file owned by the user this process runs as is
 * reported as owned by the ports' user: the same id on EC2 (the ports' uid is this process's), and
 * on the simulated host, which acts as root over files the sandbox's user owns, root.
 */
export function hostFactsFromPorts(
  host: HostPortsLike,
  processUid: number | undefined = process.getuid?.(),
): HostFacts {
  return {
    describeEnclaves: () => host.nitroCli.describeEnclaves(),
    async unitState(unit) {
      const { loaded, active } = await host.services.state(unit);
      return { loaded, active };
    },
    async fileStat(path) {
      const stat = await host.fs.stat(path);
      if (stat === undefined) return undefined;
      return { kind: stat.kind, mode: stat.mode, uid: stat.uid === processUid ? host.uid : stat.uid };
    },
    async allocatorConfig() {
      const text = await host.fs.readText(HOST_PATHS.allocatorConfig, CONFIG_MAX_BYTES);
      return text === undefined ? undefined : parseAllocatorYaml(text);
    },
    reservation: () => readReservation(host.fs),
    async vsockProxyAllowlist() {
      const text = await host.fs.readText(HOST_PATHS.vsockProxyConfig, CONFIG_MAX_BYTES);
      return text === undefined ? undefined : parseVsockProxyConfig(text).entries;
    },
  };
}
