/**
 * How the fault matrices run their cases. The crash matrices (a crash before and after every write
 * call) are exhaustive in every run; the seeded scenarios (throttling, 5xx, resets, several crashes
 * in a row) try FAULT_SEEDS seeds each: 2 by default (CI, `npm run check`), more for a longer
 * search, e.g. before a release:
 *
 *   FAULT_SEEDS=20 npx vitest run test/e2e/faults.e2e.test.ts test/e2e/network-faults.e2e.test.ts
 *
 * Each seed replays exactly: a failure names its seed, and FAULT_SEEDS reaching it replays it.
 */
import pLimit from 'p-limit';

const DEFAULT_SEEDS = 2;

function budget(): number {
  const text = process.env.FAULT_SEEDS;
  if (text === undefined || text === '') return DEFAULT_SEEDS;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`FAULT_SEEDS must be a positive integer (got ${text})`);
  return n;
}

export const FAULT_SEEDS = budget();

/** The seeds 1..FAULT_SEEDS, after the ones a scenario must always try (known to hit its case). */
export function faultSeeds(always: readonly number[] = []): number[] {
  const seeds = [...always];
  for (let seed = 1; seeds.length < Math.max(FAULT_SEEDS, always.length); seed++)
    if (!seeds.includes(seed)) seeds.push(seed);
  return seeds;
}

/**
 * Runs `check(n)` for n = 1..count, four at a time: each case has its own world (directories and
 * sandbox account), and a run spends most of its time waiting for its journal's writes, so cases
 * overlap well. Every case runs; the failures are reported together, each under its label.
 */
export async function eachCase(count: number, label: (n: number) => string, check: (n: number) => Promise<void>) {
  const limit = pLimit(4);
  const outcomes = await Promise.allSettled(Array.from({ length: count }, (_, i) => limit(() => check(i + 1))));
  const failed = outcomes.flatMap((outcome, i) =>
    outcome.status === 'rejected' ? [{ label: label(i + 1), error: outcome.reason as unknown }] : [],
  );
  if (failed.length === 0) return;
  const first = failed[0]!.error;
  throw new AggregateError(
    failed.map((f) => f.error),
    `${failed.length} of ${count} cases failed: ${failed.map((f) => f.label).join(', ')}\n` +
      `first (${failed[0]!.label}): ${first instanceof Error ? (first.stack ?? first.message) : String(first)}`,
  );
}

/** {@link eachCase} over seeds: each failure is reported under its seed, which replays it. */
export function eachSeed(seeds: readonly number[], check: (seed: number) => Promise<void>): Promise<void> {
  return eachCase(
    seeds.length,
    (n) => `seed ${seeds[n - 1]!}`,
    (n) => check(seeds[n - 1]!),
  );
}
