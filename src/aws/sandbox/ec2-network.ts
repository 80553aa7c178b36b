/** The default network, read-only: DescribeAvailabilityZones, DescribeVpcs, DescribeSubnets, DescribeRouteTables. */
import type * as SDK from '@aws-sdk/client-ec2';
import { REGIONS, zoneId } from './catalogue.js';
import { applyFilters, pageOf } from './ec2-query.js';
import type { Tx } from './engine.js';
import { outputTags, sha256Hex } from './util.js';

export function describeAvailabilityZones(tx: Tx, input: SDK.DescribeAvailabilityZonesCommandInput) {
  const region = REGIONS.get(tx.region)!;
  let zones = region.zones.filter((zone) => input.ZoneNames === undefined || input.ZoneNames.includes(zone));
  zones = applyFilters(tx, zones, input.Filters, { 'zone-name': (zone) => zone, 'zone-id': (zone) => zoneId(region, zone), 'region-name': () => tx.region, state: () => 'available', 'zone-type': () => 'availability-zone' }, () => []);
  return {
    AvailabilityZones: zones.map((zone) => ({ ZoneName: zone, ZoneId: zoneId(region, zone), RegionName: tx.region, State: 'available' as const, ZoneType: 'availability-zone', OptInStatus: 'opt-in-not-required' as const, GroupName: tx.region, NetworkBorderGroup: tx.region, Messages: [] })),
  };
}

export function describeVpcs(tx: Tx, input: SDK.DescribeVpcsCommandInput) {
  const vpcs = tx.regionState.ec2.vpcs;
  for (const id of input.VpcIds ?? []) if (!vpcs.some((vpc) => vpc.id === id)) throw tx.error('InvalidVpcID.NotFound', `The vpc ID '${id}' does not exist`);
  const selected = applyFilters(tx, vpcs.filter((vpc) => input.VpcIds === undefined || input.VpcIds.includes(vpc.id)), input.Filters, { 'vpc-id': (vpc) => vpc.id, 'is-default': (vpc) => String(vpc.isDefault), isDefault: (vpc) => String(vpc.isDefault), cidr: (vpc) => vpc.cidr, 'cidr-block': (vpc) => vpc.cidr, 'cidr-block-association.cidr-block': (vpc) => vpc.cidr, state: () => 'available', 'owner-id': () => tx.state.accountId }, (vpc) => vpc.tags);
  const page = pageOf(tx, selected, input, { ids: input.VpcIds, filters: input.Filters });
  return {
    Vpcs: page.items.map((vpc) => ({ VpcId: vpc.id, CidrBlock: vpc.cidr, IsDefault: vpc.isDefault, State: 'available' as const, OwnerId: tx.state.accountId, InstanceTenancy: 'default' as const, DhcpOptionsId: `dopt-0${sha256Hex(tx.region).slice(0, 16)}`, CidrBlockAssociationSet: [{ AssociationId: `vpc-cidr-assoc-0${sha256Hex(vpc.id).slice(0, 16)}`, CidrBlock: vpc.cidr, CidrBlockState: { State: 'associated' as const } }], ...(outputTags(vpc.tags) === undefined ? {} : { Tags: outputTags(vpc.tags) }) })),
    ...(page.next === undefined ? {} : { NextToken: page.next }),
  };
}

export function describeSubnets(tx: Tx, input: SDK.DescribeSubnetsCommandInput) {
  const region = REGIONS.get(tx.region)!;
  const subnets = tx.regionState.ec2.subnets;
  for (const id of input.SubnetIds ?? []) if (!subnets.some((subnet) => subnet.id === id)) throw tx.error('InvalidSubnetID.NotFound', `The subnet ID '${id}' does not exist`);
  const selected = applyFilters(tx, subnets.filter((subnet) => input.SubnetIds === undefined || input.SubnetIds.includes(subnet.id)), input.Filters, {
    'vpc-id': (subnet) => subnet.vpcId,
    vpcId: (subnet) => subnet.vpcId,
    'subnet-id': (subnet) => subnet.id,
    'availability-zone': (subnet) => subnet.zone,
    availabilityZone: (subnet) => subnet.zone,
    'availability-zone-id': (subnet) => zoneId(region, subnet.zone),
    'default-for-az': (subnet) => String(subnet.defaultForAz),
    defaultForAz: (subnet) => String(subnet.defaultForAz),
    'map-public-ip-on-launch': (subnet) => String(subnet.mapPublicIpOnLaunch),
    'cidr-block': (subnet) => subnet.cidr,
    state: () => 'available',
    'owner-id': () => tx.state.accountId,
  }, (subnet) => subnet.tags);
  const page = pageOf(tx, selected, input, { ids: input.SubnetIds, filters: input.Filters });
  return {
    Subnets: page.items.map((subnet) => ({
      SubnetId: subnet.id,
      SubnetArn: `arn:aws:ec2:${tx.region}:${tx.state.accountId}:subnet/${subnet.id}`,
      VpcId: subnet.vpcId,
      AvailabilityZone: subnet.zone,
      AvailabilityZoneId: zoneId(region, subnet.zone),
      CidrBlock: subnet.cidr,
      AvailableIpAddressCount: 4091 - tx.regionState.ec2.instances.filter((instance) => instance.subnetId === subnet.id && instance.terminatedAt === undefined).length,
      DefaultForAz: subnet.defaultForAz,
      MapPublicIpOnLaunch: subnet.mapPublicIpOnLaunch,
      State: 'available' as const,
      OwnerId: tx.state.accountId,
      AssignIpv6AddressOnCreation: false,
      Ipv6CidrBlockAssociationSet: [],
      ...(outputTags(subnet.tags) === undefined ? {} : { Tags: outputTags(subnet.tags) }),
    })),
    ...(page.next === undefined ? {} : { NextToken: page.next }),
  };
}

export function describeRouteTables(tx: Tx, input: SDK.DescribeRouteTablesCommandInput) {
  const tables = tx.regionState.ec2.routeTables;
  for (const id of input.RouteTableIds ?? []) if (!tables.some((table) => table.id === id)) throw tx.error('InvalidRouteTableID.NotFound', `The routeTable ID '${id}' does not exist`);
  const selected = applyFilters(tx, tables.filter((table) => input.RouteTableIds === undefined || input.RouteTableIds.includes(table.id)), input.Filters, {
    'vpc-id': (table) => table.vpcId,
    'route-table-id': (table) => table.id,
    'association.main': (table) => String(table.main),
    'association.subnet-id': (table) => table.subnetIds,
    'route.destination-cidr-block': (table) => table.routes.map((route) => route.destination),
    'route.gateway-id': (table) => table.routes.flatMap((route) => (route.gatewayId === undefined ? [] : [route.gatewayId])),
  }, (table) => table.tags);
  const page = pageOf(tx, selected, input, { ids: input.RouteTableIds, filters: input.Filters });
  return {
    RouteTables: page.items.map((table) => ({
      RouteTableId: table.id,
      VpcId: table.vpcId,
      OwnerId: tx.state.accountId,
      Routes: table.routes.map((route) => ({ DestinationCidrBlock: route.destination, ...(route.gatewayId === undefined ? {} : { GatewayId: route.gatewayId }), ...(route.natGatewayId === undefined ? {} : { NatGatewayId: route.natGatewayId }), State: 'active' as const, Origin: route.gatewayId === 'local' ? ('CreateRouteTable' as const) : ('CreateRoute' as const) })),
      Associations: [
        ...(table.main ? [{ Main: true, RouteTableAssociationId: `rtbassoc-0${sha256Hex(table.id).slice(0, 16)}`, RouteTableId: table.id, AssociationState: { State: 'associated' as const } }] : []),
        ...table.subnetIds.map((subnetId) => ({ Main: false, RouteTableAssociationId: `rtbassoc-0${sha256Hex(table.id + subnetId).slice(0, 16)}`, RouteTableId: table.id, SubnetId: subnetId, AssociationState: { State: 'associated' as const } })),
      ],
      PropagatingVgws: [],
      ...(outputTags(table.tags) === undefined ? {} : { Tags: outputTags(table.tags) }),
    })),
    ...(page.next === undefined ? {} : { NextToken: page.next }),
  };
}
