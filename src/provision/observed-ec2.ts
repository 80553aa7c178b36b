/**
 * Observation of the EC2 side: the network the host goes into (VPC, subnet, whether the instance
 * type supports Nitro Enclaves and is offered in the subnet's zone, where the subnet's default
 * route leads; in mode "managed" the co-signer's own network instead), the security group found
 * by name in that VPC, and the instances tagged with the co-signer's name. Read calls only.
 */
import type { _InstanceType, NatGateway, RouteTable } from '@aws-sdk/client-ec2';
import type { NetworkMode } from '../config/schema.js';
import type pLimit from 'p-limit';
import type { AwsPorts } from '../aws/ports.js';
import { TAGS } from '../config/names.js';
import type { CosignerErrorCode } from '../errors.js';
import { orAbsent, allPages, tagsOf, type TagRecord } from '../engine/aws-util.js';
import type { DesiredState } from './desired.js';
import { routeOut, type RouteOut } from './egress.js';
import { observeManagedNetwork, rulesOf, type ObservedManagedNetwork } from './observed-network.js';

type Limit = ReturnType<typeof pLimit>;

export interface NetworkProblem {
  code: CosignerErrorCode;
  message: string;
  hint: string;
}

export interface ObservedNetwork {
  mode: NetworkMode;
  vpcId: string | undefined;
  subnetId: string | undefined;
  availabilityZone: string | undefined;
  /** Zones of the region that offer the instance type. */
  offeredZones: string[];
  nitroEnclaves: 'supported' | 'unsupported' | 'unknown';
  /** Where the subnet's route table sends the internet, NAT gateways described (modes "existing" and "public-ip"). */
  routeOut: RouteOut | undefined;
  /** The co-signer's own network (mode "managed"). */
  managed?: ObservedManagedNetwork;
  /** Problems that stop a host from being launched (the planner turns them into refusals). */
  problems: NetworkProblem[];
  /** Things worth a warning that do not stop anything. */
  warnings: string[];
}

export interface SecurityGroupRule {
  protocol: string;
  fromPort: number | undefined;
  toPort: number | undefined;
  ipv4: string[];
  ipv6: string[];
  groups: string[];
  prefixLists: string[];
}

export interface ObservedSecurityGroup {
  groupId: string;
  vpcId: string;
  tags: TagRecord;
  ingress: SecurityGroupRule[];
  egress: SecurityGroupRule[];
}

export interface ObservedInstance {
  instanceId: string;
  state: string;
  type: string | undefined;
  subnetId: string | undefined;
  availabilityZone: string | undefined;
  imageId: string | undefined;
  instanceProfileArn: string | undefined;
  enclave: boolean;
  httpTokens: string | undefined;
  hopLimit: number | undefined;
  publicIp: string | undefined;
  securityGroupIds: string[];
  tags: TagRecord;
  clientToken: string | undefined;
  launchTime: string | undefined;
  rootVolume: { volumeId: string; encrypted: boolean; type: string | undefined } | undefined;
}

/**
 * @param onVpc called as soon as the VPC is known (before the subnet checks finish), so the
 *   security group lookup and the route tables need not wait for them.
 */
export async function observeNetwork(
  ports: AwsPorts,
  desired: DesiredState,
  limit: Limit,
  onVpc: (vpcId: string | undefined) => void = () => undefined,
): Promise<ObservedNetwork> {
  const type = desired.instance.type as _InstanceType;
  const mode = desired.network.mode;
  const problems: NetworkProblem[] = [];
  const warnings: string[] = [];
  let tables: Promise<RouteTable[]> | undefined;
  let nats: Promise<NatGateway[]> | undefined;
  const vpcKnown = (vpcId: string | undefined) => {
    if (vpcId !== undefined && tables === undefined && mode !== 'managed') {
      // The VPC's route tables and NAT gateways: a NAT gateway's own subnet decides whether it leads out.
      tables = limit(() => routeTables(ports, vpcId));
      nats = limit(() => natGateways(ports, vpcId));
      // Awaited below; this only keeps an early failure elsewhere from leaving them unhandled.
      tables.catch(() => undefined);
      nats.catch(() => undefined);
    }
    onVpc(vpcId);
  };
  const [types, offerings, location] = await Promise.all([
    limit(() =>
      ports.ec2.describeInstanceTypes({ InstanceTypes: [type] }).catch((error: unknown) => {
        if ((error as { name?: string }).name === 'InvalidInstanceType') return { InstanceTypes: [] };
        throw error;
      }),
    ),
    limit(() =>
      allPages(async (NextToken) => {
        const page = await ports.ec2.describeInstanceTypeOfferings({
          LocationType: 'availability-zone',
          Filters: [{ Name: 'instance-type', Values: [type] }],
          NextToken,
        });
        return { items: page.InstanceTypeOfferings?.map((o) => o.Location ?? ''), next: page.NextToken };
      }),
    ),
    mode === 'managed' ? locateManaged(ports, desired, limit, vpcKnown) : locateSubnet(ports, desired, limit, vpcKnown),
  ]);
  vpcKnown(location.vpcId);
  const info = types.InstanceTypes?.[0];
  const nitroEnclaves =
    info === undefined ? 'unknown' : info.NitroEnclavesSupport === 'supported' ? 'supported' : 'unsupported';
  const offeredZones = offerings.filter((z) => z !== '').sort();
  if (nitroEnclaves === 'unsupported') {
    problems.push({
      code: 'INSTANCE_TYPE_UNSUPPORTED',
      message: `${type} does not support Nitro Enclaves`,
      hint: 'use c5.xlarge or c5a.xlarge (--instance-type)',
    });
  } else if (info === undefined || offeredZones.length === 0) {
    problems.push({
      code: 'INSTANCE_TYPE_UNAVAILABLE',
      message: `${type} is not offered in ${desired.region}`,
      hint:
        type === 'c5.xlarge'
          ? 'try --instance-type c5a.xlarge, or another region'
          : 'try --instance-type c5.xlarge, or another region',
    });
  }
  problems.push(...location.problems);
  let { subnetId, availabilityZone } = location;
  // With no subnet configured, pick the first subnet (by zone, then id) whose zone offers the type;
  // a managed network not made yet goes into the first zone that offers it.
  if (location.configured === false && location.candidates.length > 0) {
    const fit = location.candidates.find((s) => offeredZones.includes(s.zone));
    const chosen = fit ?? location.candidates[0];
    subnetId = chosen?.subnetId;
    availabilityZone = chosen?.zone;
  }
  if (mode === 'managed' && availabilityZone === undefined) availabilityZone = offeredZones[0];
  if (availabilityZone !== undefined && offeredZones.length > 0 && !offeredZones.includes(availabilityZone)) {
    problems.push({
      code: 'INSTANCE_TYPE_UNAVAILABLE',
      message: `${type} is not offered in ${availabilityZone}${location.configured ? ` (subnet ${subnetId ?? ''})` : ''}`,
      hint:
        mode === 'managed'
          ? `the managed network is in ${availabilityZone}: choose a type offered there, or destroy and provision again`
          : `use a subnet in ${offeredZones.join(', ')} (--subnet-id)`,
    });
  }
  const route =
    location.vpcId !== undefined && subnetId !== undefined && tables !== undefined && nats !== undefined
      ? routeOut(await tables, subnetId, await nats)
      : undefined;
  return {
    mode,
    vpcId: location.vpcId,
    subnetId,
    availabilityZone,
    offeredZones,
    nitroEnclaves,
    routeOut: route,
    ...(location.managed === undefined ? {} : { managed: location.managed }),
    problems,
    warnings,
  };
}

/** The managed network as the host's location: its VPC and private subnet, when they exist. */
async function locateManaged(
  ports: AwsPorts,
  desired: DesiredState,
  limit: Limit,
  vpcKnown: (vpcId: string | undefined) => void,
): Promise<SubnetLocation> {
  const managed = await observeManagedNetwork(ports, desired, limit);
  vpcKnown(managed.vpc?.id);
  const subnet = managed.privateSubnet;
  return {
    vpcId: managed.vpc?.id,
    subnetId: subnet?.id,
    availabilityZone: subnet?.zone,
    configured: subnet !== undefined,
    candidates: [],
    problems: [],
    managed,
  };
}

interface SubnetLocation {
  vpcId: string | undefined;
  subnetId: string | undefined;
  availabilityZone: string | undefined;
  /** True when the subnet came from the config. */
  configured: boolean;
  candidates: { subnetId: string; zone: string }[];
  problems: NetworkProblem[];
  managed?: ObservedManagedNetwork;
}

/** The configured subnet (and its VPC), or the configured/default VPC's subnets to choose from. */
async function locateSubnet(
  ports: AwsPorts,
  desired: DesiredState,
  limit: Limit,
  vpcKnown: (vpcId: string | undefined) => void,
): Promise<SubnetLocation> {
  const wantVpc = desired.securityGroup.vpcId;
  const wantSubnet = desired.instance.subnetId;
  const none = { vpcId: undefined, subnetId: undefined, availabilityZone: undefined, candidates: [] };
  if (wantSubnet !== undefined) {
    const got = await limit(() => orAbsent(() => ports.ec2.describeSubnets({ SubnetIds: [wantSubnet] })));
    const subnet = got?.Subnets?.[0];
    if (subnet === undefined)
      return {
        ...none,
        configured: true,
        problems: [
          {
            code: 'AWS_NOT_FOUND',
            message: `subnet ${wantSubnet} does not exist in ${desired.region}`,
            hint: 'check --subnet-id and --region',
          },
        ],
      };
    if (wantVpc !== undefined && subnet.VpcId !== wantVpc) {
      return {
        ...none,
        configured: true,
        problems: [
          {
            code: 'CONFIG_INVALID',
            message: `subnet ${wantSubnet} is in ${subnet.VpcId ?? '?'}, not in the configured ${wantVpc}`,
            hint: 'make --subnet-id and --vpc-id agree, or drop --vpc-id',
          },
        ],
      };
    }
    vpcKnown(subnet.VpcId);
    return {
      vpcId: subnet.VpcId,
      subnetId: wantSubnet,
      availabilityZone: subnet.AvailabilityZone,
      configured: true,
      candidates: [],
      problems: [],
    };
  }
  let vpcId = wantVpc;
  if (vpcId === undefined) {
    const vpcs = await limit(() => ports.ec2.describeVpcs({ Filters: [{ Name: 'is-default', Values: ['true'] }] }));
    vpcId = vpcs.Vpcs?.[0]?.VpcId;
    if (vpcId === undefined)
      return {
        ...none,
        configured: false,
        problems: [
          {
            code: 'AWS_NOT_FOUND',
            message: `${desired.region} has no default VPC`,
            hint: 'name the network with --vpc-id and --subnet-id',
          },
        ],
      };
  } else {
    const vpcs = await limit(() => orAbsent(() => ports.ec2.describeVpcs({ VpcIds: [vpcId as string] })));
    if (vpcs?.Vpcs?.[0] === undefined)
      return {
        ...none,
        configured: false,
        problems: [
          {
            code: 'AWS_NOT_FOUND',
            message: `VPC ${vpcId} does not exist in ${desired.region}`,
            hint: 'check --vpc-id and --region',
          },
        ],
      };
  }
  vpcKnown(vpcId);
  const subnets = await limit(() =>
    allPages(async (NextToken) => {
      const page = await ports.ec2.describeSubnets({
        Filters: [{ Name: 'vpc-id', Values: [vpcId] }],
        NextToken,
      });
      return { items: page.Subnets, next: page.NextToken };
    }),
  );
  const candidates = subnets
    .filter((s) => s.SubnetId !== undefined && s.AvailabilityZone !== undefined)
    .map((s) => ({ subnetId: s.SubnetId as string, zone: s.AvailabilityZone as string }))
    .sort((a, b) => a.zone.localeCompare(b.zone) || a.subnetId.localeCompare(b.subnetId));
  const problems: NetworkProblem[] =
    candidates.length === 0
      ? [{ code: 'AWS_NOT_FOUND', message: `VPC ${vpcId} has no subnets`, hint: 'create a subnet or pass --subnet-id' }]
      : [];
  return { vpcId, subnetId: undefined, availabilityZone: undefined, configured: false, candidates, problems };
}

function routeTables(ports: AwsPorts, vpcId: string): Promise<RouteTable[]> {
  return allPages(async (NextToken) => {
    const page = await ports.ec2.describeRouteTables({
      Filters: [{ Name: 'vpc-id', Values: [vpcId] }],
      NextToken,
    });
    return { items: page.RouteTables, next: page.NextToken };
  });
}

/** Every NAT gateway of the VPC, whatever its state (the egress check says why one is no way out). */
function natGateways(ports: AwsPorts, vpcId: string): Promise<NatGateway[]> {
  return allPages(async (NextToken) => {
    const page = await ports.ec2.describeNatGateways({
      Filter: [{ Name: 'vpc-id', Values: [vpcId] }],
      NextToken,
    });
    return { items: page.NatGateways, next: page.NextToken };
  });
}

export async function observeSecurityGroup(
  ports: AwsPorts,
  desired: DesiredState,
  vpcId: string,
): Promise<ObservedSecurityGroup | undefined> {
  const got = await ports.ec2.describeSecurityGroups({
    Filters: [
      { Name: 'group-name', Values: [desired.securityGroup.name] },
      { Name: 'vpc-id', Values: [vpcId] },
    ],
  });
  const group = got.SecurityGroups?.[0];
  if (group?.GroupId === undefined) return undefined;
  return {
    groupId: group.GroupId,
    vpcId: group.VpcId ?? vpcId,
    tags: tagsOf(group.Tags),
    ingress: rulesOf(group.IpPermissions),
    egress: rulesOf(group.IpPermissionsEgress),
  };
}

const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped'];

/** Instances tagged with the co-signer's name (any owner tag value: the planner judges). */
export async function observeInstances(ports: AwsPorts, desired: DesiredState): Promise<ObservedInstance[]> {
  const reservations = await allPages(async (NextToken) => {
    const page = await ports.ec2.describeInstances({
      Filters: [
        { Name: `tag:${TAGS.name}`, Values: [desired.name] },
        { Name: 'instance-state-name', Values: LIVE_STATES },
      ],
      NextToken,
    });
    return { items: page.Reservations, next: page.NextToken };
  });
  const instances = reservations.flatMap((r) => r.Instances ?? []).filter((i) => i.InstanceId !== undefined);
  return Promise.all(
    instances.map(async (i) => {
      const rootId = i.BlockDeviceMappings?.find((m) => m.DeviceName === i.RootDeviceName)?.Ebs?.VolumeId;
      const volume =
        rootId === undefined
          ? undefined
          : (await orAbsent(() => ports.ec2.describeVolumes({ VolumeIds: [rootId] })))?.Volumes?.[0];
      return {
        instanceId: i.InstanceId as string,
        state: i.State?.Name ?? 'unknown',
        type: i.InstanceType,
        subnetId: i.SubnetId,
        availabilityZone: i.Placement?.AvailabilityZone,
        imageId: i.ImageId,
        instanceProfileArn: i.IamInstanceProfile?.Arn,
        enclave: i.EnclaveOptions?.Enabled ?? false,
        httpTokens: i.MetadataOptions?.HttpTokens,
        hopLimit: i.MetadataOptions?.HttpPutResponseHopLimit,
        publicIp: i.PublicIpAddress,
        securityGroupIds: (i.SecurityGroups ?? []).map((g) => g.GroupId ?? '').filter((g) => g !== ''),
        tags: tagsOf(i.Tags),
        clientToken: i.ClientToken,
        launchTime: i.LaunchTime === undefined ? undefined : new Date(i.LaunchTime).toISOString(),
        rootVolume:
          rootId === undefined
            ? undefined
            : { volumeId: rootId, encrypted: volume?.Encrypted ?? false, type: volume?.VolumeType },
      };
    }),
  );
}
