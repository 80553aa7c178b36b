// The sandbox engine: latency with real timers, seeded faults behind the simulated SDK retries,
// the crash hook, knobs from env and file, CloudTrail over the sandbox's own calls, identities.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { classifyAwsError } from '../../src/aws/errors.js';
import { describeCaller } from '../../src/aws/identity.js';
import { createAwsPorts } from '../../src/aws/ports.js';
import {
  createSandboxPorts,
  DEFAULT_KNOBS,
  parseCrash,
  parseFaults,
  SANDBOX_CONFIG_FILE,
} from '../../src/aws/sandbox/index.js';
import { loadKnobs } from '../../src/aws/sandbox/knobs.js';
import { caught, EC2_TRUST, sandbox, tempDir } from './helpers.js';

describe('latency', () => {
  it('delays every call by latencyMs, the calls in parallel', async () => {
    const waits: { ms: number; release: () => void }[] = [];
    const sleep = (ms: number) => new Promise<void>((release) => waits.push({ ms, release }));
    const ports = await sandbox({ knobs: { latencyMs: 60 }, sleep });
    let done = 0;
    const calls = Promise.all(
      [
        () => ports.ec2.describeVpcs({}),
        () => ports.iam.listRoles({}),
        () => ports.kms.listKeys({}),
        () => ports.s3.listBuckets({}),
      ].map((call) => call().then(() => (done += 1))),
    );
    // All four wait at once, none for another to finish, and none completes before its wait ends.
    await vi.waitFor(() => expect(waits.map((w) => w.ms)).toEqual([60, 60, 60, 60]));
    expect(done).toBe(0);
    for (const w of waits) w.release();
    await calls;
    expect(done).toBe(4);
  });

  it('waits with real timers by default', async () => {
    const ports = await sandbox({ knobs: { latencyMs: 60 } });
    const started = performance.now();
    await ports.sts.getCallerIdentity({});
    // A lower bound only (a busy machine makes it longer, never shorter); timers may round down by 1 ms.
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });
});

describe('injected faults behind the simulated SDK retries', () => {
  it('retries throttling transparently and reports the attempts', async () => {
    const ports = await sandbox({ knobs: { faults: { throttle: 0.3, seed: 11 } } });
    const attempts: number[] = [];
    for (let i = 0; i < 20; i += 1) attempts.push((await ports.sts.getCallerIdentity({})).$metadata.attempts ?? 0);
    expect(attempts.some((count) => count > 1)).toBe(true);
    expect(attempts.every((count) => count >= 1 && count <= 5)).toBe(true);
    // The same seed gives the same schedule.
    const again = await sandbox({ knobs: { faults: { throttle: 0.3, seed: 11 } } });
    const replay: number[] = [];
    for (let i = 0; i < 20; i += 1) replay.push((await again.sts.getCallerIdentity({})).$metadata.attempts ?? 0);
    expect(replay).toEqual(attempts);
  });

  it.each([
    ['kms', 'ThrottlingException'],
    ['ec2', 'RequestLimitExceeded'],
    ['iam', 'Throttling'],
    ['s3', 'SlowDown'],
  ] as const)('surfaces %s throttling as %s once the attempts are used up', async (service, name) => {
    const ports = await sandbox({ maxAttempts: 3, knobs: { faults: { throttle: 1 } } });
    const call = {
      kms: () => ports.kms.listKeys({}),
      ec2: () => ports.ec2.describeVpcs({}),
      iam: () => ports.iam.listRoles({}),
      s3: () => ports.s3.listBuckets({}),
    }[service];
    const error = await caught(call());
    expect(error.name).toBe(name);
    expect(error).toMatchObject({ $metadata: { attempts: 3 } });
    expect(classifyAwsError(error).code).toBe('AWS_THROTTLED');
  });

  it('injects 5xx errors of the right service shape', async () => {
    const ports = await sandbox({ maxAttempts: 1, knobs: { faults: { serverError: 1 } } });
    expect(await caught(ports.kms.listKeys({}))).toMatchObject({
      name: 'KMSInternalException',
      $fault: 'server',
      $metadata: { httpStatusCode: 500 },
    });
    expect(await caught(ports.iam.listRoles({}))).toMatchObject({
      name: 'ServiceFailureException',
      Code: 'ServiceFailure',
    });
  });

  it('limits faults to the operations named in `only`', async () => {
    const ports = await sandbox({ maxAttempts: 1, knobs: { faults: { serverError: 1, only: ['iam:Create*'] } } });
    await expect(ports.iam.listRoles({})).resolves.toBeDefined();
    expect(await caught(ports.iam.createRole({ RoleName: 'r', AssumeRolePolicyDocument: EC2_TRUST }))).toMatchObject({
      name: 'ServiceFailureException',
    });
  });

  it('resets connections before or after the call took effect (a retried create then conflicts)', async () => {
    const outcomes = new Set<boolean>();
    for (let seed = 1; seed <= 12 && outcomes.size < 2; seed += 1) {
      const dir = tempDir();
      const faulty = await sandbox({
        dir,
        maxAttempts: 1,
        knobs: { faults: { reset: 1, seed, only: ['iam:CreateRole'] } },
      });
      const error = await caught(faulty.iam.createRole({ RoleName: 'r', AssumeRolePolicyDocument: EC2_TRUST }));
      expect(error).toMatchObject({ code: 'ECONNRESET' });
      expect(classifyAwsError(error).code).toBe('AWS_NETWORK');
      const clean = await sandbox({ dir });
      outcomes.add(((await clean.iam.listRoles({})).Roles ?? []).length === 1);
    }
    expect([...outcomes].sort()).toEqual([false, true]);
  });
});

describe('the crash hook', () => {
  it('crashes before the N-th write: that write never happens and the ports stay dead', async () => {
    const dir = tempDir();
    const ports = await sandbox({ dir, knobs: { crash: { when: 'before', writeCall: 2 } } });
    await ports.iam.createRole({ RoleName: 'one', AssumeRolePolicyDocument: EC2_TRUST });
    await ports.iam.listRoles({});
    await expect(ports.iam.createRole({ RoleName: 'two', AssumeRolePolicyDocument: EC2_TRUST })).toThrowCosignerError(
      'SANDBOX_CRASH',
    );
    await expect(ports.iam.listRoles({})).toThrowCosignerError('SANDBOX_CRASH');
    const after = await sandbox({ dir });
    expect((await after.iam.listRoles({})).Roles?.map((role) => role.RoleName)).toEqual(['one']);
    expect(ports.writeCalls()).toBe(2);
  });

  it('crashes after the N-th write: the write is durable but its answer is lost', async () => {
    const dir = tempDir();
    const ports = await sandbox({ dir, env: { COSIGNER_SANDBOX_CRASH: 'after:1' } });
    await expect(ports.iam.createRole({ RoleName: 'one', AssumeRolePolicyDocument: EC2_TRUST })).toThrowCosignerError(
      'SANDBOX_CRASH',
    );
    const after = await sandbox({ dir });
    expect((await after.iam.listRoles({})).Roles?.map((role) => role.RoleName)).toEqual(['one']);
  });

  it('crashes after the N-th write even when later writes are in flight concurrently', async () => {
    const dir = tempDir();
    const ports = await sandbox({ dir, knobs: { latencyMs: 20, crash: { when: 'after', writeCall: 1 } } });
    // Both calls count as writes before either finishes; the crash belongs to the first one (the
    // second was already in flight and may land, as it can when a real process dies).
    const results = await Promise.allSettled([
      ports.iam.createRole({ RoleName: 'first', AssumeRolePolicyDocument: EC2_TRUST }),
      ports.iam.createRole({ RoleName: 'second', AssumeRolePolicyDocument: EC2_TRUST }),
    ]);
    expect(results[0]).toMatchObject({ reason: { code: 'SANDBOX_CRASH', context: { writeCall: 1, when: 'after' } } });
    const after = await sandbox({ dir });
    expect((await after.iam.listRoles({})).Roles?.map((role) => role.RoleName)).toContain('first');
  });
});

describe('knobs', () => {
  it('reads the environment over the config file, and code over both', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, SANDBOX_CONFIG_FILE),
      JSON.stringify({
        latencyMs: 10,
        iamPropagationDelayMs: 500,
        faults: { throttle: 0.1 },
        takenBucketNames: ['x-y-z'],
      }),
    );
    const knobs = loadKnobs(
      dir,
      {
        COSIGNER_SANDBOX_LATENCY_MS: '150',
        COSIGNER_SANDBOX_FAULTS: '5xx=0.05,reset=0.02,seed=42',
        COSIGNER_SANDBOX_IAM_DELAY_MS: '10000',
        COSIGNER_SANDBOX_PAGE_SIZE: '2',
      },
      { pageSize: 4 },
    );
    expect(knobs).toMatchObject({
      latencyMs: 150,
      iamPropagationDelayMs: 10_000,
      pageSize: 4,
      takenBucketNames: ['x-y-z'],
      faults: { throttle: 0.1, serverError: 0.05, reset: 0.02, seed: 42 },
    });
    expect(loadKnobs(tempDir(), {})).toEqual(DEFAULT_KNOBS);
  });

  it('parses fault and crash specs and rejects bad ones with SANDBOX_CONFIG_INVALID', () => {
    expect(parseFaults('throttle=0.2, only=kms:*|iam:CreateRole')).toMatchObject({
      throttle: 0.2,
      only: ['kms:*', 'iam:CreateRole'],
    });
    expect(parseCrash('after:3:exit')).toEqual({ when: 'after', writeCall: 3, mode: 'exit' });
    expect(parseCrash('off')).toBeUndefined();
    expect(() => parseFaults('throttle=2')).toThrowCosignerError('SANDBOX_CONFIG_INVALID');
    expect(() => parseFaults('gremlins=0.1')).toThrowCosignerError('SANDBOX_CONFIG_INVALID');
    expect(() => parseCrash('during:3')).toThrowCosignerError('SANDBOX_CONFIG_INVALID');
    expect(() => loadKnobs(tempDir(), { COSIGNER_SANDBOX_LATENCY_MS: 'slow' })).toThrowCosignerError(
      'SANDBOX_CONFIG_INVALID',
    );
    const dir = tempDir();
    writeFileSync(join(dir, SANDBOX_CONFIG_FILE), '{"latencyMs": -1}');
    expect(() => loadKnobs(dir, {})).toThrowCosignerError('SANDBOX_CONFIG_INVALID');
    writeFileSync(join(dir, SANDBOX_CONFIG_FILE), '{"latencyMs": 1, "colour": "red"}');
    expect(() => loadKnobs(dir, {})).toThrowCosignerError('SANDBOX_CONFIG_INVALID');
    writeFileSync(join(dir, SANDBOX_CONFIG_FILE), 'nope');
    expect(() => loadKnobs(dir, {})).toThrowCosignerError('SANDBOX_CONFIG_INVALID');
  });
});

describe('identities', () => {
  it('is an admin user of the sandbox account by default, through the ports factory', async () => {
    const dir = tempDir();
    const ports = await createAwsPorts({ sandboxDir: dir, region: 'eu-west-1', env: {} });
    expect(ports.sandbox).toBe(true);
    const caller = await describeCaller(ports);
    expect(caller).toMatchObject({
      accountId: '111122223333',
      callerArn: 'arn:aws:iam::111122223333:user/sandbox-admin',
      region: 'eu-west-1',
      credentialSource: { kind: 'sandbox' },
      sandbox: true,
    });
    expect(caller.userId).toMatch(/^AIDA/);
  });

  it('takes the region from AWS_REGION, and refuses a region it does not simulate', async () => {
    expect((await createAwsPorts({ sandboxDir: tempDir(), env: { AWS_REGION: 'eu-central-2' } })).region).toBe(
      'eu-central-2',
    );
    expect((await createAwsPorts({ sandboxDir: tempDir(), env: {} })).region).toBe('us-east-1');
    await expect(createAwsPorts({ sandboxDir: tempDir(), region: 'mars-north-1', env: {} })).toThrowCosignerError(
      'AWS_WRONG_REGION',
    );
  });

  it('can act as another principal, with that principal’s IAM policies', async () => {
    const dir = tempDir();
    const admin = await sandbox({ dir });
    await admin.iam.createRole({ RoleName: 'auditor', AssumeRolePolicyDocument: EC2_TRUST });
    await admin.iam.attachRolePolicy({ RoleName: 'auditor', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' });
    const auditor = await sandbox({ dir, principal: { kind: 'role', roleName: 'auditor', sessionName: 'audit' } });
    expect((await auditor.sts.getCallerIdentity({})).Arn).toBe('arn:aws:sts::111122223333:assumed-role/auditor/audit');
    await expect(auditor.iam.listRoles({})).resolves.toBeDefined();
    const denied = await caught(auditor.iam.createRole({ RoleName: 'x', AssumeRolePolicyDocument: EC2_TRUST }));
    expect(denied).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    expect(classifyAwsError(denied).message).toContain('iam:CreateRole');
    expect(await caught(auditor.ec2.createSecurityGroup({ GroupName: 'g', Description: 'd' }))).toMatchObject({
      name: 'UnauthorizedOperation',
    });
    expect(await caught(auditor.s3.createBucket({ Bucket: 'auditor-bucket' }))).toMatchObject({ name: 'AccessDenied' });
  });
});

describe('CloudTrail over the sandbox calls', () => {
  it('looks events up newest first by attribute, in pages, per region; object-level S3 calls are data events', async () => {
    const ports = await sandbox({ region: 'us-east-1' });
    await ports.iam.createRole({ RoleName: 'r', AssumeRolePolicyDocument: EC2_TRUST });
    const key = await ports.kms.createKey({});
    await ports.kms.describeKey({ KeyId: key.KeyMetadata.KeyId! });
    await ports.s3.createBucket({ Bucket: 'trail-bucket' });
    await ports.s3.putObject({ Bucket: 'trail-bucket', Key: 'k', Body: 'x' });
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await ports.cloudtrail.lookupEvents({ ...(token === undefined ? {} : { NextToken: token }) });
      names.push(...page.Events!.map((event) => event.EventName!));
      token = page.NextToken;
    } while (token !== undefined);
    expect(names).toEqual(['CreateBucket', 'DescribeKey', 'CreateKey', 'CreateRole']);
    const byKey = await ports.cloudtrail.lookupEvents({
      LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: key.KeyMetadata.Arn! }],
    });
    expect(byKey.Events?.map((event) => [event.EventName, event.ReadOnly, event.Username])).toEqual([
      ['DescribeKey', 'true', 'sandbox-admin'],
      ['CreateKey', 'false', 'sandbox-admin'],
    ]);
    const record = JSON.parse(byKey.Events![1]!.CloudTrailEvent!) as Record<string, unknown>;
    expect(record).toMatchObject({
      eventSource: 'kms.amazonaws.com',
      awsRegion: 'us-east-1',
      eventType: 'AwsApiCall',
      recipientAccountId: '111122223333',
      userIdentity: { type: 'IAMUser' },
    });
    expect(
      await caught(
        ports.cloudtrail.lookupEvents({ LookupAttributes: [{ AttributeKey: 'Colour' as never, AttributeValue: 'x' }] }),
      ),
    ).toMatchObject({ name: 'InvalidLookupAttributesException' });
    const west = await sandbox({ dir: ports.dir, region: 'eu-west-1' });
    expect((await west.cloudtrail.lookupEvents({})).Events).toEqual([]);
  });
});

describe('createSandboxPorts', () => {
  it('is what createAwsPorts returns for a sandbox directory, with the same knobs from the environment', async () => {
    const dir = tempDir();
    const direct = await createSandboxPorts({ dir, env: { COSIGNER_SANDBOX_PAGE_SIZE: '7' } });
    expect(direct.knobs.pageSize).toBe(7);
    const viaFactory = await createAwsPorts({ sandboxDir: dir, env: { COSIGNER_SANDBOX_PAGE_SIZE: '7' } });
    expect((viaFactory as typeof direct).knobs.pageSize).toBe(7);
  });
});
