// Every command that reads a user-named path refuses a named pipe, a directory, a socket or a
// device at once with FILE_NOT_REGULAR (exit 2), instead of waiting for a writer that never comes.
// Each test has a short timeout so the old open-first code fails rather than hangs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPCR8Sources, defaultReaders, pcr8FromAddArgument } from '../../src/attest/pcr8-sources.js';
import * as provision from '../../src/commands/provision.js';
import { makeCliWorld, type CliWorld } from '../e2e/cli-context.js';
import { makeSpecialFiles, type SpecialFiles } from '../files/special-files.js';
import { runCli } from '../helpers/run-cli.js';

const PROMPT = 8_000;
let world: CliWorld;
let special: SpecialFiles;
beforeAll(async () => {
  world = await makeCliWorld();
  special = await makeSpecialFiles(world.dir);
  await world.writeConfig({ name: 'demo' });
});
afterAll(async () => {
  await special.release();
  await world.cleanup();
});

/** The error of a CLI run, which must be FILE_NOT_REGULAR naming the path. */
async function refused(args: string[], path: string): Promise<void> {
  const run = await runCli(['--json', ...args], { cwd: world.dir });
  expect(run.code, args.join(' ')).toBe(2);
  expect(run.json?.error?.code, args.join(' ')).toBe('FILE_NOT_REGULAR');
  expect(run.json?.error?.hint, args.join(' ')).toContain(path);
}

describe('commands refuse non-regular files', () => {
  it(
    'attest describe-eif <file>',
    async () => {
      for (const [, path] of special.cases) await refused(['attest', 'describe-eif', path], path);
    },
    PROMPT,
  );

  it(
    'verify --attestation-doc <file>',
    async () => {
      for (const [, path] of special.cases) await refused(['verify', '--attestation-doc', path, '--any-image'], path);
    },
    PROMPT,
  );

  it(
    'attest --eif, --build-output, --describe-eif-output, --add <file>',
    async () => {
      const readers = defaultReaders();
      for (const [kind, path] of special.cases) {
        for (const spec of [{ eif: path }, { buildOutput: path }, { describeEifOutput: path }]) {
          await expect(collectPCR8Sources(spec, readers), `${kind} ${JSON.stringify(spec)}`).rejects.toMatchObject({
            code: 'FILE_NOT_REGULAR',
          });
        }
        await expect(pcr8FromAddArgument(path, readers), kind).rejects.toMatchObject({ code: 'FILE_NOT_REGULAR' });
      }
    },
    PROMPT,
  );

  it(
    '--config <file>',
    async () => {
      for (const [, path] of special.cases)
        await refused(['--sandbox', world.sandboxDir, '--config', path, 'provision', '--dry-run'], path);
    },
    PROMPT,
  );

  it(
    'provision --apply <plan> and --plan-out <plan>',
    async () => {
      for (const [kind, path] of special.cases) {
        const apply = world.invocation('provision', { apply: path }, { yes: true });
        await expect(
          provision.execute(provision.parseOptions(apply), world.context(apply)),
          kind,
        ).rejects.toMatchObject({ code: 'FILE_NOT_REGULAR' });
        if (path === '/dev/null') continue; // never written to in a test
        const save = world.invocation('provision', { planOut: path });
        await expect(provision.execute(provision.parseOptions(save), world.context(save)), kind).rejects.toMatchObject({
          code: 'FILE_NOT_REGULAR',
        });
      }
    },
    PROMPT * 2,
  );
});
