// The npm package as a user gets it: `npm pack` of the built tree (dist/, from `npm run build`)
// holds only runtime files; installed from its tarball into an empty directory (production
// dependencies from the npm cache or registry), its binary prints help and the version, and runs
// a sandbox lifecycle; the installed dependencies stay under 90 MB.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, expectSandboxLifecycle, npmEnv, run } from './installed-cli.js';

const root = resolve(import.meta.dirname, '../..');
/** 90 MB (decimal), the ceiling on the installed production dependencies, in du's KiB. */
const MAX_INSTALLED_KIB = 90_000_000 / 1024;

interface Packed {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string }[];
}

let work: string;
let packed: Packed;
let app: string;
let bin: string;
let env: NodeJS.ProcessEnv;

/** The non-test TypeScript sources under src/, as the paths tsc writes them to under dist/. */
async function expectedDist(): Promise<string[]> {
  const entries = await readdir(join(root, 'src'), { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => join('dist', relative(join(root, 'src'), join(e.parentPath, e.name))).replace(/\.ts$/, '.js'))
    .sort();
}

beforeAll(async () => {
  if (!existsSync(join(root, 'dist/main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  work = await mkdtemp(join(tmpdir(), 'cosigner-package-'));
  env = cleanEnv(work);
  // --ignore-scripts: pack the tree as built (prepack would rebuild it).
  const pack = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], root, npmEnv());
  expect(pack.code, pack.stderr).toBe(0);
  packed = (JSON.parse(pack.stdout) as Packed[])[0]!;

  app = join(work, 'app');
  await mkdir(app);
  // The machine's npm cache (warm after `npm ci`) serves the install; the registry what it lacks.
  const install = await run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, packed.filename)],
    app,
    npmEnv(),
  );
  expect(install.code, install.stderr).toBe(0);
  bin = join(app, 'node_modules/.bin/cosigner-cli');
}, 300_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('holds the built program, README, LICENSE and package.json, and nothing else', async () => {
    const paths = packed.files.map((f) => f.path).sort();
    expect(paths.filter((p) => /^(test|src|scripts|coverage|docs|\.ci)\//.test(p))).toEqual([]);
    expect(paths.filter((p) => /\.(map|ts)$/.test(p))).toEqual([]);
    expect(paths.filter((p) => !p.startsWith('dist/'))).toEqual([
      'LICENSE',
      'README.md',
      'bin/cosigner-cli.js',
      'package.json',
    ]);
    // Exactly one compiled file per source: no test, no stale output of a source that moved.
    expect(paths.filter((p) => p.startsWith('dist/'))).toEqual(await expectedDist());
  });
});

describe('the package installed from its tarball into an empty directory', () => {
  it('is a copy, not a link to this repository', async () => {
    const installed = await realpath(join(app, 'node_modules/cosigner-cli'));
    expect(installed.startsWith(await realpath(app))).toBe(true);
    expect(existsSync(join(installed, 'src'))).toBe(false);
  });

  it('prints help and its version', async () => {
    const help = await run(bin, ['--help'], app, env);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^Usage: cosigner-cli /);
    expect(help.stdout).toContain('provision');

    const version = await run(bin, ['--version'], app, env);
    expect(version.code, version.stderr).toBe(0);
    const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(version.stdout).toBe(`${manifest.version}\n`);
  });

  it('runs init, provision, status and destroy on a sandbox', async () => {
    const cwd = join(work, 'lifecycle');
    await mkdir(cwd);
    await expectSandboxLifecycle(cwd, (args) => run(bin, args, cwd, env));
  }, 120_000);

  it('installs production dependencies only, under 90 MB', async () => {
    const installed = await readdir(join(app, 'node_modules'));
    expect(installed).toContain('@aws-sdk');
    for (const dev of ['vitest', 'typescript', 'esbuild', 'tsx', '@cloud-copilot'])
      expect(installed).not.toContain(dev);
    const du = await run('du', ['-sk', join(app, 'node_modules')], app, env);
    expect(du.code, du.stderr).toBe(0);
    const kib = Number(du.stdout.split(/\s/)[0]);
    expect(kib).toBeGreaterThan(1024);
    expect(kib).toBeLessThan(MAX_INSTALLED_KIB);
  });
});
