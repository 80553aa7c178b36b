/**
 * What the host checks read on the EC2 host, as one narrow interface: nitro-cli's
 * `describe-enclaves`, a systemd unit's state, and a file's owner and mode. The host ports of
 * `run` (src/host/ports.ts: NitroCliPort, ServiceManagerPort, HostFsPort) answer each of these
 * one to one; {@link hostFactsFromPorts} is that wiring. Tests pass fake facts.
 */
import type { DescribeEnclavesOutput } from '../enclave/nitro-cli-output.js';

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

export interface HostFacts {
  /** `nitro-cli describe-enclaves`. */
  describeEnclaves(): Promise<DescribeEnclavesOutput>;
  unitState(unit: string): Promise<HostUnitState>;
  /** lstat of a host path; undefined when it does not exist. */
  fileStat(path: string): Promise<HostFileFacts | undefined>;
}

/** The units the co-signer needs running (Fireblocks' installer's and the Nitro Enclaves packages'). */
export const HOST_UNITS = {
  allocator: 'nitro-enclaves-allocator.service',
  vsockProxy: 'nitro-enclaves-vsock-proxy.service',
  cosigner: 'cosigner.service',
} as const;

/** Files that hold the pairing token or the co-signer's settings, in clear (fireblocks-aws.md §1.9). */
export const SECRET_FILES: readonly string[] = ['/opt/fireblocks/env.txt'];

/** The narrow shapes of src/host/ports.ts this interface is read from. */
export interface HostPortsLike {
  nitroCli: { describeEnclaves(): Promise<DescribeEnclavesOutput> };
  services: { state(unit: string): Promise<{ loaded: boolean; active: string }> };
  fs: { stat(path: string): Promise<HostFileFacts | undefined> };
}

/** HostFacts over the host ports `run` uses. */
export function hostFactsFromPorts(host: HostPortsLike): HostFacts {
  return {
    describeEnclaves: () => host.nitroCli.describeEnclaves(),
    unitState: (unit) => host.services.state(unit),
    fileStat: (path) => host.fs.stat(path),
  };
}
