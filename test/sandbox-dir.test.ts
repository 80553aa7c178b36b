// Where --sandbox [dir] and COSIGNER_SANDBOX put the simulated account: a relative directory is
// taken from the working directory, an absolute one as given (never joined under the cwd).
import { access, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveSandboxDir, type GlobalOptions } from '../src/command-kit.js';
import { runCli } from './helpers/run-cli.js';

const cwd = '/work/dir';

describe('resolveSandboxDir', () => {
  it.each([
    ['--sandbox (no dir)', { sandbox: true }, {}, '/work/dir/.cosigner-sandbox'],
    ['--sandbox relative', { sandbox: 'sb' }, {}, '/work/dir/sb'],
    ['--sandbox ../relative', { sandbox: '../sb' }, {}, '/work/sb'],
    ['--sandbox absolute', { sandbox: '/abs/sb' }, {}, '/abs/sb'],
    ['COSIGNER_SANDBOX=1', {}, { COSIGNER_SANDBOX: '1' }, '/work/dir/.cosigner-sandbox'],
    ['COSIGNER_SANDBOX relative', {}, { COSIGNER_SANDBOX: 'sb' }, '/work/dir/sb'],
    ['COSIGNER_SANDBOX absolute', {}, { COSIGNER_SANDBOX: '/abs/sb' }, '/abs/sb'],
    ['COSIGNER_SANDBOX=false', {}, { COSIGNER_SANDBOX: 'false' }, undefined],
    ['flag over env', { sandbox: '/abs/flag' }, { COSIGNER_SANDBOX: '/abs/env' }, '/abs/flag'],
  ])('%s', (_name, globals, env, expected) => {
    expect(resolveSandboxDir(globals as GlobalOptions, env, cwd, resolve)).toBe(expected);
  });
});

describe('the CLI writes the sandbox where it was told', () => {
  it.each([
    ['an absolute --sandbox directory', (dir: string) => ({ argv: ['--sandbox', dir], env: {} })],
    ['an absolute COSIGNER_SANDBOX', (dir: string) => ({ argv: [], env: { COSIGNER_SANDBOX: dir } })],
  ])('%s is used as given, not under the cwd', async (_name, how) => {
    const work = await mkdtemp(join(tmpdir(), 'cosigner-sbdir-'));
    const target = join(work, 'abs-sandbox');
    const { argv, env } = how(target);
    const init = await runCli([...argv, 'init', '--name', 'demo', '--region', 'us-east-1', '--non-interactive'], {
      cwd: work,
      env,
    });
    expect(init.code).toBe(0);
    const plan = await runCli([...argv, 'provision', '--dry-run'], { cwd: work, env });
    expect(plan.code).toBe(0);
    await expect(access(join(target, 'aws-cloudtrail.jsonl'))).resolves.toBeUndefined();
    await expect(access(join(work, work.slice(1)))).rejects.toThrow();
  });

  it('a relative --sandbox directory is taken from the cwd', async () => {
    const work = await mkdtemp(join(tmpdir(), 'cosigner-sbdir-'));
    await runCli(['init', '--name', 'demo', '--region', 'us-east-1', '--non-interactive'], { cwd: work });
    const plan = await runCli(['--sandbox', 'rel', 'provision', '--dry-run'], { cwd: work });
    expect(plan.code).toBe(0);
    await expect(access(join(work, 'rel', 'aws-cloudtrail.jsonl'))).resolves.toBeUndefined();
  });
});
