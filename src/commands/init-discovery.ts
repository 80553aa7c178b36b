/**
 * What the `init` wizard can learn from the account when credentials are available (or the
 * sandbox is in use): who the caller is, which supported instance types the region offers, the
 * VPCs, the subnets whose zone offers the chosen type, and whether a VPC has a route out for a
 * host without a public IP. Read-only calls only.
 */
import type { NatGateway, RouteTable } from '@aws-sdk/client-ec2';
import type { AwsPorts } from '../aws/ports.js';
import { INSTANCE_TYPES } from '../config/schema.js';

export interface DiscoveredVpc {
  id: string;
  isDefault: boolean;
  cidr: string | undefined;
}

export interface DiscoveredSubnet {
  id: string;
  zone: string;
  cidr: string | undefined;
}

export interface Discovery {
  accountId: string;
  callerArn: string;
  /** Supported instance types offered somewhere in the region. */
  offeredTypes: string[];
  vpcs: DiscoveredVpc[];
  /** Subnets of a VPC in zones that offer the instance type. */
  subnets(vpcId: string, instanceType: string): Promise<DiscoveredSubnet[]>;
  /** Whether some route table of the VPC leads out without a public IP (a NAT gateway or similar). */
  routesOut(vpcId: string): Promise<boolean>;
}

export async function discoverAccount(ports: AwsPorts): Promise<Discovery> {
  const { describeCaller } = await import('../aws/identity.js');
  const who = await describeCaller(ports);
  const offerings = await ports.ec2.describeInstanceTypeOfferings({
    LocationType: 'region',
    Filters: [{ Name: 'instance-type', Values: [...INSTANCE_TYPES] }],
  });
  const offeredTypes = INSTANCE_TYPES.filter((type) =>
    offerings.InstanceTypeOfferings?.some((o) => o.InstanceType === type),
  );

  const vpcs: DiscoveredVpc[] = [];
  let token: string | undefined;
  do {
    const page = await ports.ec2.describeVpcs({ ...(token ? { NextToken: token } : {}) });
    for (const vpc of page.Vpcs ?? [])
      if (vpc.VpcId) vpcs.push({ id: vpc.VpcId, isDefault: vpc.IsDefault === true, cidr: vpc.CidrBlock });
    token = page.NextToken;
  } while (token);
  vpcs.sort((a, b) => Number(b.isDefault) - Number(a.isDefault) || a.id.localeCompare(b.id));

  return {
    accountId: who.accountId,
    callerArn: who.callerArn,
    offeredTypes,
    vpcs,
    async subnets(vpcId, instanceType) {
      const zones = await ports.ec2.describeInstanceTypeOfferings({
        LocationType: 'availability-zone',
        Filters: [{ Name: 'instance-type', Values: [instanceType] }],
      });
      const offered = new Set((zones.InstanceTypeOfferings ?? []).map((o) => o.Location));
      const subnets: DiscoveredSubnet[] = [];
      let next: string | undefined;
      do {
        const page = await ports.ec2.describeSubnets({
          Filters: [{ Name: 'vpc-id', Values: [vpcId] }],
          ...(next ? { NextToken: next } : {}),
        });
        for (const subnet of page.Subnets ?? []) {
          if (subnet.SubnetId && subnet.AvailabilityZone && offered.has(subnet.AvailabilityZone)) {
            subnets.push({ id: subnet.SubnetId, zone: subnet.AvailabilityZone, cidr: subnet.CidrBlock });
          }
        }
        next = page.NextToken;
      } while (next);
      return subnets.sort((a, b) => a.zone.localeCompare(b.zone) || a.id.localeCompare(b.id));
    },
    async routesOut(vpcId) {
      const { describeNats, internetTarget, isEgressPath } = await import('../provision/egress.js');
      const tables: RouteTable[] = [];
      const nats: NatGateway[] = [];
      let next: string | undefined;
      do {
        const page = await ports.ec2.describeRouteTables({
          Filters: [{ Name: 'vpc-id', Values: [vpcId] }],
          ...(next ? { NextToken: next } : {}),
        });
        tables.push(...(page.RouteTables ?? []));
        next = page.NextToken;
      } while (next);
      // A NAT gateway leads out only when it is public, available and its own subnet routes to the internet gateway.
      do {
        const page = await ports.ec2.describeNatGateways({
          Filter: [{ Name: 'vpc-id', Values: [vpcId] }],
          ...(next ? { NextToken: next } : {}),
        });
        nats.push(...(page.NatGateways ?? []));
        next = page.NextToken;
      } while (next);
      return tables.some((table) => isEgressPath(describeNats(internetTarget(table), tables, nats), false));
    },
  };
}
