// A co-signer whose name is long enough that `<name>-cosigner-<account>-<region>` passes S3's 63
// characters: earlier versions cut the whole string (into the region), today the name part is
// shortened with a hash. A deployment made then must keep its bucket (and the encrypted database
// in it), not get a new, empty one; a bucket of the earlier name that is not this co-signer's, or
// not in this region, is never taken.
import { afterEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.js';
import { earlierDerivedBucketName, resourceNames, TAGS } from '../../src/config/names.js';
import { planProvision } from '../../src/provision/provision.js';
import { withEarlierBucketName } from '../../src/provision/earlier-bucket.js';
import { makeWorld, REGION, type World } from '../e2e/world.js';

const LONG = 'treasury-cosigner-eu-production1'; // 32 characters, the longest name allowed
const ACCOUNT = '111122223333';
const where = { accountId: ACCOUNT, region: REGION };

let world: World | undefined;
afterEach(async () => {
  await world?.cleanup();
  world = undefined;
});

const configOf = (input: Record<string, unknown>) =>
  validateConfig({ name: LONG, aws: { region: REGION }, network: { mode: 'public-ip' }, ...input }, 'test');

describe('earlierDerivedBucketName', () => {
  it('is the whole name cut at 63 characters, only when that differs from today', () => {
    const earlier = earlierDerivedBucketName(configOf({}), where)!;
    expect(earlier).toBe(`${LONG}-cosigner-${ACCOUNT}-eu-west`);
    expect(resourceNames(configOf({}), where).bucketName).not.toBe(earlier);
    expect(earlierDerivedBucketName(configOf({ name: 'demo' }), where)).toBeUndefined();
    expect(earlierDerivedBucketName(configOf({ s3: { bucketName: 'my-bucket-1' } }), where)).toBeUndefined();
  });
});

describe('provision of a co-signer deployed under the earlier bucket name', () => {
  const earlier = earlierDerivedBucketName(configOf({}), where)!;

  it('keeps the earlier bucket, says so, and plans no new one', async () => {
    // Deployed then: the bucket carries the earlier name and this co-signer's tags.
    world = await makeWorld({ name: LONG, s3: { bucketName: earlier } }, { memory: true });
    expect((await world.provision()).mode).toBe('applied');
    const ports = await world.ports();
    const planning = await planProvision({ ports, config: configOf({}), now: () => new Date() }, undefined);
    expect(planning.desired.bucket.name).toBe(earlier);
    const bucket = planning.plan.actions.find((action) => action.node === 'bucket')!;
    expect(bucket.kind).toBe('noop');
    expect(planning.plan.warnings[0]).toContain(`using bucket ${earlier}`);
    expect(planning.plan.actions.every((action) => action.kind === 'noop')).toBe(true);
  });

  it('ignores a bucket of that name that is not tagged for this co-signer', async () => {
    world = await makeWorld({ name: 'other' }, { memory: true });
    const ports = await world.ports();
    await ports.s3.createBucket({ Bucket: earlier, CreateBucketConfiguration: { LocationConstraint: REGION } });
    await ports.s3.putBucketTagging({
      Bucket: earlier,
      Tagging: {
        TagSet: [
          { Key: TAGS.name, Value: 'someone-else' },
          { Key: TAGS.managedBy, Value: 'cosigner-cli' },
        ],
      },
    });
    const choice = await withEarlierBucketName(ports, configOf({}), where);
    expect(choice.note).toBeUndefined();
    expect(choice.config.s3.bucketName).toBeUndefined();
  });

  it('ignores the earlier name in another region (the cut fell inside the region name)', async () => {
    // eu-west-1's deployment made `...-eu-west`, cut from `...-eu-west-1`; eu-west-2 derived the
    // same earlier name. From eu-west-2 the bucket in eu-west-1 is not this co-signer's.
    world = await makeWorld({ name: LONG, s3: { bucketName: earlier } }, { memory: true });
    expect((await world.provision()).mode).toBe('applied');
    const there = { accountId: ACCOUNT, region: 'eu-west-2' };
    const config = configOf({ aws: { region: 'eu-west-2' } });
    expect(earlierDerivedBucketName(config, there)).toBe(earlier);
    const choice = await withEarlierBucketName(await world.ports(), config, there);
    expect(choice.config.s3.bucketName).toBeUndefined();
    expect(choice.note).toBeUndefined();
  });

  it("prefers today's name when a bucket has it", async () => {
    world = await makeWorld({ name: LONG }, { memory: true });
    expect((await world.provision()).mode).toBe('applied');
    const ports = await world.ports();
    await ports.s3.createBucket({ Bucket: earlier, CreateBucketConfiguration: { LocationConstraint: REGION } });
    await ports.s3.putBucketTagging({
      Bucket: earlier,
      Tagging: {
        TagSet: [
          { Key: TAGS.name, Value: LONG },
          { Key: TAGS.managedBy, Value: 'cosigner-cli' },
        ],
      },
    });
    const choice = await withEarlierBucketName(ports, configOf({}), where);
    expect(choice.config.s3.bucketName).toBeUndefined();
  });
});
