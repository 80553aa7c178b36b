/**
 * Persistence of the sandbox state: `aws-state.json` in the sandbox directory.
 *
 * - Reads need no lock: writers replace the file atomically (write a temp file, fsync, rename), so
 *   a reader sees the old or the new document, never a mix.
 * - Writes are transactions: take the inter-process lock (`aws-state.lock`, src/files/lock.ts:
 *   a lock whose holder on this host is dead, or older than the stale bound, is broken; one from
 *   another host never is), read, apply, write, release. Within one process an async mutex queues
 *   transactions first, so they never spin on the file lock.
 * - The CloudTrail log is `aws-cloudtrail.jsonl`, appended one line per call; a torn last line
 *   (a crash mid-append) is ignored on read.
 * - Object bodies are content-addressed blobs in `aws-blobs/`, written before the state that
 *   refers to them (a crash leaves at most an unreferenced blob).
 */
import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { CosignerError, isCosignerError } from '../../errors.js';
import { writeFileAtomic } from '../../files/atomic-write.js';
import { acquireFileLock, type FileLock } from '../../files/lock.js';
import { STATE_FORMAT, STATE_VERSION, stateSchema, type SandboxState } from './state.js';
import { newState } from './state-new.js';

export const STATE_FILE = 'aws-state.json';
export const LOCK_FILE = 'aws-state.lock';
export const TRAIL_FILE = 'aws-cloudtrail.jsonl';
export const BLOB_DIR = 'aws-blobs';

export interface StoreOptions {
  dir: string;
  /** Account id for a new state file. */
  accountId: string;
  now: () => Date;
  /** Give up waiting for the lock after this long. @default 30000 */
  lockTimeoutMs?: number;
  /** A lock taken on this host and older than this is broken even if its owner looks alive. @default 60000 */
  staleLockMs?: number;
}

/** How many of the last bytes read of the CloudTrail log are checked to be unchanged on the next read. */
const TRAIL_CHECK_BYTES = 256;

/** What {@link StateStore.readTrail} has read of the CloudTrail log. */
interface TrailCache {
  ino: number;
  dev: number;
  /** Bytes read: whole lines. */
  offset: number;
  /** The log's first bytes, and the last ones read (up to TRAIL_CHECK_BYTES each). */
  head: Buffer;
  tail: Buffer;
  events: Record<string, unknown>[];
}

/** The events of the lines in `text` that parse (a torn line, from a crash mid-append, does not). */
function parseLines(text: string): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      events.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a torn line
    }
  }
  return events;
}

const inProcessQueues = new Map<string, Promise<unknown>>();

function unwritable(dir: string, error: unknown): CosignerError {
  return new CosignerError('SANDBOX_UNWRITABLE', `the sandbox directory ${dir} is not writable`, {
    hint: 'Pass a writable directory with --sandbox <dir> (or COSIGNER_SANDBOX), or fix its permissions.',
    cause: error,
    context: { dir, errno: (error as NodeJS.ErrnoException | undefined)?.code },
  });
}

const WRITE_ERRNOS = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'ENOSPC', 'EEXIST', 'EISDIR', 'EDQUOT']);

function isWriteFailure(error: unknown): boolean {
  return WRITE_ERRNOS.has((error as NodeJS.ErrnoException | undefined)?.code ?? '');
}

export class StateStore {
  readonly dir: string;
  readonly statePath: string;
  readonly lockPath: string;
  readonly trailPath: string;
  readonly blobDir: string;
  readonly #accountId: string;
  readonly #now: () => Date;
  readonly #lockTimeoutMs: number;
  readonly #staleLockMs: number;
  /** What {@link readTrail} has read of the log: its identity, the bytes read, and their events. */
  #trail: TrailCache | undefined;

  constructor(options: StoreOptions) {
    this.dir = options.dir;
    this.statePath = join(options.dir, STATE_FILE);
    this.lockPath = join(options.dir, LOCK_FILE);
    this.trailPath = join(options.dir, TRAIL_FILE);
    this.blobDir = join(options.dir, BLOB_DIR);
    this.#accountId = options.accountId;
    this.#now = options.now;
    this.#lockTimeoutMs = options.lockTimeoutMs ?? 30_000;
    this.#staleLockMs = options.staleLockMs ?? 60_000;
  }

  /** Creates the directory if needed and proves it is writable; validates an existing state file. */
  async open(): Promise<void> {
    try {
      await fs.mkdir(this.dir, { recursive: true });
      const stat = await fs.stat(this.dir);
      if (!stat.isDirectory()) throw Object.assign(new Error(`${this.dir} is not a directory`), { code: 'ENOTDIR' });
      await fs.access(this.dir, constants.W_OK | constants.X_OK);
      // Access checks can lie (root, ACLs, read-only mounts): really create and remove a file.
      const probe = join(this.dir, `.probe-${process.pid}-${randomBytes(4).toString('hex')}`);
      await fs.writeFile(probe, '');
      await fs.rm(probe, { force: true });
    } catch (error) {
      throw unwritable(this.dir, error);
    }
    await this.read();
  }

  /**
   * The current state (a fresh account when there is no state file yet), to read, not to change:
   * changes go through {@link transact}. (The memory store hands every read between two writes
   * the same frozen document.)
   */
  async read(): Promise<SandboxState> {
    let text: string;
    try {
      text = await fs.readFile(this.statePath, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return newState(this.#accountId, this.#now());
      if (code === 'EISDIR') throw this.#corrupt('is a directory, not a file', error);
      throw new CosignerError('SANDBOX_STATE_CORRUPT', `cannot read the sandbox state ${this.statePath}`, {
        hint: 'Check its permissions.',
        cause: error,
      });
    }
    return this.parse(text);
  }

  #corrupt(why: string, cause?: unknown): CosignerError {
    return new CosignerError('SANDBOX_STATE_CORRUPT', `the sandbox state ${this.statePath} ${why}`, {
      hint: `Delete ${this.statePath} to start a fresh sandbox account (everything simulated in it is lost).`,
      cause,
    });
  }

  /** Validates a state document: corrupt, foreign and newer files are coded errors. */
  parse(text: string): SandboxState {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw this.#corrupt('is not valid JSON', error);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw this.#corrupt('is not a JSON object');
    const record = value as Record<string, unknown>;
    if (record['format'] !== STATE_FORMAT) {
      throw new CosignerError('SANDBOX_STATE_FOREIGN', `${this.statePath} is not a cosigner-cli sandbox state file`, {
        hint: 'Point --sandbox at another directory; this file belongs to something else and is left untouched.',
        context: { format: typeof record['format'] === 'string' ? record['format'] : null },
      });
    }
    if (typeof record['version'] === 'number' && record['version'] > STATE_VERSION) {
      throw new CosignerError(
        'SANDBOX_STATE_NEWER',
        `the sandbox state was written by a newer cosigner-cli (state version ${record['version']}, this one reads ${STATE_VERSION})`,
        {
          hint: 'Upgrade cosigner-cli, or use another sandbox directory.',
          context: { version: record['version'], supported: STATE_VERSION },
        },
      );
    }
    const parsed = stateSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw this.#corrupt(`is malformed at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? ''}`);
    }
    return value as SandboxState;
  }

  /**
   * Runs `apply` on the current state under the lock and writes the result atomically. When
   * `apply` throws, nothing is written. `after` runs while the lock is still held.
   */
  async transact<T>(apply: (state: SandboxState) => T | Promise<T>): Promise<T> {
    const previous = inProcessQueues.get(this.statePath) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const queued = previous.then(() => mine);
    inProcessQueues.set(this.statePath, queued);
    await previous;
    try {
      const lock = await this.#lock();
      try {
        const state = await this.read();
        const result = await apply(state);
        await this.#write(state);
        return result;
      } finally {
        await lock.release();
      }
    } finally {
      release();
      if (inProcessQueues.get(this.statePath) === queued) inProcessQueues.delete(this.statePath);
    }
  }

  async #write(state: SandboxState): Promise<void> {
    await this.#writeAtomic(this.statePath, `${JSON.stringify(state)}\n`);
  }

  /** The shared atomic write; a write failure becomes SANDBOX_UNWRITABLE naming the directory. */
  async #writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
    try {
      await writeFileAtomic(path, data, { mode: 0o600 });
    } catch (error) {
      const cause = isCosignerError(error, 'FILE_UNWRITABLE') ? error.cause : error;
      if (isWriteFailure(cause)) throw unwritable(this.dir, cause);
      throw cause;
    }
  }

  /** The inter-process lock (src/files/lock.ts): waits up to the timeout, then SANDBOX_LOCKED. */
  async #lock(): Promise<FileLock> {
    const lockPath = this.lockPath;
    return acquireFileLock(lockPath, {
      timeoutMs: this.#lockTimeoutMs,
      pollMs: 50,
      staleMs: this.#staleLockMs,
      busy: ({ verdict }) =>
        new CosignerError('SANDBOX_LOCKED', `the sandbox state is locked by another process (${lockPath})`, {
          hint:
            verdict.state === 'other-host'
              ? `The lock was taken on host ${verdict.owner.host} and is never broken from here: if no cosigner-cli is running there, delete ${lockPath}.`
              : `If no other cosigner-cli is running, delete ${lockPath}.`,
        }),
      unwritable: (error) => (isWriteFailure(error) ? unwritable(this.dir, error) : (error as Error)),
    });
  }

  // --- CloudTrail log --------------------------------------------------------------------------

  async appendTrail(event: object): Promise<void> {
    try {
      await fs.appendFile(this.trailPath, `${JSON.stringify(event)}\n`, { encoding: 'utf8', mode: 0o600 });
    } catch (error) {
      if (isWriteFailure(error)) throw unwritable(this.dir, error);
      throw error;
    }
  }

  /**
   * The CloudTrail events, oldest first. The log is append-only, so the events parsed by an earlier
   * call are kept and only the whole lines appended since are parsed (LookupEvents reads the log
   * once per page). A log that was replaced (another inode), shortened, or rewritten (its first
   * bytes, or the last ones read, differ) is read again from the start. A last line with no newline
   * counts when it parses (a log written by hand), but is read again next time. The events are
   * shared: read-only.
   */
  async readTrail(): Promise<readonly Readonly<Record<string, unknown>>[]> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(this.trailPath, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        this.#trail = undefined;
        return [];
      }
      throw error;
    }
    try {
      const { ino, dev, size } = await handle.stat();
      const known = this.#trail;
      let cache: TrailCache =
        known !== undefined && known.ino === ino && known.dev === dev && size >= known.offset
          ? known
          : { ino, dev, offset: 0, head: Buffer.alloc(0), tail: Buffer.alloc(0), events: [] };
      const head = Buffer.alloc(Math.min(TRAIL_CHECK_BYTES, size));
      await handle.read(head, 0, head.length, 0);
      // Read from just before what was read, to check those bytes are still there.
      const from = cache.offset - cache.tail.length;
      const bytes = Buffer.alloc(size - from);
      const read = bytes.subarray(0, (await handle.read(bytes, 0, bytes.length, from)).bytesRead);
      const same = (a: Buffer, b: Buffer) =>
        a.subarray(0, Math.min(a.length, b.length)).equals(b.subarray(0, a.length));
      if (cache === known && (!same(cache.head, head) || !read.subarray(0, cache.tail.length).equals(cache.tail))) {
        // Not the log that was read: read it from the start.
        this.#trail = undefined;
        return await this.readTrail();
      }
      const fresh = read.subarray(cache.tail.length);
      // Whole lines only: a torn last line (a crash mid-append, or an append in progress) waits.
      const end = fresh.lastIndexOf(0x0a) + 1;
      // A new object, set at the end: a concurrent call never sees one half-updated.
      cache = {
        ...cache,
        head: cache.offset === 0 ? Buffer.from(head) : cache.head,
        events: [...cache.events, ...parseLines(fresh.subarray(0, end).toString('utf8'))],
        offset: cache.offset + end,
        tail:
          end > 0
            ? Buffer.from(
                read.subarray(Math.max(0, cache.tail.length + end - TRAIL_CHECK_BYTES), cache.tail.length + end),
              )
            : cache.tail,
      };
      this.#trail = cache;
      return [...cache.events, ...parseLines(fresh.subarray(end).toString('utf8'))];
    } finally {
      await handle.close();
    }
  }

  // --- blobs -----------------------------------------------------------------------------------

  async writeBlob(name: string, bytes: Uint8Array): Promise<void> {
    const path = join(this.blobDir, name);
    try {
      await fs.mkdir(this.blobDir, { recursive: true });
      try {
        await fs.access(path);
        return;
      } catch {
        // not there yet
      }
      await this.#writeAtomic(path, bytes);
    } catch (error) {
      if (isWriteFailure(error)) throw unwritable(this.dir, error);
      throw error;
    }
  }

  async readBlob(name: string): Promise<Uint8Array> {
    return new Uint8Array(await fs.readFile(join(this.blobDir, name)));
  }
}
