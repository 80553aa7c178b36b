// The sandbox's bucket lifecycle and replication configuration: S3's 404 codes when there is
// none, what was put read back, replication only on a versioned bucket, and the IAM actions S3
// checks for each call.
import { describe, expect, it } from 'vitest';
import type { SandboxS3 } from '../../src/aws/sandbox/index.js';
import { caught, sandbox } from './helpers.js';

const BUCKET = 'retention-test-bucket';

async function withBucket(): Promise<SandboxS3> {
  const ports = await sandbox({ region: 'eu-west-1' });
  const s3 = ports.s3 as SandboxS3;
  await s3.createBucket({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } });
  return s3;
}

describe('sandbox S3 lifecycle configuration', () => {
  it('answers NoSuchLifecycleConfiguration (404) until one is put, then reads it back, and deletes it', async () => {
    const s3 = await withBucket();
    const none = await caught(s3.getBucketLifecycleConfiguration({ Bucket: BUCKET }));
    expect(none.name).toBe('NoSuchLifecycleConfiguration');
    expect((none.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(404);
    const rules = [{ ID: 'x', Status: 'Enabled' as const, Filter: { Prefix: '' }, Expiration: { Days: 3 } }];
    await s3.putBucketLifecycleConfiguration({ Bucket: BUCKET, LifecycleConfiguration: { Rules: rules } });
    expect((await s3.getBucketLifecycleConfiguration({ Bucket: BUCKET })).Rules).toEqual(rules);
    await s3.deleteBucketLifecycle({ Bucket: BUCKET });
    expect((await caught(s3.getBucketLifecycleConfiguration({ Bucket: BUCKET }))).name).toBe(
      'NoSuchLifecycleConfiguration',
    );
  });

  it('refuses a configuration without rules, or a rule without a valid status', async () => {
    const s3 = await withBucket();
    expect(
      (await caught(s3.putBucketLifecycleConfiguration({ Bucket: BUCKET, LifecycleConfiguration: { Rules: [] } })))
        .name,
    ).toBe('MalformedXML');
    const bad = { ID: 'x', Status: 'On' as 'Enabled', Filter: { Prefix: '' } };
    expect(
      (await caught(s3.putBucketLifecycleConfiguration({ Bucket: BUCKET, LifecycleConfiguration: { Rules: [bad] } })))
        .name,
    ).toBe('MalformedXML');
  });
});

describe('sandbox S3 replication configuration', () => {
  const config = {
    Role: 'arn:aws:iam::111122223333:role/replicator',
    Rules: [{ ID: 'r', Status: 'Enabled' as const, Destination: { Bucket: 'arn:aws:s3:::elsewhere' } }],
  };

  it('needs versioning, answers ReplicationConfigurationNotFoundError until put, and reads it back', async () => {
    const s3 = await withBucket();
    expect((await caught(s3.getBucketReplication({ Bucket: BUCKET }))).name).toBe(
      'ReplicationConfigurationNotFoundError',
    );
    expect((await caught(s3.putBucketReplication({ Bucket: BUCKET, ReplicationConfiguration: config }))).name).toBe(
      'InvalidRequest',
    );
    await s3.putBucketVersioning({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } });
    await s3.putBucketReplication({ Bucket: BUCKET, ReplicationConfiguration: config });
    expect((await s3.getBucketReplication({ Bucket: BUCKET })).ReplicationConfiguration).toEqual(config);
    await s3.deleteBucketReplication({ Bucket: BUCKET });
    expect((await caught(s3.getBucketReplication({ Bucket: BUCKET }))).name).toBe(
      'ReplicationConfigurationNotFoundError',
    );
  });
});
