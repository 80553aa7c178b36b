// destroy and status end to end on the sandbox: teardown in reverse order leaves only what it must
// keep (the key and bucket unless asked, adopted resources always), is idempotent, and status sees
// every co-signer by its tags.
import { afterEach, describe, expect, it } from 'vitest';
import { createSandboxPorts } from '../../src/aws/sandbox/index.js';
import { isCosignerError } from '../../src/errors.js';
import { validateConfig } from '../../src/config/load.js';
import { TestIoHost } from '../helpers/test-io-host.js';
import { FAST_KNOBS, inventory, makeWorld, REGION, TEST_NETWORK, type World } from './world.js';

let world: World;
afterEach(async () => {
  await world.cleanup();
});

describe('destroy', () => {
  it('keeps the key and the bucket unless asked, removes everything else', async () => {
    world = await makeWorld();
    await world.provision();
    const out = await world.destroy();
    expect(out.mode).toBe('destroyed');
    const inv = inventory(await world.state());
    expect(inv.roles).toEqual([]);
    expect(inv.profiles).toEqual([]);
    expect(inv.groups).toEqual([]);
    expect(inv.instances).toEqual([]);
    expect(inv.volumes).toEqual([]);
    expect(inv.buckets).toHaveLength(1);
    expect(inv.liveKeys).toHaveLength(1);
    expect(out.result?.kept.map((k) => k.resource)).toEqual([
      expect.stringContaining('S3 bucket'),
      expect.stringContaining('KMS key'),
    ]);
    // A second destroy has nothing to do.
    expect((await world.destroy()).mode).toBe('nothing-to-do');
  });

  it('with --delete-key and --delete-bucket leaves only the key pending deletion (maximum window)', async () => {
    world = await makeWorld();
    await world.provision();
    const out = await world.destroy({ deleteKey: true, deleteBucket: true });
    expect(out.result?.bucketNotEmpty).toBeUndefined();
    const inv = inventory(await world.state());
    expect([inv.roles, inv.profiles, inv.groups, inv.instances, inv.buckets, inv.liveKeys, inv.aliases]).toEqual([
      [],
      [],
      [],
      [],
      [],
      [],
      [],
    ]);
    expect(inv.retiredKeys).toHaveLength(1);
    expect(inv.retiredKeys[0]?.pendingDeletion?.windowDays).toBe(30);
    // And provision starts over with a new key.
    await world.provision();
    expect(inventory(await world.state()).liveKeys).toHaveLength(1);
  });

  it.each(['hardened', 'fireblocks-exact'])(
    'with --delete-key, the %s key can be recovered by the administrators as the hint says (cancel, then enable)',
    async (profile) => {
      world = await makeWorld({ kms: { policyProfile: profile } });
      await world.provision();
      const out = await world.destroy({ deleteKey: true });
      const decision = JSON.stringify({
        result: out.result,
        plan: (out as { plan?: unknown }).plan,
        messages: out.io.messages,
      });
      expect(decision).toContain('aws kms cancel-key-deletion');
      expect(decision).toContain('aws kms enable-key');
      const keyArn = inventory(await world.state()).retiredKeys[0]?.arn ?? '';
      const admin = await world.ports();
      // A key pending deletion cannot be enabled (KMS's key-state table): cancel first.
      await expect(admin.kms.enableKey({ KeyId: keyArn })).rejects.toMatchObject({ name: 'KMSInvalidStateException' });
      await admin.kms.cancelKeyDeletion({ KeyId: keyArn });
      expect((await admin.kms.describeKey({ KeyId: keyArn })).KeyMetadata?.KeyState).toBe('Disabled');
      await admin.kms.enableKey({ KeyId: keyArn });
      expect((await admin.kms.describeKey({ KeyId: keyArn })).KeyMetadata?.KeyState).toBe('Enabled');
    },
  );

  it('keeps a bucket that is not empty, and then the key too', async () => {
    world = await makeWorld();
    const first = await world.provision();
    const ports = await createSandboxPorts({
      dir: world.sandboxDir,
      region: REGION,
      env: {},
      knobs: FAST_KNOBS,
      principal: { kind: 'role', roleName: 'demo-cosigner', sessionName: 'host' },
    });
    await ports.s3.putObject({
      Bucket: first.receipt!.resources.bucket.name,
      Key: 'db/secrets.enc',
      Body: new Uint8Array([1, 2, 3]),
    });
    const out = await world.destroy({ deleteKey: true, deleteBucket: true });
    expect(out.result?.bucketNotEmpty).toBe(first.receipt!.resources.bucket.name);
    const inv = inventory(await world.state());
    expect(inv.buckets).toHaveLength(1);
    expect(inv.liveKeys).toHaveLength(1);
    expect(inv.roles).toEqual([]);
  });

  it('needs confirmation: without --yes and without a terminal it refuses (exit 5)', async () => {
    world = await makeWorld();
    await world.provision();
    await expect(world.destroy({ io: new TestIoHost() })).toThrowCosignerError('CONFIRMATION_REQUIRED');
    expect(inventory(await world.state()).roles).toHaveLength(1);
  });

  it('finishes an interrupted teardown', async () => {
    world = await makeWorld();
    await world.provision();
    for (let n = 1; n <= 12; n++) {
      try {
        await world.destroy({
          deleteKey: true,
          deleteBucket: true,
          knobs: { crash: { when: n % 2 === 0 ? 'after' : 'before', writeCall: n } },
        });
        break;
      } catch (error) {
        if (!isCosignerError(error, 'SANDBOX_CRASH')) throw error;
      }
    }
    await world.destroy({ deleteKey: true, deleteBucket: true });
    const inv = inventory(await world.state());
    expect([inv.roles, inv.profiles, inv.groups, inv.instances, inv.buckets, inv.liveKeys]).toEqual([
      [],
      [],
      [],
      [],
      [],
      [],
    ]);
  });

  it('removes only the co-signer it is asked to', async () => {
    world = await makeWorld();
    await world.provision();
    const other = validateConfig({ name: 'other', aws: { region: REGION }, network: TEST_NETWORK }, 'test');
    await world.provision({ config: other });
    await world.destroy({ deleteKey: true, deleteBucket: true });
    const inv = inventory(await world.state());
    expect(inv.roles.map((r) => r.name)).toEqual(['other-cosigner']);
    expect(inv.instances).toHaveLength(1);
    expect(inv.liveKeys).toHaveLength(1);
  });
});

describe('status', () => {
  it('lists every co-signer by tags, with states and drift from the config', async () => {
    world = await makeWorld();
    await world.provision();
    const other = validateConfig({ name: 'other', aws: { region: REGION }, network: TEST_NETWORK }, 'test');
    await world.provision({ config: other });
    const all = await world.status({ all: true });
    expect(all.coSigners.map((c) => c.name)).toEqual(['demo', 'other']);
    const demo = all.coSigners[0]!;
    expect(demo.configured).toBe(true);
    expect(demo.inSync).toBe(true);
    expect(demo.missing).toEqual([]);
    expect(demo.resources.map((r) => r.kind)).toEqual([
      'role',
      'instanceProfile',
      'bucket',
      'key',
      'securityGroup',
      'instance',
    ]);
    expect(demo.host).toMatchObject({ state: 'running', enclaveEnabled: true });
    expect(all.coSigners[1]!.drift).toBeUndefined();

    // Drift: the configured co-signer's host type now differs, and the group lost its egress rule.
    const ports = await createSandboxPorts({ dir: world.sandboxDir, region: REGION, env: {}, knobs: FAST_KNOBS });
    const group = demo.resources.find((r) => r.kind === 'securityGroup')!;
    await ports.ec2.revokeSecurityGroupEgress({
      GroupId: group.id,
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    });
    const drifted = await world.status({
      config: validateConfig(
        { name: 'demo', aws: { region: REGION }, network: TEST_NETWORK, instance: { type: 'c5a.xlarge' } },
        'test',
      ),
    });
    expect(drifted.coSigners.map((c) => c.name)).toEqual(['demo']);
    expect(drifted.coSigners[0]!.inSync).toBe(false);
    const text = JSON.stringify(drifted.coSigners[0]!.drift);
    expect(text).toContain('egress tcp 443 0.0.0.0/0 is missing');
    expect(text).toContain('type is c5.xlarge, the config says c5a.xlarge');
  });

  it('works without a config for --all', async () => {
    world = await makeWorld();
    await world.provision();
    const all = await world.status({ all: true, config: null });
    expect(all.coSigners.map((c) => [c.name, c.configured])).toEqual([['demo', false]]);
  });
});
