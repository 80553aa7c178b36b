// Interruption of provision, destroy and attest at precise points, in process on the sandbox: the
// TestIoHost interrupts (as a first Ctrl-C would) when a given step starts or message is sent.
// Each run must stop starting writes, finish what is in flight, throw ABORTED saying what was
// done, write no receipt, and leave a journal from which a re-run converges without duplicates.
import { access } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runAttest } from '../../src/attest/attest.js';
import { CosignerError } from '../../src/errors.js';
import { Journal, journalPath } from '../../src/engine/journal.js';
import { runProvisionFlow } from '../../src/provision/provision.js';
import { runDestroyFlow } from '../../src/teardown/teardown.js';
import type { SandboxKnobsInput } from '../../src/aws/sandbox/index.js';
import { TestIoHost, type TestIoHostOptions } from '../helpers/test-io-host.js';
import { readTrail } from './trail.js';
import { expectConverged, FAST_RETRY, inventory, makeWorld, REGION, type World } from './world.js';

const EU_PCR8 = 'fffc94d68a150b49dc39b23954c793cd1a4f7972f528a1ee258dc130b6cd9454e29ae72ef66bd9697a55e774e17a2d49';

let world: World;
afterEach(async () => {
  await world.cleanup();
});

/** Run a flow the way the command does: inside the host's guarded section, with its signal. */
async function guarded<T>(io: TestIoHost, what: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const section = io.interruptible(what);
  try {
    return await run(section.signal);
  } finally {
    section.end();
  }
}

async function provision(interruptOn: TestIoHostOptions['interruptOn'], knobs: SandboxKnobsInput = {}) {
  const io = new TestIoHost({ assumeYes: true, interruptOn });
  const ports = await world.ports(knobs);
  const outcome = guarded(io, 'provisioning', (signal) =>
    runProvisionFlow(
      { dryRun: false, resume: false },
      {
        ports,
        io,
        config: world.config,
        configPath: world.configPath,
        now: () => new Date(),
        retry: FAST_RETRY,
        signal,
      },
    ),
  );
  return { io, ports, outcome };
}

async function journal() {
  const scope = { name: 'demo', accountId: '111122223333', region: REGION };
  return Journal.open(journalPath(dirname(world.configPath), scope), scope, () => new Date());
}

const receiptExists = () =>
  access(join(world.dir, 'cosigner.receipt.json')).then(
    () => true,
    () => false,
  );

async function aborted(promise: Promise<unknown>): Promise<CosignerError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CosignerError);
  expect((error as CosignerError).code).toBe('ABORTED');
  expect((error as CosignerError).exitCode).toBe(130);
  return error as CosignerError;
}

describe('provision interrupted', () => {
  it('while it reads what exists: no plan is acted on, nothing is written, no receipt', async () => {
    world = await makeWorld();
    // PROVISION_TARGET is sent right after sts:GetCallerIdentity, before observation starts.
    const { io, ports, outcome } = await provision((e) => e.code === 'PROVISION_TARGET');
    const error = await aborted(outcome);
    expect(error.message).toBe('interrupted while reading what exists: nothing was changed');
    expect(error.hint).toBe('to continue, run `cosigner-cli test-command` again: it picks up what this run did');
    expect(ports.writeCalls()).toBe(0);
    expect(io.steps).toEqual([]);
    expect(await receiptExists()).toBe(false);
    expect((await journal()).runs).toEqual([]);
    expect((await world.provision()).mode).toBe('applied');
    expectConverged(await world.state());
  });

  it('while applying: calls in flight finish, nothing new starts, ABORTED says what was done', async () => {
    world = await makeWorld();
    const { io, outcome } = await provision((e) => e.kind === 'step' && e.text.startsWith('create KMS key'));
    const error = await aborted(outcome);
    expect(error.message).toMatch(
      /^interrupted: \d of 7 resource\(s\) done, (\d stopped part-way, )?\d not started; \d+ write call\(s\) finished and were journaled$/,
    );
    const context = error.context as { done: string[]; stoppedPartWay: string[]; notStarted: string[] };
    expect(context.done).toContain('IAM role demo-cosigner');
    expect(context.stoppedPartWay).toContain('KMS key alias/demo-cosigner');
    expect(context.notStarted).toEqual(
      expect.arrayContaining(['role permissions (cosigner-access + SSM)', 'EC2 host demo-cosigner-host']),
    );
    expect(io.steps.find((s) => s.text.startsWith('create KMS key'))?.outcome).toBe('skip');
    expect(io.steps.find((s) => s.text.startsWith('create EC2 host'))).toBeUndefined();
    expect(await receiptExists()).toBe(false);
    const inv = inventory(await world.state());
    expect([inv.roles.length, inv.liveKeys.length, inv.instances.length]).toEqual([1, 0, 0]);
    const j = await journal();
    expect(j.runs.map((r) => r.outcome)).toEqual(['interrupted']);
    expect(j.pending()).toEqual([]);
    // The re-run converges: one of each, nothing twice.
    const again = await world.provision();
    expect(again.mode).toBe('applied');
    expectConverged(await world.state());
    expect(await receiptExists()).toBe(true);
  });

  it('during the very last call: it finishes, yet no receipt and no success; the re-run writes the receipt with no write', async () => {
    world = await makeWorld();
    const io = new TestIoHost({ assumeYes: true });
    const ports = await world.ports({ iamPropagationDelayMs: 0 });
    // Interrupt while the last write call of the plan is in flight: how many there are, a clean
    // run in another account says.
    const probe = await makeWorld({}, { memory: true });
    const last = await probe
      .provision({ knobs: { iamPropagationDelayMs: 0 } })
      .then((run) => run.ports.writeCalls())
      .finally(() => probe.cleanup());
    let writes = 0;
    const spy = <S extends object>(service: S): S =>
      new Proxy(service, {
        get(target, property, receiver) {
          const value: unknown = Reflect.get(target, property, receiver);
          if (typeof value !== 'function') return value;
          // Methods run on the real object (the sandbox services keep private fields).
          if (typeof property !== 'string' || /^(get|describe|list|head|lookup)/.test(property))
            return (value as (i: unknown) => unknown).bind(target);
          return (input: unknown) => {
            writes += 1;
            const sent = (value as (i: unknown) => Promise<unknown>).call(target, input);
            if (writes === last) io.interrupt();
            return sent;
          };
        },
      });
    const watched = {
      ...ports,
      iam: spy(ports.iam),
      s3: spy(ports.s3),
      kms: spy(ports.kms),
      ec2: spy(ports.ec2),
      destroy: () => ports.destroy(),
    };
    const error = await aborted(
      guarded(io, 'provisioning', (signal) =>
        runProvisionFlow(
          { dryRun: false, resume: false },
          {
            ports: watched,
            io,
            config: world.config,
            configPath: world.configPath,
            now: () => new Date(),
            retry: FAST_RETRY,
            signal,
          },
        ),
      ),
    );
    expect(writes).toBe(last);
    expect(error.message).toBe(
      `interrupted: 7 of 7 resource(s) done, 0 not started; ${last} write call(s) finished and were journaled`,
    );
    expect(await receiptExists()).toBe(false);
    expectConverged(await world.state());
    const again = await world.provision();
    expect([again.mode, again.ports.writeCalls()]).toEqual(['up-to-date', 0]);
    expect(await receiptExists()).toBe(true);
  });

  it('a call queued behind the concurrency limit is not sent once interrupted, and its intent is closed', async () => {
    world = await makeWorld();
    const io = new TestIoHost({ assumeYes: true });
    const ports = await world.ports();
    // One call at a time: the bucket's CreateBucket waits in the queue while CreateRole is sent.
    const iam = new Proxy(ports.iam, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        if (property !== 'createRole') return (value as (i: unknown) => unknown).bind(target);
        return (input: unknown) => {
          io.interrupt();
          return (value as (i: unknown) => Promise<unknown>).call(target, input);
        };
      },
    });
    await aborted(
      guarded(io, 'provisioning', (signal) =>
        runProvisionFlow(
          { dryRun: false, resume: false },
          {
            ports: { ...ports, iam, destroy: () => ports.destroy() },
            io,
            config: world.config,
            configPath: world.configPath,
            now: () => new Date(),
            retry: FAST_RETRY,
            concurrency: 1,
            signal,
          },
        ),
      ),
    );
    const sent = (await readTrail(world.sandboxDir)).filter((e) => !e.readOnly).map((e) => e.eventName);
    expect(sent).toEqual(['CreateRole']);
    const j = await journal();
    expect(j.entries.filter((e) => e.op === 's3:CreateBucket').map((e) => [e.phase, e.error?.code])).toEqual([
      ['intent', undefined],
      ['failed', 'NotSent'],
    ]);
    expect(j.pending()).toEqual([]);
  });

  it('while waiting for IAM propagation: stops retrying at once, the refused call is closed, no twin key later', async () => {
    world = await makeWorld();
    const started = Date.now();
    const { outcome } = await provision((e) => e.code === 'PROVISION_WAIT', { iamPropagationDelayMs: 20_000 });
    const error = await aborted(outcome);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((error.context as { stoppedPartWay: string[] }).stoppedPartWay).toContain('KMS key alias/demo-cosigner');
    const j = await journal();
    const createKey = j.entries.filter((e) => e.op === 'kms:CreateKey');
    expect(createKey.map((e) => e.phase)).toEqual(['intent', 'failed']);
    expect(j.pending()).toEqual([]);
    await world.provision({ knobs: { iamPropagationDelayMs: 0 } });
    const state = await world.state();
    expectConverged(state);
    expect(inventory(state).retiredKeys).toEqual([]);
  });
});

describe('destroy interrupted', () => {
  it('between phases: the key is not scheduled for deletion, the role is kept, a re-run finishes', async () => {
    world = await makeWorld();
    await world.provision();
    const io = new TestIoHost({
      assumeYes: true,
      interruptOn: (e) => e.kind === 'step' && e.text.startsWith('delete security group'),
    });
    const ports = await world.ports();
    const error = await aborted(
      guarded(io, 'the teardown', (signal) =>
        runDestroyFlow(
          { name: 'demo', dryRun: false, deleteKey: true, deleteBucket: true },
          {
            ports,
            io,
            config: world.config,
            configPath: world.configPath,
            now: () => new Date(),
            retry: { ...FAST_RETRY, waitPollMs: 1 },
            signal,
          },
        ),
      ),
    );
    expect(error.message).toMatch(
      /^interrupted: 1 deleted, [45] left; \d+ write call\(s\) finished and were journaled$/,
    );
    expect((error.context as { deleted: string[] }).deleted).toEqual(['EC2 host demo-cosigner-host']);
    const inv = inventory(await world.state());
    expect([
      inv.instances.length,
      inv.roles.length,
      inv.buckets.length,
      inv.liveKeys.length,
      inv.retiredKeys.length,
    ]).toEqual([0, 1, 1, 1, 0]);
    expect((await journal()).runs.map((r) => r.outcome)).toEqual(['converged', 'interrupted']);
    await world.destroy({ deleteKey: true, deleteBucket: true });
    const after = inventory(await world.state());
    expect([after.roles, after.profiles, after.groups, after.buckets, after.liveKeys]).toEqual([[], [], [], [], []]);
  });

  it('while reading what exists: nothing is removed', async () => {
    world = await makeWorld();
    await world.provision();
    const before = (await readTrail(world.sandboxDir)).filter((e) => !e.readOnly).length;
    const io = new TestIoHost({ assumeYes: true, interruptOn: (e) => e.code === 'DESTROY_TARGET' });
    const ports = await world.ports();
    const error = await aborted(
      guarded(io, 'the teardown', (signal) =>
        runDestroyFlow(
          { name: 'demo', dryRun: false, deleteKey: true, deleteBucket: true },
          { ports, io, config: world.config, configPath: world.configPath, now: () => new Date(), signal },
        ),
      ),
    );
    expect(error.message).toBe('interrupted before anything was removed: nothing was changed');
    expect((await readTrail(world.sandboxDir)).filter((e) => !e.readOnly).length).toBe(before);
  });
});

describe('attest interrupted', () => {
  async function attest(interruptOn: TestIoHostOptions['interruptOn']) {
    const io = new TestIoHost({ assumeYes: true, interruptOn });
    const ports = await world.ports();
    const who = await ports.sts.getCallerIdentity({});
    const run = guarded(io, 'attest', (signal) =>
      runAttest(
        {
          keyId: 'alias/demo-cosigner',
          role: { name: 'demo-cosigner' },
          profile: 'hardened',
          adminArns: [],
          pcr3RoleBinding: false,
          allowRotation: true,
          removeStatements: [],
          dryRun: false,
          add: EU_PCR8,
        },
        {
          io,
          kms: ports.kms,
          iam: ports.iam,
          caller: { accountId: who.Account ?? '', callerArn: who.Arn ?? '', region: ports.region },
          now: () => new Date(),
          sleep: () => Promise.resolve(),
          signal,
        },
      ),
    );
    return { io, run };
  }
  const keyPolicy = async () => inventory(await world.state()).liveKeys[0]?.policy ?? '';

  it('before PutKeyPolicy: nothing is written and it says the policy is unchanged', async () => {
    world = await makeWorld();
    await world.provision();
    const before = await keyPolicy();
    const { run } = await attest((e) => e.kind === 'step' && e.text === 'writing the key policy');
    const error = await aborted(run);
    expect(error.message).toBe('interrupted before the key policy was written: it is unchanged');
    expect(error.context).toMatchObject({ written: false });
    expect(await keyPolicy()).toBe(before);
    expect(before).not.toContain(EU_PCR8);
  });

  it('after PutKeyPolicy: the read-back still runs and it says the policy is in place and verified', async () => {
    world = await makeWorld();
    await world.provision();
    const { io, run } = await attest((e) => e.kind === 'step' && e.text === 'reading the key policy back');
    const error = await aborted(run);
    expect(error.message).toBe(
      'interrupted after the key policy was written: it is in place, and was read back and verified',
    );
    expect(error.context).toMatchObject({ written: true, verified: true });
    expect(io.steps.map((s) => [s.text, s.outcome])).toEqual([
      ['writing the key policy', 'succeed'],
      ['reading the key policy back', 'succeed'],
    ]);
    expect(await keyPolicy()).toContain(EU_PCR8);
  });
});
