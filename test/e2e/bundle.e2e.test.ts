// The single-file bundle as a host without registry access gets it: `npm run bundle` writes one
// .mjs that, copied alone into an empty directory with no node_modules above it, prints the
// package's version and runs a sandbox lifecycle; it carries the licences of what it inlines and
// no GPL code; and it stays lazy: a build instrumented to record each module as it is evaluated
// shows that --help and --version evaluate no command module and no AWS SDK module.
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Plugin } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle } from '../../scripts/bundle.js';
import { cleanEnv, expectSandboxLifecycle, npmEnv, run, type Spawned } from './installed-cli.js';

const root = resolve(import.meta.dirname, '../..');
const TRACE_KEY = 'cosigner.bundle.trace';

let work: string;
let alone: string;
let bundleText: string;
let traced: string;
let tracer: string;
let version: string;

/** `node cosigner-cli.mjs <args>` in the directory that holds only the bundle. */
const bundled = (args: string[], cwd = alone): Promise<Spawned> =>
  run(process.execPath, [join(alone, 'cosigner-cli.mjs'), ...args], cwd, cleanEnv(work));

/**
 * An esbuild plugin that ends every bundled source file with a call recording its path (relative
 * to node_modules for a dependency, to the repository for ours) when the module is evaluated.
 */
const traceEvaluation: Plugin = {
  name: 'trace-evaluation',
  setup(build) {
    build.onLoad({ filter: /\.(ts|js|mjs|cjs)$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const at = args.path.lastIndexOf('node_modules/');
      const id = at >= 0 ? args.path.slice(at + 'node_modules/'.length) : relative(root, args.path);
      const call = `\n;globalThis[Symbol.for(${JSON.stringify(TRACE_KEY)})]?.(${JSON.stringify(id)});\n`;
      return { contents: source + call, loader: args.path.endsWith('.ts') ? 'ts' : 'js' };
    });
  },
};

/** The modules the traced bundle evaluates for `args` (run alone in a fresh directory). */
async function evaluated(args: string[]): Promise<string[]> {
  const cwd = await mkdtemp(join(work, 'trace-'));
  const log = join(cwd, 'evaluated.txt');
  const ran = await run(process.execPath, ['--import', pathToFileURL(tracer).href, traced, ...args], cwd, {
    ...cleanEnv(work),
    COSIGNER_TRACE_LOADS: log,
  });
  expect(ran.code, ran.stderr).toBe(0);
  return (await readFile(log, 'utf8')).split('\n').filter(Boolean);
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cosigner-bundle-'));
  version = (JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  const built = join(work, 'build', 'cosigner-cli.mjs');
  const bundle = await run('npm', ['run', '--silent', 'bundle', '--', '--outfile', built], root, npmEnv());
  expect(bundle.code, bundle.stderr).toBe(0);
  expect(JSON.parse(bundle.stdout)).toMatchObject({ bundle: built, version });
  alone = join(work, 'alone');
  await mkdir(alone);
  await copyFile(built, join(alone, 'cosigner-cli.mjs'));
  bundleText = await readFile(built, 'utf8');

  traced = join(work, 'traced', 'cosigner-cli.mjs');
  await buildBundle({ outfile: traced, plugins: [traceEvaluation] });
  tracer = join(work, 'tracer.mjs');
  await writeFile(
    tracer,
    [
      "import { appendFileSync } from 'node:fs';",
      `globalThis[Symbol.for(${JSON.stringify(TRACE_KEY)})] = (id) => appendFileSync(process.env.COSIGNER_TRACE_LOADS, id + '\\n');`,
    ].join('\n'),
  );
}, 300_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the bundle alone in an empty directory', () => {
  it('is the only file there, with no node_modules in any directory above', async () => {
    expect(await readdir(alone)).toEqual(['cosigner-cli.mjs']);
    for (let dir = alone; dir !== dirname(dir); dir = dirname(dir))
      expect(existsSync(join(dir, 'node_modules')), dir).toBe(false);
  });

  it('prints the version of package.json, as text and as JSON, and help', async () => {
    const text = await bundled(['--version']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toBe(`${version}\n`);
    const json = await bundled(['--version', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, command: 'version', result: { version } });
    const help = await bundled(['--help']);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^Usage: cosigner-cli /);
  });

  it('runs as a command through a link on the PATH, by its shebang', async () => {
    const bin = join(work, 'bin');
    await mkdir(bin);
    await symlink(join(alone, 'cosigner-cli.mjs'), join(bin, 'cosigner-cli'));
    const env = cleanEnv(work);
    const ran = await run('cosigner-cli', ['--version'], work, { ...env, PATH: `${bin}${delimiter}${env.PATH}` });
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toBe(`${version}\n`);
  });

  it('runs init, provision, status and destroy on a sandbox', async () => {
    await expectSandboxLifecycle(alone, (args) => bundled(args));
  }, 120_000);

  it('runs the whole lifecycle of the demo: provision, attest, run, verify and the two refused attacks', async () => {
    const demo = await bundled(['demo', '--json'], work);
    expect(demo.code, demo.stderr).toBe(0);
    const envelope = JSON.parse(demo.stdout) as { ok: boolean; result: { steps: { id: string; ok: boolean }[] } };
    expect(envelope.ok).toBe(true);
    expect(envelope.result.steps.map((step) => step.id)).toEqual(
      expect.arrayContaining(['provision', 'attest', 'run', 'restart', 'verify']),
    );
    expect(envelope.result.steps.every((step) => step.ok)).toBe(true);
  }, 120_000);
});

describe('what the bundle carries', () => {
  it('is refused when a module would stay outside it', async () => {
    // commander made external, as a dependency esbuild could not inline would be.
    const external: Plugin = {
      name: 'commander-outside',
      setup(build) {
        build.onResolve({ filter: /^commander$/ }, () => ({ path: 'commander', external: true }));
      },
    };
    const outfile = join(work, 'refused', 'cosigner-cli.mjs');
    await expect(buildBundle({ outfile, plugins: [external] })).rejects.toThrow(
      'the bundle would need modules it does not hold: commander',
    );
    expect(existsSync(outfile)).toBe(false);
  }, 120_000);

  const notices = () => [...bundleText.matchAll(/^ \* ---- (.+)$/gm)].flatMap((m) => (m[1] ?? '').split(', '));

  it('starts with a shebang and names its version', () => {
    expect(bundleText.split('\n', 2)).toEqual([
      '#!/usr/bin/env node',
      expect.stringContaining(`cosigner-cli ${version} (Apache-2.0)`),
    ]);
  });

  it('lists every package it inlines with its licence, the AWS SDK among them', () => {
    const listed = notices();
    expect(listed).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^@aws-sdk\/client-kms@\S+ \(Apache-2\.0\)$/),
        expect.stringMatching(/^@smithy\/core@\S+ \(Apache-2\.0\)$/),
        expect.stringMatching(/^commander@\S+ \(MIT\)$/),
        expect.stringMatching(/^zod@\S+ \(MIT\)$/),
      ]),
    );
    // The Apache-2.0 text itself, not only its name.
    expect(bundleText).toContain('Apache License');
  });

  it('inlines no GPL-family package and not the AGPL policy simulator', () => {
    expect(notices().filter((entry) => /GPL|^@cloud-copilot\//i.test(entry))).toEqual([]);
    expect(bundleText).not.toContain('@cloud-copilot');
  });
});

describe('the bundle evaluates modules only when a command needs them', () => {
  const sdk = (ids: string[]) => ids.filter((id) => id.startsWith('@aws-sdk/') || id.startsWith('@smithy/'));
  const commands = (ids: string[]) => ids.filter((id) => id.startsWith('src/commands/'));

  it.each([[['--help']], [['--version']], [['init', '--help']]])('%j: no command module, no AWS SDK', async (args) => {
    const ids = await evaluated(args);
    expect(ids).toEqual(expect.arrayContaining(['src/main.ts', 'src/cli.ts', 'src/version.ts']));
    expect(ids.some((id) => id.startsWith('commander/'))).toBe(true);
    expect(commands(ids)).toEqual([]);
    expect(sdk(ids)).toEqual([]);
  });

  it('init on a sandbox evaluates the init command, and still no AWS SDK', async () => {
    const ids = await evaluated(['--sandbox', join(work, 'trace-sandbox'), '--json', 'init', '--name', 'alpha']);
    expect(commands(ids)).toContain('src/commands/init.ts');
    expect(commands(ids)).not.toContain('src/commands/provision.ts');
    expect(sdk(ids)).toEqual([]);
  });
});
