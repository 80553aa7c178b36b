// Attack: the NETWORK_NO_EGRESS check of network.mode "existing". The README promises a refusal,
// before any write, unless the subnet's route table (its own association, else the VPC's main
// table) sends the whole public internet (0.0.0.0/0, or routes that cover it under longest-prefix
// match) to a way out: a public, available NAT gateway whose own subnet routes to the internet
// gateway, or a transit gateway, network interface/appliance or peering; an internet-gateway route
// counts only for a host with a public IP; carrier gateways and unrecognised targets never count.
//
// The findings are fixed: each test asserts the behaviour that closes one, and failed before the fix.
import type { RouteTable } from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it } from 'vitest';
import type { SandboxPorts } from '../../src/aws/sandbox/index.js';
import { validateConfig } from '../../src/config/load.js';
import { isCosignerError } from '../../src/errors.js';
import { defaultRouteTarget, isEgressPath, routeOut } from '../../src/provision/egress.js';
import { natSubnet } from '../e2e/network-world.js';
import { inventory, makeWorld, REGION, type World } from '../e2e/world.js';

let world: World | undefined;
afterEach(async () => {
  await world?.cleanup();
  world = undefined;
});

const zone = `${REGION}a`;

/** Provision mode "existing" into `subnetId`: the refusal code, or 'applied'. */
async function provisionInto(w: World, subnetId: string): Promise<string> {
  return (await refusalOf(w, subnetId))?.code ?? 'applied';
}

/** Provision mode "existing" into `subnetId`: the coded refusal, or undefined once applied. */
async function refusalOf(
  w: World,
  subnetId: string,
): Promise<{ code: string; message: string; hint: string } | undefined> {
  const config = validateConfig({ name: 'demo', aws: { region: REGION }, network: { subnetId } }, 'attack');
  try {
    expect((await w.provision({ config })).mode).toBe('applied');
    return undefined;
  } catch (error) {
    if (isCosignerError(error)) return { code: error.code, message: error.message, hint: error.hint ?? '' };
    throw error;
  }
}

/**
 * A VPC whose internet gateway is attached but routed nowhere: the NAT gateway sits in a subnet
 * with no route to it (a "private" NAT home), and the host's subnet routes 0.0.0.0/0 to that NAT.
 */
async function natWithoutWayOut(ports: SandboxPorts): Promise<string> {
  const ec2 = ports.ec2;
  const vpcId = (await ec2.createVpc({ CidrBlock: '10.30.0.0/16' })).Vpc!.VpcId!;
  const igw = (await ec2.createInternetGateway({})).InternetGateway!.InternetGatewayId!;
  await ec2.attachInternetGateway({ InternetGatewayId: igw, VpcId: vpcId });
  // The NAT's subnet keeps the main table: the local route only, no way to the gateway.
  const natHome = (await ec2.createSubnet({ VpcId: vpcId, CidrBlock: '10.30.0.0/24', AvailabilityZone: zone })).Subnet!
    .SubnetId!;
  const eip = (await ec2.allocateAddress({ Domain: 'vpc' })).AllocationId!;
  const nat = (await ec2.createNatGateway({ SubnetId: natHome, AllocationId: eip })).NatGateway!.NatGatewayId!;
  const host = (await ec2.createSubnet({ VpcId: vpcId, CidrBlock: '10.30.1.0/24', AvailabilityZone: zone })).Subnet!
    .SubnetId!;
  const table = (await ec2.createRouteTable({ VpcId: vpcId })).RouteTable!.RouteTableId!;
  await ec2.createRoute({ RouteTableId: table, DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: nat });
  await ec2.associateRouteTable({ RouteTableId: table, SubnetId: host });
  return host;
}

describe('mode existing: what the egress check accepts and refuses', () => {
  it('refuses a subnet whose own table has no default route although the main table routes to a NAT', async () => {
    world = await makeWorld();
    const ports = await world.ports();
    const { vpcId, subnetId: natRouted } = await natSubnet(ports);
    // Make the main table route through the NAT too, then give a new subnet its own empty table.
    const tables = (await ports.ec2.describeRouteTables({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))
      .RouteTables!;
    const nat = tables.flatMap((t) => t.Routes ?? []).find((r) => r.NatGatewayId !== undefined)!.NatGatewayId!;
    const main = tables.find((t) => t.Associations?.some((a) => a.Main === true))!.RouteTableId!;
    await ports.ec2.replaceRoute({ RouteTableId: main, DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: nat });
    const lonely = (
      await ports.ec2.createSubnet({ VpcId: vpcId, CidrBlock: '172.31.129.0/24', AvailabilityZone: zone })
    ).Subnet!.SubnetId!;
    const empty = (await ports.ec2.createRouteTable({ VpcId: vpcId })).RouteTable!.RouteTableId!;
    await ports.ec2.associateRouteTable({ RouteTableId: empty, SubnetId: lonely });
    expect(natRouted).toBeDefined();
    expect(await provisionInto(world, lonely)).toBe('NETWORK_NO_EGRESS');
  });

  it('refuses a default route whose NAT gateway was deleted (blackhole)', async () => {
    world = await makeWorld();
    const ports = await world.ports();
    const { subnetId } = await natSubnet(ports);
    const nats = (await ports.ec2.describeNatGateways({})).NatGateways!;
    await ports.ec2.deleteNatGateway({ NatGatewayId: nats[0]!.NatGatewayId! });
    expect(await provisionInto(world, subnetId)).toBe('NETWORK_NO_EGRESS');
  });

  it('refuses a default route to a NAT gateway that itself has no way out', async () => {
    world = await makeWorld();
    const subnetId = await natWithoutWayOut(await world.ports());
    // Was applied. The host's traffic reaches the NAT gateway, whose subnet has no route to the
    // internet gateway: no package install, no SSM, no Fireblocks, no KMS.
    const refusal = await refusalOf(world, subnetId);
    expect(refusal?.code).toBe('NETWORK_NO_EGRESS');
    expect(refusal?.message).toMatch(
      /the NAT gateway nat-0[0-9a-f]+, no way out: its own subnet subnet-0[0-9a-f]+ \(rtb-0[0-9a-f]+\) has no default route to an internet gateway/,
    );
    // Its subnet uses the VPC's main table: the fix is a table of its own, not a change to the main one.
    expect(refusal?.hint).toMatch(/give the NAT gateway's own subnet subnet-0[0-9a-f]+ a route table of its own/);
    // Refused before any write: nothing of the co-signer exists.
    const inv = inventory(await world.state());
    expect([inv.roles.length, inv.profiles.length, inv.instances.length, inv.liveKeys.length]).toEqual([0, 0, 0, 0]);
  });

  it('refuses a default route to a private NAT gateway (an internet gateway drops its traffic)', async () => {
    world = await makeWorld();
    const ports = await world.ports();
    const { vpcId, subnetId } = await natSubnet(ports);
    // A private NAT gateway in the same public subnet as the public one: same home, no public address.
    const publicNat = (await ports.ec2.describeNatGateways({ Filter: [{ Name: 'vpc-id', Values: [vpcId] }] }))
      .NatGateways![0]!;
    const privateNat = (
      await ports.ec2.createNatGateway({ SubnetId: publicNat.SubnetId!, ConnectivityType: 'private' })
    ).NatGateway!.NatGatewayId!;
    const table = (
      await ports.ec2.describeRouteTables({ Filters: [{ Name: 'association.subnet-id', Values: [subnetId] }] })
    ).RouteTables![0]!.RouteTableId!;
    await ports.ec2.replaceRoute({ RouteTableId: table, DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: privateNat });
    const refusal = await refusalOf(world, subnetId);
    expect(refusal?.code).toBe('NETWORK_NO_EGRESS');
    expect(refusal?.message).toContain(`the NAT gateway ${privateNat}, no way out: it is a private NAT gateway`);
    expect(refusal?.hint).toContain(`route the subnet through a public NAT gateway instead of ${privateNat}`);
    // The same subnet through the public NAT gateway is accepted.
    await ports.ec2.replaceRoute({
      RouteTableId: table,
      DestinationCidrBlock: '0.0.0.0/0',
      NatGatewayId: publicNat.NatGatewayId!,
    });
    expect(await provisionInto(world, subnetId)).toBe('applied');
  });

  it('accepts a default route split in two halves (0.0.0.0/1 and 128.0.0.0/1) through a NAT gateway', async () => {
    world = await makeWorld();
    const ports = await world.ports();
    const { subnetId } = await natSubnet(ports);
    const table = (
      await ports.ec2.describeRouteTables({ Filters: [{ Name: 'association.subnet-id', Values: [subnetId] }] })
    ).RouteTables![0]!;
    const nat = table.Routes!.find((r) => r.DestinationCidrBlock === '0.0.0.0/0')!.NatGatewayId!;
    // A table with the two halves and no /0: every IPv4 address still routes through the NAT gateway.
    const fresh = (await ports.ec2.createRouteTable({ VpcId: table.VpcId! })).RouteTable!.RouteTableId!;
    await ports.ec2.createRoute({ RouteTableId: fresh, DestinationCidrBlock: '0.0.0.0/1', NatGatewayId: nat });
    await ports.ec2.createRoute({ RouteTableId: fresh, DestinationCidrBlock: '128.0.0.0/1', NatGatewayId: nat });
    await ports.ec2.disassociateRouteTable({ AssociationId: table.Associations![0]!.RouteTableAssociationId! });
    await ports.ec2.associateRouteTable({ RouteTableId: fresh, SubnetId: subnetId });
    expect(await provisionInto(world, subnetId)).toBe('applied');
  });
});

describe('route targets the sandbox does not simulate (DescribeRouteTables shapes)', () => {
  const table = (route: Record<string, string>): RouteTable => ({
    RouteTableId: 'rtb-1',
    Associations: [{ Main: false, SubnetId: 'subnet-1' }],
    Routes: [{ DestinationCidrBlock: '0.0.0.0/0', State: 'active', ...route }],
  });

  it('an internet gateway is a way out only with a public IP; a deleted target is a blackhole', () => {
    expect(isEgressPath(defaultRouteTarget(table({ GatewayId: 'igw-1' })), false)).toBe(false);
    expect(isEgressPath(defaultRouteTarget(table({ GatewayId: 'igw-1' })), true)).toBe(true);
    expect(isEgressPath(defaultRouteTarget(table({ NatGatewayId: 'nat-1', State: 'blackhole' })), false)).toBe(false);
    expect(routeOut([table({ NatGatewayId: 'nat-1' })], 'subnet-1').target.kind).toBe('nat');
  });

  it('a carrier gateway (Wavelength: carrier IPs only) is not a way out for this host', () => {
    // The host gets no carrier IP: traffic to a carrier gateway from it goes nowhere. Any target
    // that was not recognised used to count as a way out ("other" → true).
    expect(isEgressPath(defaultRouteTarget(table({ CarrierGatewayId: 'cagw-1' })), false)).toBe(false);
  });

  it('an unrecognised target (e.g. a Cloud WAN core network, reported without an id) is not trusted blindly', () => {
    const target = defaultRouteTarget(table({ CoreNetworkArn: 'arn:aws:networkmanager::111122223333:core-network/x' }));
    // Was kind "other", id "?", and counted as a way out without saying what it is.
    expect(target.kind === 'other' && isEgressPath(target, false)).toBe(false);
  });
});
