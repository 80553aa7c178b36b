// Discovery of every co-signer in an account, against a sandbox account holding ours, another
// co-signer's and things that only look alike: what is claimed by whom (tags, the key marker,
// adoption), what is left out (another tool's tags, no tags, tags or keys it may not read), lists
// read page by page, and answers with optional fields left out.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AwsPorts } from '../../src/aws/ports.js';
import { createSandboxPorts, SandboxMemory, type SandboxPorts } from '../../src/aws/sandbox/index.js';
import { IAM_PATH, TAGS } from '../../src/config/names.js';
import { discover } from '../../src/engine/discover.js';
import { ADOPTED_TAG, keyDescription } from '../../src/engine/ownership.js';

const REGION = 'eu-west-1';
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const owned = (name: string, extra: Record<string, string> = {}) =>
  Object.entries({ [TAGS.name]: name, [TAGS.managedBy]: 'cosigner-cli', ...extra }).map(([Key, Value]) => ({
    Key,
    Value,
  }));

/** One page per item, so every list is read page by page. */
async function account(memory = new SandboxMemory()): Promise<SandboxPorts> {
  return createSandboxPorts({
    dir: join(mkdtempSync(join(tmpdir(), 'cosigner-discover-')), 'sandbox'),
    memory,
    region: REGION,
    env: {},
    knobs: { latencyMs: 0, iamPropagationDelayMs: 0, retryBaseMs: 0, instanceTransitionMs: 0, pageSize: 1 },
  });
}

/** Ours ("demo", its role and bucket adopted), another co-signer's ("other"), and look-alikes. */
async function populated(ports: SandboxPorts): Promise<void> {
  const role = (name: string, tags: { Key: string; Value: string }[], path = IAM_PATH) =>
    ports.iam.createRole({ RoleName: name, Path: path, AssumeRolePolicyDocument: TRUST, Tags: tags });
  await role('demo-cosigner', owned('demo', { [ADOPTED_TAG]: 'true' }));
  await role('other-cosigner', owned('other'));
  await role('lookalike', [
    { Key: TAGS.name, Value: 'demo' },
    { Key: TAGS.managedBy, Value: 'another-tool' },
  ]);
  await role('elsewhere', owned('demo'), '/other-path/');
  await ports.iam.createInstanceProfile({ InstanceProfileName: 'demo-cosigner', Path: IAM_PATH, Tags: owned('demo') });
  await ports.iam.addRoleToInstanceProfile({ InstanceProfileName: 'demo-cosigner', RoleName: 'demo-cosigner' });
  await ports.iam.createInstanceProfile({
    InstanceProfileName: 'other-cosigner',
    Path: IAM_PATH,
    Tags: owned('other'),
  });
  const bucket = async (name: string, tags?: { Key: string; Value: string }[]) => {
    await ports.s3.createBucket({ Bucket: name, CreateBucketConfiguration: { LocationConstraint: REGION } });
    if (tags !== undefined) await ports.s3.putBucketTagging({ Bucket: name, Tagging: { TagSet: tags } });
  };
  await bucket('demo-data', owned('demo', { [ADOPTED_TAG]: 'true' }));
  await bucket('untagged-data');
  // Tagged as ours, but its policy keeps everyone from reading its tags: it cannot be claimed.
  await bucket('unreadable-data', owned('demo'));
  await ports.s3.putBucketPolicy({
    Bucket: 'unreadable-data',
    Policy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:GetBucketTagging',
          Resource: 'arn:aws:s3:::unreadable-data',
        },
      ],
    }),
  });
  const key = async (description: string, alias?: string) => {
    const made = await ports.kms.createKey({ Description: description });
    if (alias !== undefined) await ports.kms.createAlias({ AliasName: alias, TargetKeyId: made.KeyMetadata.KeyId! });
    return made.KeyMetadata.KeyId!;
  };
  await key(keyDescription('demo', '0b7c2f4e-1111-4222-8333-444455556666'), 'alias/demo-cosigner');
  await key(keyDescription('other'));
  await key('a key of some other tool');
  const vpc = (await ports.ec2.describeVpcs({})).Vpcs![0]!.VpcId!;
  await ports.ec2.createSecurityGroup({
    GroupName: 'demo-cosigner-host',
    Description: 'host',
    VpcId: vpc,
    TagSpecifications: [{ ResourceType: 'security-group', Tags: owned('demo') }],
  });
  await ports.ec2.createVpc({
    CidrBlock: '10.0.0.0/16',
    TagSpecifications: [{ ResourceType: 'vpc', Tags: owned('other', { Name: 'other-vpc' }) }],
  });
}

const summary = (resources: { kind: string; id: string; adopted: boolean }[] | undefined) =>
  (resources ?? []).map((r) =>
    `${r.kind} ${r.kind === 'key' || r.kind === 'securityGroup' || r.kind === 'vpc' ? '' : r.id}${r.adopted ? ' (adopted)' : ''}`.trim(),
  );

describe('discover', () => {
  it('claims for each co-signer what carries its tags or key marker, and nothing else', async () => {
    const ports = await account();
    await populated(ports);
    const found = await discover(ports);
    expect([...found.byName.keys()].sort()).toEqual(['demo', 'other']);
    expect(summary(found.byName.get('demo'))).toEqual([
      'role demo-cosigner (adopted)',
      'instanceProfile demo-cosigner',
      'bucket demo-data (adopted)',
      'key',
      'securityGroup',
    ]);
    expect(summary(found.byName.get('other'))).toEqual([
      'role other-cosigner',
      'instanceProfile other-cosigner',
      'key',
      'vpc',
    ]);
    const demoKey = found.byName.get('demo')!.find((r) => r.kind === 'key')!;
    expect([demoKey.name, demoKey.detail['aliases'], found.keys.has(demoKey.id)]).toEqual([
      'alias/demo-cosigner',
      ['alias/demo-cosigner'],
      true,
    ]);
    expect(found.byName.get('demo')!.find((r) => r.kind === 'instanceProfile')?.detail).toEqual({
      roles: ['demo-cosigner'],
    });
    expect(found.byName.get('other')!.find((r) => r.kind === 'vpc')?.name).toBe('other-vpc');
  });

  it('looks for one co-signer when named', async () => {
    const ports = await account();
    await populated(ports);
    const found = await discover(ports, { name: 'other', concurrency: 2 });
    expect([...found.byName.keys()]).toEqual(['other']);
    expect([...found.keys.values()].map((k) => k.description)).toEqual([keyDescription('other')]);
  });

  it('leaves out a key it may not describe, and still finds the rest', async () => {
    const memory = new SandboxMemory();
    const admin = await account(memory);
    await populated(admin);
    // An auditor allowed everything but kms:DescribeKey.
    await admin.iam.createRole({ RoleName: 'auditor', AssumeRolePolicyDocument: TRUST });
    await admin.iam.attachRolePolicy({ RoleName: 'auditor', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' });
    await admin.iam.putRolePolicy({
      RoleName: 'auditor',
      PolicyName: 'no-describe-key',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Deny', Action: 'kms:DescribeKey', Resource: '*' }],
      }),
    });
    const auditor = await createSandboxPorts({
      dir: admin.dir,
      memory,
      region: REGION,
      env: {},
      principal: { kind: 'role', roleName: 'auditor', sessionName: 'audit' },
      knobs: admin.knobs,
    });
    const found = await discover(auditor);
    expect(summary(found.byName.get('demo'))).toEqual([
      'role demo-cosigner (adopted)',
      'instanceProfile demo-cosigner',
      'bucket demo-data (adopted)',
      'securityGroup',
    ]);
    expect(found.keys.size).toBe(0);
  });
});

describe('discover, with answers that leave optional fields out', () => {
  const empty = { $metadata: {} };
  /** Ports answering what the SDK's types allow: names, ids and lists may be absent. */
  const sparse: AwsPorts = {
    region: REGION,
    iam: {
      listRoles: () => Promise.resolve({ ...empty, Roles: [{}, { RoleName: 'r' }] }),
      getRole: ({ RoleName }: { RoleName: string }) =>
        Promise.resolve({ ...empty, Role: RoleName === '' ? {} : { RoleName, Tags: owned('demo') } }),
      listInstanceProfiles: () => Promise.resolve({ ...empty, InstanceProfiles: [{}, { InstanceProfileName: 'p' }] }),
      getInstanceProfile: ({ InstanceProfileName }: { InstanceProfileName: string }) =>
        Promise.resolve({
          ...empty,
          InstanceProfile: InstanceProfileName === '' ? {} : { InstanceProfileName, Roles: [{}], Tags: owned('demo') },
        }),
    },
    s3: { listBuckets: () => Promise.resolve({ ...empty, Buckets: [{}] }) },
    kms: {
      listKeys: () => Promise.resolve({ ...empty, Keys: [{}] }),
      listAliases: () => Promise.resolve({ ...empty, Aliases: [{}] }),
    },
    ec2: {
      describeSecurityGroups: () => Promise.resolve({ ...empty, SecurityGroups: [{ Tags: owned('demo') }] }),
      describeInstances: () =>
        Promise.resolve({ ...empty, Reservations: [{}, { Instances: [{ Tags: owned('demo') }] }] }),
      describeVpcs: () => Promise.resolve({ ...empty, Vpcs: [{ VpcId: 'vpc-1' }] }),
      describeSubnets: () => Promise.resolve({ ...empty, Subnets: [] }),
      describeInternetGateways: () => Promise.resolve({ ...empty, InternetGateways: [] }),
      describeAddresses: () => Promise.resolve({ ...empty, Addresses: [] }),
      describeRouteTables: () => Promise.resolve({ ...empty, RouteTables: [] }),
      describeNatGateways: () => Promise.resolve({ ...empty, NatGateways: [] }),
      describeVpcEndpoints: () => Promise.resolve({ ...empty, VpcEndpoints: [] }),
    },
  } as unknown as AwsPorts;

  it('skips what has no name or id, and reads the rest with what is there', async () => {
    const found = await discover(sparse);
    expect(
      found.byName.get('demo')?.map((r) => [r.kind, r.id, r.name, r.state, r.detail['roles'] ?? r.detail['enclave']]),
    ).toEqual([
      ['role', 'r', 'r', 'present', undefined],
      ['instanceProfile', 'p', 'p', 'present', ['']],
      ['securityGroup', '', '', 'present', undefined],
      ['instance', '', '', 'unknown', false],
    ]);
    // The untagged VPC is nobody's.
    expect(found.byName.size).toBe(1);
  });
});
