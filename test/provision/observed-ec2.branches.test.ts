// Observation of the EC2 side against the sandbox account, case by case: where the host would go
// (a configured subnet or VPC that is missing, disagrees or is empty; no default VPC; an instance
// type without Nitro Enclaves, unknown, or not offered in the region or the subnet's zone; a
// managed network in such a zone), the group found by name, and the hosts found by tag.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { describe, expect, it } from 'vitest';
import type { AwsPorts } from '../../src/aws/ports.js';
import { createSandboxPorts, SandboxMemory, type SandboxPorts } from '../../src/aws/sandbox/index.js';
import { validateConfig } from '../../src/config/load.js';
import { TAGS } from '../../src/config/names.js';
import { computeDesired, type DesiredState } from '../../src/provision/desired.js';
import { PART_TAG } from '../../src/provision/network-model.js';
import { observeInstances, observeNetwork, observeSecurityGroup } from '../../src/provision/observed-ec2.js';
import { ACCOUNT, desiredFor } from './fixtures.js';

const limit = pLimit(4);

async function account(region = 'eu-west-1', pageSize = 3): Promise<SandboxPorts> {
  return createSandboxPorts({
    dir: join(mkdtempSync(join(tmpdir(), 'cosigner-observe-')), 'sandbox'),
    memory: new SandboxMemory(),
    region,
    env: {},
    knobs: { latencyMs: 0, iamPropagationDelayMs: 0, retryBaseMs: 0, instanceTransitionMs: 0, pageSize },
  });
}

/** The desired state in `region`, with another instance type than the config allows if asked. */
function desiredIn(region: string, input: Record<string, unknown> = {}, type?: string): DesiredState {
  const config = validateConfig({ name: 'demo', aws: { region }, ...input }, 'test config');
  const desired = computeDesired({ config, accountId: ACCOUNT, region, toolVersion: '1.0.0' });
  return type === undefined ? desired : { ...desired, instance: { ...desired.instance, type } };
}

const problems = async (ports: SandboxPorts, desired: DesiredState) =>
  (await observeNetwork(ports, desired, limit)).problems.map((p) => [p.code, p.message, p.hint]);

describe('the instance type', () => {
  it('is refused without Nitro Enclaves, and unknown to EC2 it is "not offered"', async () => {
    const ports = await account();
    expect(await problems(ports, desiredIn('eu-west-1', {}, 'm5.large'))).toEqual([
      [
        'INSTANCE_TYPE_UNSUPPORTED',
        'm5.large does not support Nitro Enclaves',
        'use c5.xlarge or c5a.xlarge (--instance-type)',
      ],
    ]);
    const unknown = await observeNetwork(ports, desiredIn('eu-west-1', {}, 'x9.mega'), limit);
    expect(unknown.nitroEnclaves).toBe('unknown');
    expect(unknown.problems.map((p) => [p.code, p.hint])).toEqual([
      ['INSTANCE_TYPE_UNAVAILABLE', 'try --instance-type c5.xlarge, or another region'],
    ]);
  });

  it('is "not offered" in a region that has none, and in the configured subnet\'s zone', async () => {
    const southeast = await account('ap-southeast-4');
    expect(await problems(southeast, desiredIn('ap-southeast-4', { instance: { type: 'c5a.xlarge' } }))).toEqual([
      [
        'INSTANCE_TYPE_UNAVAILABLE',
        'c5a.xlarge is not offered in ap-southeast-4',
        'try --instance-type c5.xlarge, or another region',
      ],
    ]);
    // c5.xlarge is offered in every zone of us-east-1 but e.
    const east = await account('us-east-1', 2);
    const subnets = (await east.ec2.describeSubnets({})).Subnets ?? [];
    const inE = subnets.find((s) => s.AvailabilityZone === 'us-east-1e')!.SubnetId!;
    const observed = await observeNetwork(east, desiredIn('us-east-1', { network: { subnetId: inE } }), limit);
    expect(observed.offeredZones).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d', 'us-east-1f']);
    expect(observed.problems.map((p) => [p.message, p.hint])).toEqual([
      [
        `c5.xlarge is not offered in us-east-1e (subnet ${inE})`,
        'use a subnet in us-east-1a, us-east-1b, us-east-1c, us-east-1d, us-east-1f (--subnet-id)',
      ],
    ]);
    // Without a configured subnet the first subnet in a zone that offers it is chosen.
    const chosen = await observeNetwork(east, desiredIn('us-east-1'), limit);
    expect([chosen.availabilityZone, chosen.problems]).toEqual(['us-east-1a', []]);
  });

  it('is "not offered" where the managed network already is, with what to do about it', async () => {
    const ports = await account('us-east-1');
    const desired = desiredIn('us-east-1', { network: { mode: 'managed' } });
    const tags = (part: string) => [
      {
        ResourceType: part === 'vpc' ? ('vpc' as const) : ('subnet' as const),
        Tags: [
          { Key: TAGS.name, Value: 'demo' },
          { Key: TAGS.managedBy, Value: 'cosigner-cli' },
          { Key: PART_TAG, Value: part },
        ],
      },
    ];
    const vpc = (await ports.ec2.createVpc({ CidrBlock: '10.0.0.0/16', TagSpecifications: tags('vpc') })).Vpc!.VpcId!;
    await ports.ec2.createSubnet({
      VpcId: vpc,
      CidrBlock: '10.0.1.0/24',
      AvailabilityZone: 'us-east-1e',
      TagSpecifications: tags('private-subnet'),
    });
    const observed = await observeNetwork(ports, desired, limit);
    expect([observed.vpcId, observed.availabilityZone]).toEqual([vpc, 'us-east-1e']);
    expect(observed.problems.map((p) => [p.message, p.hint])).toEqual([
      [
        'c5.xlarge is not offered in us-east-1e (subnet ' + observed.subnetId + ')',
        'the managed network is in us-east-1e: choose a type offered there, or destroy and provision again',
      ],
    ]);
  });
});

describe('where the host goes', () => {
  it('refuses a configured subnet that does not exist, or is not in the configured VPC', async () => {
    const ports = await account();
    expect(await problems(ports, desiredFor({ network: { subnetId: 'subnet-0123456789abcdef0' } }))).toEqual([
      [
        'AWS_NOT_FOUND',
        'subnet subnet-0123456789abcdef0 does not exist in eu-west-1',
        'check --subnet-id and --region',
      ],
    ]);
    const other = (await ports.ec2.createVpc({ CidrBlock: '10.9.0.0/16' })).Vpc!.VpcId!;
    const subnet = (await ports.ec2.describeSubnets({})).Subnets![0]!;
    expect(await problems(ports, desiredFor({ network: { vpcId: other, subnetId: subnet.SubnetId } }))).toEqual([
      [
        'CONFIG_INVALID',
        `subnet ${subnet.SubnetId} is in ${subnet.VpcId}, not in the configured ${other}`,
        'make --subnet-id and --vpc-id agree, or drop --vpc-id',
      ],
    ]);
  });

  it('refuses a configured VPC that does not exist or has no subnet', async () => {
    const ports = await account();
    expect(await problems(ports, desiredFor({ network: { vpcId: 'vpc-0123456789abcdef0' } }))).toEqual([
      ['AWS_NOT_FOUND', 'VPC vpc-0123456789abcdef0 does not exist in eu-west-1', 'check --vpc-id and --region'],
    ]);
    const empty = (await ports.ec2.createVpc({ CidrBlock: '10.9.0.0/16' })).Vpc!.VpcId!;
    const seen: (string | undefined)[] = [];
    const observed = await observeNetwork(ports, desiredFor({ network: { vpcId: empty } }), limit, (vpcId) =>
      seen.push(vpcId),
    );
    expect(observed.problems.map((p) => p.message)).toEqual([`VPC ${empty} has no subnets`]);
    expect([observed.vpcId, observed.subnetId, seen.at(-1)]).toEqual([empty, undefined, empty]);
  });

  it('takes the first subnet by zone then id, and says so when no subnet of the VPC is in a zone that offers the type', async () => {
    const ports = await account('us-east-1');
    const vpc = (await ports.ec2.createVpc({ CidrBlock: '10.9.0.0/16' })).Vpc!.VpcId!;
    const subnet = async (cidr: string, zone: string) =>
      (await ports.ec2.createSubnet({ VpcId: vpc, CidrBlock: cidr, AvailabilityZone: zone })).Subnet!.SubnetId!;
    const onlyE = await subnet('10.9.1.0/24', 'us-east-1e');
    const desired = desiredIn('us-east-1', { network: { vpcId: vpc } });
    const stuck = await observeNetwork(ports, desired, limit);
    expect([stuck.subnetId, stuck.problems.map((p) => [p.message, p.hint])]).toEqual([
      onlyE,
      [
        [
          'c5.xlarge is not offered in us-east-1e',
          'use a subnet in us-east-1a, us-east-1b, us-east-1c, us-east-1d, us-east-1f (--subnet-id)',
        ],
      ],
    ]);
    const inB = [await subnet('10.9.2.0/24', 'us-east-1b'), await subnet('10.9.3.0/24', 'us-east-1b')].sort();
    const chosen = await observeNetwork(ports, desired, limit);
    expect([chosen.subnetId, chosen.availabilityZone, chosen.problems]).toEqual([inB[0], 'us-east-1b', []]);
  });

  it("refuses a region without a default VPC, and reads a VPC's subnets page by page", async () => {
    const ports = await account('eu-west-1', 1);
    const paged = await observeNetwork(ports, desiredFor(), limit);
    expect([paged.availabilityZone, paged.offeredZones]).toEqual([
      'eu-west-1a',
      ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
    ]);
    expect(paged.routeOut?.target.kind).toBe('igw');
    // Take the default VPC apart as an operator could.
    const vpc = paged.vpcId!;
    const [igw] = (await ports.ec2.describeInternetGateways({})).InternetGateways ?? [];
    await ports.ec2.detachInternetGateway({ InternetGatewayId: igw!.InternetGatewayId!, VpcId: vpc });
    await ports.ec2.deleteInternetGateway({ InternetGatewayId: igw!.InternetGatewayId! });
    for (const zone of ['a', 'b', 'c']) {
      const { Subnets } = await ports.ec2.describeSubnets({
        Filters: [{ Name: 'availability-zone', Values: [`eu-west-1${zone}`] }],
      });
      for (const s of Subnets ?? []) await ports.ec2.deleteSubnet({ SubnetId: s.SubnetId! });
    }
    await ports.ec2.deleteVpc({ VpcId: vpc });
    expect(await problems(ports, desiredFor())).toEqual([
      ['AWS_NOT_FOUND', 'eu-west-1 has no default VPC', 'name the network with --vpc-id and --subnet-id'],
    ]);
  });
});

describe('the security group and the hosts', () => {
  it('finds the group by name in the VPC, and nothing in another VPC', async () => {
    const ports = await account();
    const desired = desiredFor();
    const vpc = (await ports.ec2.describeVpcs({})).Vpcs![0]!.VpcId!;
    const made = await ports.ec2.createSecurityGroup({
      GroupName: desired.securityGroup.name,
      Description: 'd',
      VpcId: vpc,
      TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: TAGS.name, Value: 'demo' }] }],
    });
    expect(await observeSecurityGroup(ports, desired, vpc)).toMatchObject({
      groupId: made.GroupId,
      vpcId: vpc,
      tags: { [TAGS.name]: 'demo' },
      ingress: [],
      egress: [{ protocol: '-1', ipv4: ['0.0.0.0/0'] }],
    });
    const other = (await ports.ec2.createVpc({ CidrBlock: '10.9.0.0/16' })).Vpc!.VpcId!;
    expect(await observeSecurityGroup(ports, desired, other)).toBeUndefined();
  });

  it('reads each live tagged host with its root volume, page by page; a terminated one is gone', async () => {
    const ports = await account('eu-west-1', 1);
    const desired = desiredFor();
    const image = (await ports.ssm.getParameter({ Name: desired.instance.amiParameter })).Parameter!.Value!;
    const launch = async (encrypted: boolean) =>
      (
        await ports.ec2.runInstances({
          ImageId: image,
          InstanceType: 'c5.xlarge',
          MinCount: 1,
          MaxCount: 1,
          BlockDeviceMappings: [
            { DeviceName: '/dev/xvda', Ebs: { VolumeSize: 30, VolumeType: 'gp2', Encrypted: encrypted } },
          ],
          TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: TAGS.name, Value: 'demo' }] }],
        })
      ).Instances![0]!.InstanceId!;
    const [plain, encrypted, gone] = [await launch(false), await launch(true), await launch(true)];
    await ports.ec2.terminateInstances({ InstanceIds: [gone] });
    const hosts = await observeInstances(ports, desired);
    expect(
      hosts.map((h) => [h.instanceId, h.state, h.rootVolume?.encrypted, h.rootVolume?.type, h.tags[TAGS.name]]).sort(),
    ).toEqual(
      [
        [plain, 'running', false, 'gp2', 'demo'],
        [encrypted, 'running', true, 'gp2', 'demo'],
      ].sort(),
    );
    expect(hosts.every((h) => h.launchTime !== undefined && h.securityGroupIds.length > 0 && !h.enclave)).toBe(true);
  });
});

describe('answers with optional fields left out', () => {
  /** EC2 ports that answer only what the SDK's types promise: most fields may be absent. */
  const sparse = (ec2: Partial<AwsPorts['ec2']>) => ({ ec2 }) as unknown as AwsPorts;

  it('read a host with what is there: unknown state, no enclave, no groups, no launch time or root volume', async () => {
    const ports = sparse({
      describeInstances: () =>
        Promise.resolve({
          Reservations: [
            {},
            {
              Instances: [
                {},
                { InstanceId: 'i-bare' },
                {
                  InstanceId: 'i-volume',
                  RootDeviceName: '/dev/xvda',
                  BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeId: 'vol-1' } }],
                  SecurityGroups: [{}, { GroupId: 'sg-1' }],
                },
              ],
            },
          ],
          $metadata: {},
        }),
      describeVolumes: () => Promise.resolve({ Volumes: [{}], $metadata: {} }),
    });
    const hosts = await observeInstances(ports, desiredFor());
    expect(
      hosts.map((h) => [h.instanceId, h.state, h.enclave, h.securityGroupIds, h.launchTime, h.rootVolume]),
    ).toEqual([
      ['i-bare', 'unknown', false, [], undefined, undefined],
      ['i-volume', 'unknown', false, ['sg-1'], undefined, { volumeId: 'vol-1', encrypted: false, type: undefined }],
    ]);
  });

  it('read a group without its VPC id as in the VPC asked about, and a subnet without one as in "?"', async () => {
    const desired = desiredFor({ network: { vpcId: 'vpc-0c0ffee1', subnetId: 'subnet-0a1b2c3d' } });
    const ports = sparse({
      describeSecurityGroups: () => Promise.resolve({ SecurityGroups: [{ GroupId: 'sg-1' }], $metadata: {} }),
      describeSubnets: () => Promise.resolve({ Subnets: [{ SubnetId: 'subnet-0a1b2c3d' }], $metadata: {} }),
      describeInstanceTypes: () => Promise.resolve({ InstanceTypes: [], $metadata: {} }),
      describeInstanceTypeOfferings: () =>
        Promise.resolve({ InstanceTypeOfferings: [{}, { Location: 'eu-west-1a' }], $metadata: {} }),
    });
    expect(await observeSecurityGroup(ports, desired, 'vpc-asked')).toEqual({
      groupId: 'sg-1',
      vpcId: 'vpc-asked',
      tags: {},
      ingress: [],
      egress: [],
    });
    const observed = await observeNetwork(ports, desired, limit);
    expect([observed.offeredZones, observed.problems.map((p) => p.message)]).toEqual([
      ['eu-west-1a'],
      ['c5.xlarge is not offered in eu-west-1', 'subnet subnet-0a1b2c3d is in ?, not in the configured vpc-0c0ffee1'],
    ]);
  });
});
