/** Reads of the network: DescribeAvailabilityZones, DescribeVpcs, DescribeSubnets (route tables: ec2-routes.ts). */
import type * as SDK from '@aws-sdk/client-ec2';
import { REGIONS, zoneId } from './catalogue.js';
import { applyFilters, pageOf } from './ec2-query.js';
import type { Tx } from './engine.js';
import { subnetOutput, vpcOutput } from './ec2-vpc.js';

export function describeAvailabilityZones(tx: Tx, input: SDK.DescribeAvailabilityZonesCommandInput) {
  const region = REGIONS.get(tx.region)!;
  let zones = region.zones.filter((zone) => input.ZoneNames === undefined || input.ZoneNames.includes(zone));
  zones = applyFilters(
    tx,
    zones,
    input.Filters,
    {
      'zone-name': (zone) => zone,
      'zone-id': (zone) => zoneId(region, zone),
      'region-name': () => tx.region,
      state: () => 'available',
      'zone-type': () => 'availability-zone',
    },
    () => [],
  );
  return {
    AvailabilityZones: zones.map((zone) => ({
      ZoneName: zone,
      ZoneId: zoneId(region, zone),
      RegionName: tx.region,
      State: 'available' as const,
      ZoneType: 'availability-zone',
      OptInStatus: 'opt-in-not-required' as const,
      GroupName: tx.region,
      NetworkBorderGroup: tx.region,
      Messages: [],
    })),
  };
}

export function describeVpcs(tx: Tx, input: SDK.DescribeVpcsCommandInput) {
  const vpcs = tx.regionState.ec2.vpcs;
  for (const id of input.VpcIds ?? [])
    if (!vpcs.some((vpc) => vpc.id === id))
      throw tx.error('InvalidVpcID.NotFound', `The vpc ID '${id}' does not exist`);
  const selected = applyFilters(
    tx,
    vpcs.filter((vpc) => input.VpcIds === undefined || input.VpcIds.includes(vpc.id)),
    input.Filters,
    {
      'vpc-id': (vpc) => vpc.id,
      'is-default': (vpc) => String(vpc.isDefault),
      isDefault: (vpc) => String(vpc.isDefault),
      cidr: (vpc) => vpc.cidr,
      'cidr-block': (vpc) => vpc.cidr,
      'cidr-block-association.cidr-block': (vpc) => vpc.cidr,
      'ipv6-cidr-block-association.ipv6-cidr-block': (vpc) => vpc.ipv6Cidr,
      state: () => 'available',
      'owner-id': () => tx.state.accountId,
    },
    (vpc) => vpc.tags,
  );
  const page = pageOf(tx, selected, input, { ids: input.VpcIds, filters: input.Filters });
  return {
    Vpcs: page.items.map((vpc) => vpcOutput(tx, vpc)),
    ...(page.next === undefined ? {} : { NextToken: page.next }),
  };
}

export function describeSubnets(tx: Tx, input: SDK.DescribeSubnetsCommandInput) {
  const region = REGIONS.get(tx.region)!;
  const subnets = tx.regionState.ec2.subnets;
  for (const id of input.SubnetIds ?? [])
    if (!subnets.some((subnet) => subnet.id === id))
      throw tx.error('InvalidSubnetID.NotFound', `The subnet ID '${id}' does not exist`);
  const selected = applyFilters(
    tx,
    subnets.filter((subnet) => input.SubnetIds === undefined || input.SubnetIds.includes(subnet.id)),
    input.Filters,
    {
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
    },
    (subnet) => subnet.tags,
  );
  const page = pageOf(tx, selected, input, { ids: input.SubnetIds, filters: input.Filters });
  return {
    Subnets: page.items.map((subnet) => subnetOutput(tx, subnet)),
    ...(page.next === undefined ? {} : { NextToken: page.next }),
  };
}
