// The real ProcessPort spawning real programs: the installer (`interact`) starts with umask 077,
// whatever the caller's umask, so a file it writes a secret to without choosing a mode is its
// owner's only; the caller's umask is unchanged afterwards. `run` passes only the environment given.
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProcessPort } from '../../src/host/processes.js';

let dir: string;
let callerUmask: number;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'processes-test-'));
  // The most permissive umask a caller could have.
  callerUmask = process.umask(0);
});
afterEach(async () => {
  process.umask(callerUmask);
  await rm(dir, { recursive: true, force: true });
});

async function script(body: string): Promise<string> {
  const path = join(dir, 'program.sh');
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, 0o755);
  return path;
}

describe('ProcessPort', () => {
  it('interact: the child runs with umask 077; a file it creates is 0600; the caller keeps its umask', async () => {
    const program = await script(
      'printf "Secret: "; read -r SECRET; umask > "$PWD/umask"; echo "SECRET=$SECRET" > "$PWD/settings"',
    );
    const result = await createProcessPort().interact(program, [], {
      cwd: dir,
      env: { PATH: '/usr/bin:/bin' },
      timeoutMs: 10_000,
      promptQuietMs: 50,
      respond: (text) => (text.endsWith('Secret: ') ? { answer: Buffer.from('s3cr3t\n') } : undefined),
    });
    expect(result.exitCode).toBe(0);
    expect((await readFile(join(dir, 'umask'), 'utf8')).trim()).toBe('0077');
    expect((await stat(join(dir, 'settings'))).mode & 0o777).toBe(0o600);
    expect(process.umask(0)).toBe(0);
  });

  it('run: only the given environment reaches the child', async () => {
    process.env.COSIGNER_LEAK_PROBE = 'leaked';
    try {
      const program = await script('env');
      const result = await createProcessPort().run(program, [], { env: { PATH: '/usr/bin:/bin' }, timeoutMs: 10_000 });
      expect(result.stdout).toContain('PATH=/usr/bin:/bin');
      expect(result.stdout).not.toContain('leaked');
    } finally {
      delete process.env.COSIGNER_LEAK_PROBE;
    }
  });
});
