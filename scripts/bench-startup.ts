/**
 * Start-up benchmark: `cosigner-cli --version` and `--help` against bare `node -e 0`, interleaved
 * in the same run so machine load affects all three alike. Prints one JSON line with the medians
 * and their ratios to bare node (target ≤ 1.5). Needs a build: `npm run build` (npm run bench does it).
 *   node --import tsx scripts/bench-startup.ts [iterations]
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const bin = resolve(root, 'bin/cosigner-cli.js');
if (!existsSync(resolve(root, 'dist/main.js'))) {
  process.stderr.write('dist/ is missing: run `npm run build` first\n');
  process.exit(2);
}
const iterations = Number(process.argv[2] ?? 21);

const cases = {
  node: ['-e', '0'],
  version: [bin, '--version'],
  help: [bin, '--help'],
} as const;

function timeOnce(args: readonly string[]): number {
  const start = process.hrtime.bigint();
  const run = spawnSync(process.execPath, args, {
    cwd: root,
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

// Warm the file-system cache once, then interleave.
for (const args of Object.values(cases)) timeOnce(args);
const samples: Record<keyof typeof cases, number[]> = { node: [], version: [], help: [] };
for (let i = 0; i < iterations; i++) {
  for (const [name, args] of Object.entries(cases) as [keyof typeof cases, readonly string[]][])
    samples[name].push(timeOnce(args));
}

const node = median(samples.node);
const version = median(samples.version);
const help = median(samples.help);
const round = (n: number) => Math.round(n * 100) / 100;
process.stdout.write(
  `${JSON.stringify({
    bench: 'startup',
    node: process.version,
    iterations,
    nodeMs: round(node),
    versionMs: round(version),
    helpMs: round(help),
    versionRatio: round(version / node),
    helpRatio: round(help / node),
    target: 1.5,
  })}\n`,
);
