// The fault matrix on the sandbox: a crash before and after every write call, throttling, 5xx,
// connection resets (before and after the call took effect) and IAM propagation delay. Every
// scenario must converge on re-run to exactly one of each resource with nothing orphaned, and the
// run after that must make no write call.
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isCosignerError } from '../../src/errors.js';
import type { SandboxKnobsInput } from '../../src/aws/sandbox/index.js';
import { expectConverged, inventory, makeWorld, type World } from './world.js';

let world: World | undefined;
afterEach(async () => {
  await world?.cleanup();
  world = undefined;
});

/** Run provision until it succeeds (each attempt a fresh process), at most `max` times. */
async function converge(w: World, knobs: (attempt: number) => SandboxKnobsInput, max = 8): Promise<number> {
  for (let attempt = 1; attempt <= max; attempt++) {
    try {
      await w.provision({ knobs: knobs(attempt), request: { resume: attempt > 1 } });
      return attempt;
    } catch (error) {
      // Only coded errors: a fault that outlasted the retries, or the injected crash.
      if (!isCosignerError(error)) throw error;
    }
  }
  throw new Error(`did not converge in ${max} runs`);
}

async function expectSettled(w: World): Promise<void> {
  expectConverged(await w.state());
  const again = await w.provision();
  expect(again.plan.summary.writes).toBe(0);
  expect(again.ports.writeCalls()).toBe(0);
}

// No IAM delay here: its failed attempts are write calls too, and their number varies with timing.
const STEADY = { iamPropagationDelayMs: 0 };
let writesOfCleanRun = 0;
beforeAll(async () => {
  const w = await makeWorld();
  const run = await w.provision({ knobs: STEADY, concurrency: 1 });
  writesOfCleanRun = run.ports.writeCalls();
  await w.cleanup();
});

describe('a crash at any write call', () => {
  it('counts the write calls of a clean run', () => {
    expect(writesOfCleanRun).toBe(19);
  });

  // One call at a time makes "the N-th write" the same call in every run (and the sandbox's
  // after-N hook exact); the property test below crashes concurrent runs.
  for (const when of ['before', 'after'] as const) {
    it(`converges after a crash ${when} each write call, without duplicates`, async () => {
      for (let n = 1; n <= writesOfCleanRun; n++) {
        world = await makeWorld();
        await expect(
          world.provision({ knobs: { ...STEADY, crash: { when, writeCall: n } }, concurrency: 1 }),
        ).toThrowCosignerError('SANDBOX_CRASH');
        const resumed = await world.provision({ request: { resume: true } });
        // After the last write took effect there is nothing left to do.
        expect(resumed.mode, `crash ${when} write ${n}`).toBe(
          when === 'after' && n === writesOfCleanRun ? 'up-to-date' : 'applied',
        );
        expectConverged(await world.state());
        // A key made just before the crash is found again, not made twice.
        expect(inventory(await world.state()).retiredKeys, `crash ${when} write ${n}`).toEqual([]);
        await expectSettled(world);
        await world.cleanup();
        world = undefined;
      }
    }, 120_000);
  }

  it('converges after several crashes in a row (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            when: fc.constantFrom('before' as const, 'after' as const),
            writeCall: fc.integer({ min: 1, max: 20 }),
          }),
          { minLength: 1, maxLength: 3 },
        ),
        async (crashes) => {
          const w = await makeWorld();
          try {
            for (const crash of crashes) {
              try {
                await w.provision({ knobs: { crash }, request: { resume: true } });
              } catch (error) {
                if (!isCosignerError(error, 'SANDBOX_CRASH')) throw error;
              }
            }
            await w.provision({ request: { resume: true } });
            await expectSettled(w);
          } finally {
            await w.cleanup();
          }
        },
      ),
      { numRuns: 12, seed: 7 },
    );
  }, 120_000);
});

describe('transient faults', () => {
  const scenarios: [string, (seed: number) => SandboxKnobsInput][] = [
    ['throttling on 20 % of calls', (seed) => ({ faults: { throttle: 0.2, seed } })],
    ['5xx on 15 % of calls', (seed) => ({ faults: { serverError: 0.15, seed } })],
    ['connection resets on 15 % of calls', (seed) => ({ faults: { reset: 0.15, seed } })],
    ['a slow IAM (400 ms propagation)', () => ({ iamPropagationDelayMs: 400 })],
    [
      'all of them together',
      (seed) => ({ faults: { throttle: 0.2, serverError: 0.1, reset: 0.1, seed }, iamPropagationDelayMs: 150 }),
    ],
  ];
  it('retires the twin keys a retried CreateKey makes (resets after the key was created)', async () => {
    let twins = 0;
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      world = await makeWorld();
      await converge(world, (attempt) => ({
        faults: { reset: 0.7, only: ['kms:CreateKey'], seed: seed * 10 + attempt },
      }));
      await expectSettled(world);
      twins += inventory(await world.state()).retiredKeys.length;
      await world.cleanup();
      world = undefined;
    }
    // The seeds above are known to produce twins; each was scheduled for deletion, none left live.
    expect(twins).toBeGreaterThan(0);
  }, 120_000);

  for (const [name, knobs] of scenarios) {
    it(`converges under ${name}`, async () => {
      for (const seed of [1, 2, 3, 4]) {
        world = await makeWorld();
        await converge(world, (attempt) => knobs(seed * 100 + attempt));
        await expectSettled(world);
        await world.cleanup();
        world = undefined;
      }
    }, 120_000);
  }
});
