// Attack: the same co-signer name in two regions of one account. IAM roles and instance profiles
// are global, so `<name>-cosigner` is one role for both; the bucket name embeds the region, the
// key and host are per region. Provision in the second region "keeps" the first region's role and
// rewrites its inline policy to the second region's bucket and key, and destroy in the second
// region deletes the role the first region's host runs under.
//
// Fixed: the role and instance profile carry `cosigner-cli:region`; another region's provision is
// refused (RESOURCE_NOT_OURS) before any write and its destroy keeps them. Derived bucket names keep
// the whole region (the name part is shortened instead).
import { afterEach, describe, expect, it } from 'vitest';
import { createSandboxEnclaveSession, createSandboxPorts } from '../../src/aws/sandbox/index.js';
import { validateConfig } from '../../src/config/load.js';
import { resourceNames } from '../../src/config/names.js';
import { discover } from '../../src/engine/discover.js';
import type { CosignerError } from '../../src/errors.js';
import { bucketNameProblem } from '../../src/policy/bucket-policy.js';
import { FIREBLOCKS_ENVIRONMENTS } from '../../src/enclave/fireblocks-presets.js';
import { runProvisionFlow } from '../../src/provision/provision.js';
import { runDestroyFlow } from '../../src/teardown/teardown.js';
import { TestIoHost } from '../helpers/test-io-host.js';
import { FAST_KNOBS, FAST_RETRY, makeWorld, type World } from '../e2e/world.js';

const OTHER_REGION = 'us-east-2';

let world: World | undefined;
afterEach(async () => {
  await world?.cleanup();
  world = undefined;
});

/** Provision (or destroy) the co-signer `demo` in OTHER_REGION against the world's sandbox. */
function inOtherRegion(w: World) {
  const config = validateConfig(
    { name: 'demo', aws: { region: OTHER_REGION }, network: { mode: 'public-ip' } },
    'second region',
  );
  const ports = () => createSandboxPorts({ dir: w.sandboxDir, region: OTHER_REGION, env: {}, knobs: FAST_KNOBS });
  const deps = async () => ({
    ports: await ports(),
    io: new TestIoHost({ assumeYes: true }),
    config,
    configPath: `${w.dir}/other.json`,
    now: () => new Date(),
  });
  return {
    provision: async () => runProvisionFlow({ dryRun: false, resume: false }, { ...(await deps()), retry: FAST_RETRY }),
    destroyPlan: async () =>
      runDestroyFlow(
        { name: 'demo', dryRun: true, deleteKey: false, deleteBucket: false },
        { ...(await deps()), retry: { ...FAST_RETRY, waitPollMs: 1 } },
      ),
  };
}

/** The first region's co-signer (its role, from an attested enclave) reads and writes its own bucket. */
async function firstRegionCosignerWorks(w: World, bucket: string): Promise<boolean> {
  const enclave = await createSandboxEnclaveSession({
    sandboxDir: w.sandboxDir,
    roleArn: 'arn:aws:iam::111122223333:role/cosigner-cli/demo-cosigner',
    pcrs: { 0: 'a1'.repeat(48), 1: 'b2'.repeat(48), 2: 'c3'.repeat(48), 8: FIREBLOCKS_ENVIRONMENTS.global.pcr8 },
    region: 'eu-west-1',
    env: {},
    knobs: FAST_KNOBS,
  });
  try {
    await enclave.s3.putObject({ Bucket: bucket, Key: 'db/probe', Body: 'x' });
    await enclave.s3.getObject({ Bucket: bucket, Key: 'db/probe' });
    return true;
  } catch {
    return false;
  }
}

describe('one co-signer name in two regions of one account', () => {
  it('baseline: the first region co-signer can use its bucket', async () => {
    world = await makeWorld();
    const first = await world.provision();
    expect(first.mode).toBe('applied');
    const bucket = first.receipt!.resources.bucket.name;
    expect(await firstRegionCosignerWorks(world, bucket)).toBe(true);
  });

  it('provision in a second region is refused before any write, and the first region co-signer keeps working', async () => {
    world = await makeWorld();
    const first = await world.provision();
    const bucket = first.receipt!.resources.bucket.name;
    const other = inOtherRegion(world);
    const error = await other.provision().then(
      () => undefined,
      (e: unknown) => e,
    );
    // The role `demo-cosigner` is global and carries cosigner-cli:region=eu-west-1.
    expect(error).toMatchObject({ code: 'RESOURCE_NOT_OURS' });
    expect((error as CosignerError).message).toMatch(/eu-west-1/);
    expect((error as CosignerError).hint).toMatch(/one co-signer name per region/);
    expect(await firstRegionCosignerWorks(world, bucket)).toBe(true);
    // Refused before any write: nothing of "demo" exists in the second region.
    const found = await discover(
      await createSandboxPorts({ dir: world.sandboxDir, region: OTHER_REGION, env: {}, knobs: FAST_KNOBS }),
      { name: 'demo' },
    );
    expect((found.byName.get('demo') ?? []).map((r) => r.kind).sort()).toEqual(['instanceProfile', 'role']);
  });

  it("destroy in a second region does not plan to delete the role the first region's host uses", async () => {
    world = await makeWorld();
    await world.provision();
    const other = inOtherRegion(world);
    await other.provision().catch(() => undefined);
    const plan = await other.destroyPlan();
    const steps = JSON.stringify(plan);
    expect(steps).not.toMatch(/iam:DeleteRole"/);
    expect(steps).not.toMatch(/iam:DeleteInstanceProfile"/);
    expect(steps).toMatch(/in eu-west-1 \(IAM roles and instance profiles are global\)/);
  });

  it('a role made before the region tag belongs to the region of the key its inline policy names', async () => {
    world = await makeWorld();
    const ports = await world.ports();
    await ports.iam.createRole({
      RoleName: 'demo-cosigner',
      Path: '/cosigner-cli/',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
      Tags: [
        { Key: 'cosigner-cli:name', Value: 'demo' },
        { Key: 'cosigner-cli:managed-by', Value: 'cosigner-cli' },
      ],
    });
    const keyArn = 'arn:aws:kms:eu-west-1:111122223333:key/11111111-2222-3333-4444-555555555555';
    await ports.iam.putRolePolicy({
      RoleName: 'demo-cosigner',
      PolicyName: 'cosigner-access',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: keyArn }],
      }),
    });
    const refused = await inOtherRegion(world)
      .provision()
      .then(
        () => undefined,
        (e: unknown) => e as CosignerError,
      );
    expect(refused?.code).toBe('RESOURCE_NOT_OURS');
    expect(refused?.message).toMatch(/in eu-west-1/);
    // Its own region takes it over and writes the tag.
    expect((await world.provision()).mode).toBe('applied');
    const tags = (await (await world.ports()).iam.getRole({ RoleName: 'demo-cosigner' })).Role?.Tags ?? [];
    expect(tags).toContainEqual({ Key: 'cosigner-cli:region', Value: 'eu-west-1' });
  });

  it('a long name keeps the account and the whole region in its derived bucket name', () => {
    const names = (name: string, region: string) =>
      resourceNames(validateConfig({ name, aws: { region } }, 'long name'), { accountId: '111122223333', region });
    const long = 'a'.repeat(28) + '-one';
    const east1 = names(long, 'us-east-1').bucketName;
    const east2 = names(long, 'us-east-2').bucketName;
    const south = names(long, 'ap-southeast-2').bucketName;
    for (const [bucket, region] of [
      [east1, 'us-east-1'],
      [east2, 'us-east-2'],
      [south, 'ap-southeast-2'],
    ] as const) {
      expect(bucket.length).toBeLessThanOrEqual(63);
      expect(bucket.endsWith(`-111122223333-${region}`)).toBe(true);
      expect(bucketNameProblem(bucket)).toBeUndefined();
    }
    expect(east1).not.toBe(east2);
    // Two long names with a common prefix stay apart; a short name is unchanged.
    expect(names('a'.repeat(28) + '-two', 'ap-southeast-2').bucketName).not.toBe(south);
    expect(names('demo', 'us-east-1').bucketName).toBe('demo-cosigner-111122223333-us-east-1');
  });
});
