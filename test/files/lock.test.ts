// The lock's rules, one by one, on real files: who may break a lock found in place (a dead
// holder, a stale one, an abandoned empty file) and who may not (a live holder, another host, a
// file being written, something that is not a file), that breaking removes only the file judged,
// and that releasing removes only our own lock.
import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateStore } from '../../src/aws/sandbox/store.js';
import {
  acquireFileLock,
  breakLock,
  BREAK_STALE_MS,
  inspectLock,
  releaseFileLock,
  type FileLockOptions,
  type FoundLock,
} from '../../src/files/lock.js';
import { Journal, journalPath } from '../../src/engine/journal.js';

const DEAD_PID = 2 ** 22 + 12_345; // above Linux's largest pid_max: never a live process
let dir: string;
let path: string;
let busy: FoundLock[];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lock-'));
  path = join(dir, 'thing.lock');
  busy = [];
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const options = (extra: Partial<FileLockOptions> = {}): FileLockOptions => ({
  busy: (found) => {
    busy.push(found);
    return new Error(`busy: ${found.verdict.state}`);
  },
  unwritable: (cause) => Object.assign(new Error('unwritable'), { cause }),
  ...extra,
});

function place(content: object | string, ageMs = 0, at = path): void {
  writeFileSync(at, typeof content === 'string' ? content : JSON.stringify(content));
  const when = new Date(Date.now() - ageMs);
  utimesSync(at, when, when);
}

const read = (at = path): unknown => JSON.parse(readFileSync(at, 'utf8'));

describe('taking and releasing', () => {
  it('writes pid, host, a token and the time, readable only by its owner, and releases it', async () => {
    const lock = await acquireFileLock(path, options());
    expect(read()).toEqual({
      pid: process.pid,
      host: hostname(),
      token: lock.token,
      createdAt: expect.any(String) as unknown,
    });
    expect(lock.token).toMatch(/^[0-9a-f]{32}$/);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(await lock.release()).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('does not remove a lock that is not ours on release', async () => {
    const lock = await acquireFileLock(path, options());
    // Our lock was broken (we overran the stale bound) and someone else took it.
    unlinkSync(path);
    place({ pid: process.ppid, host: hostname(), token: 'someone-else' });
    expect(await lock.release()).toBe(false);
    expect(read()).toMatchObject({ token: 'someone-else' });
    expect(await releaseFileLock(path, 'a-guessed-token')).toBe(false);
    expect(read()).toMatchObject({ token: 'someone-else' });
    // Releasing twice, or a lock already gone, is a quiet no-op.
    unlinkSync(path);
    expect(await lock.release()).toBe(false);
  });

  it('is the caller\'s "unwritable" error when the lock cannot be created', async () => {
    await expect(acquireFileLock(join(dir, 'missing', 'x.lock'), options())).rejects.toMatchObject({
      message: 'unwritable',
      cause: { code: 'ENOENT' },
    });
  });
});

describe('a lock found in place', () => {
  it('is kept by a live holder on this host: the caller fails at once, or after waiting', async () => {
    place({ pid: process.ppid, host: hostname(), token: 'alive' });
    await expect(acquireFileLock(path, options())).rejects.toThrow('busy: held');
    expect(busy[0]?.verdict).toEqual({ state: 'held', owner: { pid: process.ppid, host: hostname(), token: 'alive' } });
    const started = Date.now();
    await expect(acquireFileLock(path, options({ timeoutMs: 200, pollMs: 20 }))).rejects.toThrow('busy: held');
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(read()).toMatchObject({ token: 'alive' });
  });

  it('is taken as soon as a live holder releases it while we wait', async () => {
    place({ pid: process.ppid, host: hostname(), token: 'alive' });
    setTimeout(() => unlinkSync(path), 100);
    const lock = await acquireFileLock(path, options({ timeoutMs: 5_000, pollMs: 20 }));
    expect(read()).toMatchObject({ token: lock.token });
  });

  it('is kept by this very process under another token, unless the caller reclaims its own', async () => {
    place({ pid: process.pid, host: hostname(), token: 'other-handle' });
    await expect(acquireFileLock(path, options())).rejects.toThrow('busy: held');
    const lock = await acquireFileLock(path, options({ reclaimOwnProcess: true }));
    expect(read()).toMatchObject({ token: lock.token });
  });

  it('is broken when its holder is dead on this host, whatever its age', async () => {
    place({ pid: DEAD_PID, host: hostname(), token: 'dead' });
    expect((await inspectLock(path)).verdict).toMatchObject({ state: 'breakable', why: 'dead' });
    const lock = await acquireFileLock(path, options());
    expect(read()).toMatchObject({ pid: process.pid, token: lock.token });
  });

  it('reads the lock of an older version (no token, `at`)', async () => {
    place({ pid: DEAD_PID, host: hostname(), at: '2024-01-01T00:00:00.000Z' });
    expect((await inspectLock(path)).verdict).toEqual({
      state: 'breakable',
      why: 'dead',
      owner: { pid: DEAD_PID, host: hostname(), createdAt: '2024-01-01T00:00:00.000Z' },
    });
  });

  it('is broken past the stale bound although its holder looks alive, and never without one', async () => {
    place({ pid: process.ppid, host: hostname(), token: 'hung' }, 120_000);
    await expect(acquireFileLock(path, options())).rejects.toThrow('busy: held');
    expect((await inspectLock(path, { staleMs: 60_000 })).verdict).toMatchObject({ state: 'breakable', why: 'stale' });
    const lock = await acquireFileLock(path, options({ staleMs: 60_000 }));
    expect(read()).toMatchObject({ token: lock.token });
  });

  it('is never broken when taken on another host, however old, and says whose it is', async () => {
    place({ pid: DEAD_PID, host: 'build-7.example', token: 'remote' }, 86_400_000);
    await expect(acquireFileLock(path, options({ staleMs: 1_000, timeoutMs: 100, pollMs: 20 }))).rejects.toThrow(
      'busy: other-host',
    );
    expect(busy[0]?.verdict).toEqual({
      state: 'other-host',
      owner: { pid: DEAD_PID, host: 'build-7.example', token: 'remote' },
    });
    expect(read()).toMatchObject({ token: 'remote' });
  });

  it('is left alone while empty and young (being written), and broken once empty past the grace period', async () => {
    place('');
    await expect(acquireFileLock(path, options({ graceMs: 2_000 }))).rejects.toThrow('busy: being-written');
    expect(readFileSync(path, 'utf8')).toBe('');
    place('', 3_000);
    const lock = await acquireFileLock(path, options({ graceMs: 2_000 }));
    expect(read()).toMatchObject({ token: lock.token });
  });

  it('judges a half-written, oversized or meaningless file by its age alone', async () => {
    for (const text of [
      '{"pid": 12',
      JSON.stringify({ pid: 0, host: hostname() }),
      JSON.stringify({ pid: -1, host: hostname() }),
      JSON.stringify({ pid: 1.5, host: hostname() }),
      JSON.stringify({ pid: DEAD_PID, host: '' }),
      'null',
      JSON.stringify({ pid: DEAD_PID, host: hostname(), pad: 'x'.repeat(5000) }),
    ]) {
      place(text);
      expect((await inspectLock(path)).verdict, text.slice(0, 40)).toEqual({ state: 'being-written' });
      place(text, 3_000);
      expect((await inspectLock(path)).verdict, text.slice(0, 40)).toEqual({ state: 'breakable', why: 'abandoned' });
    }
  });

  it('is refused at once, and never removed, when it is not a regular file', async () => {
    mkdirSync(path);
    await expect(acquireFileLock(path, options({ timeoutMs: 10_000 }))).rejects.toThrow('busy: not-a-file');
    rmSync(path, { recursive: true });
    // A symlink is not followed, even to a lock that would be breakable.
    place({ pid: DEAD_PID, host: hostname(), token: 'dead' }, 0, join(dir, 'target'));
    symlinkSync(join(dir, 'target'), path);
    await expect(acquireFileLock(path, options())).rejects.toThrow('busy: not-a-file');
    expect(read(join(dir, 'target'))).toMatchObject({ token: 'dead' });
    unlinkSync(path);
    // A named pipe does not block the reader.
    execFileSync('mkfifo', [path]);
    await expect(acquireFileLock(path, options())).rejects.toThrow('busy: not-a-file');
    expect(statSync(path).isFIFO()).toBe(true);
  });
});

describe('breaking', () => {
  it('removes nothing when the lock changed between judgement and removal', async () => {
    place({ pid: DEAD_PID, host: hostname(), token: 'dead' });
    const judged = await inspectLock(path);
    expect(judged.verdict).toMatchObject({ state: 'breakable', why: 'dead' });
    // Meanwhile another process broke it and took a fresh one.
    unlinkSync(path);
    place({ pid: process.ppid, host: hostname(), token: 'fresh' });
    expect(await breakLock(path, judged.snapshot!)).toBe('changed');
    expect(read()).toMatchObject({ token: 'fresh' });
  });

  it('tells an abandoned empty file from a new empty one in the same place', async () => {
    place('', 10_000);
    const judged = await inspectLock(path);
    expect(judged.verdict).toMatchObject({ state: 'breakable', why: 'abandoned' });
    // The same bytes (none), but another file: a lock someone else has just created.
    writeFileSync(join(dir, 'fresh'), '');
    renameSync(join(dir, 'fresh'), path);
    expect(await breakLock(path, judged.snapshot!)).toBe('changed');
    expect(statSync(path).size).toBe(0);
  });

  it('removes the lock judged, once, when two breakers judged the same dead lock', async () => {
    place({ pid: DEAD_PID, host: hostname(), token: 'dead' });
    const judged = await inspectLock(path);
    const outcomes = await Promise.all([breakLock(path, judged.snapshot!), breakLock(path, judged.snapshot!)]);
    expect(outcomes.filter((o) => o === 'broken')).toHaveLength(1);
    // The first breaker takes the lock; the second, arriving late, leaves it.
    const lock = await acquireFileLock(path, options());
    expect(await breakLock(path, judged.snapshot!)).toBe('changed');
    expect(read()).toMatchObject({ token: lock.token });
    expect(readdirSync(dir)).toEqual(['thing.lock']);
  });

  it('waits its turn while another process is breaking, and clears a turn abandoned by a dead or stuck breaker', async () => {
    place({ pid: DEAD_PID, host: hostname(), token: 'dead' });
    const judged = await inspectLock(path);
    place({ pid: process.ppid, host: hostname(), token: 'breaker' }, 0, `${path}.break`);
    expect(await breakLock(path, judged.snapshot!)).toBe('busy');
    expect(read()).toMatchObject({ token: 'dead' });
    place({ pid: DEAD_PID, host: hostname(), token: 'dead-breaker' }, 0, `${path}.break`);
    expect(await breakLock(path, judged.snapshot!)).toBe('busy');
    expect(await breakLock(path, judged.snapshot!)).toBe('broken');
    place({ pid: DEAD_PID, host: hostname(), token: 'dead' });
    const again = await inspectLock(path);
    place({ pid: process.ppid, host: hostname(), token: 'stuck-breaker' }, BREAK_STALE_MS + 1_000, `${path}.break`);
    expect(await breakLock(path, again.snapshot!)).toBe('busy');
    expect(await breakLock(path, again.snapshot!)).toBe('broken');
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('the callers keep their errors', () => {
  const scope = { name: 'demo', accountId: '111122223333', region: 'eu-west-1' };

  it('the journal: JOURNAL_LOCKED naming the other host and the file to delete', async () => {
    const journal = await Journal.open(journalPath(dir, scope), scope);
    const lockPath = `${journal.path}.lock`;
    await journal.lock();
    await journal.unlock();
    place({ pid: DEAD_PID, host: 'build-7.example', token: 'remote' }, 0, lockPath);
    const error = await journal.lock().catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'JOURNAL_LOCKED',
      message: 'the journal of demo is locked by host build-7.example',
    });
    expect((error as { hint: string }).hint).toContain(lockPath);
    place('', 0, lockPath);
    await expect(journal.lock()).rejects.toMatchObject({
      code: 'JOURNAL_LOCKED',
      message: 'another cosigner-cli is taking the journal lock of demo right now',
    });
  });

  it('the sandbox store: SANDBOX_LOCKED naming the other host and the file to delete', async () => {
    const store = new StateStore({ dir, accountId: '111122223333', now: () => new Date(), lockTimeoutMs: 100 });
    place({ pid: DEAD_PID, host: 'build-7.example', token: 'remote' }, 120_000, store.lockPath);
    const error = await store.transact(() => undefined).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'SANDBOX_LOCKED',
      message: `the sandbox state is locked by another process (${store.lockPath})`,
    });
    expect((error as { hint: string }).hint).toContain('build-7.example');
    expect((error as { hint: string }).hint).toContain(store.lockPath);
    expect(read(store.lockPath)).toMatchObject({ token: 'remote' });
  });
});
