/**
 * The IPv4 address space as numbers, for the egress judgement: parsing CIDR blocks, the ranges that
 * are not the public internet, and which route of a set each public address follows under
 * longest-prefix match (the rule EC2 routes by:
 * https://docs.aws.amazon.com/vpc/latest/userguide/route-tables-priority.html). Pure.
 */

/** The number of IPv4 addresses (2^32), one past the last. */
const IPV4_SPACE = 2 ** 32;

/** A CIDR block as a half-open range of addresses [start, end). */
export interface Ipv4Block {
  cidr: string;
  start: number;
  end: number;
  bits: number;
}

/** `a.b.c.d/n` as a block (host bits cleared, as EC2 reports them), or undefined when malformed. */
export function parseIpv4Cidr(cidr: string): Ipv4Block | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (match === null) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const bits = Number(match[5]);
  if (octets.some((o) => o > 255) || bits > 32) return undefined;
  const address = octets.reduce((n, o) => n * 256 + o, 0);
  const size = 2 ** (32 - bits);
  const start = address - (address % size);
  return { cidr, start, end: start + size, bits };
}

/** An address as dotted quads. */
export function formatIpv4(address: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join('.');
}

/**
 * Ranges that are not the public internet: the IANA IPv4 Special-Purpose Address Registry's blocks
 * that are not globally reachable (RFC 6890, https://www.iana.org/assignments/iana-ipv4-special-registry/),
 * and multicast (224.0.0.0/4). A route for them (a peering to 10.0.0.0/8, a stale one to
 * 192.168.0.0/16) says nothing about the way to Fireblocks, AWS's endpoints or the package mirrors.
 */
const NON_PUBLIC_IPV4 = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4',
  '240.0.0.0/4',
] as const;

const NON_PUBLIC_BLOCKS = NON_PUBLIC_IPV4.map((cidr) => parseIpv4Cidr(cidr)!);

/** A route of a table reduced to what longest-prefix match needs. */
export interface PrefixRoute<T> {
  block: Ipv4Block;
  /** Propagated (VPN) routes lose to a static route with the same destination. */
  propagated: boolean;
  value: T;
}

/** A run of public addresses that follows one route (or none). */
export interface PublicSlice<T> {
  start: number;
  end: number;
  /** The route these addresses follow, undefined when no route covers them. */
  route: PrefixRoute<T> | undefined;
}

/**
 * The public IPv4 internet cut into runs that each follow one route of `routes` under
 * longest-prefix match (on a tie, a static route wins over a propagated one, as EC2 does). Ranges
 * in `excluded` (the VPC's own blocks, routed `local`) and the non-public ranges are left out.
 * Runs are in address order; adjacent runs may follow the same route.
 */
export function slicePublicSpace<T>(
  routes: readonly PrefixRoute<T>[],
  excluded: readonly Ipv4Block[] = [],
): PublicSlice<T>[] {
  const skip = [...NON_PUBLIC_BLOCKS, ...excluded];
  const cuts = new Set<number>([0, IPV4_SPACE]);
  for (const { start, end } of [...routes.map((r) => r.block), ...skip]) {
    cuts.add(start);
    cuts.add(end);
  }
  const points = [...cuts].sort((a, b) => a - b);
  // Most specific first; among equals, static before propagated.
  const ordered = [...routes].sort(
    (a, b) => b.block.bits - a.block.bits || Number(a.propagated) - Number(b.propagated),
  );
  const slices: PublicSlice<T>[] = [];
  for (let i = 0; i + 1 < points.length; i += 1) {
    const start = points[i]!;
    const end = points[i + 1]!;
    // Every block starts and ends on a cut, so a run lies wholly inside or outside each block.
    if (skip.some((b) => b.start <= start && start < b.end)) continue;
    const route = ordered.find((r) => r.block.start <= start && start < r.block.end);
    slices.push({ start, end, route });
  }
  return slices;
}
