// The journal: intents made durable before calls, outcomes after, reopened intact; damage and
// concurrent runs are coded errors; a lock left by a dead process is taken over.
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Journal, journalPath } from '../../src/engine/journal.js';

const scope = { name: 'demo', accountId: '111122223333', region: 'eu-west-1' };
let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'journal-'));
  path = journalPath(dir, scope);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the journal', () => {
  it('records intents before and outcomes after, and survives a reopen', async () => {
    const journal = await Journal.open(path, scope);
    await journal.lock();
    await journal.beginRun('provision');
    const create = await journal.intent({
      node: 'key',
      op: 'kms:CreateKey',
      target: 'alias/demo-cosigner',
      token: 't-1',
    });
    const role = await journal.intent({ node: 'role', op: 'iam:CreateRole', target: 'demo-cosigner' });
    await journal.done(role, { arn: 'arn:aws:iam::111122223333:role/cosigner-cli/demo-cosigner' });
    // The process dies here: no finishRun, no unlock.
    const again = await Journal.open(path, scope);
    expect(again.pending().map((e) => [e.seq, e.op, e.token])).toEqual([[create, 'kms:CreateKey', 't-1']]);
    expect(again.lastDone('role', 'iam:CreateRole')?.ids).toEqual({
      arn: 'arn:aws:iam::111122223333:role/cosigner-cli/demo-cosigner',
    });
    expect(again.attempted('iam:CreateRole', 'demo-cosigner')).toBe(true);
    await again.lock();
    await again.beginRun('provision --resume');
    expect(again.runs[0]?.outcome).toBe('interrupted');
    await again.resolve(create, { keyId: 'k-1' });
    expect(again.pending()).toEqual([]);
    await again.finishRun('converged');
    await again.unlock();
    const text = await readFile(path, 'utf8');
    expect(JSON.parse(text)).toMatchObject({ kind: 'cosigner-cli/journal', name: 'demo' });
  });

  it('makes each of many concurrent entries durable before its promise resolves (they share writes)', async () => {
    const journal = await Journal.open(path, scope);
    await journal.lock();
    await journal.beginRun('provision');
    // Every promise, when it resolves, finds its entry in the file a reopen reads.
    const onDisk = async (seq: number) => (await Journal.open(path, scope)).entries.some((e) => e.seq === seq);
    const intents = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        journal.intent({ node: `n${i}`, op: 'iam:CreateRole', target: `r${i}` }).then(async (seq) => {
          expect(await onDisk(seq)).toBe(true);
          return seq;
        }),
      ),
    );
    await Promise.all(
      intents.map((seq) =>
        journal.done(seq).then(async () => {
          const reopened = await Journal.open(path, scope);
          expect(reopened.entries.some((e) => e.phase === 'done' && e.intent === seq)).toBe(true);
        }),
      ),
    );
    expect((await Journal.open(path, scope)).pending()).toEqual([]);
    await journal.unlock();
  });

  it('releases its lock only after every write, including one made while it waited', async () => {
    const journal = await Journal.open(path, scope);
    await journal.lock();
    await journal.beginRun('destroy');
    const first = journal.intent({ node: 'a', op: 'iam:DeleteRolePolicy', target: 'a' });
    // Let the first write start: an entry made from now on needs a write of its own.
    await new Promise((resolve) => setImmediate(resolve));
    const unlocking = journal.unlock();
    // A call still in flight when the run gave up records its entry now.
    let lateWritten = false;
    const late = journal
      .intent({ node: 'b', op: 'iam:DetachRolePolicy', target: 'b' })
      .then(() => (lateWritten = true));
    await unlocking;
    expect(lateWritten, 'the late entry was written before the lock was released').toBe(true);
    const onDisk = JSON.parse(readFileSync(path, 'utf8')) as { entries: { node: string }[] };
    expect(onDisk.entries.map((e) => e.node)).toEqual(['a', 'b']);
    await Promise.all([first, late]);
  });

  it('refuses a damaged file or one of another co-signer', async () => {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, '{"schemaVersion":1');
    await expect(Journal.open(path, scope)).toThrowCosignerError('JOURNAL_CORRUPT');
    const other = await Journal.open(join(dir, 'other.json'), { ...scope, name: 'other' });
    await other.lock();
    await other.beginRun('provision');
    await other.unlock();
    await expect(Journal.open(join(dir, 'other.json'), scope)).toThrowCosignerError('JOURNAL_CORRUPT');
  });

  it('is locked while another live process works on it, and taken over after a dead one', async () => {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(
      `${path}.lock`,
      JSON.stringify({ pid: process.ppid, host: hostname(), at: new Date().toISOString() }),
    );
    const journal = await Journal.open(path, scope);
    await expect(journal.lock()).toThrowCosignerError('JOURNAL_LOCKED');
    await writeFile(
      `${path}.lock`,
      JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), at: new Date().toISOString() }),
    );
    await journal.lock();
    expect(JSON.parse(await readFile(`${path}.lock`, 'utf8'))).toMatchObject({ pid: process.pid });
    await journal.unlock();
  });

  it('keeps failed calls closed and their error short', async () => {
    const journal = await Journal.open(path, scope);
    const seq = await journal.intent({ node: 'bucket', op: 's3:CreateBucket', target: 'b' });
    await journal.failed(seq, { code: 'BucketAlreadyExists', message: 'taken' });
    expect(journal.pending()).toEqual([]);
    expect(journal.attempted('s3:CreateBucket', 'b')).toBe(true);
  });
});
