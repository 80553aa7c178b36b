// The sandbox state file shared by several processes at once: each creates roles as fast as it
// can, and every write survives (no lost update, no torn file, no lock or temp file left).
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { LOCK_FILE } from '../../src/aws/sandbox/index.js';
import { bundleFixture } from '../helpers/bundle-fixture.js';
import { sandbox, tempDir } from './helpers.js';

const run = promisify(execFile);

describe('sandbox state on disk', () => {
  it('keeps every write of concurrent processes (no lost updates, no torn file)', async () => {
    const dir = tempDir();
    const script = await bundleFixture(fileURLToPath(new URL('./fixtures/concurrent-writer.ts', import.meta.url)));
    const workers = ['a', 'b', 'c', 'd'].map((prefix) =>
      run(process.execPath, [script, dir, prefix, '8'], {
        env: { ...process.env, NODE_NO_WARNINGS: '1' },
      }),
    );
    const results = await Promise.all(workers);
    expect(results.map((result) => result.stdout.trim())).toEqual(['done', 'done', 'done', 'done']);
    const ports = await sandbox({ dir, knobs: { pageSize: 1000 } });
    const { Roles } = await ports.iam.listRoles({});
    expect(Roles).toHaveLength(32);
    expect(readdirSync(dir).filter((name) => name.includes('.tmp-') || name === LOCK_FILE)).toEqual([]);
  }, 60_000);
});
