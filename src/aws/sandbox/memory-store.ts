/**
 * The sandbox account kept in memory instead of in the sandbox directory's files: for tests and
 * benchmarks that run many short-lived accounts (the crash matrices run hundreds of provisions),
 * with no lock file, no fsync and no schema check of a document only this process wrote.
 *
 * It keeps the file store's semantics (store.ts): ports created over the same `SandboxMemory` see
 * the same account, as processes over the same directory do; a read gets its own copy (a JSON
 * round trip, what reading the file gives); writes are transactions applied one at a time, and one
 * whose `apply` throws writes nothing. The CLI never uses it: `--sandbox` is always a directory.
 */
import { type SandboxState } from './state.js';
import { newState, withListsFilled } from './state-new.js';
import type { StateStore } from './store.js';
import { deepFreeze } from './util.js';

/** What the call pipeline needs of a store (engine.ts, s3.ts, cloudtrail.ts). */
export type SandboxStore = Pick<
  StateStore,
  'read' | 'transact' | 'appendTrail' | 'readTrail' | 'writeBlob' | 'readBlob'
>;

/** One simulated account's state, CloudTrail log and object bodies, held by the caller. */
export class SandboxMemory {
  /** The state document as the file would hold it; undefined until the first write. */
  state: string | undefined;
  readonly trail: string[] = [];
  readonly blobs = new Map<string, Uint8Array>();
  /** The tail of the transaction queue. */
  queue: Promise<unknown> = Promise.resolve();

  /** A separate account with the same content as this one now (a copied sandbox directory). */
  copy(): SandboxMemory {
    const copy = new SandboxMemory();
    copy.state = this.state;
    copy.trail.push(...this.trail);
    for (const [name, bytes] of this.blobs) copy.blobs.set(name, bytes.slice());
    return copy;
  }
}

/** A store over `memory`; a new account gets `accountId` and the creation time from `now`. */
export function memoryStore(memory: SandboxMemory, accountId: string, now: () => Date): SandboxStore {
  const parsed: Record<string, unknown>[] = [];
  const read = (): SandboxState =>
    memory.state === undefined ? newState(accountId, now()) : (JSON.parse(memory.state) as SandboxState);
  // Reads far outnumber writes: between two writes every read gets the same parsed document,
  // frozen, so a read that tried to change the account would throw instead of being lost.
  let snapshot: { text: string; state: SandboxState } | undefined;
  const readShared = (): SandboxState => {
    if (memory.state === undefined) return read();
    if (snapshot?.text !== memory.state) snapshot = { text: memory.state, state: deepFreeze(withListsFilled(read())) };
    return snapshot.state;
  };
  return {
    read: () => Promise.resolve(readShared()),
    transact<T>(apply: (state: SandboxState) => T | Promise<T>): Promise<T> {
      const run = memory.queue.then(async () => {
        const state = read();
        const result = await apply(state);
        memory.state = JSON.stringify(state);
        return result;
      });
      // The next transaction waits for this one, whether it wrote or failed.
      memory.queue = run.catch(() => undefined);
      return run;
    },
    appendTrail(event: object) {
      memory.trail.push(JSON.stringify(event));
      return Promise.resolve();
    },
    readTrail() {
      // The log only grows: parse the lines appended since the last read (the events are shared, read-only).
      for (const line of memory.trail.slice(parsed.length)) parsed.push(JSON.parse(line) as Record<string, unknown>);
      return Promise.resolve(parsed.slice());
    },
    writeBlob(name: string, bytes: Uint8Array) {
      if (!memory.blobs.has(name)) memory.blobs.set(name, bytes.slice());
      return Promise.resolve();
    },
    readBlob(name: string) {
      const bytes = memory.blobs.get(name);
      if (bytes === undefined) {
        // What reading a missing blob file gives.
        return Promise.reject(Object.assign(new Error(`ENOENT: no such blob ${name}`), { code: 'ENOENT' }));
      }
      return Promise.resolve(bytes.slice());
    },
  };
}
