// The fault matrix for a managed network: a crash before and after every write call of provision
// and of destroy, and transient faults (resets after the call took effect make the SDK retry
// creates that have no ClientToken). Every scenario converges on re-run to exactly one of each
// part with nothing orphaned, and destroy then leaves no part of the network behind.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isCosignerError } from '../../src/errors.js';
import type { SandboxKnobsInput } from '../../src/aws/sandbox/index.js';
import { TestIoHost } from '../helpers/test-io-host.js';
import { expectManagedNetwork, expectNoNetwork } from './network-world.js';
import { expectConverged, inventory, makeWorld, type World } from './world.js';

const MANAGED = { network: { mode: 'managed' } };
// No IAM delay: its failed attempts are write calls too, and their number varies with timing.
const STEADY = { iamPropagationDelayMs: 0 };

let world: World | undefined;
afterEach(async () => {
  await world?.cleanup();
  world = undefined;
});

async function expectSettled(w: World): Promise<void> {
  const state = await w.state();
  expectConverged(state, 'demo', { publicIp: false });
  expectManagedNetwork(state);
  const again = await w.provision();
  expect(again.plan.summary.writes).toBe(0);
  expect(again.ports.writeCalls()).toBe(0);
}

let provisionWrites = 0;
let destroyWrites = 0;
beforeAll(async () => {
  const w = await makeWorld(MANAGED);
  try {
    provisionWrites = (await w.provision({ knobs: STEADY, concurrency: 1 })).ports.writeCalls();
    destroyWrites = (await w.destroy({ knobs: STEADY })).ports.writeCalls();
  } finally {
    await w.cleanup();
  }
});

describe('a managed network, crashed at any write call', () => {
  it('counts the write calls of a clean provision and destroy', () => {
    // 19 for the co-signer's resources, 22 for its network.
    expect(provisionWrites).toBe(41);
    expect(destroyWrites).toBeGreaterThan(20);
  });

  for (const when of ['before', 'after'] as const) {
    it(`provision converges after a crash ${when} each write call, without duplicates`, async () => {
      for (let n = 1; n <= provisionWrites; n++) {
        world = await makeWorld(MANAGED);
        await expect(
          world.provision({ knobs: { ...STEADY, crash: { when, writeCall: n } }, concurrency: 1 }),
        ).toThrowCosignerError('SANDBOX_CRASH');
        const resumed = await world.provision({ request: { resume: true } });
        expect(resumed.mode, `crash ${when} write ${n}`).toBe(
          when === 'after' && n === provisionWrites ? 'up-to-date' : 'applied',
        );
        await expectSettled(world);
        await world.cleanup();
        world = undefined;
      }
    }, 300_000);

    it(`destroy leaves nothing after a crash ${when} each of its write calls`, async () => {
      for (let n = 1; n <= destroyWrites; n++) {
        world = await makeWorld(MANAGED);
        await world.provision({ knobs: STEADY });
        await expect(world.destroy({ knobs: { ...STEADY, crash: { when, writeCall: n } } })).toThrowCosignerError(
          'SANDBOX_CRASH',
        );
        await world.destroy();
        expectNoNetwork(await world.state());
        const inv = inventory(await world.state());
        expect([inv.roles.length, inv.profiles.length, inv.instances.length], `crash ${when} write ${n}`).toEqual([
          0, 0, 0,
        ]);
        await world.cleanup();
        world = undefined;
      }
    }, 300_000);
  }
});

describe('a managed network under transient faults', () => {
  const scenarios: [string, (seed: number) => SandboxKnobsInput, boolean][] = [
    [
      'connection resets on 60 % of the creates without ClientToken',
      (seed) => ({
        faults: {
          reset: 0.6,
          only: ['ec2:CreateVpc', 'ec2:CreateSubnet', 'ec2:CreateInternetGateway', 'ec2:AllocateAddress'],
          seed,
        },
      }),
      true,
    ],
    [
      'throttling, 5xx and resets together',
      (seed) => ({ faults: { throttle: 0.2, serverError: 0.1, reset: 0.1, seed } }),
      false,
    ],
  ];
  for (const [name, knobs, twinsExpected] of scenarios) {
    it(`converges under ${name}, and destroy removes every part`, async () => {
      let twins = 0;
      for (const seed of [1, 2, 3]) {
        world = await makeWorld(MANAGED);
        let done = false;
        for (let attempt = 1; attempt <= 8 && !done; attempt++) {
          const io = new TestIoHost({ assumeYes: true });
          try {
            await world
              .provision({ io, knobs: knobs(seed * 100 + attempt), request: { resume: attempt > 1 } })
              .finally(() => {
                twins += io.texts('warn').filter((t) => t.startsWith('a retried create made a second')).length;
              });
            done = true;
          } catch (error) {
            if (!isCosignerError(error)) throw error;
          }
        }
        expect(done, `seed ${seed}`).toBe(true);
        await expectSettled(world);
        await world.destroy();
        expectNoNetwork(await world.state());
        await world.cleanup();
        world = undefined;
      }
      // The seeds above are known to make the SDK retry a create that had succeeded; the twin went.
      if (twinsExpected) expect(twins).toBeGreaterThan(0);
    }, 300_000);
  }
});
