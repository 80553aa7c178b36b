// End to end on the sandbox: a fresh apply creates exactly one of everything, configured as the
// issue says; a re-run makes no write call; dry runs and saved plans write nothing.
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { readTrail } from './trail.js';
import { expectConverged, inventory, makeWorld, type World } from './world.js';

let world: World;
afterEach(async () => {
  await world.cleanup();
});

describe('provision on a fresh sandbox account', () => {
  it('creates every resource once and converges', async () => {
    world = await makeWorld();
    const first = await world.provision();
    expect(first.mode).toBe('applied');
    expect(first.plan.summary).toMatchObject({ create: 7, update: 0, refuse: 0 });
    expectConverged(await world.state());
    // The receipt is beside the config and names what was made; it holds no secret.
    const receipt = JSON.parse(await readFile(first.receiptPath!, 'utf8')) as typeof first.receipt;
    expect(receipt).toEqual(first.receipt);
    expect(receipt?.resources.key.arn).toMatch(/^arn:aws:kms:eu-west-1:111122223333:key\//);
    expect(receipt?.policyHashes.keyPolicy).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(receipt?.pcr8.source).toBe('fireblocks-preset');
  });

  it('attaches the configured permissions boundary to the role, and a re-run keeps it', async () => {
    const boundary = 'arn:aws:iam::111122223333:policy/custody-boundary';
    world = await makeWorld({ iam: { permissionsBoundaryArn: boundary } });
    expect((await world.provision()).mode).toBe('applied');
    const ports = await world.ports();
    const role = await ports.iam.getRole({ RoleName: 'demo-cosigner' });
    expect(role.Role?.PermissionsBoundary).toEqual({
      PermissionsBoundaryType: 'PermissionsBoundaryPolicy',
      PermissionsBoundaryArn: boundary,
    });
    expect((await world.provision()).mode).toBe('up-to-date');
  });

  it('makes zero write calls when re-run with nothing to do', async () => {
    world = await makeWorld();
    await world.provision();
    const before = (await readTrail(world.sandboxDir)).length;
    const again = await world.provision();
    expect(again.mode).toBe('up-to-date');
    expect(again.plan.summary).toMatchObject({ create: 0, update: 0, noop: 9, writes: 0 });
    expect(again.ports.writeCalls()).toBe(0);
    const events = (await readTrail(world.sandboxDir)).slice(before);
    expect(events.filter((e) => e.readOnly === false)).toEqual([]);
  });

  it('says once per step that it waits for IAM propagation, and does not sleep blindly', async () => {
    world = await makeWorld();
    const { io } = await world.provision({ knobs: { iamPropagationDelayMs: 1500 } });
    const waits = io.messages.filter((m) => m.code === 'PROVISION_WAIT').map((m) => m.message);
    expect(waits).toEqual([
      expect.stringMatching(
        /^KMS key alias\/demo-cosigner: waiting for role demo-cosigner to be a valid principal in the key policy \(IAM propagation/,
      ),
      expect.stringMatching(
        /^EC2 host demo-cosigner-host: waiting for instance profile demo-cosigner to be usable by EC2 \(IAM propagation/,
      ),
    ]);
    // The steps show every retry.
    expect(
      io.steps
        .find((s) => s.text === 'create KMS key alias/demo-cosigner')
        ?.updates.filter((u) => u.includes('IAM propagation')).length,
    ).toBeGreaterThan(1);
  });

  it('shows account and region before any write', async () => {
    world = await makeWorld();
    const { io } = await world.provision();
    expect(io.messages[0]?.code).toBe('PROVISION_TARGET');
    expect(io.messages[0]?.message).toContain('111122223333');
    expect(io.messages[0]?.message).toContain('eu-west-1');
  });

  it('dry run and --plan-out write nothing; --apply refuses a stale plan', async () => {
    world = await makeWorld();
    const dry = await world.provision({ request: { dryRun: true } });
    expect(dry.mode).toBe('dry-run');
    expect(dry.ports.writeCalls()).toBe(0);
    const planPath = `${world.dir}/plan.json`;
    const saved = await world.provision({ request: { planOut: planPath } });
    expect(saved.mode).toBe('plan-out');
    expect(inventory(await world.state()).roles).toEqual([]);
    // The saved plan applies while nothing changed.
    const applied = await world.provision({ request: { applyPath: planPath } });
    expect(applied.mode).toBe('applied');
    expectConverged(await world.state());
    // Now the account differs from what the plan saw: refused.
    await expect(world.provision({ request: { applyPath: planPath } })).toThrowCosignerError('PLAN_STALE');
  });

  it('refuses a saved plan once the config changed', async () => {
    world = await makeWorld();
    const planPath = `${world.dir}/plan.json`;
    await world.provision({ request: { planOut: planPath } });
    const changed = { ...world.config, instance: { ...world.config.instance, type: 'c5a.xlarge' as const } };
    await expect(world.provision({ request: { applyPath: planPath }, config: changed })).toThrowCosignerError(
      'PLAN_STALE',
    );
  });
});
