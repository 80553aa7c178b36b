/**
 * Start-up of the single-file bundle against the npm package: `--help` and `--version` of
 * dist-bundle's build (copied alone into an empty temp directory) and of bin/cosigner-cli.js,
 * beside bare `node -e 0`, interleaved in the same run so machine load affects all alike.
 * Builds the bundle itself; needs `npm run build` for the package. Prints one JSON line with
 * the bundle's size and the medians.
 *   node --import tsx scripts/bench-bundle.ts [iterations]
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildBundle } from './bundle.js';

const root = resolve(import.meta.dirname, '..');
const bin = resolve(root, 'bin/cosigner-cli.js');
if (!existsSync(resolve(root, 'dist/main.js'))) {
  process.stderr.write('dist/ is missing: run `npm run build` first\n');
  process.exit(2);
}
const iterations = Number(process.argv[2] ?? 21);

const work = mkdtempSync(join(tmpdir(), 'cosigner-bench-bundle-'));
const built = await buildBundle({ outfile: join(work, 'build', 'cosigner-cli.mjs') });
const alone = join(work, 'alone');
const bundle = join(alone, 'cosigner-cli.mjs');
mkdirSync(alone);
copyFileSync(built.outfile, bundle);

const cases = {
  node: ['-e', '0'],
  packageHelp: [bin, '--help'],
  bundleHelp: [bundle, '--help'],
  packageVersion: [bin, '--version'],
  bundleVersion: [bundle, '--version'],
} as const;
type Case = keyof typeof cases;

function timeOnce(args: readonly string[]): number {
  const start = process.hrtime.bigint();
  const run = spawnSync(process.execPath, args, {
    cwd: alone,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  if (run.status !== 0) throw new Error(`${args.join(' ')} exited ${run.status}: ${run.stderr.toString()}`);
  return elapsed;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

try {
  // Warm the file-system cache once, then interleave.
  for (const args of Object.values(cases)) timeOnce(args);
  const samples = Object.fromEntries(Object.keys(cases).map((name) => [name, [] as number[]])) as Record<
    Case,
    number[]
  >;
  for (let i = 0; i < iterations; i++) {
    for (const [name, args] of Object.entries(cases) as [Case, readonly string[]][]) samples[name].push(timeOnce(args));
  }
  const ms = Object.fromEntries(
    Object.entries(samples).map(([name, values]) => [name, Math.round(median(values) * 100) / 100]),
  ) as Record<Case, number>;
  process.stdout.write(
    `${JSON.stringify({
      bench: 'bundle-startup',
      node: process.version,
      iterations,
      bundleBytes: built.bytes,
      bundleMiB: Math.round((built.bytes / 2 ** 20) * 100) / 100,
      nodeMs: ms.node,
      packageHelpMs: ms.packageHelp,
      bundleHelpMs: ms.bundleHelp,
      packageVersionMs: ms.packageVersion,
      bundleVersionMs: ms.bundleVersion,
      helpRatio: Math.round((ms.bundleHelp / ms.packageHelp) * 100) / 100,
    })}\n`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
