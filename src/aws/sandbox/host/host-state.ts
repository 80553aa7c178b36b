/**
 * The simulated host's own state: what systemd and the Nitro Enclaves driver would hold in memory
 * (unit states, the journal, the running enclaves), kept in `<sandbox>/host/state.json` so that
 * one CLI run sees what an earlier one started. The host's files live under `<sandbox>/host/root`,
 * which stands for `/`. One writer at a time within a process (a promise chain); every save is an
 * atomic replace. The simulated host is driven by one CLI process at a time.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CosignerError } from '../../../errors.js';
import { writeFileAtomic } from '../../../files/atomic-write.js';

export interface SimUnit {
  active: 'active' | 'inactive' | 'failed';
  enabled: boolean;
}

export interface SimEnclave {
  name: string;
  id: string;
  cid: number;
  processId: number;
  cpuIds: number[];
  memoryMiB: number;
  /** Host path of the image it was started from. */
  eifPath: string;
  debugMode: boolean;
  measurements: { PCR0: string; PCR1: string; PCR2: string; PCR8?: string };
  startedAt: string;
  /** What the co-signer application inside reported. */
  application: { status: 'starting' | 'ready' | 'failed'; detail: string; database?: 'created' | 'restored' };
}

export interface HostSimState {
  format: 'cosigner-cli-sandbox-host';
  version: 1;
  /** The instance this host is, once IMDS found it. */
  instanceId?: string;
  units: Record<string, SimUnit>;
  journal: Record<string, string[]>;
  enclaves: SimEnclave[];
  /** Next enclave CID (nitro-cli hands out CIDs ≥ 4; ours start at 16). */
  nextCid: number;
}

const HOST_STATE_FILE = 'state.json';
const JOURNAL_KEEP = 500;

function fresh(): HostSimState {
  return { format: 'cosigner-cli-sandbox-host', version: 1, units: {}, journal: {}, enclaves: [], nextCid: 16 };
}

/** The state file of one simulated host, with a serialised read-modify-write. */
export class HostStateStore {
  readonly #file: string;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(hostDir: string) {
    this.#file = join(hostDir, HOST_STATE_FILE);
  }

  async read(): Promise<HostSimState> {
    let text: string;
    try {
      text = await readFile(this.#file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return fresh();
      throw error;
    }
    const parsed = JSON.parse(text) as Partial<HostSimState>;
    if (parsed.format !== 'cosigner-cli-sandbox-host' || parsed.version !== 1)
      throw new CosignerError('SANDBOX_STATE_CORRUPT', `${this.#file} is not a simulated host state file`, {
        hint: 'remove the sandbox host directory to start the simulated host afresh',
      });
    return parsed as HostSimState;
  }

  /** Apply a change and save it; changes queue behind each other. */
  update<T>(apply: (state: HostSimState) => T | Promise<T>): Promise<T> {
    const run = this.#queue.then(async () => {
      const state = await this.read();
      const result = await apply(state);
      await writeFileAtomic(this.#file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
      return result;
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

/** Append lines to a unit's journal (bounded), as journald would. */
export function journalAppend(state: HostSimState, unit: string, now: Date, ...lines: string[]): void {
  const journal = (state.journal[unit] ??= []);
  for (const line of lines) journal.push(`${now.toISOString()} ${unit.replace(/\.service$/, '')}: ${line}`);
  if (journal.length > JOURNAL_KEEP) journal.splice(0, journal.length - JOURNAL_KEEP);
}
