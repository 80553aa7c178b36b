/**
 * The dedicated network of mode "managed", as pure functions: its parts (names, address ranges,
 * the VPC endpoints) and what it, or a public IP, costs a month. The egress judgement of an
 * existing subnet is in egress.ts.
 */
import type { NetworkMode } from '../config/schema.js';

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
const PRICES_US_EAST_1 = {
  natGatewayHour: 0.045,
  natGatewayPerGB: 0.045,
  interfaceEndpointHourPerAz: 0.01,
  interfaceEndpointPerGB: 0.01,
  publicIpv4Hour: 0.005,
  gatewayEndpointHour: 0,
} as const;

/** AWS bills a month as 730 hours. */
const HOURS_PER_MONTH = 730;

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
