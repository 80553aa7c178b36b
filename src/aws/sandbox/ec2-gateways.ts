/**
 * The ways out of a VPC: internet gateways (create, attach, detach, delete, describe), Elastic IP
 * addresses (allocate, release, describe) and NAT gateways, public (an Elastic IP, out through the
 * internet gateway) or private (no address, no way to the internet), create → pending → available,
 * delete → deleting → deleted, with the dependency errors EC2 answers when the order is wrong.
 */
import type * as SDK from '@aws-sdk/client-ec2';
import { instanceState } from './ec2-instances.js';
import { applyFilters, pageOf } from './ec2-query.js';
import { checkEc2Tags, tagsFor } from './ec2-tags.js';
import { natState, stillVisible } from './ec2-transitions.js';
import { findSubnet, findVpc, ipv4Range } from './ec2-vpc.js';
import type { Tx } from './engine.js';
import { type AddressRecord, type InternetGatewayRecord, type NatGatewayRecord } from './state.js';
import { networkOf } from './state-new.js';
import { ec2Id, outputTags, sha256Hex } from './util.js';

const arn = (tx: Tx, kind: string, id: string) => `arn:aws:ec2:${tx.region}:${tx.state.accountId}:${kind}/${id}`;

// ---------------------------------------------------------------------------------------------
// Internet gateways

function findGateway(tx: Tx, id: string | undefined): InternetGatewayRecord {
  const gateway = networkOf(tx.regionState.ec2).internetGateways.find((candidate) => candidate.id === id);
  if (gateway === undefined)
    throw tx.error('InvalidInternetGatewayID.NotFound', `The internetGateway ID '${id ?? ''}' does not exist`);
  return gateway;
}

function gatewayOutput(tx: Tx, gateway: InternetGatewayRecord): SDK.InternetGateway {
  return {
    InternetGatewayId: gateway.id,
    OwnerId: tx.state.accountId,
    // EC2 reports an attached internet gateway as "available", outside the SDK's enum.
    Attachments:
      gateway.vpcId === undefined ? [] : [{ VpcId: gateway.vpcId, State: 'available' as SDK.AttachmentStatus }],
    ...(outputTags(gateway.tags) === undefined ? {} : { Tags: outputTags(gateway.tags) }),
  };
}

export function createInternetGateway(tx: Tx, input: SDK.CreateInternetGatewayCommandInput) {
  const tags = tagsFor(input.TagSpecifications, 'internet-gateway');
  checkEc2Tags(tx, tags);
  tx.authorize({ action: 'ec2:CreateInternetGateway', resource: arn(tx, 'internet-gateway', '*') });
  const gateway: InternetGatewayRecord = { id: ec2Id('igw'), tags };
  networkOf(tx.regionState.ec2).internetGateways.push(gateway);
  tx.trail({ resources: [{ ARN: arn(tx, 'internet-gateway', gateway.id), type: 'AWS::EC2::InternetGateway' }] });
  return { InternetGateway: gatewayOutput(tx, gateway) };
}

export function attachInternetGateway(tx: Tx, input: SDK.AttachInternetGatewayCommandInput) {
  const gateway = findGateway(tx, input.InternetGatewayId);
  const vpc = findVpc(tx, input.VpcId);
  tx.authorize({ action: 'ec2:AttachInternetGateway', resource: arn(tx, 'internet-gateway', gateway.id) });
  if (gateway.vpcId !== undefined)
    throw tx.error(
      'Resource.AlreadyAssociated',
      `resource ${gateway.id} is already attached to network ${gateway.vpcId}`,
    );
  const other = networkOf(tx.regionState.ec2).internetGateways.find((candidate) => candidate.vpcId === vpc.id);
  if (other !== undefined)
    throw tx.error('Resource.AlreadyAssociated', `Network ${vpc.id} already has an internet gateway attached`);
  gateway.vpcId = vpc.id;
  return {};
}

/** Public addresses in use in a VPC: detaching its gateway is refused while any is mapped. */
function mappedPublicAddresses(tx: Tx, vpcId: string): boolean {
  const ec2 = tx.regionState.ec2;
  const transition = tx.knobs.instanceTransitionMs;
  return (
    networkOf(ec2).natGateways.some(
      (nat) => nat.vpcId === vpcId && nat.allocationId !== undefined && natState(nat, tx.now, transition) !== 'deleted',
    ) ||
    ec2.instances.some(
      (instance) =>
        instance.vpcId === vpcId &&
        instance.publicIp !== undefined &&
        instanceState(instance, tx.now, transition) !== 'terminated',
    )
  );
}

export function detachInternetGateway(tx: Tx, input: SDK.DetachInternetGatewayCommandInput) {
  const gateway = findGateway(tx, input.InternetGatewayId);
  const vpc = findVpc(tx, input.VpcId);
  tx.authorize({ action: 'ec2:DetachInternetGateway', resource: arn(tx, 'internet-gateway', gateway.id) });
  if (gateway.vpcId !== vpc.id)
    throw tx.error('Gateway.NotAttached', `resource ${gateway.id} is not attached to network ${vpc.id}`);
  if (mappedPublicAddresses(tx, vpc.id))
    throw tx.error(
      'DependencyViolation',
      `Network ${vpc.id} has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.`,
    );
  delete gateway.vpcId;
  return {};
}

export function deleteInternetGateway(tx: Tx, input: SDK.DeleteInternetGatewayCommandInput) {
  const net = networkOf(tx.regionState.ec2);
  const gateway = findGateway(tx, input.InternetGatewayId);
  tx.authorize({ action: 'ec2:DeleteInternetGateway', resource: arn(tx, 'internet-gateway', gateway.id) });
  if (gateway.vpcId !== undefined)
    throw tx.error(
      'DependencyViolation',
      `The internetGateway '${gateway.id}' has dependencies and cannot be deleted.`,
    );
  net.internetGateways.splice(net.internetGateways.indexOf(gateway), 1);
  return {};
}

export function describeInternetGateways(tx: Tx, input: SDK.DescribeInternetGatewaysCommandInput) {
  const gateways = networkOf(tx.regionState.ec2).internetGateways;
  for (const id of input.InternetGatewayIds ?? []) findGateway(tx, id);
  const selected = applyFilters(
    tx,
    gateways.filter((g) => input.InternetGatewayIds === undefined || input.InternetGatewayIds.includes(g.id)),
    input.Filters,
    {
      'internet-gateway-id': (g) => g.id,
      'attachment.vpc-id': (g) => g.vpcId,
      'attachment.state': (g) => (g.vpcId === undefined ? undefined : 'available'),
      'owner-id': () => tx.state.accountId,
    },
    (g) => g.tags,
  );
  const page = pageOf(tx, selected, input, { ids: input.InternetGatewayIds, filters: input.Filters });
  return {
    InternetGateways: page.items.map((g) => gatewayOutput(tx, g)),
    ...(page.next === undefined ? {} : { NextToken: page.next }),
  };
}

// ---------------------------------------------------------------------------------------------
// Elastic IP addresses

function findAddress(tx: Tx, allocationId: string | undefined): AddressRecord {
  const address = networkOf(tx.regionState.ec2).addresses.find((candidate) => candidate.allocationId === allocationId);
  if (address === undefined)
    throw tx.error('InvalidAllocationID.NotFound', `The allocation ID '${allocationId ?? ''}' does not exist`);
  return address;
}

/** The NAT gateway holding an address, until the gateway is deleted. */
function holderOf(tx: Tx, allocationId: string): NatGatewayRecord | undefined {
  return networkOf(tx.regionState.ec2).natGateways.find(
    (nat) => nat.allocationId === allocationId && natState(nat, tx.now, tx.knobs.instanceTransitionMs) !== 'deleted',
  );
}

export function allocateAddress(tx: Tx, input: SDK.AllocateAddressCommandInput) {
  if (input.Domain !== undefined && input.Domain !== 'vpc')
    throw tx.error('InvalidParameterValue', `Invalid value '${input.Domain}' for domain.`);
  if (input.Address !== undefined || input.PublicIpv4Pool !== undefined)
    throw tx.error('InvalidParameterValue', "The sandbox allocates from Amazon's pool only");
  const tags = tagsFor(input.TagSpecifications, 'elastic-ip');
  checkEc2Tags(tx, tags);
  tx.authorize({ action: 'ec2:AllocateAddress', resource: arn(tx, 'elastic-ip', '*') });
  const addresses = networkOf(tx.regionState.ec2).addresses;
  // Made-up public addresses from the documentation range 198.51.100.0/24.
  const taken = new Set(addresses.map((a) => a.publicIp));
  let n = 1;
  while (taken.has(`198.51.100.${n}`) && n < 254) n += 1;
  const address: AddressRecord = { allocationId: ec2Id('eipalloc'), publicIp: `198.51.100.${n}`, tags };
  addresses.push(address);
  tx.trail({
    responseElements: { allocationId: address.allocationId },
    resources: [{ ARN: arn(tx, 'elastic-ip', address.allocationId), type: 'AWS::EC2::EIP' }],
  });
  return {
    AllocationId: address.allocationId,
    PublicIp: address.publicIp,
    Domain: 'vpc' as const,
    PublicIpv4Pool: 'amazon',
    NetworkBorderGroup: tx.region,
  };
}

export function releaseAddress(tx: Tx, input: SDK.ReleaseAddressCommandInput) {
  const addresses = networkOf(tx.regionState.ec2).addresses;
  if (input.AllocationId === undefined)
    throw tx.error('MissingParameter', 'The request must contain the parameter AllocationId');
  const address = findAddress(tx, input.AllocationId);
  tx.authorize({ action: 'ec2:ReleaseAddress', resource: arn(tx, 'elastic-ip', address.allocationId) });
  if (holderOf(tx, address.allocationId) !== undefined)
    throw tx.error('InvalidIPAddress.InUse', `Address ${address.publicIp} is in use.`);
  addresses.splice(addresses.indexOf(address), 1);
  return {};
}

export function describeAddresses(tx: Tx, input: SDK.DescribeAddressesCommandInput) {
  const addresses = networkOf(tx.regionState.ec2).addresses;
  for (const id of input.AllocationIds ?? []) findAddress(tx, id);
  const selected = applyFilters(
    tx,
    addresses.filter((a) => input.AllocationIds === undefined || input.AllocationIds.includes(a.allocationId)),
    input.Filters,
    {
      'allocation-id': (a) => a.allocationId,
      'public-ip': (a) => a.publicIp,
      domain: () => 'vpc',
      'association-id': (a) =>
        holderOf(tx, a.allocationId) === undefined ? undefined : `eipassoc-0${sha256Hex(a.allocationId).slice(0, 16)}`,
    },
    (a) => a.tags,
  );
  return {
    Addresses: selected.map((a) => {
      const holder = holderOf(tx, a.allocationId);
      return {
        AllocationId: a.allocationId,
        PublicIp: a.publicIp,
        Domain: 'vpc' as const,
        PublicIpv4Pool: 'amazon',
        NetworkBorderGroup: tx.region,
        ...(holder === undefined
          ? {}
          : {
              AssociationId: `eipassoc-0${sha256Hex(a.allocationId).slice(0, 16)}`,
              NetworkInterfaceId: `eni-0${sha256Hex(holder.id).slice(0, 16)}`,
              PrivateIpAddress: holder.privateIp,
            }),
        ...(outputTags(a.tags) === undefined ? {} : { Tags: outputTags(a.tags) }),
      };
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// NAT gateways

function natOutput(tx: Tx, nat: NatGatewayRecord): SDK.NatGateway {
  const state = natState(nat, tx.now, tx.knobs.instanceTransitionMs);
  const address = networkOf(tx.regionState.ec2).addresses.find(
    (a) => nat.allocationId !== undefined && a.allocationId === nat.allocationId,
  );
  return {
    NatGatewayId: nat.id,
    VpcId: nat.vpcId,
    SubnetId: nat.subnetId,
    State: state,
    ConnectivityType: nat.connectivityType ?? 'public',
    CreateTime: new Date(nat.createdAt),
    ...(nat.deletedAt === undefined ? {} : { DeleteTime: new Date(nat.deletedAt) }),
    NatGatewayAddresses: [
      {
        // A private NAT gateway has a private address only.
        ...(nat.allocationId === undefined ? {} : { AllocationId: nat.allocationId }),
        ...(address === undefined ? {} : { PublicIp: address.publicIp }),
        PrivateIp: nat.privateIp,
        NetworkInterfaceId: `eni-0${sha256Hex(nat.id).slice(0, 16)}`,
        IsPrimary: true,
        Status: state === 'deleted' ? 'succeeded' : state === 'pending' ? 'associating' : 'succeeded',
      },
    ],
    ...(outputTags(nat.tags) === undefined ? {} : { Tags: outputTags(nat.tags) }),
  };
}

export function createNatGateway(tx: Tx, input: SDK.CreateNatGatewayCommandInput) {
  const ec2 = tx.regionState.ec2;
  const net = networkOf(ec2);
  // ClientToken idempotency: the same token returns the same gateway.
  if (input.ClientToken !== undefined) {
    const previous = net.natGateways.find((nat) => nat.clientToken === input.ClientToken);
    if (previous !== undefined) {
      if (
        previous.subnetId !== input.SubnetId ||
        previous.allocationId !== input.AllocationId ||
        (previous.connectivityType ?? 'public') !== (input.ConnectivityType ?? 'public')
      )
        throw tx.error(
          'IdempotentParameterMismatch',
          'Arguments on this idempotent request are inconsistent with arguments used in previous request(s).',
        );
      return { NatGateway: natOutput(tx, previous), ClientToken: input.ClientToken };
    }
  }
  const connectivity = input.ConnectivityType ?? 'public';
  if (connectivity !== 'public' && connectivity !== 'private')
    throw tx.error(
      'InvalidParameterValue',
      `Value (${String(connectivity)}) for parameter connectivityType is invalid.`,
    );
  const subnet = findSubnet(tx, input.SubnetId);
  let address: AddressRecord | undefined;
  if (connectivity === 'private') {
    // https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html: "You can't associate an
    // elastic IP address with a private NAT gateway"; it needs no internet gateway either.
    if (input.AllocationId !== undefined)
      throw tx.error(
        'InvalidParameterCombination',
        'An Elastic IP address cannot be associated with a private NAT gateway.',
      );
  } else {
    if (input.AllocationId === undefined)
      throw tx.error('MissingParameter', 'The request must contain the parameter AllocationId');
    address = findAddress(tx, input.AllocationId);
    if (holderOf(tx, address.allocationId) !== undefined)
      throw tx.error(
        'Resource.AlreadyAssociated',
        `Elastic IP address [${address.allocationId}] is already associated`,
      );
    // A public NAT gateway sends its traffic out through the VPC's internet gateway.
    if (!net.internetGateways.some((g) => g.vpcId === subnet.vpcId))
      throw tx.error('Gateway.NotAttached', `Network ${subnet.vpcId} has no Internet gateway attached`);
  }
  const tags = tagsFor(input.TagSpecifications, 'natgateway');
  checkEc2Tags(tx, tags);
  tx.authorize({ action: 'ec2:CreateNatGateway', resource: arn(tx, 'natgateway', '*') });
  const range = ipv4Range(subnet.cidr)!;
  const used = net.natGateways.filter((nat) => nat.subnetId === subnet.id).length;
  const ip = range[0] + 4 + used;
  const nat: NatGatewayRecord = {
    id: ec2Id('nat'),
    vpcId: subnet.vpcId,
    subnetId: subnet.id,
    ...(address === undefined ? { connectivityType: 'private' as const } : { allocationId: address.allocationId }),
    privateIp: [24, 16, 8, 0].map((shift) => Math.floor(ip / 2 ** shift) % 256).join('.'),
    createdAt: tx.now.toISOString(),
    ...(input.ClientToken === undefined ? {} : { clientToken: input.ClientToken }),
    tags,
  };
  net.natGateways.push(nat);
  tx.trail({
    responseElements: { natGatewayId: nat.id },
    resources: [{ ARN: arn(tx, 'natgateway', nat.id), type: 'AWS::EC2::NatGateway' }],
  });
  return {
    NatGateway: { ...natOutput(tx, nat), State: 'pending' as const },
    ...(input.ClientToken === undefined ? {} : { ClientToken: input.ClientToken }),
  };
}

export function describeNatGateways(tx: Tx, input: SDK.DescribeNatGatewaysCommandInput) {
  const visible = networkOf(tx.regionState.ec2).natGateways.filter((nat) => stillVisible(nat, tx.now));
  for (const id of input.NatGatewayIds ?? [])
    if (!visible.some((nat) => nat.id === id)) throw tx.error('NatGatewayNotFound', `NAT gateway ${id} was not found`);
  const selected = applyFilters(
    tx,
    visible.filter((nat) => input.NatGatewayIds === undefined || input.NatGatewayIds.includes(nat.id)),
    input.Filter,
    {
      'nat-gateway-id': (nat) => nat.id,
      state: (nat) => natState(nat, tx.now, tx.knobs.instanceTransitionMs),
      'subnet-id': (nat) => nat.subnetId,
      'vpc-id': (nat) => nat.vpcId,
    },
    (nat) => nat.tags,
  );
  const page = pageOf(tx, selected, input, { ids: input.NatGatewayIds, filters: input.Filter });
  return {
    NatGateways: page.items.map((nat) => natOutput(tx, nat)),
    ...(page.next === undefined ? {} : { NextToken: page.next }),
  };
}

export function deleteNatGateway(tx: Tx, input: SDK.DeleteNatGatewayCommandInput) {
  const nat = networkOf(tx.regionState.ec2).natGateways.find(
    (candidate) => candidate.id === input.NatGatewayId && stillVisible(candidate, tx.now),
  );
  if (nat === undefined) throw tx.error('NatGatewayNotFound', `NAT gateway ${input.NatGatewayId ?? ''} was not found`);
  tx.authorize({ action: 'ec2:DeleteNatGateway', resource: arn(tx, 'natgateway', nat.id) });
  // Deleting a gateway that is already going away answers as the first delete did.
  nat.deletedAt ??= tx.now.toISOString();
  return { NatGatewayId: nat.id };
}
