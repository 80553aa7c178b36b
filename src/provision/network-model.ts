/**
 * The host's way out, as pure functions: where a subnet's default route leads and whether that
 * is an egress path for a host with or without a public IP; the parts of the dedicated network of
 * mode "managed" (names, address ranges, the VPC endpoints); and what that network costs a month.
 *
 * The co-signer needs HTTPS egress to Fireblocks and to AWS (KMS, S3), and the host to SSM, its
 * only way in (reference/fireblocks-aws.md §1.3): a host with neither a public IP nor a NAT-like
 * route cannot install its packages, register with SSM or reach Fireblocks.
 */
import type { RouteTable } from '@aws-sdk/client-ec2';
import type { NetworkMode } from '../config/schema.js';

// ---------------------------------------------------------------------------------------------
// Egress of an existing subnet

/** Where a subnet's 0.0.0.0/0 route leads. */
export type RouteTarget =
  | { kind: 'nat'; id: string }
  | { kind: 'igw'; id: string }
  | { kind: 'transit-gateway'; id: string }
  | { kind: 'network-interface'; id: string }
  | { kind: 'instance'; id: string }
  | { kind: 'peering'; id: string }
  | { kind: 'other'; id: string }
  | { kind: 'blackhole'; id: string }
  | { kind: 'none' };

export interface RouteOut {
  /** The route table that applies: the subnet's own association, else the VPC's main table. */
  routeTableId: string | undefined;
  /** True when the table is the VPC's main table (the subnet has no association of its own). */
  main: boolean;
  target: RouteTarget;
}

/** The subnet's route table (its explicit association, else the main one) and its default route. */
export function routeOut(tables: readonly RouteTable[], subnetId: string): RouteOut {
  const own = tables.find((t) => t.Associations?.some((a) => a.SubnetId === subnetId));
  const table = own ?? tables.find((t) => t.Associations?.some((a) => a.Main === true));
  return { routeTableId: table?.RouteTableId, main: own === undefined, target: defaultRouteTarget(table) };
}

/** Where a route table's 0.0.0.0/0 route leads. */
export function defaultRouteTarget(table: RouteTable | undefined): RouteTarget {
  const route = table?.Routes?.find((r) => r.DestinationCidrBlock === '0.0.0.0/0');
  if (route === undefined) return { kind: 'none' };
  const id =
    route.NatGatewayId ??
    route.TransitGatewayId ??
    route.NetworkInterfaceId ??
    route.InstanceId ??
    route.VpcPeeringConnectionId ??
    route.GatewayId ??
    route.CarrierGatewayId ??
    route.LocalGatewayId ??
    '?';
  if (route.State === 'blackhole') return { kind: 'blackhole', id };
  if (route.NatGatewayId !== undefined) return { kind: 'nat', id };
  if (route.TransitGatewayId !== undefined) return { kind: 'transit-gateway', id };
  if (route.NetworkInterfaceId !== undefined) return { kind: 'network-interface', id };
  if (route.InstanceId !== undefined) return { kind: 'instance', id };
  if (route.VpcPeeringConnectionId !== undefined) return { kind: 'peering', id };
  if (route.GatewayId?.startsWith('igw-') === true) return { kind: 'igw', id };
  return { kind: 'other', id };
}

/**
 * Whether a default route is a way out for the host. A NAT gateway, a transit gateway, a network
 * interface or instance (a NAT or firewall appliance) or a VPC peering may lead out without a
 * public address; an internet gateway only carries traffic of hosts that have one.
 */
export function isEgressPath(target: RouteTarget, publicIp: boolean): boolean {
  switch (target.kind) {
    case 'nat':
    case 'transit-gateway':
    case 'network-interface':
    case 'instance':
    case 'peering':
    case 'other':
      return true;
    case 'igw':
      return publicIp;
    case 'blackhole':
    case 'none':
      return false;
  }
}

export function describeTarget(target: RouteTarget): string {
  switch (target.kind) {
    case 'none':
      return 'no default route';
    case 'blackhole':
      return `a default route to ${target.id}, which no longer exists (blackhole)`;
    case 'igw':
      return `only the internet gateway ${target.id}`;
    case 'nat':
      return `the NAT gateway ${target.id}`;
    case 'transit-gateway':
      return `the transit gateway ${target.id}`;
    case 'network-interface':
      return `the network interface ${target.id}`;
    case 'instance':
      return `the instance ${target.id}`;
    case 'peering':
      return `the VPC peering ${target.id}`;
    case 'other':
      return target.id;
  }
}

// ---------------------------------------------------------------------------------------------
// The dedicated network of mode "managed"

/** Tag naming which part of the managed network a resource is (besides the co-signer's tags). */
export const PART_TAG = 'cosigner-cli:part';

export const NETWORK_PARTS = [
  'vpc',
  'igw',
  'eip',
  'public-subnet',
  'private-subnet',
  'nat',
  'public-rt',
  'private-rt',
  'endpoint-sg',
] as const;
export type NetworkPart = (typeof NETWORK_PARTS)[number];

/** AWS services reached through an interface endpoint in the private subnet. */
export const INTERFACE_SERVICES = ['kms', 'ssm', 'ssmmessages', 'ec2messages'] as const;
/** AWS services reached through a gateway endpoint on the private route table (free). */
export const GATEWAY_SERVICES = ['s3'] as const;
export type EndpointService = (typeof INTERFACE_SERVICES)[number] | (typeof GATEWAY_SERVICES)[number];

export interface ManagedNetworkSpec {
  cidr: string;
  publicCidr: string;
  privateCidr: string;
  /** The Name tag of each part. */
  names: Record<NetworkPart, string>;
  endpointNames: Record<EndpointService, string>;
  /** `com.amazonaws.<region>.<service>`. */
  serviceNames: Record<EndpointService, string>;
}

/** Names and address ranges of a co-signer's managed network (a /16 to itself, two /24s). */
export function managedNetworkSpec(name: string, region: string): ManagedNetworkSpec {
  const base = `${name}-cosigner`;
  const services = [...INTERFACE_SERVICES, ...GATEWAY_SERVICES];
  return {
    cidr: '10.0.0.0/16',
    publicCidr: '10.0.0.0/24',
    privateCidr: '10.0.1.0/24',
    names: {
      vpc: `${base}-vpc`,
      igw: `${base}-igw`,
      eip: `${base}-nat-eip`,
      'public-subnet': `${base}-public`,
      'private-subnet': `${base}-private`,
      nat: `${base}-nat`,
      'public-rt': `${base}-public`,
      'private-rt': `${base}-private`,
      'endpoint-sg': `${base}-endpoints`,
    },
    endpointNames: Object.fromEntries(services.map((s) => [s, `${base}-${s}`])) as Record<EndpointService, string>,
    serviceNames: Object.fromEntries(services.map((s) => [s, `com.amazonaws.${region}.${s}`])) as Record<
      EndpointService,
      string
    >,
  };
}

// ---------------------------------------------------------------------------------------------
// Cost

/**
 * us-east-1 list prices in USD, from https://aws.amazon.com/vpc/pricing/ (NAT gateway, public IPv4
 * address) and https://aws.amazon.com/privatelink/pricing/ (interface endpoints). Prices vary by
 * region (most are higher): the plan says so, and these are an estimate, not a quote.
 */
export const PRICES_US_EAST_1 = {
  natGatewayHour: 0.045,
  natGatewayPerGB: 0.045,
  interfaceEndpointHourPerAz: 0.01,
  interfaceEndpointPerGB: 0.01,
  publicIpv4Hour: 0.005,
  gatewayEndpointHour: 0,
} as const;

/** AWS bills a month as 730 hours. */
export const HOURS_PER_MONTH = 730;

export interface NetworkCost {
  /** Fixed monthly cost of what the network mode keeps running, in USD. */
  monthlyUsd: number;
  items: { what: string; monthlyUsd: number }[];
  /** What is billed on top (per GB) and the caveat on prices. */
  note: string;
}

const money = (n: number) => Math.round(n * 100) / 100;

/** The monthly cost a network mode adds, or undefined when it adds none (mode "existing"). */
export function networkCost(mode: NetworkMode, availabilityZones = 1): NetworkCost | undefined {
  const p = PRICES_US_EAST_1;
  const month = (hourly: number) => money(hourly * HOURS_PER_MONTH);
  const caveat = 'us-east-1 list prices; other regions differ';
  if (mode === 'public-ip') {
    const items = [{ what: "the host's public IPv4 address", monthlyUsd: month(p.publicIpv4Hour) }];
    return { monthlyUsd: items[0]!.monthlyUsd, items, note: `plus data transfer out; ${caveat}` };
  }
  if (mode !== 'managed') return undefined;
  const interfaces = INTERFACE_SERVICES.length;
  const items = [
    { what: 'NAT gateway', monthlyUsd: month(p.natGatewayHour) },
    { what: "the NAT gateway's Elastic IP (public IPv4)", monthlyUsd: month(p.publicIpv4Hour) },
    {
      what: `${interfaces} interface endpoints × ${availabilityZones} AZ`,
      monthlyUsd: month(p.interfaceEndpointHourPerAz * interfaces * availabilityZones),
    },
    { what: 'S3 gateway endpoint', monthlyUsd: month(p.gatewayEndpointHour) },
  ];
  return {
    monthlyUsd: money(items.reduce((sum, item) => sum + item.monthlyUsd, 0)),
    items,
    note: `plus $${p.natGatewayPerGB}/GB through the NAT gateway and $${p.interfaceEndpointPerGB}/GB through the endpoints, and data transfer out; ${caveat}`,
  };
}

/** The plan's cost line. */
export function costLine(cost: NetworkCost): string {
  const parts = cost.items.map((i) => `${i.what} $${i.monthlyUsd.toFixed(2)}`).join(', ');
  return `about $${cost.monthlyUsd.toFixed(2)}/month (${parts}); ${cost.note}`;
}
