// The lock across real processes: children race to take the same lock many times, each holder
// incrementing a counter with a read-sleep-write gap, so two holders at once lose an increment;
// and the journal's old stealing bug, reproduced with a process frozen between the exclusive
// create of its lock file and the write of its pid.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Journal, journalPath } from '../../src/engine/journal.js';
import { bundleFixture } from '../helpers/bundle-fixture.js';

const source = fileURLToPath(new URL('./fixtures/lock-worker.ts', import.meta.url));
let script: string;
beforeAll(async () => {
  script = await bundleFixture(source);
});
const scope = { name: 'race', accountId: '111122223333', region: 'eu-west-1' };

interface Worker {
  pid: number;
  /** Resolves with the first stdout line equal to `line`. */
  waitFor(line: string): Promise<void>;
  send(line: string): void;
  /** Resolves with stdout when the child exits 0; rejects with its stderr otherwise. */
  exited: Promise<string>;
}

function worker(...args: string[]): Worker {
  const child = spawn(process.execPath, [script, ...args], {
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: { line: string; resolve: () => void }[] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const waiter of waiters.filter((w) => stdout.split('\n').includes(w.line))) waiter.resolve();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<string>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`worker exited ${code}: ${stderr}`))));
  });
  return {
    pid: child.pid ?? 0,
    waitFor: (line) =>
      new Promise<void>((resolve, reject) => {
        if (stdout.split('\n').includes(line)) return resolve();
        waiters.push({ line, resolve });
        exited.then(() => reject(new Error(`worker exited before "${line}"`)), reject);
      }),
    send: (line) => child.stdin.write(`${line}\n`),
    exited,
  };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lock-race-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the lock across processes', () => {
  const WORKERS = 3;
  const ITERATIONS = 40;

  it('never has two holders at once (src/files/lock.ts, waiting)', async () => {
    const lockPath = join(dir, 'counter.lock');
    const counter = join(dir, 'counter');
    const outputs = await Promise.all(
      Array.from({ length: WORKERS }, () => worker('race', 'lock', lockPath, counter, String(ITERATIONS), '2').exited),
    );
    expect(outputs.map((out) => out.trim())).toEqual(Array.from({ length: WORKERS }, () => 'done'));
    expect(Number(readFileSync(counter, 'utf8'))).toBe(WORKERS * ITERATIONS);
    // Nothing left behind: no lock, no break turn.
    expect(readdirSync(dir).sort()).toEqual(['counter']);
  }, 120_000);

  it('never has two holders at once (the journal, failing at once and retried)', async () => {
    const path = journalPath(dir, scope);
    const counter = join(dir, 'counter');
    const outputs = await Promise.all(
      Array.from({ length: WORKERS }, () => worker('race', 'journal', path, counter, String(ITERATIONS), '2').exited),
    );
    expect(outputs.map((out) => out.trim())).toEqual(Array.from({ length: WORKERS }, () => 'done'));
    expect(Number(readFileSync(counter, 'utf8'))).toBe(WORKERS * ITERATIONS);
    expect(existsSync(`${path}.lock`)).toBe(false);
  }, 120_000);

  it('does not steal the journal lock of a process between its exclusive create and its write', async () => {
    const path = journalPath(dir, scope);
    const journal = await Journal.open(path, scope);
    // The first run creates the lock directory as lock() would, then freezes with the file empty.
    await journal.lock();
    await journal.unlock();
    const first = worker('hold-empty', `${path}.lock`);
    await first.waitFor('created');
    // The second run looks at this very moment: the file is empty, the first run holds it.
    await expect(journal.lock()).toThrowCosignerError('JOURNAL_LOCKED');
    first.send('go');
    await first.waitFor('written');
    await first.exited;
    // The lock is still the first run's, written into the file the second run left alone.
    expect(JSON.parse(readFileSync(`${path}.lock`, 'utf8'))).toMatchObject({ pid: first.pid });
  }, 60_000);
});
