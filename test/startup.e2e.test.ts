/**
 * Start-up cost guard: the commands a user runs most often must not load the AWS SDK (client-ec2
 * alone adds most of a second). Runs the built CLI in a child process and traces every module it
 * resolves.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from './e2e/interrupt-cli.js';

const root = resolve(import.meta.dirname, '..');

async function loadsOf(args: string[]): Promise<{ status: number | null; urls: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'cosigner-trace-'));
  const trace = join(dir, 'loads.txt');
  const run = spawnSync(
    process.execPath,
    ['--import', './test/helpers/trace-loads.mjs', 'bin/cosigner-cli.js', ...args],
    {
      cwd: root,
      env: { ...process.env, COSIGNER_TRACE_LOADS: trace, COSIGNER_CONFIG: join(dir, 'cosigner.json') },
      encoding: 'utf8',
    },
  );
  const urls = (await readFile(trace, 'utf8').catch(() => '')).split('\n').filter(Boolean);
  return { status: run.status, urls };
}

beforeAll(() => assertBuilt());

describe('start-up', () => {
  it.each([[['--help']], [['--version']], [['init', '--help']], [['--sandbox', 'init', '--name', 'alpha']]])(
    '%j loads no AWS SDK module',
    async (args) => {
      const { status, urls } = await loadsOf(args);
      expect(status).toBe(0);
      expect(urls.length).toBeGreaterThan(5); // the trace really ran
      expect(urls.filter((u) => u.includes('@aws-sdk') || u.includes('@smithy'))).toEqual([]);
    },
  );
});
