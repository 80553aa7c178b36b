/**
 * The parts of every managed network in the account and region, found by the `cosigner-cli:name`
 * tag they are created with: VPCs, subnets, internet gateways, Elastic IPs, route tables, NAT
 * gateways and VPC endpoints not yet deleted (a NAT gateway or endpoint being deleted is listed:
 * teardown waits for it). The endpoints' security group is found with the other groups. Reads only.
 */
import type pLimit from 'p-limit';
import type { AwsPorts } from '../aws/ports.js';
import { TAGS } from '../config/names.js';
import { allPages, tagsOf } from './aws-util.js';
import type { FoundResource } from './discover.js';

type Limit = ReturnType<typeof pLimit>;

const TAGGED = [{ Name: 'tag-key', Values: [TAGS.name] }];

export async function discoverNetwork(
  ports: AwsPorts,
  limit: Limit,
  add: (resource: FoundResource) => void,
): Promise<void> {
  const ec2 = ports.ec2;
  const found = (
    kind: FoundResource['kind'],
    id: string | undefined,
    tags: { Key?: string | undefined; Value?: string | undefined }[] | undefined,
    state: string,
    detail: Record<string, unknown>,
  ) => {
    if (id === undefined) return;
    const record = tagsOf(tags);
    add({ kind, id, name: record['Name'] ?? '', state, adopted: false, tags: record, detail });
  };
  await Promise.all([
    limit(async () => {
      const vpcs = await allPages(async (NextToken) => {
        const p = await ec2.describeVpcs({ Filters: TAGGED, NextToken });
        return { items: p.Vpcs, next: p.NextToken };
      });
      for (const v of vpcs) found('vpc', v.VpcId, v.Tags, 'present', { cidr: v.CidrBlock });
    }),
    limit(async () => {
      const subnets = await allPages(async (NextToken) => {
        const p = await ec2.describeSubnets({ Filters: TAGGED, NextToken });
        return { items: p.Subnets, next: p.NextToken };
      });
      for (const s of subnets)
        found('subnet', s.SubnetId, s.Tags, 'present', { vpcId: s.VpcId, zone: s.AvailabilityZone, cidr: s.CidrBlock });
    }),
    limit(async () => {
      const gateways = await allPages(async (NextToken) => {
        const p = await ec2.describeInternetGateways({
          Filters: TAGGED,
          NextToken,
        });
        return { items: p.InternetGateways, next: p.NextToken };
      });
      for (const g of gateways)
        found(
          'internetGateway',
          g.InternetGatewayId,
          g.Tags,
          g.Attachments?.[0]?.VpcId === undefined ? 'detached' : 'attached',
          { vpcId: g.Attachments?.[0]?.VpcId ?? null },
        );
    }),
    limit(async () => {
      for (const a of (await ec2.describeAddresses({ Filters: TAGGED })).Addresses ?? [])
        found('address', a.AllocationId, a.Tags, a.AssociationId === undefined ? 'unassociated' : 'associated', {
          publicIp: a.PublicIp,
        });
    }),
    limit(async () => {
      const tables = await allPages(async (NextToken) => {
        const p = await ec2.describeRouteTables({ Filters: TAGGED, NextToken });
        return { items: p.RouteTables, next: p.NextToken };
      });
      for (const t of tables) {
        const associations = (t.Associations ?? [])
          .filter((a) => a.Main !== true && a.RouteTableAssociationId !== undefined)
          .map((a) => a.RouteTableAssociationId as string);
        found('routeTable', t.RouteTableId, t.Tags, 'present', { vpcId: t.VpcId, associations });
      }
    }),
    limit(async () => {
      const nats = await allPages(async (NextToken) => {
        const p = await ec2.describeNatGateways({
          Filter: [...TAGGED, { Name: 'state', Values: ['pending', 'available', 'deleting', 'failed'] }],
          NextToken,
        });
        return { items: p.NatGateways, next: p.NextToken };
      });
      for (const n of nats) found('natGateway', n.NatGatewayId, n.Tags, n.State ?? 'unknown', { subnetId: n.SubnetId });
    }),
    limit(async () => {
      const endpoints = await allPages(async (NextToken) => {
        const p = await ec2.describeVpcEndpoints({
          Filters: TAGGED,
          NextToken,
        });
        return { items: p.VpcEndpoints, next: p.NextToken };
      });
      for (const e of endpoints) {
        const state = String(e.State ?? 'unknown').toLowerCase();
        if (state !== 'deleted')
          found('vpcEndpoint', e.VpcEndpointId, e.Tags, state, { service: e.ServiceName, type: e.VpcEndpointType });
      }
    }),
  ]);
}
