/**
 * A simulated systemd for the simulated host. It knows the Nitro Enclaves units and any unit file
 * under /etc/systemd/system:
 * - nitro-enclaves-allocator.service reads allocator.yaml with the allocator's own rules and
 *   reserves hugepages and the CPU pool under /sys, failing (error 206) when the instance cannot
 *   spare the memory, as the real allocator does;
 * - nitro-enclaves-vsock-proxy.service reads its allowlist at start and fails when it does not
 *   allow the region's KMS endpoint, as the real proxy does;
 * - a unit file's ExecStartPre / ExecStart / ExecStop / ExecStopPost lines that call `nitro-cli
 *   run-enclave` or `terminate-enclave` run on the simulated nitro-cli (other commands are taken as
 *   succeeding); a failing line fails the unit, with the reason in its journal.
 * Programs run on the host (install.sh) reach it through a `systemctl` shim that queues requests
 * (./index.ts drains them after the program exits).
 */
import { CosignerError, isCosignerError } from '../../../errors.js';
import { parseAllocatorYaml, configuredCpus } from '../../../host/allocator.js';
import {
  ALLOCATOR_UNIT,
  HOST_PATHS,
  VSOCK_PROXY_UNIT,
  type HostFsPort,
  type NitroCliPort,
  type ServiceManagerPort,
  type UnitState,
} from '../../../host/ports.js';
import { allowsEndpoint, kmsEndpoint } from '../../../host/vsock-proxy.js';
import { journalAppend, type HostStateStore, type HostSimState } from './host-state.js';

export interface SimSystemdDeps {
  store: HostStateStore;
  fs: HostFsPort;
  nitroCli: NitroCliPort;
  now: () => Date;
  region: string;
  /** The instance's memory and vCPUs (what the allocator may take from). */
  instance: () => Promise<{ memoryMiB: number; vcpus: number }>;
}

/** Units every Nitro Enclaves host has. */
const BUILTIN = new Set([ALLOCATOR_UNIT, VSOCK_PROXY_UNIT, 'docker.service']);

/** Split an Exec line into words (double quotes group; the tool writes plain words). */
function execWords(line: string): string[] {
  const words: string[] = [];
  for (const match of line.matchAll(/"([^"]*)"|(\S+)/g)) words.push(match[1] ?? match[2] ?? '');
  return words;
}

function flag(words: string[], name: string): string | undefined {
  const at = words.indexOf(name);
  return at < 0 ? undefined : words[at + 1];
}

function unitFailed(unit: string, reason: string): CosignerError {
  return new CosignerError('HOST_SERVICE_FAILED', `Job for ${unit} failed: ${reason}`, {
    hint: `see \`systemctl status ${unit}\` and \`journalctl -xeu ${unit}\``,
    context: { unit },
  });
}

export function createSimulatedSystemd(deps: SimSystemdDeps): ServiceManagerPort & {
  /** Apply `systemctl` requests queued by programs (install.sh) through the shim. */
  drain(requests: string[][]): Promise<void>;
} {
  const unitFile = (unit: string) => `${HOST_PATHS.unitDir}/${unit}`;

  const setState = (unit: string, change: Partial<HostSimState['units'][string]>, ...log: string[]) =>
    deps.store.update((state) => {
      const current = (state.units[unit] ??= { active: 'inactive', enabled: false });
      Object.assign(current, change);
      if (log.length > 0) journalAppend(state, unit, deps.now(), ...log);
    });

  const startAllocator = async () => {
    const text = await deps.fs.readText(HOST_PATHS.allocatorConfig, 64 * 1024);
    if (text === undefined) throw unitFailed(ALLOCATOR_UNIT, 'Error: cannot read /etc/nitro_enclaves/allocator.yaml');
    let config;
    try {
      config = parseAllocatorYaml(text);
    } catch (error) {
      throw unitFailed(ALLOCATOR_UNIT, `Error: ${isCosignerError(error) ? error.message : String(error)}`);
    }
    const host = await deps.instance();
    const memory = config.memoryMiB ?? 0;
    const cpus = configuredCpus(config);
    // The host keeps at least 2 GiB and 2 vCPUs; with SMT the pool is whole cores (even counts).
    if (memory > host.memoryMiB - 2048)
      throw unitFailed(ALLOCATOR_UNIT, 'Error (206): Failed to configure entire amount of requested memory');
    if (cpus === 0 || cpus % 2 !== 0 || cpus > host.vcpus - 2)
      throw unitFailed(ALLOCATOR_UNIT, `Error: cannot offline ${cpus} CPUs for the enclave pool`);
    await deps.fs.mkdir(`${HOST_PATHS.hugepages}/hugepages-2048kB`, 0o755);
    await deps.fs.writeAtomic(`${HOST_PATHS.hugepages}/hugepages-2048kB/nr_hugepages`, `${memory / 2}\n`, 0o644);
    await deps.fs.mkdir(HOST_PATHS.neCpus.slice(0, HOST_PATHS.neCpus.lastIndexOf('/')), 0o755);
    // Whole cores from core 1 on: each core's two hyper-threads (cpu c and c + vcpus/2), as on c5.
    const pool = Array.from({ length: cpus / 2 }, (_, i) => [1 + i, 1 + i + host.vcpus / 2]).flat();
    await deps.fs.writeAtomic(HOST_PATHS.neCpus, `${pool.sort((a, b) => a - b).join(',')}\n`, 0o644);
    return `reserved ${memory} MiB of hugepages and ${cpus} CPUs`;
  };

  const startVsockProxy = async () => {
    const text = (await deps.fs.readText(HOST_PATHS.vsockProxyConfig, 64 * 1024)) ?? '';
    let allowed: boolean;
    try {
      allowed = allowsEndpoint(text, kmsEndpoint(deps.region));
    } catch (error) {
      throw unitFailed(VSOCK_PROXY_UNIT, `invalid configuration: ${isCosignerError(error) ? error.message : ''}`);
    }
    if (!allowed)
      throw unitFailed(
        VSOCK_PROXY_UNIT,
        `The given address and port are not allowed: kms.${deps.region}.amazonaws.com:443`,
      );
    return `proxying vsock port 8000 to kms.${deps.region}.amazonaws.com:443`;
  };

  /** Run the nitro-cli lines of a unit file's `key=` entries; other commands succeed. */
  const execLines = async (unit: string, keys: string[]) => {
    const text = await deps.fs.readText(unitFile(unit), 64 * 1024);
    if (text === undefined) throw unitFailed(unit, 'Unit not found.');
    const lines: string[] = [];
    for (const key of keys)
      for (const line of text.split('\n')) if (line.startsWith(`${key}=`)) lines.push(line.slice(key.length + 1));
    for (const raw of lines) {
      const ignoreFailure = raw.startsWith('-');
      const words = execWords(raw.replace(/^[-@+!]+/, ''));
      try {
        if (!(words[0] ?? '').endsWith('nitro-cli')) continue;
        if (words[1] === 'run-enclave') {
          await deps.nitroCli.runEnclave({
            eifPath: flag(words, '--eif-path') ?? '',
            memoryMiB: Number(flag(words, '--memory')),
            cpuCount: Number(flag(words, '--cpu-count')),
            enclaveName: flag(words, '--enclave-name') ?? '',
            debugMode: words.includes('--debug-mode') || words.includes('--attach-console'),
          });
        } else if (words[1] === 'terminate-enclave') {
          const name = flag(words, '--enclave-name');
          await deps.nitroCli.terminateEnclave(
            name === undefined ? { enclaveId: flag(words, '--enclave-id') ?? '' } : { enclaveName: name },
          );
        }
      } catch (error) {
        if (ignoreFailure) continue;
        throw unitFailed(unit, isCosignerError(error) ? error.message : String(error));
      }
    }
  };

  const start = async (unit: string) => {
    try {
      const detail =
        unit === ALLOCATOR_UNIT
          ? await startAllocator()
          : unit === VSOCK_PROXY_UNIT
            ? await startVsockProxy()
            : (await execLines(unit, ['ExecStartPre', 'ExecStart']), 'started');
      await setState(unit, { active: 'active' }, detail);
    } catch (error) {
      await setState(unit, { active: 'failed' }, isCosignerError(error) ? error.message : String(error));
      throw error;
    }
  };

  const stop = async (unit: string) => {
    if (!BUILTIN.has(unit)) await execLines(unit, ['ExecStop', 'ExecStopPost']).catch(() => undefined);
    await setState(unit, { active: 'inactive' }, 'stopped');
  };

  const port = {
    async state(unit: string): Promise<UnitState> {
      const state = await deps.store.read();
      const known = state.units[unit];
      const loaded = BUILTIN.has(unit) || (await deps.fs.stat(unitFile(unit))) !== undefined;
      return { loaded, active: known?.active ?? 'inactive', enabled: known?.enabled ?? false };
    },
    start,
    stop,
    async restart(unit: string) {
      await stop(unit);
      await start(unit);
    },
    enable: (unit: string) => setState(unit, { enabled: true }),
    disable: (unit: string) => setState(unit, { enabled: false }),
    reload: () => Promise.resolve(),
    async logs(unit: string, lines: number) {
      // journald keeps what the unit's processes print: here also the enclave's own lines.
      const state = await deps.store.read();
      const enclave = unit === 'cosigner.service' ? 'cosigner' : /^cosigner-enclave-(.+)\.service$/.exec(unit)?.[1];
      const merged = [...(state.journal[unit] ?? []), ...(enclave ? (state.journal[`enclave ${enclave}`] ?? []) : [])];
      return merged.sort().slice(-lines);
    },
    clockSynchronized: () => Promise.resolve(true),
    async drain(requests: string[][]) {
      for (const words of requests) {
        const [verb, ...rest] = words;
        const now = rest.includes('--now');
        const units = rest.filter((w) => !w.startsWith('-')).map((u) => (u.includes('.') ? u : `${u}.service`));
        for (const unit of units) {
          if (verb === 'enable') {
            await port.enable(unit);
            if (now) await start(unit);
          } else if (verb === 'start') await start(unit);
          else if (verb === 'restart') await port.restart(unit);
          else if (verb === 'stop') await stop(unit);
          else if (verb === 'disable') await port.disable(unit);
        }
      }
    },
  };
  return port;
}
