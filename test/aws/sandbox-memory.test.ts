// The sandbox account kept in memory (src/aws/sandbox/memory-store.ts): the file store's semantics
// without its files. Ports over one memory share the account, a failed call writes nothing,
// concurrent writes are all kept, a copy is a separate account, and nothing lands in the directory.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SandboxMemory } from '../../src/aws/sandbox/index.js';
import { memoryStore } from '../../src/aws/sandbox/memory-store.js';
import { caught, EC2_TRUST, sandbox, tempDir } from './helpers.js';

const trust = { AssumeRolePolicyDocument: EC2_TRUST };

describe('the sandbox account in memory', () => {
  it('is shared by every ports instance over the same memory, and written nowhere on disk', async () => {
    const dir = join(tempDir(), 'sandbox');
    const memory = new SandboxMemory();
    const first = await sandbox({ dir, memory });
    await first.iam.createRole({ RoleName: 'made-by-first', ...trust });
    // A new "process" over the same memory sees the account as it was left.
    const second = await sandbox({ dir, memory });
    expect((await second.iam.getRole({ RoleName: 'made-by-first' })).Role?.RoleName).toBe('made-by-first');
    expect((await second.readState()).iam.roles).toHaveProperty('made-by-first');
    // Another memory is another account.
    const other = await sandbox({ dir, memory: new SandboxMemory() });
    expect(await caught(other.iam.getRole({ RoleName: 'made-by-first' }))).toMatchObject({
      name: 'NoSuchEntityException',
    });
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });

  it('writes nothing when a call fails, and keeps every one of concurrent writes', async () => {
    const memory = new SandboxMemory();
    const ports = await sandbox({ memory });
    await ports.iam.createRole({ RoleName: 'seed', ...trust });
    const before = memory.state;
    expect(await caught(ports.iam.createRole({ RoleName: 'seed', ...trust }))).toMatchObject({
      name: 'EntityAlreadyExistsException',
    });
    expect(memory.state).toBe(before);
    await Promise.all(Array.from({ length: 20 }, (_, i) => ports.iam.createRole({ RoleName: `p${i}`, ...trust })));
    expect(Object.keys((await ports.readState()).iam.roles)).toHaveLength(21);
  });

  it('gives each readState its own copy, and the calls a shared one they cannot change', async () => {
    const memory = new SandboxMemory();
    const ports = await sandbox({ memory });
    await ports.iam.createRole({ RoleName: 'r', ...trust });
    const read = await ports.readState();
    delete read.iam.roles['r'];
    expect((await ports.readState()).iam.roles).toHaveProperty('r');
    // What the simulated calls read between two writes: one document, frozen.
    const store = memoryStore(memory, '111122223333', () => new Date());
    const [a, b] = [await store.read(), await store.read()];
    expect(a).toBe(b);
    expect(() => {
      delete a.iam.roles['r'];
    }).toThrow(TypeError);
    // A write is seen by the next read.
    await ports.iam.createRole({ RoleName: 's', ...trust });
    expect(Object.keys((await store.read()).iam.roles).sort()).toEqual(['r', 's']);
  });

  it('reads a region no call has written without changing the account', async () => {
    const memory = new SandboxMemory();
    const ports = await sandbox({ memory });
    await ports.iam.createRole({ RoleName: 'r', ...trust });
    const before = memory.state;
    const elsewhere = await sandbox({ memory, region: 'us-west-2' });
    expect((await elsewhere.ec2.describeVpcs({})).Vpcs?.length).toBeGreaterThan(0);
    expect(memory.state).toBe(before);
    expect(Object.keys((await ports.readState()).regions)).not.toContain('us-west-2');
  });

  it('answers reads of lists an older state lacks (trails, network) without changing the account', async () => {
    const memory = new SandboxMemory();
    const ports = await sandbox({ memory });
    await ports.iam.createRole({ RoleName: 'r', ...trust });
    // An account written before trails and the network lists existed.
    const older = JSON.parse(memory.state!) as {
      cloudtrail?: unknown;
      regions: Record<string, { ec2: Record<string, unknown> }>;
    };
    delete older.cloudtrail;
    for (const region of Object.values(older.regions))
      for (const list of ['internetGateways', 'addresses', 'natGateways', 'vpcEndpoints']) delete region.ec2[list];
    memory.state = JSON.stringify(older);
    const before = memory.state;
    expect((await ports.cloudtrail.describeTrails({})).trailList).toEqual([]);
    expect((await ports.ec2.describeNatGateways({})).NatGateways).toEqual([]);
    expect((await ports.ec2.describeInternetGateways({})).InternetGateways?.length).toBe(1);
    expect(memory.state).toBe(before);
    // A write still adds them.
    await ports.s3.createBucket({ Bucket: 'trail-bucket' });
    await ports.cloudtrail.createTrail({ Name: 'org', S3BucketName: 'trail-bucket' });
    expect((await ports.cloudtrail.describeTrails({})).trailList?.map((t) => t.Name)).toEqual(['org']);
  });

  it('keeps the CloudTrail log and object bodies', async () => {
    const ports = await sandbox({ memory: new SandboxMemory(), region: 'us-east-1' });
    await ports.s3.createBucket({ Bucket: 'memory-bucket' });
    await ports.s3.putObject({ Bucket: 'memory-bucket', Key: 'k', Body: 'body bytes' });
    const object = await ports.s3.getObject({ Bucket: 'memory-bucket', Key: 'k' });
    expect(await object.Body?.transformToString()).toBe('body bytes');
    const { Events } = await ports.cloudtrail.lookupEvents({});
    expect(Events?.map((event) => event.EventName)).toEqual(['CreateBucket']);
  });

  it('copies into a separate account with the same content', async () => {
    const memory = new SandboxMemory();
    const ports = await sandbox({ memory, region: 'us-east-1' });
    await ports.s3.createBucket({ Bucket: 'copied-bucket' });
    await ports.s3.putObject({ Bucket: 'copied-bucket', Key: 'k', Body: 'v1' });
    const copy = await sandbox({ memory: memory.copy(), region: 'us-east-1' });
    await ports.s3.deleteBucketPolicy({ Bucket: 'copied-bucket' });
    await copy.iam.createRole({ RoleName: 'only-in-the-copy', ...trust });
    expect(await (await copy.s3.getObject({ Bucket: 'copied-bucket', Key: 'k' })).Body?.transformToString()).toBe('v1');
    expect((await copy.cloudtrail.lookupEvents({})).Events?.map((event) => event.EventName)).toEqual([
      'CreateRole',
      'CreateBucket',
    ]);
    expect((await ports.readState()).iam.roles).not.toHaveProperty('only-in-the-copy');
    expect((await ports.cloudtrail.lookupEvents({})).Events?.map((event) => event.EventName)).toEqual([
      'DeleteBucketPolicy',
      'CreateBucket',
    ]);
  });
});
