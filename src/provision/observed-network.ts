/**
 * Observation of the managed network (network.mode "managed"): every part is found by the
 * co-signer's name tag and its `cosigner-cli:part` tag, created with both atomically, so what an
 * interrupted run made is found again. One round of reads in parallel, then the VPC's DNS
 * attributes. Read calls only.
 */
import type { Filter, IpPermission } from '@aws-sdk/client-ec2';
import type pLimit from 'p-limit';
import type { AwsPorts } from '../aws/ports.js';
import { TAGS } from '../config/names.js';
import { allPages, tagsOf, type TagRecord } from '../engine/aws-util.js';
import type { DesiredState } from './desired.js';
import { defaultRouteTarget, type RouteTarget } from './egress.js';
import {
  GATEWAY_SERVICES,
  INTERFACE_SERVICES,
  PART_TAG,
  type EndpointService,
  type NetworkPart,
} from './network-model.js';
import type { SecurityGroupRule } from './observed-ec2.js';
import { isOurs } from '../engine/ownership.js';

type Limit = ReturnType<typeof pLimit>;

export interface ManagedPart {
  id: string;
  tags: TagRecord;
}

export interface ManagedEndpoint extends ManagedPart {
  type: string;
  state: string;
  routeTableIds: string[];
  subnetIds: string[];
  groupIds: string[];
  privateDns: boolean;
}

export interface ManagedRouteTable extends ManagedPart {
  subnetIds: string[];
  defaultRoute: RouteTarget;
}

export interface ObservedManagedNetwork {
  vpc?: ManagedPart & { cidr: string; dnsSupport: boolean; dnsHostnames: boolean };
  igw?: ManagedPart & { vpcId: string | undefined };
  eip?: ManagedPart & { publicIp: string | undefined };
  publicSubnet?: ManagedPart & { vpcId: string; zone: string };
  privateSubnet?: ManagedPart & { vpcId: string; zone: string };
  nat?: ManagedPart & { state: string; subnetId: string | undefined; allocationId: string | undefined };
  publicRt?: ManagedRouteTable;
  privateRt?: ManagedRouteTable;
  endpointGroup?: ManagedPart & { ingress: SecurityGroupRule[]; egress: SecurityGroupRule[] };
  endpoints: Partial<Record<EndpointService, ManagedEndpoint>>;
  /** Parts found more than once (a create retried after it had succeeded): ids beyond the one kept. */
  extras: string[];
}

const LIVE_NAT = ['pending', 'available'];
const LIVE_ENDPOINT = ['pendingacceptance', 'pending', 'available'];

/** One of each part: the first by id; the others are extras (destroy removes every one). */
function pick<T extends ManagedPart>(items: T[], extras: string[]): T | undefined {
  const sorted = [...items].sort((a, b) => a.id.localeCompare(b.id));
  extras.push(...sorted.slice(1).map((i) => i.id));
  return sorted[0];
}

const partOf = (tags: TagRecord) => tags[PART_TAG] as NetworkPart | undefined;

export async function observeManagedNetwork(
  ports: AwsPorts,
  desired: DesiredState,
  limit: Limit,
): Promise<ObservedManagedNetwork> {
  const mine: Filter[] = [{ Name: `tag:${TAGS.name}`, Values: [desired.name] }];
  const ours = <T extends { Tags?: { Key?: string | undefined; Value?: string | undefined }[] | undefined }>(
    items: T[] | undefined,
  ) => (items ?? []).filter((i) => isOurs(tagsOf(i.Tags), desired.name));
  const ec2 = ports.ec2;
  const [vpcs, subnets, gateways, addresses, nats, tables, groups, endpoints] = await Promise.all([
    limit(() =>
      allPages(async (NextToken) => {
        const p = await ec2.describeVpcs({ Filters: mine, NextToken });
        return { items: ours(p.Vpcs), next: p.NextToken };
      }),
    ),
    limit(() =>
      allPages(async (NextToken) => {
        const p = await ec2.describeSubnets({ Filters: mine, NextToken });
        return { items: ours(p.Subnets), next: p.NextToken };
      }),
    ),
    limit(() =>
      allPages(async (NextToken) => {
        const p = await ec2.describeInternetGateways({
          Filters: mine,
          NextToken,
        });
        return { items: ours(p.InternetGateways), next: p.NextToken };
      }),
    ),
    limit(async () => ours((await ec2.describeAddresses({ Filters: mine })).Addresses)),
    limit(() =>
      allPages(async (NextToken) => {
        const p = await ec2.describeNatGateways({
          Filter: [...mine, { Name: 'state', Values: LIVE_NAT }],
          NextToken,
        });
        return { items: ours(p.NatGateways), next: p.NextToken };
      }),
    ),
    limit(() =>
      allPages(async (NextToken) => {
        const p = await ec2.describeRouteTables({ Filters: mine, NextToken });
        return { items: ours(p.RouteTables), next: p.NextToken };
      }),
    ),
    limit(() =>
      allPages(async (NextToken) => {
        const p = await ec2.describeSecurityGroups({
          Filters: [...mine, { Name: `tag:${PART_TAG}`, Values: ['endpoint-sg'] }],
          NextToken,
        });
        return { items: ours(p.SecurityGroups), next: p.NextToken };
      }),
    ),
    limit(() =>
      allPages(async (NextToken) => {
        const p = await ec2.describeVpcEndpoints({ Filters: mine, NextToken });
        return { items: ours(p.VpcEndpoints), next: p.NextToken };
      }),
    ),
  ]);
  const extras: string[] = [];
  const byPart = <T extends { Tags?: { Key?: string | undefined; Value?: string | undefined }[] | undefined }>(
    items: T[],
    part: NetworkPart,
  ) => items.filter((i) => partOf(tagsOf(i.Tags)) === part);

  const vpc = pick(
    byPart(vpcs, 'vpc').map((v) => ({ id: v.VpcId ?? '', tags: tagsOf(v.Tags), cidr: v.CidrBlock ?? '' })),
    extras,
  );
  const subnet = (part: 'public-subnet' | 'private-subnet') =>
    pick(
      byPart(subnets, part).map((s) => ({
        id: s.SubnetId ?? '',
        tags: tagsOf(s.Tags),
        vpcId: s.VpcId ?? '',
        zone: s.AvailabilityZone ?? '',
      })),
      extras,
    );
  const table = (part: 'public-rt' | 'private-rt'): ManagedRouteTable | undefined =>
    pick(
      byPart(tables, part).map((t) => ({
        id: t.RouteTableId ?? '',
        tags: tagsOf(t.Tags),
        subnetIds: (t.Associations ?? []).flatMap((a) => (a.SubnetId === undefined ? [] : [a.SubnetId])),
        defaultRoute: defaultRouteTarget(t),
      })),
      extras,
    );
  const publicSubnet = subnet('public-subnet');
  const privateSubnet = subnet('private-subnet');
  const [dnsSupport, dnsHostnames] =
    vpc === undefined
      ? [false, false]
      : await Promise.all([
          limit(
            async () =>
              (await ec2.describeVpcAttribute({ VpcId: vpc.id, Attribute: 'enableDnsSupport' })).EnableDnsSupport
                ?.Value ?? false,
          ),
          limit(
            async () =>
              (await ec2.describeVpcAttribute({ VpcId: vpc.id, Attribute: 'enableDnsHostnames' })).EnableDnsHostnames
                ?.Value ?? false,
          ),
        ]);
  const group = pick(
    groups.map((g) => ({
      id: g.GroupId ?? '',
      tags: tagsOf(g.Tags),
      ingress: rulesOf(g.IpPermissions),
      egress: rulesOf(g.IpPermissionsEgress),
    })),
    extras,
  );
  const endpointOf = (service: EndpointService) =>
    pick(
      endpoints
        .filter(
          (e) =>
            e.ServiceName === desired.network.managed?.serviceNames[service] &&
            LIVE_ENDPOINT.includes(String(e.State).toLowerCase()),
        )
        .map((e) => ({
          id: e.VpcEndpointId ?? '',
          tags: tagsOf(e.Tags),
          type: e.VpcEndpointType ?? '',
          state: String(e.State).toLowerCase(),
          routeTableIds: e.RouteTableIds ?? [],
          subnetIds: e.SubnetIds ?? [],
          groupIds: (e.Groups ?? []).map((g) => g.GroupId ?? ''),
          privateDns: e.PrivateDnsEnabled ?? false,
        })),
      extras,
    );
  const found: Partial<Record<EndpointService, ManagedEndpoint>> = {};
  for (const service of [...INTERFACE_SERVICES, ...GATEWAY_SERVICES]) {
    const endpoint = endpointOf(service);
    if (endpoint !== undefined) found[service] = endpoint;
  }
  const igw = pick(
    byPart(gateways, 'igw').map((g) => ({
      id: g.InternetGatewayId ?? '',
      tags: tagsOf(g.Tags),
      vpcId: g.Attachments?.[0]?.VpcId,
    })),
    extras,
  );
  const eip = pick(
    byPart(addresses, 'eip').map((a) => ({ id: a.AllocationId ?? '', tags: tagsOf(a.Tags), publicIp: a.PublicIp })),
    extras,
  );
  const nat = pick(
    byPart(nats, 'nat').map((n) => ({
      id: n.NatGatewayId ?? '',
      tags: tagsOf(n.Tags),
      state: n.State ?? 'pending',
      subnetId: n.SubnetId,
      allocationId: n.NatGatewayAddresses?.[0]?.AllocationId,
    })),
    extras,
  );
  const publicRt = table('public-rt');
  const privateRt = table('private-rt');
  return {
    ...(vpc === undefined ? {} : { vpc: { ...vpc, dnsSupport, dnsHostnames } }),
    ...(igw === undefined ? {} : { igw }),
    ...(eip === undefined ? {} : { eip }),
    ...(publicSubnet === undefined ? {} : { publicSubnet }),
    ...(privateSubnet === undefined ? {} : { privateSubnet }),
    ...(nat === undefined ? {} : { nat }),
    ...(publicRt === undefined ? {} : { publicRt }),
    ...(privateRt === undefined ? {} : { privateRt }),
    ...(group === undefined ? {} : { endpointGroup: group }),
    endpoints: found,
    extras: extras.sort(),
  };
}

/** A group's permissions as one rule per protocol and port range, peers listed by kind. */
export function rulesOf(permissions: readonly IpPermission[] | undefined): SecurityGroupRule[] {
  return (permissions ?? []).map((p) => ({
    protocol: p.IpProtocol ?? '-1',
    fromPort: p.FromPort,
    toPort: p.ToPort,
    ipv4: (p.IpRanges ?? []).map((r) => r.CidrIp ?? '').filter((c) => c !== ''),
    ipv6: (p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6 ?? '').filter((c) => c !== ''),
    groups: (p.UserIdGroupPairs ?? []).map((g) => g.GroupId ?? '').filter((g) => g !== ''),
    prefixLists: (p.PrefixListIds ?? []).map((l) => l.PrefixListId ?? '').filter((l) => l !== ''),
  }));
}
