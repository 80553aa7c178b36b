// The status command module: argv → options, with and without a config, and the text rendering.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CommandModule } from '../../src/command-kit.js';
import * as provision from '../../src/commands/provision.js';
import * as status from '../../src/commands/status.js';
import type { StatusOptions, StatusResult } from '../../src/commands/status.js';
import { createStyle } from '../../src/io/style.js';
import * as attest from '../../src/commands/attest.js';
import { createSandboxPorts } from '../../src/aws/sandbox/index.js';
import { StateStore } from '../../src/aws/sandbox/store.js';
import { parsePolicyDocument } from '../../src/policy/evaluate.js';
import { makeCliWorld, type CliWorld } from '../e2e/cli-context.js';
import { REGION } from '../e2e/world.js';

let world: CliWorld;
beforeEach(async () => {
  world = await makeCliWorld();
});
afterEach(async () => {
  await world.cleanup();
});

describe('parseOptions', () => {
  it('maps --all and keeps --name for the config loader', () => {
    expect(
      status.parseOptions({ ...world.invocation('status', { all: true, name: 'demo' }), cwd: '/w' }),
    ).toMatchObject({ configPath: '/w/cosigner.json', all: true, detailedExitcode: false, flags: { name: 'demo' } });
  });

  it('maps --detailed-exitcode, which is not a config setting', () => {
    const options = status.parseOptions(world.invocation('status', { detailedExitcode: true }));
    expect(options.detailedExitcode).toBe(true);
    expect(options.flags).toEqual({});
  });

  it('is a CommandModule', () => {
    const module: CommandModule<StatusOptions, StatusResult> = status;
    expect(typeof module.render).toBe('function');
  });
});

describe('execute on the sandbox', () => {
  it('lists every co-signer with no config file and no --name, as with --all', async () => {
    for (const opts of [{}, { all: true }]) {
      const invocation = world.invocation('status', opts);
      const empty = await status.execute(status.parseOptions(invocation), world.context(invocation));
      expect(empty.coSigners).toEqual([]);
      expect(status.render(empty, createStyle(false))).toContain('nothing carries cosigner-cli tags here');
    }
    await world.writeConfig({ name: 'demo' });
    const apply = world.invocation('provision', {}, { yes: true });
    await provision.execute(provision.parseOptions(apply), world.context(apply));
    await rm(join(world.dir, 'cosigner.json'));
    const invocation = world.invocation('status');
    const listed = await status.execute(status.parseOptions(invocation), world.context(invocation));
    expect(listed.coSigners.map((c) => c.name)).toEqual(['demo']);
  });

  it('reports an invalid name as the config error it is, not as a missing co-signer', async () => {
    const invocation = world.invocation('status', { name: 'sthree' });
    await expect(status.execute(status.parseOptions(invocation), world.context(invocation))).toThrowCosignerError(
      'CONFIG_INVALID',
    );
  });

  it("reports each resource, the host's enclave support and the sync with the config", async () => {
    await world.writeConfig({ name: 'demo' });
    const apply = world.invocation('provision', {}, { yes: true });
    await provision.execute(provision.parseOptions(apply), world.context(apply));
    const invocation = world.invocation('status');
    const result = await status.execute(status.parseOptions(invocation), world.context(invocation));
    expect(result.coSigners.map((c) => [c.name, c.inSync])).toEqual([['demo', true]]);
    const text = status.render(result, createStyle(false));
    expect(text).toContain('demo (configured) in sync with the config');
    expect(text).toContain('Nitro Enclaves enabled');
    expect(text).toMatch(/KMS key\s+alias\/demo-cosigner \S+\s+Enabled/);
  });
});

describe('drift status reports, and --detailed-exitcode', () => {
  const NEW = 'ab'.repeat(48);
  const statusOf = async (opts: Record<string, unknown> = {}) => {
    const invocation = world.invocation('status', opts);
    return status.execute(status.parseOptions(invocation), world.context(invocation));
  };
  async function provisioned(): Promise<void> {
    await world.writeConfig({ name: 'demo', aws: { region: REGION } });
    const apply = world.invocation('provision', {}, { yes: true });
    await provision.execute(provision.parseOptions(apply), world.context(apply));
  }

  it('in sync: exit 0 with the flag (no verdict)', async () => {
    await provisioned();
    const result = await statusOf({ detailedExitcode: true });
    expect(result.coSigners[0]).toMatchObject({
      inSync: true,
      foreignStatements: { keyPolicy: [], bucketPolicy: [] },
      pcr8: { onlyLive: [], onlyConfig: [] },
    });
    expect(result.detailedExitcode).toBe(true);
    expect(status.verdict(result)).toBeUndefined();
  });

  it('names foreign statements of the key and bucket policies as drift; exit 2 only with the flag', async () => {
    await provisioned();
    const ports = await createSandboxPorts({ dir: world.sandboxDir, region: REGION, env: {} });
    const key = (await ports.kms.describeKey({ KeyId: 'alias/demo-cosigner' })).KeyMetadata?.Arn ?? '';
    const keyPolicy = parsePolicyDocument(
      (await ports.kms.getKeyPolicy({ KeyId: key, PolicyName: 'default' })).Policy ?? '',
    );
    const deny = {
      Effect: 'Deny' as const,
      Principal: { AWS: 'arn:aws:iam::111122223333:root' },
      Action: 'kms:ScheduleKeyDeletion',
      Resource: '*',
    };
    await ports.kms.putKeyPolicy({
      KeyId: key,
      PolicyName: 'default',
      Policy: JSON.stringify({ ...keyPolicy, Statement: [...keyPolicy.Statement, { Sid: 'NoDeletion', ...deny }] }),
    });
    const bucket = (await ports.s3.listBuckets({})).Buckets?.[0]?.Name ?? '';
    const bucketPolicy = parsePolicyDocument((await ports.s3.getBucketPolicy({ Bucket: bucket })).Policy ?? '');
    const keepVersions = {
      Effect: 'Deny' as const,
      Principal: '*' as const,
      Action: 's3:DeleteObjectVersion',
      Resource: `arn:aws:s3:::${bucket}/*`,
    };
    await ports.s3.putBucketPolicy({
      Bucket: bucket,
      Policy: JSON.stringify({ ...bucketPolicy, Statement: [...bucketPolicy.Statement, keepVersions] }),
    });

    const plain = await statusOf();
    const demo = plain.coSigners[0]!;
    expect(demo.inSync).toBe(false);
    expect(demo.foreignStatements).toEqual({
      keyPolicy: [{ index: keyPolicy.Statement.length, sid: 'NoDeletion' }],
      bucketPolicy: [{ index: bucketPolicy.Statement.length }],
    });
    const text = status.render(plain, createStyle(false));
    expect(text).toContain('demo (configured) drifted from the config');
    expect(text).toContain('drift: key policy: foreign statement "NoDeletion" (not in the config)');
    expect(text).toContain(
      `drift: bucket policy: foreign statement #${bucketPolicy.Statement.length} (no Sid) (not in the config)`,
    );
    // Without the flag the exit code does not depend on drift.
    expect(status.verdict(plain)).toBeUndefined();
    const detailed = await statusOf({ detailedExitcode: true });
    const verdict = status.verdict(detailed);
    expect(verdict?.code).toBe('STATUS_DRIFT');
    expect(verdict?.exitCode).toBe(2);
  });

  it('counts every difference of the host as drift, one item each, and exits 2 with the flag', async () => {
    await provisioned();
    expect((await statusOf()).coSigners[0]?.hostDrift).toEqual([]);
    // Changed out of band, as a console user would (the sandbox has no API for some of these).
    const store = new StateStore({ dir: world.sandboxDir, accountId: '111122223333', now: () => new Date() });
    await store.open();
    await store.transact((state) => {
      const host = state.regions[REGION]!.ec2.instances.find((i) => i.terminatedAt === undefined)!;
      host.enclave = false;
      host.metadata.hopLimit = 1;
      host.instanceProfileArn = 'arn:aws:iam::111122223333:instance-profile/other';
    });
    const result = await statusOf({ detailedExitcode: true });
    const demo = result.coSigners[0]!;
    expect(demo.inSync).toBe(false);
    expect(demo.hostDrift).toEqual([
      'Nitro Enclaves are not enabled on the host',
      'metadata hop limit is 1, below 2',
      'the host uses instance profile arn:aws:iam::111122223333:instance-profile/other',
    ]);
    const text = status.render(result, createStyle(false));
    expect(text).toContain('drift: host: metadata hop limit is 1, below 2');
    expect(text).not.toMatch(/note: .*hop limit/);
    expect(status.verdict(result)?.exitCode).toBe(2);
  });

  it('reports PCR8 values of the live key policy that the config does not record', async () => {
    await provisioned();
    const add = world.invocation('attest', { add: NEW }, { yes: true });
    await attest.execute(attest.parseOptions(add), world.context(add));
    expect((await statusOf()).coSigners[0]?.inSync).toBe(true);
    // The config loses the record (edited by hand, or an older cosigner-cli): drift, named.
    await world.writeConfig({ name: 'demo', aws: { region: REGION } });
    const result = await statusOf({ detailedExitcode: true });
    expect(result.coSigners[0]?.pcr8).toMatchObject({ onlyLive: [NEW], onlyConfig: [] });
    expect(status.render(result, createStyle(false))).toContain('drift: PCR8: ababab…abab only in the key policy');
    expect(status.verdict(result)?.exitCode).toBe(2);
  });
});
