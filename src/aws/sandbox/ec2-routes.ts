/**
 * Route tables and routes: CreateRouteTable (ClientToken idempotency), AssociateRouteTable,
 * DisassociateRouteTable, CreateRoute, ReplaceRoute, DeleteRouteTable, DescribeRouteTables. A
 * route whose target is gone (a deleted NAT gateway, a detached internet gateway) is reported as
 * `blackhole`, as EC2 does.
 */
import type * as SDK from '@aws-sdk/client-ec2';
import { applyFilters, pageOf } from './ec2-query.js';
import { checkEc2Tags, tagsFor } from './ec2-tags.js';
import { natState } from './ec2-transitions.js';
import { findSubnet, findVpc, ipv4Range } from './ec2-vpc.js';
import type { Tx } from './engine.js';
import { type RouteRecord, type RouteTableRecord } from './state.js';
import { networkOf } from './state-new.js';
import { ec2Id, outputTags, sha256Hex } from './util.js';

const arn = (tx: Tx, id: string) => `arn:aws:ec2:${tx.region}:${tx.state.accountId}:route-table/${id}`;
const associationId = (tableId: string, subnetId: string) => `rtbassoc-0${sha256Hex(tableId + subnetId).slice(0, 16)}`;

export function findRouteTable(tx: Tx, id: string | undefined): RouteTableRecord {
  const table = tx.regionState.ec2.routeTables.find((candidate) => candidate.id === id);
  if (table === undefined)
    throw tx.error('InvalidRouteTableID.NotFound', `The routeTable ID '${id ?? ''}' does not exist`);
  return table;
}

/** Active, or blackhole when the target no longer carries traffic. */
function routeState(tx: Tx, route: RouteRecord): 'active' | 'blackhole' {
  const net = networkOf(tx.regionState.ec2);
  if (route.natGatewayId !== undefined) {
    const nat = net.natGateways.find((candidate) => candidate.id === route.natGatewayId);
    return nat === undefined || natState(nat, tx.now, tx.knobs.instanceTransitionMs) === 'deleted'
      ? 'blackhole'
      : 'active';
  }
  if (route.gatewayId?.startsWith('igw-') === true) {
    return net.internetGateways.some((g) => g.id === route.gatewayId && g.vpcId !== undefined) ? 'active' : 'blackhole';
  }
  return 'active';
}

function routeOutput(tx: Tx, route: RouteRecord): SDK.Route {
  return {
    ...(route.prefixList === true
      ? { DestinationPrefixListId: route.destination }
      : { DestinationCidrBlock: route.destination }),
    ...(route.gatewayId === undefined ? {} : { GatewayId: route.gatewayId }),
    ...(route.natGatewayId === undefined ? {} : { NatGatewayId: route.natGatewayId }),
    ...(route.transitGatewayId === undefined ? {} : { TransitGatewayId: route.transitGatewayId }),
    ...(route.networkInterfaceId === undefined ? {} : { NetworkInterfaceId: route.networkInterfaceId }),
    ...(route.vpcPeeringConnectionId === undefined ? {} : { VpcPeeringConnectionId: route.vpcPeeringConnectionId }),
    ...(route.instanceId === undefined ? {} : { InstanceId: route.instanceId }),
    State: routeState(tx, route),
    Origin: route.gatewayId === 'local' ? 'CreateRouteTable' : 'CreateRoute',
  };
}

function tableOutput(tx: Tx, table: RouteTableRecord): SDK.RouteTable {
  return {
    RouteTableId: table.id,
    VpcId: table.vpcId,
    OwnerId: tx.state.accountId,
    Routes: table.routes.map((route) => routeOutput(tx, route)),
    Associations: [
      ...(table.main
        ? [
            {
              Main: true,
              RouteTableAssociationId: `rtbassoc-0${sha256Hex(table.id).slice(0, 16)}`,
              RouteTableId: table.id,
              AssociationState: { State: 'associated' as const },
            },
          ]
        : []),
      ...table.subnetIds.map((subnetId) => ({
        Main: false,
        RouteTableAssociationId: associationId(table.id, subnetId),
        RouteTableId: table.id,
        SubnetId: subnetId,
        AssociationState: { State: 'associated' as const },
      })),
    ],
    PropagatingVgws: [],
    ...(outputTags(table.tags) === undefined ? {} : { Tags: outputTags(table.tags) }),
  };
}

export function describeRouteTables(tx: Tx, input: SDK.DescribeRouteTablesCommandInput) {
  const tables = tx.regionState.ec2.routeTables;
  for (const id of input.RouteTableIds ?? []) findRouteTable(tx, id);
  const selected = applyFilters(
    tx,
    tables.filter((table) => input.RouteTableIds === undefined || input.RouteTableIds.includes(table.id)),
    input.Filters,
    {
      'vpc-id': (table) => table.vpcId,
      'route-table-id': (table) => table.id,
      'association.main': (table) => String(table.main),
      'association.subnet-id': (table) => table.subnetIds,
      'association.route-table-association-id': (table) =>
        table.subnetIds.map((subnetId) => associationId(table.id, subnetId)),
      'route.destination-cidr-block': (table) =>
        table.routes.filter((route) => route.prefixList !== true).map((route) => route.destination),
      'route.gateway-id': (table) =>
        table.routes.flatMap((route) => (route.gatewayId === undefined ? [] : [route.gatewayId])),
      'route.nat-gateway-id': (table) =>
        table.routes.flatMap((route) => (route.natGatewayId === undefined ? [] : [route.natGatewayId])),
    },
    (table) => table.tags,
  );
  const page = pageOf(tx, selected, input, { ids: input.RouteTableIds, filters: input.Filters });
  return {
    RouteTables: page.items.map((table) => tableOutput(tx, table)),
    ...(page.next === undefined ? {} : { NextToken: page.next }),
  };
}

export function createRouteTable(tx: Tx, input: SDK.CreateRouteTableCommandInput) {
  const ec2 = tx.regionState.ec2;
  if (input.ClientToken !== undefined) {
    const previous = ec2.routeTables.find((table) => table.clientToken === input.ClientToken);
    if (previous !== undefined) {
      if (previous.vpcId !== input.VpcId)
        throw tx.error(
          'IdempotentParameterMismatch',
          'Arguments on this idempotent request are inconsistent with arguments used in previous request(s).',
        );
      return { RouteTable: tableOutput(tx, previous), ClientToken: input.ClientToken };
    }
  }
  const vpc = findVpc(tx, input.VpcId);
  const tags = tagsFor(input.TagSpecifications, 'route-table');
  checkEc2Tags(tx, tags);
  tx.authorize({ action: 'ec2:CreateRouteTable', resource: arn(tx, '*') });
  const table: RouteTableRecord = {
    id: ec2Id('rtb'),
    vpcId: vpc.id,
    main: false,
    subnetIds: [],
    routes: [{ destination: vpc.cidr, gatewayId: 'local' }],
    ...(input.ClientToken === undefined ? {} : { clientToken: input.ClientToken }),
    tags,
  };
  ec2.routeTables.push(table);
  tx.trail({
    responseElements: { routeTable: { routeTableId: table.id } },
    resources: [{ ARN: arn(tx, table.id), type: 'AWS::EC2::RouteTable' }],
  });
  return {
    RouteTable: tableOutput(tx, table),
    ...(input.ClientToken === undefined ? {} : { ClientToken: input.ClientToken }),
  };
}

export function associateRouteTable(tx: Tx, input: SDK.AssociateRouteTableCommandInput) {
  const table = findRouteTable(tx, input.RouteTableId);
  if (input.SubnetId === undefined)
    throw tx.error('MissingParameter', 'Either subnetId or gatewayId must be specified');
  const subnet = findSubnet(tx, input.SubnetId);
  if (subnet.vpcId !== table.vpcId)
    throw tx.error(
      'InvalidParameterValue',
      `Route table ${table.id} and subnet ${subnet.id} belong to different networks`,
    );
  tx.authorize({ action: 'ec2:AssociateRouteTable', resource: arn(tx, table.id) });
  const current = tx.regionState.ec2.routeTables.find((candidate) => candidate.subnetIds.includes(subnet.id));
  if (current !== undefined)
    throw tx.error(
      'Resource.AlreadyAssociated',
      `the specified association for route table ${current.id} conflicts with an existing association`,
    );
  table.subnetIds.push(subnet.id);
  return { AssociationId: associationId(table.id, subnet.id), AssociationState: { State: 'associated' as const } };
}

export function disassociateRouteTable(tx: Tx, input: SDK.DisassociateRouteTableCommandInput) {
  const table = tx.regionState.ec2.routeTables.find((candidate) =>
    candidate.subnetIds.some((subnetId) => associationId(candidate.id, subnetId) === input.AssociationId),
  );
  if (table === undefined)
    throw tx.error('InvalidAssociationID.NotFound', `The association ID '${input.AssociationId ?? ''}' does not exist`);
  tx.authorize({ action: 'ec2:DisassociateRouteTable', resource: arn(tx, table.id) });
  table.subnetIds = table.subnetIds.filter((subnetId) => associationId(table.id, subnetId) !== input.AssociationId);
  return {};
}

type RouteInput = SDK.CreateRouteCommandInput | SDK.ReplaceRouteCommandInput;

/** The one target of a CreateRoute/ReplaceRoute request, checked against the table's VPC. */
function routeTarget(
  tx: Tx,
  table: RouteTableRecord,
  input: RouteInput,
): Omit<RouteRecord, 'destination' | 'prefixList'> {
  const net = networkOf(tx.regionState.ec2);
  const targets = [
    input.GatewayId,
    input.NatGatewayId,
    input.TransitGatewayId,
    input.NetworkInterfaceId,
    input.VpcPeeringConnectionId,
    input.InstanceId,
    input.EgressOnlyInternetGatewayId,
    input.VpcEndpointId,
    input.LocalGatewayId,
    input.CarrierGatewayId,
  ].filter((t) => t !== undefined);
  if (targets.length !== 1)
    throw tx.error(
      'InvalidParameterCombination',
      'The request must contain exactly one of gatewayId, natGatewayId, transitGatewayId, networkInterfaceId, vpcPeeringConnectionId or instanceId',
    );
  if (input.GatewayId !== undefined) {
    const gateway = net.internetGateways.find((g) => g.id === input.GatewayId);
    if (gateway === undefined)
      throw tx.error('InvalidGatewayID.NotFound', `The gateway ID '${input.GatewayId}' does not exist`);
    if (gateway.vpcId !== table.vpcId)
      throw tx.error(
        'InvalidParameterValue',
        `route table ${table.id} and network gateway ${gateway.id} belong to different networks`,
      );
    return { gatewayId: gateway.id };
  }
  if (input.NatGatewayId !== undefined) {
    const nat = net.natGateways.find((n) => n.id === input.NatGatewayId);
    const state = nat === undefined ? 'deleted' : natState(nat, tx.now, tx.knobs.instanceTransitionMs);
    if (nat === undefined || state === 'deleted' || state === 'deleting')
      throw tx.error('InvalidNatGatewayID.NotFound', `The natGateway ID '${input.NatGatewayId}' does not exist`);
    if (nat.vpcId !== table.vpcId)
      throw tx.error(
        'InvalidParameterValue',
        `route table ${table.id} and NAT gateway ${nat.id} belong to different networks`,
      );
    return { natGatewayId: nat.id };
  }
  // Transit gateways, network interfaces, peerings and instances are not simulated.
  throw tx.error('InvalidParameterValue', 'The sandbox routes to internet gateways and NAT gateways only');
}

function destinationOf(tx: Tx, input: RouteInput): string {
  const cidr = input.DestinationCidrBlock;
  if (cidr === undefined || ipv4Range(cidr) === undefined)
    throw tx.error(
      'InvalidParameterValue',
      `Value (${cidr ?? ''}) for parameter destinationCidrBlock is invalid. This is not a valid CIDR block.`,
    );
  return cidr;
}

export function createRoute(tx: Tx, input: SDK.CreateRouteCommandInput) {
  const table = findRouteTable(tx, input.RouteTableId);
  const destination = destinationOf(tx, input);
  const target = routeTarget(tx, table, input);
  tx.authorize({ action: 'ec2:CreateRoute', resource: arn(tx, table.id) });
  if (table.routes.some((route) => route.destination === destination))
    throw tx.error('RouteAlreadyExists', `The route identified by ${destination} already exists.`);
  table.routes.push({ destination, ...target });
  return { Return: true };
}

export function replaceRoute(tx: Tx, input: SDK.ReplaceRouteCommandInput) {
  const table = findRouteTable(tx, input.RouteTableId);
  const destination = destinationOf(tx, input);
  const index = table.routes.findIndex((route) => route.destination === destination && route.prefixList !== true);
  if (index < 0 || table.routes[index]!.gatewayId === 'local')
    throw tx.error(
      'InvalidRoute.NotFound',
      `There is no route defined for '${destination}' in the route table. Use CreateRoute instead.`,
    );
  const target = routeTarget(tx, table, input);
  tx.authorize({ action: 'ec2:ReplaceRoute', resource: arn(tx, table.id) });
  table.routes[index] = { destination, ...target };
  return {};
}

export function deleteRouteTable(tx: Tx, input: SDK.DeleteRouteTableCommandInput) {
  const ec2 = tx.regionState.ec2;
  const table = findRouteTable(tx, input.RouteTableId);
  tx.authorize({ action: 'ec2:DeleteRouteTable', resource: arn(tx, table.id) });
  if (table.main || table.subnetIds.length > 0)
    throw tx.error('DependencyViolation', `The routeTable '${table.id}' has dependencies and cannot be deleted.`);
  ec2.routeTables = ec2.routeTables.filter((candidate) => candidate !== table);
  return {};
}
