// The host's way out, as the planner judges it: which route table applies to a subnet, which
// default routes are an egress path with and without a public IP, the refusal (or not) of the
// network node, and the monthly cost of each mode.
import type { RouteTable } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { costLine, isEgressPath, networkCost, routeOut, type RouteTarget } from '../../src/provision/network-model.js';
import { buildPlan } from '../../src/provision/plan.js';
import { ACCOUNT, CALLER, convergedObserved, desiredFor, emptyObserved } from './fixtures.js';

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
    expect(target({ NatGatewayId: 'nat-1' }, 'blackhole')).toEqual({ kind: 'blackhole', id: 'nat-1' });
    expect(target(undefined)).toEqual({ kind: 'none' });
  });
});

describe('isEgressPath', () => {
  const cases: [RouteTarget, boolean, boolean][] = [
    [{ kind: 'nat', id: 'nat-1' }, true, true],
    [{ kind: 'transit-gateway', id: 'tgw-1' }, true, true],
    [{ kind: 'network-interface', id: 'eni-1' }, true, true],
    [{ kind: 'peering', id: 'pcx-1' }, true, true],
    [{ kind: 'igw', id: 'igw-1' }, false, true],
    [{ kind: 'blackhole', id: 'nat-1' }, false, false],
    [{ kind: 'none' }, false, false],
  ];
  it.each(cases)('%o: without a public IP %s, with one %s', (target, without, withPublic) => {
    expect(isEgressPath(target, false)).toBe(without);
    expect(isEgressPath(target, true)).toBe(withPublic);
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
    expect(network(plan({}, { kind: 'nat', id: 'nat-1' })).kind).toBe('noop');
    expect(network(plan({}, { kind: 'transit-gateway', id: 'tgw-1' })).reasons[0]).toContain(
      'the transit gateway tgw-1',
    );
    expect(network(plan({ network: { mode: 'public-ip' } }, { kind: 'igw', id: 'igw-1' })).kind).toBe('noop');
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
    expect(network(p).rounds.map((r) => r.length)).toEqual([3, 7, 11, 1]);
    expect(network(p).rounds[3]![0]).toMatchObject({
      op: 'ec2:CreateRoute',
      data: { part: 'private-rt', target: 'nat' },
    });
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
