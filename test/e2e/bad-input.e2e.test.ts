// Bad input and faults on the sandbox: a name collision with a resource that is not ours, a bucket
// name taken globally, an instance type not offered, an AWS quota, access denied mid-way, and
// adoption of what the config names. Each is a coded error with a hint (nothing created when
// refused at plan time), the journal stays intact, and a re-run converges once the cause is gone.
import { afterEach, describe, expect, it } from 'vitest';
import { type CosignerError, isCosignerError } from '../../src/errors.js';
import { validateConfig } from '../../src/config/load.js';
import { buildKeyPolicy } from '../../src/policy/key-policy.js';
import { Journal, journalPath } from '../../src/engine/journal.js';
import { inventory, makeWorld, REGION, TEST_NETWORK, type World } from './world.js';

let world: World;
afterEach(async () => {
  await world.cleanup();
});

async function failure(promise: Promise<unknown>): Promise<CosignerError> {
  try {
    await promise;
  } catch (error) {
    if (isCosignerError(error)) return error;
    throw error;
  }
  throw new Error('expected a coded error');
}

describe('refused before any write', () => {
  it('a same-named role that is not ours', async () => {
    world = await makeWorld();
    const admin = await world.ports();
    await admin.iam.createRole({
      RoleName: 'demo-cosigner',
      Path: '/cosigner-cli/',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
    });
    const error = await failure(world.provision());
    expect(error.code).toBe('RESOURCE_NOT_OURS');
    expect(error.hint).toContain('--name');
    const inv = inventory(await world.state());
    expect([inv.roles.length, inv.buckets.length, inv.liveKeys.length, inv.instances.length]).toEqual([1, 0, 0, 0]);
  });

  it('a bucket name another account owns', async () => {
    world = await makeWorld();
    const error = await failure(
      world.provision({ knobs: { takenBucketNames: [`demo-cosigner-111122223333-${REGION}`] } }),
    );
    expect(error.code).toBe('BUCKET_NAME_TAKEN');
    expect(inventory(await world.state()).roles).toEqual([]);
    // Another name and it goes through.
    await world.provision({
      config: validateConfig(
        { name: 'demo', aws: { region: REGION }, network: TEST_NETWORK, s3: { bucketName: 'demo-cosigner-db-1' } },
        't',
      ),
    });
    expect(inventory(await world.state()).buckets.map((b) => b.name)).toEqual(['demo-cosigner-db-1']);
  });

  it("an instance type not offered in the region, or in the configured subnet's zone", async () => {
    world = await makeWorld();
    const c5a = validateConfig(
      { name: 'demo', aws: { region: 'ap-southeast-4' }, network: TEST_NETWORK, instance: { type: 'c5a.xlarge' } },
      't',
    );
    const ports = await world.ports();
    const error = await failure(
      (async () => {
        const { runProvisionFlow } = await import('../../src/provision/provision.js');
        const { createSandboxPorts } = await import('../../src/aws/sandbox/index.js');
        const { TestIoHost } = await import('../helpers/test-io-host.js');
        const p = await createSandboxPorts({
          dir: world.sandboxDir,
          region: 'ap-southeast-4',
          env: {},
          knobs: { iamPropagationDelayMs: 0 },
        });
        return runProvisionFlow(
          { dryRun: false, resume: false },
          {
            ports: p,
            io: new TestIoHost({ assumeYes: true }),
            config: c5a,
            configPath: world.configPath,
            now: () => new Date(),
          },
        );
      })(),
    );
    expect(error.code).toBe('INSTANCE_TYPE_UNAVAILABLE');
    expect(error.hint).toContain('c5.xlarge');
    const subnets = (await ports.ec2.describeSubnets({})).Subnets ?? [];
    const lastZone = subnets.find((s) => s.AvailabilityZone === `${REGION}c`)!;
    const pinned = validateConfig(
      {
        name: 'demo',
        aws: { region: REGION },
        instance: { type: 'c5a.xlarge' },
        network: { ...TEST_NETWORK, subnetId: lastZone.SubnetId },
      },
      't',
    );
    const zoned = await failure(world.provision({ config: pinned }));
    expect(zoned.code).toBe('INSTANCE_TYPE_UNAVAILABLE');
    expect(zoned.hint).toContain(`${REGION}a`);
    expect(inventory(await world.state()).roles).toEqual([]);
  });

  it('an adopted key whose policy lets IAM decrypt without attestation', async () => {
    world = await makeWorld();
    const admin = await world.ports();
    const key = await admin.kms.createKey({ Description: 'team key' });
    const error = await failure(
      world.provision({
        config: validateConfig(
          { name: 'demo', aws: { region: REGION }, network: TEST_NETWORK, kms: { keyId: key.KeyMetadata.Arn } },
          't',
        ),
      }),
    );
    expect(error.code).toBe('POLICY_BYPASS');
  });
});

describe('failing mid-way, then converging', () => {
  it('more tags than the AWS quota allows are refused before any write', async () => {
    world = await makeWorld();
    const tags = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`t${i}`, 'x']));
    const error = await failure(
      world.provision({
        config: validateConfig({ name: 'demo', aws: { region: REGION }, network: TEST_NETWORK, tags: tags(46) }, 't'),
      }),
    );
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('at most 45');
    expect(inventory(await world.state()).roles).toEqual([]);
    // At the quota it goes through.
    await world.provision({
      config: validateConfig({ name: 'demo', aws: { region: REGION }, network: TEST_NETWORK, tags: tags(45) }, 't'),
    });
    expect(inventory(await world.state()).instances[0]?.tags).toHaveLength(49);
  });

  it('access denied on one call: the journal records it, the rest converges on re-run', async () => {
    world = await makeWorld();
    const admin = await world.ports();
    await admin.iam.createRole({
      RoleName: 'deployer',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'sts:AssumeRole' },
        ],
      }),
    });
    await admin.iam.putRolePolicy({
      RoleName: 'deployer',
      PolicyName: 'almost-admin',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: '*', Resource: '*' },
          { Effect: 'Deny', Action: 'ec2:RunInstances', Resource: '*' },
        ],
      }),
    });
    // No IAM propagation delay: the key's calls are not left waiting on it when the denial stops the run.
    const deployer = {
      principal: { kind: 'role' as const, roleName: 'deployer', sessionName: 'ci' },
      knobs: { iamPropagationDelayMs: 0 },
    };
    const error = await failure(world.provision(deployer));
    expect(error.code).toBe('AWS_ACCESS_DENIED');
    expect(error.hint).toContain('ec2:RunInstances');
    const journal = await Journal.open(
      journalPath(world.dir, { name: 'demo', accountId: '111122223333', region: REGION }),
      { name: 'demo', accountId: '111122223333', region: REGION },
    );
    // The denied call failed. A call still queued when it failed is recorded as not sent (NotSent:
    // which ones depends on timing); none is left open.
    const failed = journal.entries.filter((e) => e.phase === 'failed');
    expect(failed.map((e) => e.op)).toContain('ec2:RunInstances');
    const mayFail = ['ec2:RunInstances', 'iam:PutRolePolicy', 'iam:AttachRolePolicy', 'iam:AddRoleToInstanceProfile'];
    expect(
      failed.filter((e) => !mayFail.includes(e.op) && e.error?.code !== 'NotSent'),
      'calls recorded as failed that the denial cannot explain',
    ).toEqual([]);
    expect(journal.pending()).toEqual([]);
    expect(inventory(await world.state()).instances).toHaveLength(0);
    // The deployer again: all it may do is done, the key included, and the host still is not.
    await world.provision({ ...deployer, request: { resume: true } }).catch(() => undefined);
    const inv = inventory(await world.state());
    expect([inv.liveKeys.length, inv.instances.length]).toEqual([1, 0]);
    // The key policy keeps the deployer's access (the lockout proof saw who was calling).
    expect(inv.liveKeys[0]?.policy).toContain('kms:PutKeyPolicy');
    await world.provision({ request: { resume: true } });
    expect(inventory(await world.state()).instances).toHaveLength(1);
    expect(inventory(await world.state()).liveKeys).toHaveLength(1);
  });
});

describe('adoption of what the config names', () => {
  it('adopts an existing key whose policy is sound, and leaves it alone on destroy', async () => {
    world = await makeWorld();
    const admin = await world.ports({ iamPropagationDelayMs: 0 });
    const roleArn = `arn:aws:iam::111122223333:role/cosigner-cli/demo-cosigner`;
    // A key someone made earlier with the documented Fireblocks policy for the role-to-be.
    await admin.iam.createRole({
      RoleName: 'placeholder',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
    });
    const policy = buildKeyPolicy({
      accountId: '111122223333',
      roleArn: 'arn:aws:iam::111122223333:role/placeholder',
      pcr8: ['da1d9eca20ce98ab4fdbc51f8e5a2307fd4c61829b7d8bff40976cd6676862c8f3476ff4bdd0f65ecf4a48d6eb3099a8'],
      profile: 'fireblocks-exact',
    });
    const key = await admin.kms.createKey({
      Description: 'pre-existing co-signer key',
      Policy: JSON.stringify(policy),
    });
    const config = validateConfig(
      {
        name: 'demo',
        aws: { region: REGION },
        network: TEST_NETWORK,
        kms: { keyId: key.KeyMetadata.KeyId, policyProfile: 'fireblocks-exact' },
      },
      't',
    );
    const out = await world.provision({ config });
    expect(out.plan.actions.find((a) => a.node === 'key')).toMatchObject({ kind: 'update', adopt: true });
    const inv = inventory(await world.state());
    expect(inv.liveKeys).toHaveLength(1);
    expect(inv.liveKeys[0]?.policy).toContain(roleArn);
    expect(inv.aliases.map((a) => a.keyId)).toEqual([key.KeyMetadata.KeyId]);
    expect((await world.provision({ config })).plan.summary.writes).toBe(0);
    await world.destroy({ deleteKey: true, deleteBucket: true });
    expect(inventory(await world.state()).liveKeys).toHaveLength(1);
  });
});
