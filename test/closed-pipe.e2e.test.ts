/**
 * `cosigner-cli --help | head -1`: a reader that goes away before the CLI has written is not a
 * crash. The CLI runs in a child process whose stdout (or stderr) pipe is closed before it writes.
 */
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from './e2e/interrupt-cli.js';

const root = resolve(import.meta.dirname, '..');

async function withClosed(args: string[], closed: 'stdout' | 'both'): Promise<{ code: number | null; stderr: string }> {
  const cwd = await mkdtemp(join(tmpdir(), 'cosigner-pipe-'));
  // The built CLI, run in an empty directory.
  const child = spawn(process.execPath, [join(root, 'bin/cosigner-cli.js'), ...args], {
    cwd,
    env: { ...process.env, COSIGNER_CONFIG: join(cwd, 'cosigner.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Close our read ends at once: the child's first write meets a pipe with no reader (EPIPE).
  child.stdout.destroy();
  let stderr = '';
  if (closed === 'both') child.stderr.destroy();
  else child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.on('close', done));
  return { code, stderr };
}

beforeAll(() => assertBuilt());

describe('a closed output pipe', () => {
  it.each([[['--help']], [['init', '--help']], [['--version']]])('%j exits 0 without a stack trace', async (args) => {
    const run = await withClosed(args, 'stdout');
    expect(run.stderr).not.toMatch(/EPIPE|Unhandled 'error' event|node:events/);
    expect(run.code).toBe(0);
  });

  it('keeps the command’s own exit code when stderr is gone too', async () => {
    const run = await withClosed(['--no-json', 'init'], 'both');
    // `init` without --name and without a terminal is INPUT_REQUIRED: exit 2, not a crash (1).
    expect(run.code).toBe(2);
  });
});
