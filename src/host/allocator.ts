/**
 * The Nitro Enclaves allocator: its reservation file and what the kernel actually reserved.
 *
 * `/etc/nitro_enclaves/allocator.yaml` is read by a trivial parser (aws-nitro-enclaves-cli
 * `bootstrap/nitro-enclaves-allocator`): everything up to the `---` line is ignored, then
 * `memory_mib`, and exactly one of `cpu_count` / `cpu_pool`; any other key is an error
 * (fireblocks-aws.md §3.2). Anything else in the file makes it unparseable here, and it is then
 * not rewritten. The reservation is checked where it lands: hugepages under
 * /sys/kernel/mm/hugepages and the CPU pool in /sys/module/nitro_enclaves/parameters/ne_cpus, not
 * only the service's state.
 */
import { CosignerError } from '../errors.js';
import { allocatorYaml } from '../provision/userdata.js';
import { HOST_PATHS, type HostFsPort } from './ports.js';

export interface AllocatorConfig {
  memoryMiB: number | undefined;
  cpuCount: number | undefined;
  /** The `cpu_pool` list as written, e.g. `1,3` or `2-3`. */
  cpuPool: string | undefined;
}

export interface AllocatorNeeds {
  memoryMiB: number;
  cpuCount: number;
}

function unparseable(detail: string): CosignerError {
  return new CosignerError(
    'HOST_CONFIG_UNPARSEABLE',
    `${HOST_PATHS.allocatorConfig} is not what the allocator reads: ${detail}`,
    {
      hint: `fix the file by hand (a '---' line, then memory_mib and cpu_count or cpu_pool), then run again; it was not changed`,
      context: { path: HOST_PATHS.allocatorConfig },
    },
  );
}

/** Parse the file the way the allocator does; throws HOST_CONFIG_UNPARSEABLE. */
export function parseAllocatorYaml(text: string): AllocatorConfig {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.trim() === '---');
  if (start < 0) throw unparseable("no '---' line (the allocator ignores everything before it)");
  const config: AllocatorConfig = { memoryMiB: undefined, cpuCount: undefined, cpuPool: undefined };
  for (const raw of lines.slice(start + 1)) {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') continue;
    const match = /^([a-z_]+)\s*:\s*(\S.*)$/.exec(line);
    if (!match) throw unparseable(`unexpected line ${JSON.stringify(raw.slice(0, 80))}`);
    const [, key, value] = match as unknown as [string, string, string];
    if (key === 'memory_mib' || key === 'cpu_count') {
      if (!/^\d{1,9}$/.test(value)) throw unparseable(`${key} is not a whole number: ${JSON.stringify(value)}`);
      if (key === 'memory_mib') config.memoryMiB = Number(value);
      else config.cpuCount = Number(value);
    } else if (key === 'cpu_pool') {
      if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(value.replace(/\s/g, '')))
        throw unparseable(`cpu_pool is not a CPU list: ${JSON.stringify(value)}`);
      config.cpuPool = value.replace(/\s/g, '');
    } else {
      throw unparseable(`unknown key ${key} (the allocator accepts memory_mib, cpu_count, cpu_pool)`);
    }
  }
  if (config.cpuCount !== undefined && config.cpuPool !== undefined)
    throw unparseable('both cpu_count and cpu_pool are set (the allocator refuses that)');
  return config;
}

/** The number of CPUs in a list such as `1,3` or `2-5,8`. */
export function cpuListSize(list: string): number {
  let count = 0;
  for (const part of list.trim().split(',')) {
    if (part === '') continue;
    const [from, to] = part.split('-').map(Number) as [number, number | undefined];
    count += to === undefined ? 1 : Math.max(0, to - from + 1);
  }
  return count;
}

/** CPUs a config reserves. */
export function configuredCpus(config: AllocatorConfig): number {
  return config.cpuCount ?? (config.cpuPool === undefined ? 0 : cpuListSize(config.cpuPool));
}

export interface AllocatorPlan {
  /** The file as it is (undefined when absent). */
  before: string | undefined;
  /** The file to write, or undefined when the current reservation already suffices. */
  after: string | undefined;
  current: AllocatorConfig | undefined;
  needs: AllocatorNeeds;
}

/**
 * What to write for `needs`. A reservation that already holds enough memory and CPUs is left as
 * it is (the operator may have reserved more, or a CPU pool of their choice); otherwise the body
 * after `---` is replaced (anything before it kept) with at least the needed memory and CPUs, never
 * less memory than was already reserved.
 */
export function planAllocator(before: string | undefined, needs: AllocatorNeeds): AllocatorPlan {
  const current = before === undefined ? undefined : parseAllocatorYaml(before);
  if (current !== undefined && (current.memoryMiB ?? 0) >= needs.memoryMiB && configuredCpus(current) >= needs.cpuCount)
    return { before, after: undefined, current, needs };
  const memory = Math.max(needs.memoryMiB, current?.memoryMiB ?? 0);
  const cpus = Math.max(needs.cpuCount, current?.cpuCount ?? 0);
  // Lines before `---` are ignored by the allocator: keep them (the parse above found the line).
  const lines = before?.split('\n') ?? [];
  const preamble = lines.slice(
    0,
    Math.max(
      0,
      lines.findIndex((l) => l.trim() === '---'),
    ),
  );
  const header =
    '# Reservation for the co-signer enclave, written by cosigner-cli run (the previous file is kept as a .bak beside it).';
  const after = [...preamble, header, allocatorYaml(memory, cpus).trimEnd(), ''].join('\n');
  return { before, after, current, needs };
}

export interface Reservation {
  /** Hugepage memory reserved, MiB (all page sizes). */
  memoryMiB: number;
  /** CPUs in the enclave pool (ne_cpus). */
  cpus: number;
}

/** What the kernel reserved: hugepages (every size) and the CPUs in ne_cpus. */
export async function readReservation(fs: HostFsPort): Promise<Reservation> {
  let memoryKiB = 0;
  // The two hugepage sizes x86_64 and arm64 instances use for enclaves.
  for (const sizeKiB of [2048, 1048576, 524288, 32768, 64]) {
    const text = await fs.readText(`${HOST_PATHS.hugepages}/hugepages-${sizeKiB}kB/nr_hugepages`, 64);
    const pages = text === undefined ? 0 : Number(text.trim());
    if (Number.isFinite(pages)) memoryKiB += pages * sizeKiB;
  }
  const cpus = await fs.readText(HOST_PATHS.neCpus, 4096);
  return { memoryMiB: Math.floor(memoryKiB / 1024), cpus: cpus === undefined ? 0 : cpuListSize(cpus) };
}
