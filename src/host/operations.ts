/**
 * The day-to-day host operations behind `run status`, `run stop`, `run logs`, `run build` and
 * `run supervise` (the watcher the enclave's systemd unit runs).
 */
import type { BuildEnclaveOutput, DescribedEnclave } from '../enclave/nitro-cli-output.js';
import { CosignerError } from '../errors.js';
import { writeFileAtomic } from '../files/atomic-write.js';
import { readEifFile } from '../files/eif-file.js';
import { judgeEnclave, type EnclaveExpectation } from './health.js';
import { FIREBLOCKS_UNIT, HOST_PATHS, enclaveUnitName, type HostPorts, type UnitState } from './ports.js';

export interface EnclaveStatus {
  name: string | undefined;
  id: string;
  state: string;
  debugMode: boolean;
  memoryMiB: number;
  cpus: number;
  pcr0?: string;
  pcr8?: string;
  /** The unit that runs it, when this tool or Fireblocks' installer wrote one. */
  unit?: { name: string } & UnitState;
}

export interface HostStatus {
  enclaves: EnclaveStatus[];
  /** Enclaves in debug mode (their consoles are readable on the host). */
  debugEnclaves: string[];
}

async function unitOf(host: HostPorts, name: string | undefined): Promise<({ name: string } & UnitState) | undefined> {
  if (name === undefined) return undefined;
  for (const unit of [enclaveUnitName(name), ...(name === 'cosigner' ? [FIREBLOCKS_UNIT] : [])]) {
    const state = await host.services.state(unit).catch(() => undefined);
    if (state?.loaded) return { name: unit, ...state };
  }
  return undefined;
}

export async function hostStatus(host: HostPorts): Promise<HostStatus> {
  const enclaves: EnclaveStatus[] = [];
  for (const e of await host.nitroCli.describeEnclaves()) {
    const unit = await unitOf(host, e.EnclaveName);
    enclaves.push({
      name: e.EnclaveName,
      id: e.EnclaveID,
      state: e.State,
      debugMode: e.Flags === 'DEBUG_MODE',
      memoryMiB: e.MemoryMiB,
      cpus: e.NumberOfCPUs,
      ...(e.Measurements === undefined ? {} : { pcr0: e.Measurements.PCR0 }),
      ...(e.Measurements?.PCR8 === undefined ? {} : { pcr8: e.Measurements.PCR8 }),
      ...(unit === undefined ? {} : { unit }),
    });
  }
  return { enclaves, debugEnclaves: enclaves.filter((e) => e.debugMode).map((e) => e.name ?? e.id) };
}

export interface StopResult {
  enclaveName: string;
  /** How it was stopped: its unit (which terminates the enclave), or nitro-cli directly. */
  via: 'unit' | 'nitro-cli' | 'not-running';
  unit?: string;
  terminatedId?: string;
}

/** Stop an enclave: through its unit when there is one (so systemd does not restart it), else nitro-cli. */
export async function stopEnclave(host: HostPorts, enclaveName: string): Promise<StopResult> {
  const running = (await host.nitroCli.describeEnclaves()).find((e) => e.EnclaveName === enclaveName);
  const unit = await unitOf(host, enclaveName);
  if (unit !== undefined) {
    await host.services.stop(unit.name);
    if (unit.name !== FIREBLOCKS_UNIT) await host.services.disable(unit.name);
    // A unit whose stop did not end the enclave (an older unit file): end it directly.
    const still = (await host.nitroCli.describeEnclaves()).find((e) => e.EnclaveName === enclaveName);
    if (still !== undefined) await host.nitroCli.terminateEnclave({ enclaveId: still.EnclaveID });
    return { enclaveName, via: 'unit', unit: unit.name, ...(running ? { terminatedId: running.EnclaveID } : {}) };
  }
  if (running === undefined) return { enclaveName, via: 'not-running' };
  const done = await host.nitroCli.terminateEnclave({ enclaveId: running.EnclaveID });
  return { enclaveName, via: 'nitro-cli', terminatedId: done.EnclaveID };
}

/** The journal of the enclave's unit (or Fireblocks' `cosigner` service). */
export async function enclaveLogs(
  host: HostPorts,
  enclaveName: string,
  lines: number,
): Promise<{ unit: string; lines: string[] }> {
  const unit = (await unitOf(host, enclaveName))?.name ?? enclaveUnitName(enclaveName);
  return { unit, lines: await host.services.logs(unit, lines) };
}

export interface BuildInput {
  dockerUri: string;
  /** Host path of the image to write. */
  output: string;
  signingCertificate: string;
  privateKey: string;
  /** Where to save nitro-cli's build output (for `attest --build-output`). */
  buildOutputPath: string;
}

export interface BuildResult {
  output: string;
  buildOutputPath: string;
  measurements: BuildEnclaveOutput['Measurements'];
  /** Our own measurement of the written image agrees with nitro-cli's. */
  crossChecked: true;
}

/**
 * `nitro-cli build-enclave`, signed; the image it wrote is measured in-process and every PCR it
 * reported (PCR8 above all) must match; then its output is saved for `attest --build-output`.
 */
export async function buildImage(host: HostPorts, input: BuildInput): Promise<BuildResult> {
  const built = await host.nitroCli.buildEnclave({
    dockerUri: input.dockerUri,
    outputFile: input.output,
    signingCertificate: input.signingCertificate,
    privateKey: input.privateKey,
  });
  const image = await readEifFile(host.fs.resolve(input.output));
  const reported = built.Measurements;
  if (reported.PCR8 === undefined || image.pcrs.PCR8 === undefined)
    throw new CosignerError('EIF_UNSIGNED', `nitro-cli built ${input.output} without a signature`, {
      hint: 'pass --signing-certificate and --private-key',
    });
  for (const register of ['PCR0', 'PCR1', 'PCR2', 'PCR8'] as const) {
    if (reported[register] !== image.pcrs[register])
      throw new CosignerError(
        'PCR_SOURCES_DISAGREE',
        `nitro-cli reported ${register} ${reported[register] ?? 'none'}, the image it wrote measures ${image.pcrs[register] ?? 'none'}`,
        { hint: 'do not use this image: rebuild it, and check the nitro-cli installation', context: { register } },
      );
  }
  await writeFileAtomic(input.buildOutputPath, `${JSON.stringify(built, null, 2)}\n`, { mode: 0o644 });
  return { output: input.output, buildOutputPath: input.buildOutputPath, measurements: reported, crossChecked: true };
}

/** One look by the supervisor: undefined while the enclave is the expected one, else why not. */
export async function superviseOnce(host: HostPorts, expected: EnclaveExpectation): Promise<CosignerError | undefined> {
  const enclaves: DescribedEnclave[] = await host.nitroCli.describeEnclaves();
  return judgeEnclave(
    enclaves.find((e) => e.EnclaveName === expected.enclaveName),
    expected,
  );
}

/** The settings file Fireblocks' installer writes: it holds the pairing token in clear. */
export async function fireblocksSettingsFinding(host: HostPorts): Promise<string | undefined> {
  const stat = await host.fs.stat(HOST_PATHS.fireblocksEnvFile);
  if (stat === undefined) return undefined;
  if (stat.kind !== 'file') return `${HOST_PATHS.fireblocksEnvFile} is not a regular file`;
  if ((stat.mode & 0o077) !== 0 || stat.uid !== 0)
    return `${HOST_PATHS.fireblocksEnvFile} holds the pairing token in clear and is readable beyond root (mode ${stat.mode.toString(8).padStart(4, '0')}, uid ${stat.uid}): chmod 600 and chown root:root it`;
  return undefined;
}
