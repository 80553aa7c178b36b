/**
 * Network fixtures for the end-to-end tests: a private subnet routed through a NAT gateway (in the
 * default VPC, or in a new VPC with an IPv6 block) made as an operator would, and an inventory of
 * everything network-shaped in the sandbox account beyond the default VPC, with the assertion
 * that a managed network is exactly as provision should leave it.
 */
import { expect } from 'vitest';
import type { SandboxPorts, SandboxState } from '../../src/aws/sandbox/index.js';
import { newRegionState } from '../../src/aws/sandbox/state-new.js';
import { TAGS } from '../../src/config/names.js';
import { REGION } from './world.js';

const zone = `${REGION}a`;

/** A NAT gateway in a public subnet and a private subnet routed through it; returns the private subnet. */
export async function natSubnet(
  ports: SandboxPorts,
  options: { ipv6?: boolean } = {},
): Promise<{ vpcId: string; subnetId: string }> {
  const ec2 = ports.ec2;
  let vpcId: string;
  let publicSubnet: string;
  let privateCidr: string;
  if (options.ipv6 === true) {
    vpcId = (await ec2.createVpc({ CidrBlock: '10.20.0.0/16', AmazonProvidedIpv6CidrBlock: true })).Vpc!.VpcId!;
    publicSubnet = (await ec2.createSubnet({ VpcId: vpcId, CidrBlock: '10.20.0.0/24', AvailabilityZone: zone })).Subnet!
      .SubnetId!;
    const igw = (await ec2.createInternetGateway({})).InternetGateway!.InternetGatewayId!;
    await ec2.attachInternetGateway({ InternetGatewayId: igw, VpcId: vpcId });
    const publicTable = (await ec2.createRouteTable({ VpcId: vpcId })).RouteTable!.RouteTableId!;
    await ec2.createRoute({ RouteTableId: publicTable, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw });
    await ec2.associateRouteTable({ RouteTableId: publicTable, SubnetId: publicSubnet });
    privateCidr = '10.20.1.0/24';
  } else {
    // The default VPC: its default subnets are public already.
    vpcId = (await ec2.describeVpcs({ Filters: [{ Name: 'is-default', Values: ['true'] }] })).Vpcs![0]!.VpcId!;
    publicSubnet = (
      await ec2.describeSubnets({
        Filters: [
          { Name: 'vpc-id', Values: [vpcId] },
          { Name: 'availability-zone', Values: [zone] },
        ],
      })
    ).Subnets![0]!.SubnetId!;
    privateCidr = '172.31.128.0/24';
  }
  const eip = (await ec2.allocateAddress({ Domain: 'vpc' })).AllocationId!;
  const nat = (await ec2.createNatGateway({ SubnetId: publicSubnet, AllocationId: eip })).NatGateway!.NatGatewayId!;
  const subnetId = (await ec2.createSubnet({ VpcId: vpcId, CidrBlock: privateCidr, AvailabilityZone: zone })).Subnet!
    .SubnetId!;
  const table = (await ec2.createRouteTable({ VpcId: vpcId })).RouteTable!.RouteTableId!;
  await ec2.createRoute({ RouteTableId: table, DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: nat });
  await ec2.associateRouteTable({ RouteTableId: table, SubnetId: subnetId });
  return { vpcId, subnetId };
}

const tag = (tags: { Key: string; Value: string }[] | undefined, key: string) =>
  tags?.find((t) => t.Key === key)?.Value;

/** Everything network-shaped beyond the default VPC, its subnets, gateway, table and group. */
export function networkInventory(state: SandboxState, region = REGION) {
  // A region nothing was written to has only its default network.
  const ec2 = (state.regions[region] ?? newRegionState(state.accountId, region)).ec2;
  return {
    vpcs: ec2.vpcs.filter((v) => !v.isDefault),
    subnets: ec2.subnets.filter((s) => !s.defaultForAz),
    gateways: (ec2.internetGateways ?? []).filter((g) => g.id !== ec2.internetGatewayId),
    addresses: ec2.addresses ?? [],
    nats: (ec2.natGateways ?? []).filter((n) => n.deletedAt === undefined),
    // A VPC's main table goes with it: only the tables made on purpose count.
    tables: ec2.routeTables.filter((t) => !t.main),
    endpoints: (ec2.vpcEndpoints ?? []).filter((e) => e.deletedAt === undefined),
    groups: ec2.securityGroups.filter((g) => g.name !== 'default'),
  };
}

/** Nothing of a managed network is left (what the operator made is not counted: pass it in). */
export function expectNoNetwork(state: SandboxState): void {
  const net = networkInventory(state);
  expect({
    vpcs: net.vpcs.length,
    subnets: net.subnets.length,
    gateways: net.gateways.length,
    addresses: net.addresses.length,
    nats: net.nats.length,
    tables: net.tables.length,
    endpoints: net.endpoints.length,
    groups: net.groups.length,
  }).toEqual({ vpcs: 0, subnets: 0, gateways: 0, addresses: 0, nats: 0, tables: 0, endpoints: 0, groups: 0 });
}

/** One of each part of the managed network, tagged, wired as designed; the host inside it. */
export function expectManagedNetwork(state: SandboxState, name = 'demo'): void {
  const net = networkInventory(state);
  const ours = (tags: { Key: string; Value: string }[]) =>
    tag(tags, TAGS.name) === name && tag(tags, TAGS.managedBy) === 'cosigner-cli';
  expect(net.vpcs).toHaveLength(1);
  const vpc = net.vpcs[0]!;
  expect(ours(vpc.tags)).toBe(true);
  expect([vpc.cidr, vpc.dnsSupport, vpc.dnsHostnames]).toEqual(['10.0.0.0/16', true, true]);
  const parts = (tags: { Key: string; Value: string }[]) => tag(tags, 'cosigner-cli:part');
  expect(net.subnets.map((s) => [parts(s.tags), s.cidr, s.vpcId]).sort()).toEqual([
    ['private-subnet', '10.0.1.0/24', vpc.id],
    ['public-subnet', '10.0.0.0/24', vpc.id],
  ]);
  const publicSubnet = net.subnets.find((s) => parts(s.tags) === 'public-subnet')!;
  const privateSubnet = net.subnets.find((s) => parts(s.tags) === 'private-subnet')!;
  expect(net.gateways.map((g) => [g.vpcId, ours(g.tags)])).toEqual([[vpc.id, true]]);
  expect(net.addresses.map((a) => ours(a.tags))).toEqual([true]);
  expect(net.nats.map((n) => [n.subnetId, n.allocationId, ours(n.tags)])).toEqual([
    [publicSubnet.id, net.addresses[0]!.allocationId, true],
  ]);
  const table = (part: string) => net.tables.find((t) => parts(t.tags) === part)!;
  expect(net.tables).toHaveLength(2);
  expect(table('public-rt').subnetIds).toEqual([publicSubnet.id]);
  expect(table('public-rt').routes.find((r) => r.destination === '0.0.0.0/0')).toEqual({
    destination: '0.0.0.0/0',
    gatewayId: net.gateways[0]!.id,
  });
  expect(table('private-rt').subnetIds).toEqual([privateSubnet.id]);
  expect(table('private-rt').routes.find((r) => r.destination === '0.0.0.0/0')).toEqual({
    destination: '0.0.0.0/0',
    natGatewayId: net.nats[0]!.id,
  });
  const s3 = net.endpoints.find((e) => e.serviceName === `com.amazonaws.${REGION}.s3`)!;
  expect(table('private-rt').routes.some((r) => r.prefixList === true && r.gatewayId === s3.id)).toBe(true);
  // The endpoints' group admits HTTPS from the VPC only and sends nothing.
  const endpointGroup = net.groups.find((g) => parts(g.tags) === 'endpoint-sg')!;
  expect(endpointGroup.ingress.map((r) => [r.protocol, r.fromPort, r.toPort, r.cidrIpv4])).toEqual([
    ['tcp', 443, 443, '10.0.0.0/16'],
  ]);
  expect(endpointGroup.egress).toEqual([]);
  expect(
    net.endpoints.map((e) => [e.serviceName.split('.').at(-1), e.type, e.privateDns, e.subnetIds, e.groupIds]).sort(),
  ).toEqual([
    ['ec2messages', 'Interface', true, [privateSubnet.id], [endpointGroup.id]],
    ['kms', 'Interface', true, [privateSubnet.id], [endpointGroup.id]],
    ['s3', 'Gateway', false, [], []],
    ['ssm', 'Interface', true, [privateSubnet.id], [endpointGroup.id]],
    ['ssmmessages', 'Interface', true, [privateSubnet.id], [endpointGroup.id]],
  ]);
  for (const e of net.endpoints) expect(ours(e.tags)).toBe(true);
  // The host and its group are in the managed network, the host without a public IP.
  const hostGroup = net.groups.find((g) => g.name === `${name}-cosigner-host`)!;
  expect(hostGroup.vpcId).toBe(vpc.id);
  const host = state.regions[REGION]!.ec2.instances.find((i) => i.terminatedAt === undefined)!;
  expect([host.subnetId, host.vpcId, host.publicIp]).toEqual([privateSubnet.id, vpc.id, undefined]);
}
