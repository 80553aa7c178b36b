// The fault matrix for a managed network: a crash before and after every write call of provision
// and of destroy, and transient faults (resets after the call took effect make the SDK retry
// creates that have no ClientToken). Every scenario converges on re-run to exactly one of each
// part with nothing orphaned, and destroy then leaves no part of the network behind. The sandbox
// accounts are kept in memory (world.ts); the seeded scenarios try FAULT_SEEDS seeds each
// (matrix.ts).
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isCosignerError } from '../../src/errors.js';
import type { SandboxKnobsInput } from '../../src/aws/sandbox/index.js';
import { TestIoHost } from '../helpers/test-io-host.js';
import { eachCase, eachSeed, faultSeeds } from './matrix.js';
import { expectManagedNetwork, expectNoNetwork } from './network-world.js';
import { expectConverged, inventory, makeWorld, type World } from './world.js';

const MANAGED = { network: { mode: 'managed' } };
const IN_MEMORY = { memory: true };
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
/** A clean provision, then a clean destroy: each write call journaled (intents, in order). */
let journaled: { provision: string[]; destroy: string[] };
/** A world provisioned once, copied for each crash point of destroy. */
let provisioned: World;
beforeAll(async () => {
  provisioned = await makeWorld(MANAGED, IN_MEMORY);
  await provisioned.provision({ knobs: STEADY });
  const w = await makeWorld(MANAGED, IN_MEMORY);
  try {
    provisionWrites = (await w.provision({ knobs: STEADY, concurrency: 1 })).ports.writeCalls();
    const afterProvision = (await w.journal()).entries.length;
    destroyWrites = (await w.destroy({ knobs: STEADY })).ports.writeCalls();
    const intents = (entries: readonly { phase: string; op: string }[]) =>
      entries.filter((e) => e.phase === 'intent').map((e) => e.op);
    const entries = (await w.journal()).entries;
    journaled = {
      provision: intents(entries.slice(0, afterProvision)),
      destroy: intents(entries.slice(afterProvision)),
    };
  } finally {
    await w.cleanup();
  }
  return () => provisioned.cleanup();
});

describe('a managed network, crashed at any write call', () => {
  it('journals every write call of a clean provision and destroy, each part made and removed once', () => {
    expect(journaled.provision).toHaveLength(provisionWrites);
    expect(journaled.destroy).toHaveLength(destroyWrites);
    const count = (ops: string[], op: string) => ops.filter((o) => o === op).length;
    // One network: one VPC, gateway, address and NAT gateway, two subnets and route tables,
    // five endpoints; destroy removes each.
    for (const [make, remove, n] of [
      ['ec2:CreateVpc', 'ec2:DeleteVpc', 1],
      ['ec2:CreateInternetGateway', 'ec2:DeleteInternetGateway', 1],
      ['ec2:AllocateAddress', 'ec2:ReleaseAddress', 1],
      ['ec2:CreateNatGateway', 'ec2:DeleteNatGateway', 1],
      ['ec2:CreateSubnet', 'ec2:DeleteSubnet', 2],
      ['ec2:CreateRouteTable', 'ec2:DeleteRouteTable', 2],
    ] as const) {
      expect([count(journaled.provision, make), count(journaled.destroy, remove)], make).toEqual([n, n]);
    }
    expect(count(journaled.provision, 'ec2:CreateVpcEndpoint')).toBe(5);
  });

  it('has no write call beyond the last one counted: a crash hook after it never fires', async () => {
    world = await makeWorld(MANAGED, IN_MEMORY);
    const run = await world.provision({
      knobs: { ...STEADY, crash: { when: 'before', writeCall: provisionWrites + 1 } },
      concurrency: 1,
    });
    expect([run.mode, run.ports.writeCalls()]).toEqual(['applied', provisionWrites]);
    const gone = await world.destroy({ knobs: { ...STEADY, crash: { when: 'before', writeCall: destroyWrites + 1 } } });
    expect(gone.ports.writeCalls()).toBe(destroyWrites);
    expectNoNetwork(await world.state());
  });

  for (const when of ['before', 'after'] as const) {
    it(`provision converges after a crash ${when} each write call, without duplicates`, async () => {
      await eachCase(
        provisionWrites,
        (n) => `crash ${when} write ${n}`,
        async (n) => {
          const w = await makeWorld(MANAGED, IN_MEMORY);
          try {
            await expect(
              w.provision({ knobs: { ...STEADY, crash: { when, writeCall: n } }, concurrency: 1 }),
            ).toThrowCosignerError('SANDBOX_CRASH');
            const resumed = await w.provision({ request: { resume: true } });
            expect(resumed.mode).toBe(when === 'after' && n === provisionWrites ? 'up-to-date' : 'applied');
            await expectSettled(w);
          } finally {
            await w.cleanup();
          }
        },
      );
    }, 300_000);

    it(`destroy leaves nothing after a crash ${when} each of its write calls`, async () => {
      await eachCase(
        destroyWrites,
        (n) => `crash ${when} write ${n}`,
        async (n) => {
          // The provisioned world copied: the same start for every case, provisioned once.
          const w = await provisioned.fork();
          try {
            await expect(w.destroy({ knobs: { ...STEADY, crash: { when, writeCall: n } } })).toThrowCosignerError(
              'SANDBOX_CRASH',
            );
            await w.destroy();
            expectNoNetwork(await w.state());
            const inv = inventory(await w.state());
            expect([inv.roles.length, inv.profiles.length, inv.instances.length]).toEqual([0, 0, 0]);
          } finally {
            await w.cleanup();
          }
        },
      );
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
      await eachSeed(faultSeeds(), async (seed) => {
        const w = await makeWorld(MANAGED, IN_MEMORY);
        try {
          let done = false;
          for (let attempt = 1; attempt <= 8 && !done; attempt++) {
            const io = new TestIoHost({ assumeYes: true });
            try {
              await w
                .provision({ io, knobs: knobs(seed * 100 + attempt), request: { resume: attempt > 1 } })
                .finally(() => {
                  twins += io.texts('warn').filter((t) => t.startsWith('a retried create made a second')).length;
                });
              done = true;
            } catch (error) {
              if (!isCosignerError(error)) throw error;
            }
          }
          expect(done, 'converged in 8 runs').toBe(true);
          await expectSettled(w);
          await w.destroy();
          expectNoNetwork(await w.state());
        } finally {
          await w.cleanup();
        }
      });
      // Seeds 1 and 2 are known to make the SDK retry a create that had succeeded; the twin went.
      if (twinsExpected) expect(twins).toBeGreaterThan(0);
    }, 300_000);
  }
});
