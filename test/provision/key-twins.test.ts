// A CreateKey the SDK retried after a reset (the first attempt had in fact made a key) leaves a
// twin. Apply retires it at once; when the run ends before it could (Ctrl-C, or the retirement
// itself failed), the next run must still find the twin and retire it: one live key, never two.
import { afterEach, describe, expect, it } from 'vitest';
import type { SandboxKnobsInput, SandboxPorts } from '../../src/aws/sandbox/index.js';
import { CosignerError } from '../../src/errors.js';
import { runProvisionFlow } from '../../src/provision/provision.js';
import { TestIoHost } from '../helpers/test-io-host.js';
import { expectConverged, FAST_RETRY, inventory, makeWorld, type World } from '../e2e/world.js';

// With this seed the first CreateKey attempt is reset after the key was made and the SDK's second
// attempt succeeds: exactly one twin, every time (only CreateKey draws from the fault sequence).
const TWIN: SandboxKnobsInput = { iamPropagationDelayMs: 0, faults: { reset: 0.5, only: ['kms:CreateKey'], seed: 28 } };
const TWIN_WARNING = 'a retried CreateKey made a second key';

let world: World | undefined;
afterEach(async () => {
  await world?.cleanup();
  world = undefined;
});

async function firstRun(w: World, io: TestIoHost, ports: SandboxPorts): Promise<CosignerError> {
  const section = io.interruptible('provisioning');
  try {
    const error = await runProvisionFlow(
      { dryRun: false, resume: false },
      {
        ports,
        io,
        config: w.config,
        configPath: w.configPath,
        now: () => new Date(),
        retry: FAST_RETRY,
        concurrency: 1,
        signal: section.signal,
      },
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CosignerError);
    return error as CosignerError;
  } finally {
    section.end();
  }
}

/** The same ports with the first `kms:PutKeyPolicy` refused (AccessDenied, a definite failure). */
function refuseFirstPutKeyPolicy(ports: SandboxPorts): SandboxPorts {
  let refused = false;
  const kms = new Proxy(ports.kms, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const method = (value as (input: unknown) => Promise<unknown>).bind(target);
      if (property !== 'putKeyPolicy') return method;
      return (input: unknown) => {
        if (refused) return method(input);
        refused = true;
        return Promise.reject(
          Object.assign(new Error('not authorized to perform: kms:PutKeyPolicy'), {
            name: 'AccessDeniedException',
            $fault: 'client',
            $metadata: { httpStatusCode: 400 },
          }),
        );
      };
    },
  });
  return { ...ports, kms };
}

describe('the twin of a retried CreateKey', () => {
  it('is retired within the run that made it', async () => {
    world = await makeWorld();
    const io = new TestIoHost({ assumeYes: true });
    await world.provision({ io, knobs: TWIN, concurrency: 1 });
    expect(io.texts('warn').filter((t) => t.startsWith(TWIN_WARNING))).toHaveLength(1);
    expectConverged(await world.state());
    expect(inventory(await world.state()).retiredKeys).toHaveLength(1);
  });

  const endings: [string, (w: World) => Promise<CosignerError>][] = [
    [
      'the run is interrupted once the twin is found, before it is retired',
      async (w) =>
        firstRun(
          w,
          new TestIoHost({ assumeYes: true, interruptOn: (e) => e.text.startsWith(TWIN_WARNING) }),
          await w.ports(TWIN),
        ),
    ],
    [
      "the twin's retirement fails",
      async (w) => firstRun(w, new TestIoHost({ assumeYes: true }), refuseFirstPutKeyPolicy(await w.ports(TWIN))),
    ],
  ];
  for (const [ending, run] of endings) {
    it(`is retired by the next run when ${ending}`, async () => {
      world = await makeWorld();
      const error = await run(world);
      expect(['ABORTED', 'AWS_ACCESS_DENIED']).toContain(error.code);
      // The run ended with both keys live: the twin's retirement never happened.
      expect(inventory(await world.state()).liveKeys).toHaveLength(2);

      const next = await world.provision({ request: { resume: true } });
      expect(next.mode).toBe('applied');
      const state = await world.state();
      expectConverged(state);
      expect(inventory(state).retiredKeys).toHaveLength(1);
      // And the run after that has nothing left to do.
      const again = await world.provision();
      expect(again.plan.summary.writes).toBe(0);
    });
  }

  it('is retired by a third run when the second stops before retiring it too', async () => {
    world = await makeWorld();
    await endings[0]![1](world);
    // The second run plans the twin's retirement in the key's update and is stopped as that starts.
    const io = new TestIoHost({
      assumeYes: true,
      interruptOn: (e) => e.kind === 'step' && /^update KMS key/.test(e.text),
    });
    const error = await firstRun(world, io, await world.ports());
    expect(error.code).toBe('ABORTED');
    expect(io.steps.map((s) => s.text)).toContainEqual(expect.stringMatching(/^update KMS key/));
    expect(inventory(await world.state()).liveKeys).toHaveLength(2);

    await world.provision({ request: { resume: true } });
    const state = await world.state();
    expectConverged(state);
    expect(inventory(state).retiredKeys).toHaveLength(1);
  });
});
