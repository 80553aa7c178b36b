/**
 * The host's way out of an existing subnet, as pure functions: where the subnet's route table sends
 * the public internet (longest-prefix match over every IPv4 route, not only a literal 0.0.0.0/0),
 * whether a NAT gateway on the way leads out (what it is, and where its own subnet routes), and
 * whether that is an egress path for a host with or without a public IP.
 *
 * The co-signer needs HTTPS egress to Fireblocks and to AWS (KMS, S3), and the host to SSM, its
 * only way in (reference/fireblocks-aws.md §1.3): a host with neither a public IP nor a NAT-like
 * route cannot install its packages, register with SSM or reach Fireblocks.
 */
import type { NatGateway, Route, RouteTable } from '@aws-sdk/client-ec2';
import { formatIpv4, parseIpv4Cidr, slicePublicSpace, type Ipv4Block, type PrefixRoute } from './ipv4-ranges.js';

/** What DescribeNatGateways says of a NAT gateway a route leads to, and where its own subnet goes. */
export interface NatFacts {
  /** ConnectivityType: `public` (an Elastic IP, out through the internet gateway) or `private`. */
  connectivityType: string;
  /** `pending`, `failed`, `available`, `deleting` or `deleted`. */
  state: string;
  subnetId: string | undefined;
  /** The route table that applies to the NAT gateway's own subnet. */
  routeTableId: string | undefined;
  /** True when that is the VPC's main table (the subnet has no association of its own). */
  mainTable: boolean;
  /** Whether that table has a literal 0.0.0.0/0 route (to replace, rather than create, in a fix). */
  hasDefaultRoute: boolean;
  /** Where that table sends the public internet. */
  out: RouteTarget;
}

/** Where a route (or a route table, for the public internet) sends traffic. */
export type RouteTarget =
  /** `nat` is set when DescribeNatGateways lists the gateway in the VPC. */
  | { kind: 'nat'; id: string; nat?: NatFacts }
  | { kind: 'igw'; id: string }
  | { kind: 'transit-gateway'; id: string }
  | { kind: 'network-interface'; id: string }
  | { kind: 'instance'; id: string }
  | { kind: 'peering'; id: string }
  | { kind: 'carrier-gateway'; id: string }
  /** Any other target (a virtual private gateway, a Cloud WAN core network, …): `what` names it. */
  | { kind: 'other'; id: string; what: string }
  | { kind: 'blackhole'; id: string }
  | { kind: 'none' }
  /** Different parts of the public internet go to different targets (or nowhere). */
  | { kind: 'split'; parts: RoutePart[] };

export type SingleTarget = Exclude<RouteTarget, { kind: 'split' }>;

export interface RoutePart {
  target: SingleTarget;
  /** The destinations of the routes that carry this part (empty for the part no route covers). */
  via: string[];
  /** The first public address of the part. */
  from: string;
}

export interface RouteOut {
  /** The route table that applies: the subnet's own association, else the VPC's main table. */
  routeTableId: string | undefined;
  /** True when the table is the VPC's main table (the subnet has no association of its own). */
  main: boolean;
  /** Where the table sends the public internet, NAT gateways described. */
  target: RouteTarget;
}

/** The route table that applies to a subnet: its explicit association, else the VPC's main table. */
function tableOf(tables: readonly RouteTable[], subnetId: string): { table: RouteTable | undefined; main: boolean } {
  const own = tables.find((t) => t.Associations?.some((a) => a.SubnetId === subnetId));
  const table = own ?? tables.find((t) => t.Associations?.some((a) => a.Main === true));
  return { table, main: own === undefined };
}

/**
 * Where a subnet's traffic to the internet goes. `tables` are the VPC's route tables, `nats` its
 * NAT gateways (DescribeNatGateways): a NAT gateway's verdict needs both.
 */
export function routeOut(tables: readonly RouteTable[], subnetId: string, nats: readonly NatGateway[] = []): RouteOut {
  const { table, main } = tableOf(tables, subnetId);
  return { routeTableId: table?.RouteTableId, main, target: describeNats(internetTarget(table), tables, nats) };
}

/** What one route leads to. An instance route reports its network interface too: the interface wins. */
function routeTargetOf(route: Route): SingleTarget {
  const id =
    route.NatGatewayId ??
    route.TransitGatewayId ??
    route.NetworkInterfaceId ??
    route.InstanceId ??
    route.VpcPeeringConnectionId ??
    route.CarrierGatewayId ??
    route.GatewayId ??
    route.LocalGatewayId ??
    route.EgressOnlyInternetGatewayId ??
    route.CoreNetworkArn ??
    route.OdbNetworkArn ??
    route.IpAddress ??
    '?';
  if (route.State === 'blackhole') return { kind: 'blackhole', id };
  if (route.NatGatewayId !== undefined) return { kind: 'nat', id };
  if (route.TransitGatewayId !== undefined) return { kind: 'transit-gateway', id };
  if (route.NetworkInterfaceId !== undefined) return { kind: 'network-interface', id };
  if (route.InstanceId !== undefined) return { kind: 'instance', id };
  if (route.VpcPeeringConnectionId !== undefined) return { kind: 'peering', id };
  if (route.CarrierGatewayId !== undefined) return { kind: 'carrier-gateway', id };
  if (route.GatewayId?.startsWith('igw-') === true) return { kind: 'igw', id };
  return { kind: 'other', id, what: otherWhat(route, id) };
}

function otherWhat(route: Route, id: string): string {
  if (route.GatewayId?.startsWith('vgw-') === true) return `the virtual private gateway ${id}`;
  if (route.GatewayId?.startsWith('vpce-') === true) return `the VPC endpoint ${id} (Gateway Load Balancer)`;
  if (route.LocalGatewayId !== undefined) return `the Outposts local gateway ${id}`;
  if (route.EgressOnlyInternetGatewayId !== undefined) return `the egress-only internet gateway ${id} (IPv6 only)`;
  if (route.CoreNetworkArn !== undefined) return `the Cloud WAN core network ${id}`;
  if (route.OdbNetworkArn !== undefined) return `the ODB network ${id}`;
  if (route.IpAddress !== undefined) return `the route server next hop ${id}`;
  return id === '?' ? 'a target this tool does not recognise' : `${id}, a target this tool does not recognise`;
}

/** Where a route table's literal 0.0.0.0/0 route leads (the managed network's create/replace decisions). */
export function defaultRouteTarget(table: RouteTable | undefined): RouteTarget {
  const route = table?.Routes?.find((r) => r.DestinationCidrBlock === '0.0.0.0/0');
  return route === undefined ? { kind: 'none' } : routeTargetOf(route);
}

const sameTarget = (a: SingleTarget, b: SingleTarget) =>
  a.kind === b.kind && (a.kind === 'none' || (b.kind !== 'none' && a.id === b.id));

/**
 * Where a route table sends the public internet, by longest-prefix match over its IPv4 routes: the
 * VPC's own blocks (routed `local`) and non-public ranges are left out, so 0.0.0.0/1 plus
 * 128.0.0.0/1 to a NAT gateway is that NAT gateway, and a /0 to a NAT gateway with a more specific
 * public range elsewhere is split. Prefix-list routes (gateway endpoints: S3, DynamoDB) reach one
 * service only and are not a way to the internet; IPv6 routes do not carry the host's IPv4 traffic.
 */
export function internetTarget(table: RouteTable | undefined): RouteTarget {
  const routes: PrefixRoute<Route>[] = [];
  const local: Ipv4Block[] = [];
  for (const route of table?.Routes ?? []) {
    const block = route.DestinationCidrBlock === undefined ? undefined : parseIpv4Cidr(route.DestinationCidrBlock);
    if (block === undefined) continue;
    if (route.GatewayId === 'local') local.push(block);
    else
      routes.push({
        block,
        propagated: route.Origin === 'EnableVgwRoutePropagation' || route.Origin === 'Advertisement',
        value: route,
      });
  }
  const parts: RoutePart[] = [];
  for (const slice of slicePublicSpace(routes, local)) {
    const target: SingleTarget = slice.route === undefined ? { kind: 'none' } : routeTargetOf(slice.route.value);
    let part = parts.find((p) => sameTarget(p.target, target));
    if (part === undefined) {
      part = { target, via: [], from: formatIpv4(slice.start) };
      parts.push(part);
    }
    const via = slice.route?.block.cidr;
    if (via !== undefined && !part.via.includes(via)) part.via.push(via);
  }
  if (parts.length === 0) return { kind: 'none' };
  return parts.length === 1 ? parts[0]!.target : { kind: 'split', parts };
}

/** The NAT gateways a target leads to, described from DescribeNatGateways and their subnets' tables. */
export function describeNats(
  target: RouteTarget,
  tables: readonly RouteTable[],
  nats: readonly NatGateway[],
): RouteTarget {
  if (target.kind === 'split')
    return {
      kind: 'split',
      parts: target.parts.map((p) => ({ ...p, target: describeNats(p.target, tables, nats) as SingleTarget })),
    };
  if (target.kind !== 'nat') return target;
  const gateway = nats.find((n) => n.NatGatewayId === target.id);
  if (gateway === undefined) return { kind: 'nat', id: target.id };
  const home = gateway.SubnetId === undefined ? { table: undefined, main: false } : tableOf(tables, gateway.SubnetId);
  return {
    kind: 'nat',
    id: target.id,
    nat: {
      connectivityType: gateway.ConnectivityType ?? 'public',
      state: gateway.State ?? 'pending',
      subnetId: gateway.SubnetId,
      routeTableId: home.table?.RouteTableId,
      mainTable: home.main,
      hasDefaultRoute: defaultRouteTarget(home.table).kind !== 'none',
      // Its own subnet's way out; a NAT gateway behind it would not be a way out either.
      out: internetTarget(home.table),
    },
  };
}

/**
 * Why a NAT gateway is no way out, or undefined when it is one: a public NAT gateway, available,
 * whose own subnet sends the whole public internet to the VPC's attached internet gateway (EC2
 * reports a route to a detached one as a blackhole). A private NAT gateway's traffic is dropped by
 * an internet gateway (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html).
 */
export function natProblem(target: Extract<RouteTarget, { kind: 'nat' }>): string | undefined {
  const nat = target.nat;
  if (nat === undefined) return 'DescribeNatGateways does not list it in the VPC';
  if (nat.connectivityType !== 'public')
    return `it is a ${nat.connectivityType} NAT gateway (an internet gateway drops its traffic)`;
  if (nat.state !== 'available') return `it is ${nat.state}, not available`;
  if (nat.out.kind !== 'igw') {
    const home = `its own subnet ${nat.subnetId ?? '?'} (${nat.routeTableId ?? 'no route table'})`;
    return nat.out.kind === 'none'
      ? `${home} has no default route to an internet gateway`
      : `${home} routes 0.0.0.0/0 through ${describeTarget(nat.out)}, not an internet gateway`;
  }
  return undefined;
}

/**
 * Whether a target is a way out for the host. A NAT gateway is one when `natProblem` finds none.
 * A transit gateway, a network interface or instance (a NAT or firewall appliance) or a VPC
 * peering may lead out beyond what this tool can see: counted as a way out. An internet gateway
 * only carries traffic of hosts with a public IP; a carrier gateway only of hosts with a carrier IP
 * (Wavelength Zones), which this host never has; anything else is not trusted. A split table is a
 * way out when every part of the internet is.
 */
export function isEgressPath(target: RouteTarget, publicIp: boolean): boolean {
  switch (target.kind) {
    case 'nat':
      return natProblem(target) === undefined;
    case 'transit-gateway':
    case 'network-interface':
    case 'instance':
    case 'peering':
      return true;
    case 'igw':
      return publicIp;
    case 'split':
      return target.parts.every((p) => isEgressPath(p.target, publicIp));
    case 'carrier-gateway':
    case 'other':
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
    case 'nat': {
      const problem = natProblem(target);
      return `the NAT gateway ${target.id}${problem === undefined ? '' : `, no way out: ${problem}`}`;
    }
    case 'transit-gateway':
      return `the transit gateway ${target.id}`;
    case 'network-interface':
      return `the network interface ${target.id}`;
    case 'instance':
      return `the instance ${target.id}`;
    case 'peering':
      return `the VPC peering ${target.id}`;
    case 'carrier-gateway':
      return `the carrier gateway ${target.id} (Wavelength: only for hosts with a carrier IP)`;
    case 'other':
      return target.what;
    case 'split':
      return target.parts
        .map((p) =>
          p.target.kind === 'none'
            ? `no route for the part from ${p.from}`
            : `${p.via.join(', ')} to ${describeTarget(p.target)}`,
        )
        .join('; ');
  }
}
