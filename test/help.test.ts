/**
 * The help text is documentation people copy from: every example must parse into a command's
 * options (and the describe-eif `jq` path must find PCR8 in the real JSON), every `--no-*` form is
 * listed, and defaults read the same way everywhere: "(default 30)".
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createProgram, normalizeArgv } from '../src/cli.js';
import { SETTINGS } from '../src/config/settings.js';
import { runCli } from './helpers/run-cli.js';

const COMMANDS = [
  [],
  ['init'],
  ['provision'],
  ['attest'],
  ['attest', 'describe-eif'],
  ['run'],
  ['verify'],
  ['destroy'],
  ['status'],
  ['doctor'],
];
const PCR8 = 'ab'.repeat(48);
const EIF = resolve(import.meta.dirname, 'fixtures/testdata/eif/v4-signed-metadata.eif');

async function help(path: string[]): Promise<string> {
  const run = await runCli([...path, '--help']);
  expect(run.code, path.join(' ')).toBe(0);
  return run.stdout;
}

async function examples(): Promise<string[]> {
  const all: string[] = [];
  for (const path of COMMANDS) {
    const text = await help(path);
    all.push(...[...text.matchAll(/^ {2}\$ (cosigner-cli .+)$/gm)].map((m) => m[1]!));
  }
  return all;
}

/** One example as argv lists: comments, pipes and redirections dropped, `a && b` split, placeholders filled. */
function commandsOf(example: string): string[][] {
  const line = example.replace(/\s+#.*$/, '');
  return line.split('&&').map((part) =>
    part
      .replace(/\|.*$/, '')
      .replace(/\s>\s*\S+/, '')
      .trim()
      .split(/\s+/)
      .slice(1)
      .map((word) => (/^<(new-|old-)?(pcr8|hex)>$/.test(word) ? PCR8 : word === '<sha256>' ? 'ab'.repeat(32) : word)),
  );
}

/** Parse argv the way the CLI does and run the command's parseOptions, without executing it. */
async function parses(args: string[]): Promise<void> {
  let dispatched = false;
  const program = createProgram({
    env: {},
    cwd: '/work/project',
    writeOut: () => undefined,
    writeErr: () => undefined,
    dispatch: async (invocation, load) => {
      dispatched = true;
      await (await load()).parseOptions(invocation);
    },
  });
  await program.parseAsync(normalizeArgv(['node', 'cosigner-cli', ...args], program));
  expect(dispatched, args.join(' ')).toBe(true);
}

describe('help examples', () => {
  it('every example parses into a command’s options', async () => {
    const found = await examples();
    expect(found.length).toBeGreaterThan(15);
    for (const example of found) {
      for (const args of commandsOf(example)) {
        await expect(parses(args), example).resolves.toBeUndefined();
      }
    }
  });

  it('the describe-eif jq path finds PCR8 in the JSON the command really prints', async () => {
    const example = (await examples()).find((e) => e.includes('describe-eif') && e.includes('jq'));
    const path = /\bjq(?: -r)? (\.[\w.]+)/.exec(example ?? '')?.[1];
    expect(path).toBeDefined();
    const run = await runCli(['attest', 'describe-eif', EIF, '--json']);
    expect(run.code).toBe(0);
    const value = path!
      .split('.')
      .slice(1)
      .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], run.json);
    expect(value).toMatch(/^[0-9a-f]{96}$/);
  });

  it('offers the account audit and the attestation document among the verify examples', async () => {
    const verify = (await examples()).filter((example) => / verify\b/.test(example));
    expect(verify.some((example) => example.includes('--attestation-doc'))).toBe(true);
    expect(verify.some((example) => !example.includes('--attestation-doc'))).toBe(true);
  });
});

describe('options in help', () => {
  it('lists the --no-* form of every on/off setting', async () => {
    const text = await help(['init']);
    for (const setting of SETTINGS.filter((s) => s.kind === 'bool')) {
      expect(text).toMatch(new RegExp(`^ {2}--no-${setting.flag.slice(2)}\\s`, 'm'));
    }
  });

  it('shows defaults one way: "(default 30)", never "(default: false)", "by default" or "when absent"', async () => {
    for (const path of COMMANDS) {
      // Help wraps lines; join them so a phrase split over two lines is still seen.
      const text = (await help(path)).replace(/\n\s+/g, ' ');
      expect(text, path.join(' ')).not.toMatch(/\(default:|by default|when absent|\(default\)/);
      for (const match of text.matchAll(/\(default [^)]*\)/g))
        expect(match[0], path.join(' ')).toMatch(/^\(default \S/);
    }
    expect((await help(['init'])).replace(/\n\s+/g, ' ')).toContain('(default 30) [COSIGNER_ROOT_VOLUME_GIB]');
  });
});
