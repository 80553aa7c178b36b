import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './helpers/run-cli.js';

let cwd: string;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'cosigner-main-'));
});

// The escape character that starts every ANSI colour sequence.
const ANSI = '\u001b[';

describe('entry point contract', () => {
  it('prints the version and exits 0', async () => {
    const run = await runCli(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('prints help with examples for every command', async () => {
    for (const command of ['init', 'provision', 'attest', 'run', 'verify', 'destroy', 'status', 'doctor']) {
      const run = await runCli([command, '--help']);
      expect(run.code, command).toBe(0);
      expect(run.stdout, command).toMatch(/Examples:\n(\s+\$ cosigner-cli .+\n){2,}/);
    }
  });

  it('exits 2 with a usage error when no command is given', async () => {
    const run = await runCli([]);
    expect(run.code).toBe(2);
    expect(run.json?.error?.code).toBe('USAGE');
    expect(run.stderr).toContain('Usage: cosigner-cli');
  });

  it('suggests the closest command for a typo, exit 2', async () => {
    const run = await runCli(['provison']);
    expect(run.code).toBe(2);
    expect(run.json?.error).toMatchObject({
      code: 'UNKNOWN_COMMAND',
      message: expect.stringContaining('Did you mean provision?') as unknown,
    });
  });

  it('suggests the closest option for a typo, exit 2', async () => {
    const run = await runCli(['init', '--instance-tpye', 'c5.xlarge']);
    expect(run.code).toBe(2);
    expect(run.json?.error).toMatchObject({
      code: 'UNKNOWN_OPTION',
      message: expect.stringContaining('--instance-type') as unknown,
    });
  });

  it('writes JSON to stdout when it is not a TTY, human text with --no-json', async () => {
    const json = await runCli(['init', '--name', 'alpha', '--region', 'us-east-1'], { cwd });
    expect(json.code).toBe(0);
    expect(json.json).toMatchObject({
      schemaVersion: 1,
      command: 'init',
      ok: true,
      result: { kind: 'config', created: true },
    });
    expect(json.stderr).toContain('co-signer alpha');
    const human = await runCli(['--no-json', 'init', '--name', 'alpha', '--region', 'us-east-1'], { cwd });
    expect(human.json).toBeUndefined();
    expect(human.stdout).toContain('unchanged');
  });

  it('writes human text to a TTY and JSON there only with --json', async () => {
    const tty = await runCli(['--sandbox', 'doctor'], { cwd, stdoutTTY: true });
    expect(tty.stdout).toContain('node');
    expect(tty.json).toBeUndefined();
    const forced = await runCli(['--json', '--sandbox', 'doctor'], { cwd, stdoutTTY: true });
    expect(forced.json).toMatchObject({
      ok: true,
      result: { checks: expect.arrayContaining([expect.objectContaining({ id: 'aws', status: 'pass' })]) as unknown },
    });
  });

  it('never writes progress to stdout in JSON mode: stdout is exactly one document', async () => {
    const run = await runCli(['init', '--name', 'alpha'], { cwd });
    expect(() => JSON.parse(run.stdout) as unknown).not.toThrow();
    expect(run.stdout.trim().startsWith('{')).toBe(true);
    expect(run.stdout.trim().endsWith('}')).toBe(true);
  });

  it('reports a missing input as INPUT_REQUIRED (exit 2) naming the flag, with no fake output', async () => {
    const run = await runCli(['run'], { cwd });
    expect(run.code).toBe(2);
    expect(run.json).toMatchObject({ ok: false, command: 'run', error: { code: 'INPUT_REQUIRED' } });
  });

  it('maps a config error to exit 2 and leaves the file untouched', async () => {
    const path = join(cwd, 'cosigner.json');
    await writeFile(path, '{"schemaVersion": 1, "name": "alpha", "extra": true}');
    const run = await runCli(['init', '--name', 'beta'], { cwd });
    expect(run.code).toBe(2);
    expect(run.json?.error?.code).toBe('CONFIG_UNKNOWN_KEYS');
    expect(await readFile(path, 'utf8')).toBe('{"schemaVersion": 1, "name": "alpha", "extra": true}');
  });

  it('refuses to overwrite a changed config without --yes (exit 5), and does with it', async () => {
    await runCli(['init', '--name', 'alpha'], { cwd });
    const refused = await runCli(['init', '--instance-type', 'c5a.xlarge'], { cwd });
    expect(refused.code).toBe(5);
    expect(refused.json?.error?.code).toBe('CONFIRMATION_REQUIRED');
    expect(refused.stderr).toContain('instance.type: "c5.xlarge" → "c5a.xlarge"');
    const done = await runCli(['--yes', 'init', '--instance-type', 'c5a.xlarge'], { cwd });
    expect(done.code).toBe(0);
    expect(JSON.parse(await readFile(join(cwd, 'cosigner.json'), 'utf8'))).toMatchObject({
      name: 'alpha',
      instance: { type: 'c5a.xlarge' },
    });
  });

  it('fails with INPUT_REQUIRED naming the flag when non-interactive and the name is missing', async () => {
    const run = await runCli(['init'], { cwd });
    expect(run.code).toBe(2);
    expect(run.json?.error).toMatchObject({
      code: 'INPUT_REQUIRED',
      hint: expect.stringContaining('--name') as unknown,
    });
  });

  it('takes settings from COSIGNER_* env vars', async () => {
    const run = await runCli(['init'], { cwd, env: { COSIGNER_NAME: 'envname', COSIGNER_FB_ENV: 'eu' } });
    expect(run.code).toBe(0);
    expect(JSON.parse(await readFile(join(cwd, 'cosigner.json'), 'utf8'))).toMatchObject({
      name: 'envname',
      fireblocks: { env: 'eu' },
    });
  });

  it('honours --config and COSIGNER_CONFIG for the file path', async () => {
    await runCli(['--config', 'a.json', 'init', '--name', 'alpha'], { cwd });
    await runCli(['init', '--name', 'beta'], { cwd, env: { COSIGNER_CONFIG: 'b.json' } });
    expect(JSON.parse(await readFile(join(cwd, 'a.json'), 'utf8'))).toMatchObject({ name: 'alpha' });
    expect(JSON.parse(await readFile(join(cwd, 'b.json'), 'utf8'))).toMatchObject({ name: 'beta' });
  });

  it('prints the config JSON schema', async () => {
    const run = await runCli(['init', '--print-schema'], { cwd });
    expect(run.json?.result).toMatchObject({
      kind: 'schema',
      schema: { type: 'object', required: expect.arrayContaining(['name']) as unknown },
    });
  });

  it('doctor fails with the failing check’s exit code and keeps the report in the envelope', async () => {
    await writeFile(join(cwd, 'cosigner.json'), '{ not json');
    const run = await runCli(['--sandbox', 'doctor'], { cwd });
    expect(run.code).toBe(2);
    expect(run.json).toMatchObject({ ok: false, error: { code: 'CONFIG_INVALID_JSON' }, result: { ok: false } });
  });

  it('doctor reports missing AWS credentials with exit 4 and a hint naming --sandbox', async () => {
    const run = await runCli(['doctor', '--region', 'us-east-1'], { cwd });
    expect(run.code).toBe(4);
    expect(run.json).toMatchObject({
      ok: false,
      error: { code: 'AWS_CREDENTIALS_MISSING', hint: expect.stringContaining('--sandbox') as unknown },
    });
  });

  it('respects NO_COLOR and --no-color on a TTY', async () => {
    const run = await runCli(['--sandbox', 'doctor'], {
      cwd,
      stdoutTTY: true,
      stderrTTY: true,
      env: { NO_COLOR: '1', FORCE_COLOR: '1' },
    });
    expect(run.stdout).not.toContain(ANSI);
    const colored = await runCli(['--sandbox', 'doctor'], {
      cwd,
      stdoutTTY: true,
      stderrTTY: true,
      env: { FORCE_COLOR: '1', CI: '1' },
    });
    expect(colored.stdout).toContain(ANSI);
    const flagged = await runCli(['--no-color', '--sandbox', 'doctor'], {
      cwd,
      stdoutTTY: true,
      stderrTTY: true,
      env: { FORCE_COLOR: '1', CI: '1' },
    });
    expect(flagged.stdout).not.toContain(ANSI);
  });
});
