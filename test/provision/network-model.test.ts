// The host's way out, as the planner judges it: which route table applies to a subnet, where it
// sends the public internet (longest-prefix match), when a NAT gateway is a way out, which targets
// are an egress path with and without a public IP, the refusal (or not) of the network node, and
// the monthly cost of each mode.
import type { NatGateway, Route, RouteTable } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import {
  describeNats,
  describeTarget,
  internetTarget,
  isEgressPath,
  natProblem,
  routeOut,
  type NatFacts,
  type RouteTarget,
  type SingleTarget,
} from '../../src/provision/egress.js';
import { costLine, networkCost } from '../../src/provision/network-model.js';
import { buildPlan } from '../../src/provision/plan.js';
import { ACCOUNT, CALLER, convergedObserved, desiredFor, emptyObserved, NAT_WITH_WAY_OUT } from './fixtures.js';

const table = (
  id: string,
  route: Record<string, string> | undefined,
  associations: { SubnetId?: string; Main?: boolean }[],
  state = 'active',
): RouteTable => ({
  RouteTableId: id,
  Routes: [
    { DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', State: 'active' },
    ...(route === undefined ? [] : [{ DestinationCidrBlock: '0.0.0.0/0', State: state as 'active', ...route }]),
  ],
  Associations: associations,
});

/** A table with the VPC's local route and these routes (`[destination, target fields]`). */
const routes = (...list: [string, Partial<Route>][]): RouteTable => ({
  RouteTableId: 'rtb-x',
  Associations: [{ SubnetId: 's' }],
  Routes: [
    { DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', State: 'active' },
    ...list.map(([DestinationCidrBlock, target]) => ({ DestinationCidrBlock, State: 'active' as const, ...target })),
  ],
});

const facts = (overrides: Partial<NatFacts> = {}): NatFacts => ({
  connectivityType: 'public',
  state: 'available',
  subnetId: 'subnet-pub',
  routeTableId: 'rtb-pub',
  mainTable: false,
  hasDefaultRoute: true,
  out: { kind: 'igw', id: 'igw-1' },
  ...overrides,
});

describe('routeOut', () => {
  it("uses the subnet's own route table, else the VPC's main one", () => {
    const tables = [
      table('rtb-main', { GatewayId: 'igw-1' }, [{ Main: true }]),
      table('rtb-own', { NatGatewayId: 'nat-1' }, [{ SubnetId: 'subnet-a' }]),
    ];
    expect(routeOut(tables, 'subnet-a')).toEqual({
      routeTableId: 'rtb-own',
      main: false,
      target: { kind: 'nat', id: 'nat-1' },
    });
    expect(routeOut(tables, 'subnet-b')).toEqual({
      routeTableId: 'rtb-main',
      main: true,
      target: { kind: 'igw', id: 'igw-1' },
    });
  });

  it('names every kind of target, and a blackhole or a missing route as none', () => {
    const target = (route: Record<string, string> | undefined, state?: string) =>
      routeOut([table('rtb', route, [{ SubnetId: 's' }], state)], 's').target;
    expect(target({ TransitGatewayId: 'tgw-1' })).toEqual({ kind: 'transit-gateway', id: 'tgw-1' });
    expect(target({ NetworkInterfaceId: 'eni-1' })).toEqual({ kind: 'network-interface', id: 'eni-1' });
    expect(target({ InstanceId: 'i-1', NetworkInterfaceId: 'eni-2' })).toEqual({
      kind: 'network-interface',
      id: 'eni-2',
    });
    expect(target({ VpcPeeringConnectionId: 'pcx-1' })).toEqual({ kind: 'peering', id: 'pcx-1' });
    expect(target({ CarrierGatewayId: 'cagw-1' })).toEqual({ kind: 'carrier-gateway', id: 'cagw-1' });
    expect(target({ GatewayId: 'vgw-1' })).toEqual({
      kind: 'other',
      id: 'vgw-1',
      what: 'the virtual private gateway vgw-1',
    });
    expect(target({ LocalGatewayId: 'lgw-1' })).toMatchObject({
      kind: 'other',
      what: 'the Outposts local gateway lgw-1',
    });
    expect(target({ CoreNetworkArn: 'arn:aws:networkmanager::1:core-network/c' })).toMatchObject({
      kind: 'other',
      what: 'the Cloud WAN core network arn:aws:networkmanager::1:core-network/c',
    });
    expect(target({})).toEqual({ kind: 'other', id: '?', what: 'a target this tool does not recognise' });
    expect(target({ NatGatewayId: 'nat-1' }, 'blackhole')).toEqual({ kind: 'blackhole', id: 'nat-1' });
    expect(target(undefined)).toEqual({ kind: 'none' });
  });

  it("describes the NAT gateway a subnet routes to from DescribeNatGateways and its own subnet's table", () => {
    const tables = [
      table('rtb-main', undefined, [{ Main: true }]),
      table('rtb-pub', { GatewayId: 'igw-1' }, [{ SubnetId: 'subnet-pub' }]),
      table('rtb-host', { NatGatewayId: 'nat-1' }, [{ SubnetId: 'subnet-host' }]),
    ];
    const nat: NatGateway = {
      NatGatewayId: 'nat-1',
      SubnetId: 'subnet-pub',
      State: 'available',
      ConnectivityType: 'public',
    };
    expect(routeOut(tables, 'subnet-host', [nat]).target).toEqual({ kind: 'nat', id: 'nat-1', nat: facts() });
    // In a subnet that keeps the main table (local route only).
    expect(routeOut(tables, 'subnet-host', [{ ...nat, SubnetId: 'subnet-other' }]).target).toEqual({
      kind: 'nat',
      id: 'nat-1',
      nat: facts({
        subnetId: 'subnet-other',
        routeTableId: 'rtb-main',
        mainTable: true,
        hasDefaultRoute: false,
        out: { kind: 'none' },
      }),
    });
    // Not listed in the VPC: no facts.
    expect(routeOut(tables, 'subnet-host', [{ ...nat, NatGatewayId: 'nat-2' }]).target).toEqual({
      kind: 'nat',
      id: 'nat-1',
    });
  });
});

describe('internetTarget: the public internet under longest-prefix match', () => {
  const nat = { NatGatewayId: 'nat-1' };
  it('counts routes that together cover 0.0.0.0/0 as the default route', () => {
    expect(internetTarget(routes(['0.0.0.0/1', nat], ['128.0.0.0/1', nat]))).toEqual({ kind: 'nat', id: 'nat-1' });
    // Eight /3s, in any order, are the same.
    const eighths = [0, 32, 64, 96, 128, 160, 192, 224]
      .reverse()
      .map((a): [string, Partial<Route>] => [`${a}.0.0.0/3`, nat]);
    expect(internetTarget(routes(...eighths))).toEqual({ kind: 'nat', id: 'nat-1' });
  });

  it('leaves the part no route covers without a way out', () => {
    const half = internetTarget(routes(['0.0.0.0/1', nat]));
    expect(half).toEqual({
      kind: 'split',
      parts: [
        { target: { kind: 'nat', id: 'nat-1' }, via: ['0.0.0.0/1'], from: '1.0.0.0' },
        { target: { kind: 'none' }, via: [], from: '128.0.0.0' },
      ],
    });
    expect(describeTarget(half)).toBe(
      '0.0.0.0/1 to the NAT gateway nat-1, no way out: DescribeNatGateways does not list it in the VPC; no route for the part from 128.0.0.0',
    );
  });

  it('lets a more specific public route win over the default one, and ignores non-public ranges', () => {
    // A peering for a public /8 beside a NAT default: two ways, each possible.
    const peered = internetTarget(routes(['0.0.0.0/0', nat], ['52.0.0.0/8', { VpcPeeringConnectionId: 'pcx-1' }]));
    expect(peered).toMatchObject({
      kind: 'split',
      parts: [
        { target: { kind: 'nat', id: 'nat-1' }, via: ['0.0.0.0/0'] },
        { target: { kind: 'peering', id: 'pcx-1' }, via: ['52.0.0.0/8'] },
      ],
    });
    // A public /24 sent to the internet gateway: a host without a public IP loses that part.
    const leak = describeNats(
      internetTarget(routes(['0.0.0.0/0', nat], ['8.8.8.0/24', { GatewayId: 'igw-1' }])),
      [],
      [],
    );
    expect(leak.kind).toBe('split');
    // Private, shared, link-local, multicast and documentation ranges are not the internet: a
    // blackholed peering to 10.0.0.0/8 or 192.168.0.0/16 does not split the default route.
    const stale = internetTarget(
      routes(
        ['0.0.0.0/0', { TransitGatewayId: 'tgw-1' }],
        ['10.0.0.0/8', { VpcPeeringConnectionId: 'pcx-1', State: 'blackhole' }],
        ['192.168.0.0/16', { VpcPeeringConnectionId: 'pcx-2', State: 'blackhole' }],
        ['100.64.0.0/10', { GatewayId: 'igw-1' }],
      ),
    );
    expect(stale).toEqual({ kind: 'transit-gateway', id: 'tgw-1' });
  });

  it("leaves out the VPC's own public block (local) and prefers a static route to a propagated one", () => {
    const table = routes(['0.0.0.0/0', nat], ['52.0.0.0/16', { GatewayId: 'local' }]);
    expect(internetTarget(table)).toEqual({ kind: 'nat', id: 'nat-1' });
    const tie = routes(
      ['0.0.0.0/0', { GatewayId: 'vgw-1', Origin: 'EnableVgwRoutePropagation' }],
      ['0.0.0.0/0', { TransitGatewayId: 'tgw-1', Origin: 'CreateRoute' }],
    );
    expect(internetTarget(tie)).toEqual({ kind: 'transit-gateway', id: 'tgw-1' });
  });

  it('does not count prefix-list routes (gateway endpoints) or IPv6 routes as a way to the internet', () => {
    const table: RouteTable = {
      Routes: [
        { DestinationPrefixListId: 'pl-s3', GatewayId: 'vpce-1', State: 'active' },
        { DestinationIpv6CidrBlock: '::/0', EgressOnlyInternetGatewayId: 'eigw-1', State: 'active' },
      ],
    };
    expect(internetTarget(table)).toEqual({ kind: 'none' });
  });
});

describe('isEgressPath', () => {
  const cases: [RouteTarget, boolean, boolean][] = [
    [NAT_WITH_WAY_OUT, true, true],
    [{ kind: 'nat', id: 'nat-1' }, false, false],
    [{ kind: 'transit-gateway', id: 'tgw-1' }, true, true],
    [{ kind: 'network-interface', id: 'eni-1' }, true, true],
    [{ kind: 'instance', id: 'i-1' }, true, true],
    [{ kind: 'peering', id: 'pcx-1' }, true, true],
    [{ kind: 'igw', id: 'igw-1' }, false, true],
    [{ kind: 'carrier-gateway', id: 'cagw-1' }, false, false],
    [{ kind: 'other', id: 'vgw-1', what: 'the virtual private gateway vgw-1' }, false, false],
    [{ kind: 'blackhole', id: 'nat-1' }, false, false],
    [{ kind: 'none' }, false, false],
    [
      {
        kind: 'split',
        parts: [
          { target: { kind: 'transit-gateway', id: 'tgw-1' }, via: ['0.0.0.0/0'], from: '1.0.0.0' },
          { target: { kind: 'igw', id: 'igw-1' }, via: ['8.8.8.0/24'], from: '8.8.8.0' },
        ],
      },
      false,
      true,
    ],
  ];
  it.each(cases)('%o: without a public IP %s, with one %s', (target, without, withPublic) => {
    expect(isEgressPath(target, false)).toBe(without);
    expect(isEgressPath(target, true)).toBe(withPublic);
  });

  it('takes a NAT gateway as a way out only when public, available and its own subnet routes to an internet gateway', () => {
    const problem = (nat: NatFacts) => natProblem({ kind: 'nat', id: 'nat-1', nat });
    expect(problem(facts())).toBeUndefined();
    expect(problem(facts({ connectivityType: 'private' }))).toBe(
      'it is a private NAT gateway (an internet gateway drops its traffic)',
    );
    expect(problem(facts({ state: 'pending' }))).toBe('it is pending, not available');
    expect(problem(facts({ state: 'failed' }))).toBe('it is failed, not available');
    expect(problem(facts({ out: { kind: 'none' } }))).toBe(
      'its own subnet subnet-pub (rtb-pub) has no default route to an internet gateway',
    );
    // A NAT gateway behind a NAT gateway, or an internet gateway since detached (blackhole).
    expect(problem(facts({ out: { kind: 'nat', id: 'nat-2' } }))).toMatch(
      /^its own subnet subnet-pub \(rtb-pub\) routes 0\.0\.0\.0\/0 through the NAT gateway nat-2, .*not an internet gateway$/,
    );
    expect(problem(facts({ out: { kind: 'blackhole', id: 'igw-1' } }))).toContain('which no longer exists (blackhole)');
    // Its subnet routes only half of the internet to the internet gateway.
    const half: RouteTarget = {
      kind: 'split',
      parts: [
        { target: { kind: 'igw', id: 'igw-1' }, via: ['0.0.0.0/1'], from: '1.0.0.0' },
        { target: { kind: 'none' }, via: [], from: '128.0.0.0' },
      ],
    };
    expect(problem(facts({ out: half }))).toContain('not an internet gateway');
  });
});

describe('the network node of the plan', () => {
  const plan = (config: Record<string, unknown>, target: RouteTarget, exists = false) => {
    const desired = desiredFor(config);
    const observed = exists ? convergedObserved(desired) : emptyObserved(desired);
    observed.network.routeOut = { routeTableId: 'rtb-0abc', main: true, target };
    return buildPlan({ desired, observed, bucketAttempted: false, callerArn: CALLER, now: new Date() });
  };
  const network = (p: ReturnType<typeof plan>) => p.actions.find((a) => a.node === 'network')!;

  it('refuses a new host with no way out, before any write, and says which ways out exist', () => {
    const p = plan({}, { kind: 'igw', id: 'igw-1' });
    expect(network(p)).toMatchObject({ kind: 'refuse', refusal: { code: 'NETWORK_NO_EGRESS' } });
    expect(network(p).refusal?.hint).toMatch(/--network-mode public-ip.*--network-mode managed.*--subnet-id/);
    expect(p.summary.refuse).toBe(1);
    expect(plan({ network: { mode: 'public-ip' } }, { kind: 'none' }).summary.refuse).toBe(1);
    expect(plan({}, { kind: 'blackhole', id: 'nat-9' }).summary.refuse).toBe(1);
  });

  it('lets a route through NAT, a transit gateway or (with a public IP) an internet gateway pass', () => {
    expect(network(plan({}, NAT_WITH_WAY_OUT)).kind).toBe('noop');
    expect(network(plan({}, { kind: 'transit-gateway', id: 'tgw-1' })).reasons[0]).toContain(
      'the transit gateway tgw-1',
    );
    expect(network(plan({ network: { mode: 'public-ip' } }, { kind: 'igw', id: 'igw-1' })).kind).toBe('noop');
  });

  it('refuses a NAT gateway that is no way out, and says how to give it one', () => {
    const nat = (f: Partial<NatFacts>): RouteTarget => ({ kind: 'nat', id: 'nat-1', nat: facts(f) });
    const refusal = (target: RouteTarget) => network(plan({}, target)).refusal!;
    const homeless = refusal(nat({ out: { kind: 'none' }, hasDefaultRoute: false }));
    expect(homeless.code).toBe('NETWORK_NO_EGRESS');
    expect(homeless.message).toBe(
      "subnet subnet-0abc (the VPC's main route table) routes 0.0.0.0/0 through the NAT gateway nat-1, no way out: its own subnet subnet-pub (rtb-pub) has no default route to an internet gateway: a host without a public IP there cannot install its packages, register with SSM (its only way in) or reach Fireblocks",
    );
    expect(homeless.hint).toMatch(
      /^route 0\.0\.0\.0\/0 of the NAT gateway's own subnet subnet-pub to the VPC's internet gateway \(aws ec2 create-route --route-table-id rtb-pub --destination-cidr-block 0\.0\.0\.0\/0 .*\); or give the host a public IP/,
    );
    expect(refusal(nat({ out: { kind: 'transit-gateway', id: 'tgw-1' } })).hint).toContain('aws ec2 replace-route');
    expect(refusal(nat({ out: { kind: 'none' }, mainTable: true })).hint).toMatch(
      /^give the NAT gateway's own subnet subnet-pub a route table of its own/,
    );
    expect(refusal(nat({ connectivityType: 'private' })).hint).toMatch(
      /^route the subnet through a public NAT gateway instead of nat-1; or /,
    );
    expect(refusal(nat({ state: 'pending' })).hint).toMatch(/^wait until nat-1 is available; or /);
    // Half of the internet through a good NAT gateway, the other half nowhere.
    const half: RouteTarget = {
      kind: 'split',
      parts: [
        { target: NAT_WITH_WAY_OUT as SingleTarget, via: ['0.0.0.0/1'], from: '1.0.0.0' },
        { target: { kind: 'none' }, via: [], from: '128.0.0.0' },
      ],
    };
    expect(refusal(half).message).toMatch(
      /^subnet subnet-0abc \(the VPC's main route table\) routes the internet in parts: 0\.0\.0\.0\/1 to the NAT gateway nat-0abc; no route for the part from 128\.0\.0\.0: a host without/,
    );
  });

  it('does not refuse a host that exists already (it is never replaced), but notes its missing way out', () => {
    const p = plan({}, { kind: 'igw', id: 'igw-1' }, true);
    expect(network(p).kind).toBe('noop');
    expect(network(p).notes[0]).toContain('cannot install its packages, register with SSM');
    expect(p.summary.refuse).toBe(0);
  });

  it('plans the whole managed network in four rounds, the private route last', () => {
    const desired = desiredFor({ network: { mode: 'managed' } });
    const observed = emptyObserved(desired);
    Object.assign(observed.network, {
      vpcId: undefined,
      subnetId: undefined,
      routeOut: undefined,
      managed: { endpoints: {}, extras: [] },
    });
    const p = buildPlan({ desired, observed, bucketAttempted: false, callerArn: CALLER, now: new Date() });
    const rounds = network(p).rounds;
    expect(rounds).toHaveLength(4);
    expect(rounds[3]).toMatchObject([{ op: 'ec2:CreateRoute', data: { part: 'private-rt', target: 'nat' } }]);
    // Each call once, in a round after every call it needs.
    const calls = rounds.flatMap((round, index) =>
      round.map((o) => ({ index, name: `${o.op} ${(o.data?.['part'] ?? o.data?.['service'] ?? '') as string}` })),
    );
    expect(new Set(calls.map((c) => c.name)).size).toBe(calls.length);
    const roundOf = (name: string) => calls.find((c) => c.name === name)?.index ?? -1;
    for (const [first, then] of [
      ['ec2:CreateVpc vpc', 'ec2:CreateSubnet public-subnet'],
      ['ec2:CreateVpc vpc', 'ec2:CreateSubnet private-subnet'],
      ['ec2:CreateVpc vpc', 'ec2:CreateSecurityGroup endpoint-sg'],
      ['ec2:CreateInternetGateway igw', 'ec2:AttachInternetGateway igw'],
      ['ec2:AttachInternetGateway igw', 'ec2:CreateRoute public-rt'],
      ['ec2:CreateRouteTable public-rt', 'ec2:AssociateRouteTable public-rt'],
      ['ec2:CreateRouteTable private-rt', 'ec2:AssociateRouteTable private-rt'],
      ['ec2:AllocateAddress eip', 'ec2:CreateNatGateway nat'],
      ['ec2:CreateSubnet public-subnet', 'ec2:CreateNatGateway nat'],
      ['ec2:CreateNatGateway nat', 'ec2:CreateRoute private-rt'],
      ['ec2:CreateSecurityGroup endpoint-sg', 'ec2:CreateVpcEndpoint kms'],
      ['ec2:CreateSubnet private-subnet', 'ec2:CreateVpcEndpoint ssm'],
    ]) {
      expect(roundOf(first!), first).toBeGreaterThanOrEqual(0);
      expect(roundOf(then!), `${then} after ${first}`).toBeGreaterThan(roundOf(first!));
    }
    expect(p.actions.find((a) => a.node === 'securityGroup')?.rounds[0]![0]!.detail).toBe('create in the managed VPC');
    expect(p.accountId).toBe(ACCOUNT);
  });
});

describe('networkCost', () => {
  it('is nothing for existing, the public IPv4 for public-ip, NAT + IP + endpoints for managed', () => {
    expect(networkCost('existing')).toBeUndefined();
    expect(networkCost('public-ip')?.monthlyUsd).toBe(3.65);
    const managed = networkCost('managed')!;
    expect(managed.monthlyUsd).toBe(65.7);
    expect(networkCost('managed', 2)!.monthlyUsd).toBe(94.9);
    expect(costLine(managed)).toBe(
      "about $65.70/month (NAT gateway $32.85, the NAT gateway's Elastic IP (public IPv4) $3.65, 4 interface endpoints × 1 AZ $29.20, S3 gateway endpoint $0.00); plus $0.045/GB through the NAT gateway and $0.01/GB through the endpoints, and data transfer out; us-east-1 list prices; other regions differ",
    );
  });
});
