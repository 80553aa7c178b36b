// Attack: a bucket whose lifecycle or replication configuration outlives the policies. An
// expiration rule deletes the co-signer's encrypted database (and with it the key shares' only
// copy outside the enclave), a transition to an archive class makes it unreadable until restored,
// and replication copies it to a bucket nothing here guards. None of these is stopped by the
// bucket or key policy the tool proves, so an adopted bucket that has one is refused before any
// write, and one that appears later on the co-signer's own bucket is drift in status and a refusal
// in provision.
import { afterEach, describe, expect, it } from 'vitest';
import type { SandboxS3 } from '../../src/aws/sandbox/index.js';
import type { CosignerError } from '../../src/errors.js';
import { makeWorld, type World } from '../e2e/world.js';

const BUCKET = 'acme-treasury-db-1';

let world: World | undefined;
afterEach(async () => {
  await world?.cleanup();
  world = undefined;
});

/** A bucket named in the config (adopted), made by someone else, with `configure` applied to it. */
async function adoptedBucket(configure: (s3: SandboxS3) => Promise<unknown>): Promise<World> {
  const w = await makeWorld({ s3: { bucketName: BUCKET } }, { memory: true });
  const s3 = (await w.ports()).s3 as SandboxS3;
  await s3.createBucket({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } });
  await s3.putBucketVersioning({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } });
  await configure(s3);
  return w;
}

const expire = (s3: SandboxS3, bucket: string) =>
  s3.putBucketLifecycleConfiguration({
    Bucket: bucket,
    LifecycleConfiguration: {
      Rules: [{ ID: 'cleanup', Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Days: 30 } }],
    },
  });

async function refusal(w: World): Promise<CosignerError> {
  const writesBefore = (await w.ports()).writeCalls();
  try {
    await w.provision();
  } catch (error) {
    const ports = await w.ports();
    expect(ports.writeCalls()).toBe(writesBefore);
    return error as CosignerError;
  }
  throw new Error('provision was not refused');
}

describe("a bucket's lifecycle and replication configuration", () => {
  it('an adopted bucket that expires objects is refused before any write', async () => {
    world = await adoptedBucket((s3) => expire(s3, BUCKET));
    const error = await refusal(world);
    expect(error.code).toBe('BUCKET_HAS_LIFECYCLE');
    expect(error.message).toContain('cleanup: expires objects after 30 days');
    expect(error.hint).toContain(`aws s3api delete-bucket-lifecycle --bucket ${BUCKET}`);
  });

  it('an adopted bucket that archives noncurrent versions is refused', async () => {
    world = await adoptedBucket((s3) =>
      s3.putBucketLifecycleConfiguration({
        Bucket: BUCKET,
        LifecycleConfiguration: {
          Rules: [
            {
              ID: 'archive',
              Status: 'Enabled',
              Filter: { Prefix: '' },
              NoncurrentVersionTransitions: [{ NoncurrentDays: 1, StorageClass: 'DEEP_ARCHIVE' }],
            },
          ],
        },
      }),
    );
    expect((await refusal(world)).message).toContain('moves noncurrent versions to DEEP_ARCHIVE');
  });

  it('an adopted bucket that replicates is refused', async () => {
    world = await adoptedBucket((s3) =>
      s3.putBucketReplication({
        Bucket: BUCKET,
        ReplicationConfiguration: {
          Role: 'arn:aws:iam::111122223333:role/replicator',
          Rules: [{ ID: 'r', Status: 'Enabled', Destination: { Bucket: 'arn:aws:s3:::elsewhere' } }],
        },
      }),
    );
    const error = await refusal(world);
    expect(error.code).toBe('BUCKET_HAS_REPLICATION');
    expect(error.message).toContain('arn:aws:s3:::elsewhere');
  });

  it('rules that only abort incomplete uploads, and disabled rules, are accepted', async () => {
    world = await adoptedBucket((s3) =>
      s3.putBucketLifecycleConfiguration({
        Bucket: BUCKET,
        LifecycleConfiguration: {
          Rules: [
            {
              ID: 'uploads',
              Status: 'Enabled',
              Filter: { Prefix: '' },
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
            },
            { ID: 'off', Status: 'Disabled', Filter: { Prefix: '' }, Expiration: { Days: 1 } },
          ],
        },
      }),
    );
    expect((await world.provision()).mode).toBe('applied');
  });

  it("a rule added later to the co-signer's own bucket is drift in status and refused by provision", async () => {
    world = await makeWorld({}, { memory: true });
    const first = await world.provision();
    const bucket = first.receipt!.resources.bucket.name;
    expect((await world.status()).coSigners[0]?.inSync).toBe(true);
    // The bucket policy denies PutLifecycleConfiguration to everyone: an administrator lifts it
    // for a moment and puts it back exactly as it was.
    const s3 = (await world.ports()).s3 as SandboxS3;
    const policy = (await s3.getBucketPolicy({ Bucket: bucket })).Policy;
    await s3.deleteBucketPolicy({ Bucket: bucket });
    await expire(s3, bucket);
    await s3.putBucketPolicy({ Bucket: bucket, Policy: policy });
    const status = (await world.status()).coSigners[0]!;
    expect(status.inSync).toBe(false);
    expect(status.drift).toContainEqual(
      expect.objectContaining({ kind: 'refuse', reasons: [expect.stringContaining('lifecycle rules')] }),
    );
    expect((await refusal(world)).code).toBe('BUCKET_HAS_LIFECYCLE');
  });
});
