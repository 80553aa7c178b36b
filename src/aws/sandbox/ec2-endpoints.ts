/**
 * VPC endpoints: CreateVpcEndpoint (gateway endpoints add a prefix-list route to their route
 * tables; interface endpoints sit in subnets with security groups and, with private DNS, need the
 * VPC's DNS support and hostnames and admit one endpoint per service), DescribeVpcEndpoints and
 * DeleteVpcEndpoints (which reports unknown ids as Unsuccessful rather than failing, as EC2 does).
 */
import type * as SDK from '@aws-sdk/client-ec2';
import { stableHex } from './catalogue.js';
import { findGroup } from './ec2-security-groups.js';
import { applyFilters, pageOf } from './ec2-query.js';
import { findRouteTable } from './ec2-routes.js';
import { checkEc2Tags, tagsFor } from './ec2-tags.js';
import { endpointState, stillVisible } from './ec2-transitions.js';
import { findSubnet, findVpc } from './ec2-vpc.js';
import type { Tx } from './engine.js';
import { type VpcEndpointRecord } from './state.js';
import { networkOf } from './state-new.js';
import { ec2Id, outputTags, sha256Hex } from './util.js';

/** AWS services the sandbox offers endpoints for, and the endpoint types each supports. */
const SERVICES: Record<string, ('Gateway' | 'Interface')[]> = {
  s3: ['Gateway', 'Interface'],
  dynamodb: ['Gateway', 'Interface'],
  kms: ['Interface'],
  'kms-fips': ['Interface'],
  ssm: ['Interface'],
  ssmmessages: ['Interface'],
  ec2messages: ['Interface'],
  ec2: ['Interface'],
  sts: ['Interface'],
  logs: ['Interface'],
  secretsmanager: ['Interface'],
};

/** The prefix list of a gateway service in a region (`pl-` and 8 hex digits, stable). */
function prefixListId(region: string, service: string): string {
  return `pl-${stableHex(8, 'prefix-list', region, service)}`;
}

function serviceOf(tx: Tx, name: string | undefined): string {
  const prefix = `com.amazonaws.${tx.region}.`;
  const short = name?.startsWith(prefix) === true ? name.slice(prefix.length) : undefined;
  if (short === undefined || !(short in SERVICES))
    throw tx.error('InvalidServiceName', `The Vpc Endpoint Service '${name ?? ''}' does not exist`);
  return short;
}

function state(tx: Tx, endpoint: VpcEndpointRecord): string {
  // Gateway endpoints take effect at once; interface endpoints provision their interfaces first.
  const current = endpointState(endpoint, tx.now, tx.knobs.instanceTransitionMs);
  return endpoint.type === 'Gateway' ? (endpoint.deletedAt === undefined ? 'available' : 'deleted') : current;
}

function endpointOutput(tx: Tx, endpoint: VpcEndpointRecord): SDK.VpcEndpoint {
  const groups = tx.regionState.ec2.securityGroups;
  const service = endpoint.serviceName.split('.').at(-1) ?? '';
  return {
    VpcEndpointId: endpoint.id,
    VpcEndpointType: endpoint.type,
    VpcId: endpoint.vpcId,
    ServiceName: endpoint.serviceName,
    // EC2 answers in lower case ("available"), whatever the SDK's enum spelling.
    State: state(tx, endpoint) as SDK.State,
    RouteTableIds: [...endpoint.routeTableIds],
    SubnetIds: [...endpoint.subnetIds],
    Groups: endpoint.groupIds.map((id) => ({ GroupId: id, GroupName: groups.find((g) => g.id === id)?.name ?? id })),
    PrivateDnsEnabled: endpoint.privateDns,
    RequesterManaged: false,
    NetworkInterfaceIds: endpoint.subnetIds.map((subnetId) => `eni-0${sha256Hex(endpoint.id + subnetId).slice(0, 16)}`),
    DnsEntries:
      endpoint.type === 'Interface'
        ? [
            {
              DnsName: `${endpoint.id}-${sha256Hex(endpoint.id).slice(0, 8)}.${service}.${tx.region}.vpce.amazonaws.com`,
              HostedZoneId: 'Z7HUB22UULQXV',
            },
          ]
        : [],
    IpAddressType: 'ipv4',
    CreationTimestamp: new Date(endpoint.createdAt),
    OwnerId: tx.state.accountId,
    ...(outputTags(endpoint.tags) === undefined ? {} : { Tags: outputTags(endpoint.tags) }),
  };
}

export function createVpcEndpoint(tx: Tx, input: SDK.CreateVpcEndpointCommandInput) {
  const ec2 = tx.regionState.ec2;
  const net = networkOf(ec2);
  if (input.ClientToken !== undefined) {
    const previous = net.vpcEndpoints.find((e) => e.clientToken === input.ClientToken);
    if (previous !== undefined) {
      if (previous.vpcId !== input.VpcId || previous.serviceName !== input.ServiceName)
        throw tx.error(
          'IdempotentParameterMismatch',
          'Arguments on this idempotent request are inconsistent with arguments used in previous request(s).',
        );
      return { VpcEndpoint: endpointOutput(tx, previous), ClientToken: input.ClientToken };
    }
  }
  const vpc = findVpc(tx, input.VpcId);
  const service = serviceOf(tx, input.ServiceName);
  const type = input.VpcEndpointType ?? 'Gateway';
  if (type !== 'Gateway' && type !== 'Interface')
    throw tx.error('InvalidParameter', `Endpoint type ${type} is not supported`);
  if (!SERVICES[service]!.includes(type))
    throw tx.error(
      'InvalidParameter',
      `The Vpc Endpoint Service '${input.ServiceName ?? ''}' does not support endpoint type ${type}`,
    );
  const tags = tagsFor(input.TagSpecifications, 'vpc-endpoint');
  checkEc2Tags(tx, tags);
  const live = net.vpcEndpoints.filter((e) => e.vpcId === vpc.id && e.deletedAt === undefined);
  const id = ec2Id('vpce');
  const base = {
    id,
    type,
    vpcId: vpc.id,
    serviceName: input.ServiceName!,
    createdAt: tx.now.toISOString(),
    ...(input.ClientToken === undefined ? {} : { clientToken: input.ClientToken }),
    tags,
  };
  let endpoint: VpcEndpointRecord;
  if (type === 'Gateway') {
    if (input.SubnetIds !== undefined || input.SecurityGroupIds !== undefined)
      throw tx.error('InvalidParameter', 'Subnets and security groups cannot be specified for a gateway endpoint');
    const tables = (input.RouteTableIds ?? []).map((tableId) => findRouteTable(tx, tableId));
    const prefixList = prefixListId(tx.region, service);
    for (const table of tables) {
      if (table.vpcId !== vpc.id)
        throw tx.error('InvalidRouteTableId.Malformed', `Route table ${table.id} does not belong to ${vpc.id}`);
      if (table.routes.some((route) => route.destination === prefixList))
        throw tx.error(
          'RouteAlreadyExists',
          `route table ${table.id} already has a route with destination-prefix-list-id ${prefixList}`,
        );
    }
    tx.authorize({
      action: 'ec2:CreateVpcEndpoint',
      resource: `arn:aws:ec2:${tx.region}:${tx.state.accountId}:vpc-endpoint/*`,
    });
    for (const table of tables) table.routes.push({ destination: prefixList, gatewayId: id, prefixList: true });
    endpoint = { ...base, routeTableIds: tables.map((t) => t.id), subnetIds: [], groupIds: [], privateDns: false };
  } else {
    if (input.RouteTableIds !== undefined)
      throw tx.error('InvalidParameter', 'Route tables cannot be specified for an interface endpoint');
    const subnets = (input.SubnetIds ?? []).map((subnetId) => findSubnet(tx, subnetId));
    if (subnets.length === 0)
      throw tx.error('InvalidParameter', 'At least one subnet must be specified for an interface endpoint');
    for (const subnet of subnets)
      if (subnet.vpcId !== vpc.id)
        throw tx.error('InvalidParameter', `Subnet ${subnet.id} does not belong to ${vpc.id}`);
    if (new Set(subnets.map((s) => s.zone)).size !== subnets.length)
      throw tx.error(
        'DuplicateSubnetsInSameZone',
        'Found another VPC endpoint subnet in the availability zone. VPC endpoint subnets should be in different availability zones supported by the VPC endpoint service.',
      );
    const groupIds = input.SecurityGroupIds ?? [
      ec2.securityGroups.find((g) => g.vpcId === vpc.id && g.name === 'default')!.id,
    ];
    for (const groupId of groupIds)
      if (findGroup(tx, groupId).vpcId !== vpc.id)
        throw tx.error('InvalidParameter', `Security group ${groupId} does not belong to ${vpc.id}`);
    const privateDns = input.PrivateDnsEnabled ?? true;
    if (privateDns && (!(vpc.dnsSupport ?? true) || !(vpc.dnsHostnames ?? vpc.isDefault))) {
      throw tx.error(
        'InvalidParameter',
        `Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes set to true for ${vpc.id}`,
      );
    }
    if (privateDns && live.some((e) => e.serviceName === input.ServiceName && e.privateDns)) {
      throw tx.error(
        'InvalidParameter',
        `private-dns-enabled cannot be set because there is already a conflicting DNS domain for ${service}.${tx.region}.amazonaws.com in the VPC ${vpc.id}`,
      );
    }
    tx.authorize({
      action: 'ec2:CreateVpcEndpoint',
      resource: `arn:aws:ec2:${tx.region}:${tx.state.accountId}:vpc-endpoint/*`,
    });
    endpoint = { ...base, routeTableIds: [], subnetIds: subnets.map((s) => s.id), groupIds: [...groupIds], privateDns };
  }
  net.vpcEndpoints.push(endpoint);
  tx.trail({
    responseElements: { vpcEndpointId: id },
    resources: [
      { ARN: `arn:aws:ec2:${tx.region}:${tx.state.accountId}:vpc-endpoint/${id}`, type: 'AWS::EC2::VPCEndpoint' },
    ],
  });
  return {
    VpcEndpoint: endpointOutput(tx, endpoint),
    ...(input.ClientToken === undefined ? {} : { ClientToken: input.ClientToken }),
  };
}

export function describeVpcEndpoints(tx: Tx, input: SDK.DescribeVpcEndpointsCommandInput) {
  const visible = networkOf(tx.regionState.ec2).vpcEndpoints.filter((e) => stillVisible(e, tx.now));
  for (const id of input.VpcEndpointIds ?? [])
    if (!visible.some((e) => e.id === id))
      throw tx.error('InvalidVpcEndpointId.NotFound', `The Vpc Endpoint Id '${id}' does not exist`);
  const selected = applyFilters(
    tx,
    visible.filter((e) => input.VpcEndpointIds === undefined || input.VpcEndpointIds.includes(e.id)),
    input.Filters,
    {
      'vpc-id': (e) => e.vpcId,
      'vpc-endpoint-id': (e) => e.id,
      'service-name': (e) => e.serviceName,
      'vpc-endpoint-state': (e) => state(tx, e),
      'vpc-endpoint-type': (e) => e.type,
    },
    (e) => e.tags,
  );
  const page = pageOf(tx, selected, input, { ids: input.VpcEndpointIds, filters: input.Filters });
  return {
    VpcEndpoints: page.items.map((e) => endpointOutput(tx, e)),
    ...(page.next === undefined ? {} : { NextToken: page.next }),
  };
}

export function deleteVpcEndpoints(tx: Tx, input: SDK.DeleteVpcEndpointsCommandInput) {
  const ec2 = tx.regionState.ec2;
  const endpoints = networkOf(ec2).vpcEndpoints;
  if (input.VpcEndpointIds === undefined || input.VpcEndpointIds.length === 0)
    throw tx.error('MissingParameter', 'The request must contain the parameter VpcEndpointId');
  tx.authorize({
    action: 'ec2:DeleteVpcEndpoints',
    resource: `arn:aws:ec2:${tx.region}:${tx.state.accountId}:vpc-endpoint/*`,
  });
  const unsuccessful: SDK.UnsuccessfulItem[] = [];
  for (const id of input.VpcEndpointIds) {
    const endpoint = endpoints.find((e) => e.id === id && e.deletedAt === undefined);
    if (endpoint === undefined) {
      unsuccessful.push({
        ResourceId: id,
        Error: { Code: 'InvalidVpcEndpoint.NotFound', Message: `The Vpc Endpoint Id '${id}' does not exist` },
      });
      continue;
    }
    endpoint.deletedAt = tx.now.toISOString();
    // A gateway endpoint's routes go with it.
    for (const table of ec2.routeTables) table.routes = table.routes.filter((route) => route.gatewayId !== endpoint.id);
  }
  return { Unsuccessful: unsuccessful };
}
