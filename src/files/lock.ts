/**
 * The one inter-process lock: a lock file beside what it protects (the provisioning journal, the
 * sandbox state). Callers supply their own coded errors; the rules are here.
 *
 * - Taking: `open(path, 'wx', 0o600)` (exclusive create: EEXIST when someone holds it), then
 *   `{ pid, host, token, createdAt }` written and fsynced, then read back: if our token is not
 *   there, the file was broken while we wrote it (see rule 1) and we do not hold the lock.
 * - Judging a lock found in place ({@link judgeLock}), from its bytes and its age (mtime):
 *   1. empty or unparseable: it is being written right now; only age breaks it, after `graceMs`.
 *   2. taken on another host: never broken automatically (its pid means nothing here).
 *   3. our own pid under another token: another handle in this process; taken over only with
 *      `reclaimOwnProcess`, otherwise judged like any live holder.
 *   4. its holder is dead on this host (`process.kill(pid, 0)` fails with ESRCH): broken.
 *   5. older than `staleMs`: broken although its holder looks alive (hung, or a recycled pid).
 *   6. otherwise it is held.
 * - Breaking ({@link breakLock}) removes the lock only while it is still the very file judged
 *   (same device, inode, mtime and bytes), and breakers take turns on `<path>.break`: two
 *   processes that judged the same dead lock cannot remove the fresh lock the first one took.
 * - Releasing removes the file only while it still holds our token.
 *
 * What is not covered, by design: a holder still working after `staleMs` loses its lock (the
 * bound exists so that a hung process cannot block everyone); a process paused for longer than
 * `graceMs` between its create and its write may lose its lock (the read-back catches a break that
 * landed before the write, not one racing with the read-back); a process killed in the few
 * milliseconds it holds `<path>.break` leaves it for {@link BREAK_STALE_MS}; a pid recycled by an
 * unrelated process looks alive until `staleMs`.
 */
import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

/** What a lock file says about its holder. */
export interface LockOwner {
  pid: number;
  host: string;
  /** Names the holder; absent in locks written by older versions. */
  token?: string;
  createdAt?: string;
}

/** A lock file as read: its bytes and its identity, so that a breaker removes only this file. */
export type LockSnapshot =
  | { kind: 'file'; text: string; dev: bigint; ino: bigint; mtimeMs: number; owner: LockOwner | undefined }
  /** A directory, symlink, pipe… at the lock path: never ours, never removed. */
  | { kind: 'not-a-file' };

export type LockVerdict =
  | { state: 'held'; owner: LockOwner }
  | { state: 'other-host'; owner: LockOwner }
  | { state: 'being-written' }
  | { state: 'not-a-file' }
  /** Released between our attempt and our look. */
  | { state: 'gone' }
  | { state: 'breakable'; why: 'dead' | 'stale' | 'abandoned' | 'own-process'; owner?: LockOwner };

export interface FoundLock {
  path: string;
  verdict: LockVerdict;
  snapshot?: LockSnapshot;
}

export interface LockRules {
  /** A lock older than this is broken even if its holder looks alive. @default Infinity */
  staleMs?: number;
  /** An empty or unparseable lock younger than this is being written and left alone. @default 2000 */
  graceMs?: number;
  /** Take over a lock held by this very process under another token. @default false */
  reclaimOwnProcess?: boolean;
}

export interface FileLockOptions extends LockRules {
  /** Keep trying this long while the lock is held; 0 fails at once. @default 0 */
  timeoutMs?: number;
  /** Longest wait between attempts (waits start at 2 ms and double, with jitter). @default 50 */
  pollMs?: number;
  /** The caller's error when the lock stays taken (its code, message and hint). */
  busy: (found: FoundLock) => Error;
  /** The caller's error when the lock file cannot be created or read. */
  unwritable: (cause: unknown) => Error;
}

export interface FileLock {
  readonly path: string;
  readonly token: string;
  /** Removes the lock if it is still ours; true when it was. Never throws. */
  release(): Promise<boolean>;
}

/** How long `<path>.break` may be held before it is judged abandoned. */
export const BREAK_STALE_MS = 5_000;
// A lock file is ~150 bytes; anything larger is not one of ours and is judged unparseable.
const MAX_LOCK_BYTES = 4096;
// Immediate retries after a lock was released or broken, before waiting (or failing) again.
const QUICK_RETRIES = 3;
// O_NOFOLLOW: a symlink at the lock path is never followed; O_NONBLOCK: a FIFO never blocks open.
const READ_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/** Take the lock at `path`, waiting up to `timeoutMs`; throws `busy(…)` or `unwritable(…)`. */
export async function acquireFileLock(path: string, options: FileLockOptions): Promise<FileLock> {
  const token = randomBytes(16).toString('hex');
  const deadline = Date.now() + (options.timeoutMs ?? 0);
  const pollMs = options.pollMs ?? 50;
  let wait = Math.min(2, pollMs);
  let quick = 0;
  for (;;) {
    if (await create(path, ownerText(token), token, options.unwritable))
      return { path, token, release: () => releaseFileLock(path, token) };
    const found = await inspectLock(path, options).catch((error: unknown) => {
      throw options.unwritable(error);
    });
    if (found.verdict.state === 'not-a-file') throw options.busy(found);
    // Free now (released, or broken because its holder is gone): try again at once.
    let retryNow = found.verdict.state === 'gone';
    if (found.verdict.state === 'breakable' && found.snapshot !== undefined) {
      await breakLock(path, found.snapshot);
      retryNow = true;
    }
    if (retryNow && quick < QUICK_RETRIES) {
      quick++;
      continue;
    }
    if (Date.now() >= deadline) throw options.busy(found);
    await sleep(wait * (0.5 + Math.random()));
    wait = Math.min(wait * 2, pollMs);
    quick = 0;
  }
}

/** Remove the lock at `path` if it still holds `token`; true when it did. Never throws. */
export async function releaseFileLock(path: string, token: string): Promise<boolean> {
  try {
    const snapshot = await readSnapshot(path);
    if (snapshot?.kind !== 'file' || snapshot.owner?.token !== token) return false;
    await fs.unlink(path);
    return true;
  } catch {
    // Unreadable or already gone: a lock we cannot remove is left to the dead-holder rule.
    return false;
  }
}

/** Read the lock at `path` and judge it (see the rules above). */
export async function inspectLock(path: string, rules: LockRules = {}): Promise<FoundLock> {
  const snapshot = await readSnapshot(path);
  if (snapshot === undefined) return { path, verdict: { state: 'gone' } };
  return { path, snapshot, verdict: judgeLock(snapshot, rules) };
}

/** The six rules, in order, for a lock read now. */
function judgeLock(snapshot: LockSnapshot, rules: LockRules): LockVerdict {
  if (snapshot.kind === 'not-a-file') return { state: 'not-a-file' };
  const age = Date.now() - snapshot.mtimeMs;
  const { owner } = snapshot;
  // 1. Being written (or abandoned mid-write): its content says nothing yet.
  if (owner === undefined)
    return age > (rules.graceMs ?? 2_000) ? { state: 'breakable', why: 'abandoned' } : { state: 'being-written' };
  // 2. Another host: its pid cannot be checked from here.
  if (owner.host !== hostname()) return { state: 'other-host', owner };
  // 3. This process under another token.
  if (owner.pid === process.pid && rules.reclaimOwnProcess === true)
    return { state: 'breakable', why: 'own-process', owner };
  // 4. A dead holder.
  if (owner.pid !== process.pid && !isAlive(owner.pid)) return { state: 'breakable', why: 'dead', owner };
  // 5. Held too long.
  if (age > (rules.staleMs ?? Infinity)) return { state: 'breakable', why: 'stale', owner };
  return { state: 'held', owner };
}

/**
 * Remove the lock judged in `judged`, only if the file at `path` is still that one. Returns
 * 'broken', 'changed' (someone else released, broke or retook it meanwhile: nothing removed) or
 * 'busy' (another process is breaking it right now: nothing removed).
 */
export async function breakLock(path: string, judged: LockSnapshot): Promise<'broken' | 'changed' | 'busy'> {
  if (judged.kind !== 'file') return 'changed';
  const turn = await takeBreakTurn(`${path}.break`);
  if (turn === undefined) return 'busy';
  try {
    const current = await readSnapshot(path);
    if (current?.kind !== 'file' || !sameFile(current, judged)) return 'changed';
    await fs.unlink(path);
    return 'broken';
  } catch {
    return 'changed';
  } finally {
    await releaseFileLock(`${path}.break`, turn);
  }
}

/** Exclusive create, content written and fsynced, then read back: true when the lock is ours. */
async function create(
  path: string,
  body: string,
  token: string,
  unwritable: (cause: unknown) => Error,
): Promise<boolean> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw unwritable(error);
  }
  let written: LockSnapshot | undefined;
  try {
    const mine = await handle.stat({ bigint: true });
    try {
      await handle.writeFile(body);
      await handle.sync();
    } catch (error) {
      // Ours and unusable: remove it, unless a breaker already replaced it.
      const current = await readSnapshot(path).catch(() => undefined);
      if (
        current?.kind === 'file' &&
        current.dev === mine.dev &&
        current.ino === mine.ino &&
        body.startsWith(current.text)
      )
        await fs.unlink(path).catch(() => undefined);
      throw error;
    }
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw unwritable(error);
  }
  try {
    await handle.close();
    // Paused past the grace period before the write, our empty file may have been broken.
    written = await readSnapshot(path);
  } catch (error) {
    throw unwritable(error);
  }
  return written?.kind === 'file' && written.owner?.token === token;
}

/** One attempt at `<path>.break`; an abandoned one is cleared for the next attempt. */
async function takeBreakTurn(breakPath: string): Promise<string | undefined> {
  const token = randomBytes(16).toString('hex');
  if (await create(breakPath, ownerText(token), token, (cause) => cause as Error).catch(() => false)) return token;
  const held = await readSnapshot(breakPath).catch(() => undefined);
  if (held?.kind !== 'file') return undefined;
  const deadHolder =
    held.owner !== undefined &&
    held.owner.host === hostname() &&
    held.owner.pid !== process.pid &&
    !isAlive(held.owner.pid);
  if (deadHolder || Date.now() - held.mtimeMs > BREAK_STALE_MS) {
    const again = await readSnapshot(breakPath).catch(() => undefined);
    if (again?.kind === 'file' && sameFile(again, held)) await fs.unlink(breakPath).catch(() => undefined);
  }
  return undefined;
}

/** The lock file's bytes and identity, or undefined when there is none. */
async function readSnapshot(path: string): Promise<LockSnapshot | undefined> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, READ_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP' || code === 'EISDIR' || code === 'ENXIO') return { kind: 'not-a-file' };
    throw error;
  }
  try {
    const stat = await handle.stat({ bigint: true });
    if (!stat.isFile()) return { kind: 'not-a-file' };
    const buffer = Buffer.alloc(MAX_LOCK_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0 || (length += bytesRead) === buffer.length) break;
    }
    const text = buffer.subarray(0, length).toString('utf8');
    return {
      kind: 'file',
      text,
      dev: stat.dev,
      ino: stat.ino,
      mtimeMs: Number(stat.mtimeNs) / 1e6,
      owner: length > MAX_LOCK_BYTES ? undefined : parseOwner(text),
    };
  } finally {
    await handle.close();
  }
}

function ownerText(token: string): string {
  return JSON.stringify({
    pid: process.pid,
    host: hostname(),
    token,
    createdAt: new Date().toISOString(),
  } satisfies LockOwner);
}

function parseOwner(text: string): LockOwner | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { pid, host, token, createdAt, at } = value as Record<string, unknown>;
  // pid 0 or negative would make process.kill(pid, 0) probe a whole process group.
  if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0 || typeof host !== 'string' || host === '')
    return undefined;
  const created = typeof createdAt === 'string' ? createdAt : typeof at === 'string' ? at : undefined;
  return {
    pid,
    host,
    ...(typeof token === 'string' ? { token } : {}),
    ...(created === undefined ? {} : { createdAt: created }),
  };
}

function sameFile(a: Extract<LockSnapshot, { kind: 'file' }>, b: Extract<LockSnapshot, { kind: 'file' }>): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.mtimeMs === b.mtimeMs && a.text === b.text;
}

/** Signal 0 checks existence; EPERM means it exists under another user. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
