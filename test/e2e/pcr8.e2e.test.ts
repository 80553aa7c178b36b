// End to end through the CLI's argv (src/main.ts, as bin/cosigner-cli.js runs it) on a sandbox: a
// PCR8 rotation leaves the config and the key policy agreeing, so provision is a no-op and status
// exits 0 with --detailed-exitcode; the commands a PCR8 disagreement hints at run as written; drift
// exits 2 with --detailed-exitcode; a PCR8 removal without --yes is refused with exit 5.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FIREBLOCKS_ENVIRONMENTS } from '../../src/enclave/fireblocks-presets.js';
import { runCli, type CliRun } from '../helpers/run-cli.js';
import { makeCliWorld, type CliWorld } from './cli-context.js';
import { REGION, TEST_NETWORK } from './world.js';

const OLD = FIREBLOCKS_ENVIRONMENTS.global.pcr8;
const NEW = 'ab'.repeat(48);

let world: CliWorld;
beforeEach(async () => {
  world = await makeCliWorld();
  await writeFile(
    join(world.dir, 'cosigner.json'),
    `${JSON.stringify({ schemaVersion: 1, name: 'demo', fireblocks: { env: 'global' }, aws: { region: REGION }, network: TEST_NETWORK }, null, 2)}\n`,
  );
});
afterEach(async () => {
  await world.cleanup();
});

/** `cosigner-cli <args>` in the world's directory, on its sandbox (COSIGNER_SANDBOX), JSON on stdout. */
const cli = (...args: string[]): Promise<CliRun> =>
  runCli(args, { cwd: world.dir, env: { COSIGNER_SANDBOX: world.sandboxDir } });
const result = <T>(run: CliRun) => run.json?.result as T;
const config = async () =>
  (JSON.parse(await readFile(join(world.dir, 'cosigner.json'), 'utf8')) as { fireblocks: unknown }).fireblocks;

/** Every `cosigner-cli …` command in a hint, as argv (commands end at `;` or the end). */
function hintedCommands(hint: string): string[][] {
  return [...hint.matchAll(/cosigner-cli ([^;]+?)(?=;|$)/g)].map((m) => (m[1] ?? '').trim().split(/\s+/));
}

describe('cosigner-cli on a PCR8 rotation', () => {
  it('attest --add, attest --prune, then provision is a no-op and status is in sync (exit 0)', async () => {
    expect((await cli('provision', '--yes')).code).toBe(0);
    expect((await cli('attest', '--add', NEW, '--yes')).code).toBe(0);
    expect(await config()).toEqual({ env: 'global', pcr8: [OLD, NEW] });
    expect((await cli('attest', '--prune', OLD, '--yes')).code).toBe(0);
    expect(await config()).toEqual({ env: 'global', pcr8: NEW });

    const again = await cli('provision', '--yes');
    expect(again.code).toBe(0);
    expect(result<{ mode: string; plan: { actions: { node: string; kind: string }[] } }>(again)).toMatchObject({
      mode: 'up-to-date',
    });
    expect(
      result<{ plan: { actions: { node: string; kind: string }[] } }>(again).plan.actions.find((a) => a.node === 'key')
        ?.kind,
    ).toBe('noop');
    const status = await cli('status', '--detailed-exitcode');
    expect(status.code).toBe(0);
    expect(status.json).toMatchObject({
      ok: true,
      result: { coSigners: [{ name: 'demo', inSync: true, pcr8: { live: [NEW], config: [NEW] } }] },
    });
  });

  it('status --detailed-exitcode exits 2 on drift (0 without the flag); provision refuses the PCR8 removal without --yes (exit 5)', async () => {
    await cli('provision', '--yes');
    await cli('attest', '--add', NEW, '--yes');
    // The record is lost (the config rewritten by an older tool or by hand): the key admits more.
    await writeFile(
      join(world.dir, 'cosigner.json'),
      JSON.stringify({ schemaVersion: 1, name: 'demo', aws: { region: REGION } }),
    );

    expect((await cli('status')).code).toBe(0);
    const detailed = await cli('status', '--detailed-exitcode');
    expect(detailed.code).toBe(2);
    expect(detailed.json).toMatchObject({
      ok: false,
      error: { code: 'STATUS_DRIFT' },
      result: { coSigners: [{ inSync: false, pcr8: { onlyLive: [NEW] } }] },
    });

    const refused = await cli('provision');
    expect(refused.code).toBe(5);
    expect(refused.json?.error?.code).toBe('CONFIRMATION_REQUIRED');
    expect(refused.json?.error?.message).toContain("changing the key policy's PCR8 list (remove ababab…abab)");
    expect(refused.stderr).toContain('PCR8 ababab…abab is in the live key policy but not in the config');
  });
});

describe('the commands a PCR8 disagreement hints at', () => {
  async function disagreement(): Promise<string> {
    await cli('provision', '--yes');
    const run = await cli('attest', '--pcr8', NEW);
    expect(run.code).toBe(3);
    expect(run.json?.error?.code).toBe('PCR_SOURCES_DISAGREE');
    return run.json?.error?.hint ?? '';
  }

  it('rotate with overlap as written: attest --add, then attest --prune', async () => {
    const commands = hintedCommands(await disagreement());
    expect(commands.slice(0, 2)).toEqual([
      ['attest', '--add', NEW],
      ['attest', '--prune', OLD],
    ]);
    for (const argv of commands.slice(0, 2)) expect((await cli(...argv, '--yes')).code).toBe(0);
    expect(await config()).toEqual({ env: 'global', pcr8: NEW });
    expect(result<{ mode: string }>(await cli('provision', '--yes')).mode).toBe('up-to-date');
  });

  it('replace at once as written: attest --fb-env custom --pcr8', async () => {
    const commands = hintedCommands(await disagreement());
    expect(commands[2]).toEqual(['attest', '--fb-env', 'custom', '--pcr8', NEW]);
    const run = await cli(...(commands[2] ?? []), '--yes');
    expect(run.code).toBe(0);
    expect(run.json?.result).toMatchObject({ pcr8: [NEW], written: true, sources: [{ kind: 'pcr8', value: NEW }] });
    expect(await config()).toEqual({ env: 'global', pcr8: NEW });
    expect(result<{ mode: string }>(await cli('provision', '--yes')).mode).toBe('up-to-date');
  });
});
