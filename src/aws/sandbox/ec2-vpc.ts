/**
 * VPCs and subnets: CreateVpc (with its main route table and default security group, and an
 * Amazon-provided IPv6 block on request), DeleteVpc and DeleteSubnet with EC2's dependency errors,
 * the DNS attributes (ModifyVpcAttribute, DescribeVpcAttribute), CreateSubnet with CIDR checks.
 */
import type * as SDK from '@aws-sdk/client-ec2';
import { REGIONS, zoneId } from './catalogue.js';
import { instanceState } from './ec2-instances.js';
import { checkEc2Tags, tagsFor } from './ec2-tags.js';
import type { Tx } from './engine.js';
import { type SubnetRecord, type VpcRecord } from './state.js';
import { networkOf } from './state-new.js';
import { ec2Id, outputTags, sha256Hex } from './util.js';
import { endpointState, natState } from './ec2-transitions.js';

/** An IPv4 CIDR as a [first, last] address range, or undefined when malformed. */
export function ipv4Range(cidr: string): [number, number] | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (match === null) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const bits = Number(match[5]);
  if (octets.some((o) => o > 255) || bits > 32) return undefined;
  const address = octets.reduce((n, o) => n * 256 + o, 0);
  const size = 2 ** (32 - bits);
  const first = address - (address % size);
  return [first, first + size - 1];
}

const overlaps = (a: [number, number], b: [number, number]) => a[0] <= b[1] && b[0] <= a[1];

export function findVpc(tx: Tx, id: string | undefined): VpcRecord {
  const vpc = tx.regionState.ec2.vpcs.find((candidate) => candidate.id === id);
  if (vpc === undefined) throw tx.error('InvalidVpcID.NotFound', `The vpc ID '${id ?? ''}' does not exist`);
  return vpc;
}

export function findSubnet(tx: Tx, id: string | undefined): SubnetRecord {
  const subnet = tx.regionState.ec2.subnets.find((candidate) => candidate.id === id);
  if (subnet === undefined) throw tx.error('InvalidSubnetID.NotFound', `The subnet ID '${id ?? ''}' does not exist`);
  return subnet;
}

/** The SDK shape of a VPC (DescribeVpcs, CreateVpc). */
export function vpcOutput(tx: Tx, vpc: VpcRecord): SDK.Vpc {
  return {
    VpcId: vpc.id,
    CidrBlock: vpc.cidr,
    IsDefault: vpc.isDefault,
    State: 'available',
    OwnerId: tx.state.accountId,
    InstanceTenancy: 'default',
    DhcpOptionsId: `dopt-0${sha256Hex(tx.region).slice(0, 16)}`,
    CidrBlockAssociationSet: [
      {
        AssociationId: `vpc-cidr-assoc-0${sha256Hex(vpc.id).slice(0, 16)}`,
        CidrBlock: vpc.cidr,
        CidrBlockState: { State: 'associated' },
      },
    ],
    ...(vpc.ipv6Cidr === undefined
      ? {}
      : {
          Ipv6CidrBlockAssociationSet: [
            {
              AssociationId: `vpc-cidr-assoc-0${sha256Hex(`${vpc.id}:v6`).slice(0, 16)}`,
              Ipv6CidrBlock: vpc.ipv6Cidr,
              Ipv6CidrBlockState: { State: 'associated' },
              NetworkBorderGroup: tx.region,
              Ipv6Pool: 'Amazon',
            },
          ],
        }),
    ...(outputTags(vpc.tags) === undefined ? {} : { Tags: outputTags(vpc.tags) }),
  };
}

export function createVpc(tx: Tx, input: SDK.CreateVpcCommandInput) {
  const ec2 = tx.regionState.ec2;
  const cidr = input.CidrBlock;
  if (cidr === undefined) throw tx.error('MissingParameter', 'Either CidrBlock or Ipv4IpamPoolId must be specified');
  const range = ipv4Range(cidr);
  if (range === undefined)
    throw tx.error(
      'InvalidParameterValue',
      `Value (${cidr}) for parameter cidrBlock is invalid. This is not a valid CIDR block.`,
    );
  const bits = Number(cidr.split('/')[1]);
  if (bits < 16 || bits > 28) throw tx.error('InvalidVpc.Range', `The CIDR '${cidr}' is invalid.`);
  const tags = tagsFor(input.TagSpecifications, 'vpc');
  checkEc2Tags(tx, tags);
  tx.authorize({ action: 'ec2:CreateVpc', resource: `arn:aws:ec2:${tx.region}:${tx.state.accountId}:vpc/*` });
  const id = ec2Id('vpc');
  // Amazon's pool hands out a /56 per VPC (made-up but well-formed prefixes).
  const vpc: VpcRecord = {
    id,
    cidr,
    isDefault: false,
    dnsSupport: true,
    dnsHostnames: false,
    tags,
    ...(input.AmazonProvidedIpv6CidrBlock === true
      ? { ipv6Cidr: `2600:1f18:${sha256Hex(id).slice(0, 4)}:${sha256Hex(id).slice(4, 6)}00::/56` }
      : {}),
  };
  ec2.vpcs.push(vpc);
  // Every VPC comes with a main route table (its local route only) and a default security group.
  ec2.routeTables.push({
    id: ec2Id('rtb'),
    vpcId: id,
    main: true,
    subnetIds: [],
    routes: [{ destination: cidr, gatewayId: 'local' }],
    tags: [],
  });
  const defaultGroup = ec2Id('sg');
  ec2.securityGroups.push({
    id: defaultGroup,
    name: 'default',
    description: 'default VPC security group',
    vpcId: id,
    ingress: [{ ruleId: ec2Id('sgr'), protocol: '-1', referencedGroupId: defaultGroup }],
    egress: [
      { ruleId: ec2Id('sgr'), protocol: '-1', cidrIpv4: '0.0.0.0/0' },
      ...(vpc.ipv6Cidr === undefined ? [] : [{ ruleId: ec2Id('sgr'), protocol: '-1', cidrIpv6: '::/0' }]),
    ],
    tags: [],
  });
  tx.trail({
    responseElements: { vpc: { vpcId: id } },
    resources: [{ ARN: `arn:aws:ec2:${tx.region}:${tx.state.accountId}:vpc/${id}`, type: 'AWS::EC2::VPC' }],
  });
  return { Vpc: { ...vpcOutput(tx, vpc), State: 'pending' as const } };
}

/** Whatever still lives in a VPC: DeleteVpc refuses while any of it exists, as EC2 does. */
function vpcDependencies(tx: Tx, vpcId: string): string[] {
  const ec2 = tx.regionState.ec2;
  const net = networkOf(ec2);
  const transition = tx.knobs.instanceTransitionMs;
  return [
    ...ec2.subnets.filter((s) => s.vpcId === vpcId).map((s) => s.id),
    ...net.internetGateways.filter((g) => g.vpcId === vpcId).map((g) => g.id),
    ...ec2.routeTables.filter((t) => t.vpcId === vpcId && !t.main).map((t) => t.id),
    ...ec2.securityGroups.filter((g) => g.vpcId === vpcId && g.name !== 'default').map((g) => g.id),
    ...net.natGateways
      .filter((n) => n.vpcId === vpcId && natState(n, tx.now, transition) !== 'deleted')
      .map((n) => n.id),
    ...net.vpcEndpoints
      .filter((e) => e.vpcId === vpcId && endpointState(e, tx.now, transition) !== 'deleted')
      .map((e) => e.id),
  ];
}

export function deleteVpc(tx: Tx, input: SDK.DeleteVpcCommandInput) {
  const ec2 = tx.regionState.ec2;
  const vpc = findVpc(tx, input.VpcId);
  tx.authorize({ action: 'ec2:DeleteVpc', resource: `arn:aws:ec2:${tx.region}:${tx.state.accountId}:vpc/${vpc.id}` });
  if (vpcDependencies(tx, vpc.id).length > 0)
    throw tx.error('DependencyViolation', `The vpc '${vpc.id}' has dependencies and cannot be deleted.`);
  // The main route table and the default security group go with the VPC.
  ec2.vpcs = ec2.vpcs.filter((candidate) => candidate !== vpc);
  ec2.routeTables = ec2.routeTables.filter((table) => table.vpcId !== vpc.id);
  ec2.securityGroups = ec2.securityGroups.filter((group) => group.vpcId !== vpc.id);
  return {};
}

const VPC_ATTRIBUTES = { enableDnsSupport: 'dnsSupport', enableDnsHostnames: 'dnsHostnames' } as const;

export function modifyVpcAttribute(tx: Tx, input: SDK.ModifyVpcAttributeCommandInput) {
  const vpc = findVpc(tx, input.VpcId);
  const given = [input.EnableDnsSupport, input.EnableDnsHostnames, input.EnableNetworkAddressUsageMetrics].filter(
    (value) => value !== undefined,
  );
  if (given.length !== 1)
    throw tx.error('InvalidParameterCombination', 'Exactly one attribute must be specified per request.');
  tx.authorize({
    action: 'ec2:ModifyVpcAttribute',
    resource: `arn:aws:ec2:${tx.region}:${tx.state.accountId}:vpc/${vpc.id}`,
  });
  const support = input.EnableDnsSupport?.Value ?? vpc.dnsSupport ?? true;
  const hostnames = input.EnableDnsHostnames?.Value ?? vpc.dnsHostnames ?? vpc.isDefault;
  if (hostnames && !support)
    throw tx.error('InvalidParameterValue', 'enableDnsHostnames requires enableDnsSupport to be true.');
  vpc.dnsSupport = support;
  vpc.dnsHostnames = hostnames;
  return {};
}

export function describeVpcAttribute(tx: Tx, input: SDK.DescribeVpcAttributeCommandInput) {
  const vpc = findVpc(tx, input.VpcId);
  const attribute = input.Attribute as keyof typeof VPC_ATTRIBUTES | undefined;
  if (attribute === undefined || !(attribute in VPC_ATTRIBUTES))
    throw tx.error('InvalidParameterValue', `Value (${String(input.Attribute)}) for parameter attribute is invalid.`);
  const value = attribute === 'enableDnsSupport' ? (vpc.dnsSupport ?? true) : (vpc.dnsHostnames ?? vpc.isDefault);
  return {
    VpcId: vpc.id,
    ...(attribute === 'enableDnsSupport'
      ? { EnableDnsSupport: { Value: value } }
      : { EnableDnsHostnames: { Value: value } }),
  };
}

export function subnetOutput(tx: Tx, subnet: SubnetRecord): SDK.Subnet {
  const region = REGIONS.get(tx.region)!;
  const range = ipv4Range(subnet.cidr);
  const size = range === undefined ? 0 : range[1] - range[0] + 1;
  const used = tx.regionState.ec2.instances.filter(
    (instance) => instance.subnetId === subnet.id && instance.terminatedAt === undefined,
  ).length;
  return {
    SubnetId: subnet.id,
    SubnetArn: `arn:aws:ec2:${tx.region}:${tx.state.accountId}:subnet/${subnet.id}`,
    VpcId: subnet.vpcId,
    AvailabilityZone: subnet.zone,
    AvailabilityZoneId: zoneId(region, subnet.zone),
    CidrBlock: subnet.cidr,
    // AWS reserves five addresses of every subnet.
    AvailableIpAddressCount: Math.max(0, size - 5 - used),
    DefaultForAz: subnet.defaultForAz,
    MapPublicIpOnLaunch: subnet.mapPublicIpOnLaunch,
    State: 'available',
    OwnerId: tx.state.accountId,
    AssignIpv6AddressOnCreation: false,
    Ipv6CidrBlockAssociationSet: [],
    ...(outputTags(subnet.tags) === undefined ? {} : { Tags: outputTags(subnet.tags) }),
  };
}

export function createSubnet(tx: Tx, input: SDK.CreateSubnetCommandInput) {
  const ec2 = tx.regionState.ec2;
  const vpc = findVpc(tx, input.VpcId);
  const region = REGIONS.get(tx.region)!;
  const zone =
    input.AvailabilityZone ??
    region.zones.find((z) => zoneId(region, z) === input.AvailabilityZoneId) ??
    region.zones[0]!;
  if (!region.zones.includes(zone))
    throw tx.error(
      'InvalidParameterValue',
      `Value (${zone}) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: ${region.zones.join(', ')}.`,
    );
  const cidr = input.CidrBlock ?? '';
  const range = ipv4Range(cidr);
  const vpcRange = ipv4Range(vpc.cidr)!;
  if (range === undefined)
    throw tx.error(
      'InvalidParameterValue',
      `Value (${cidr}) for parameter cidrBlock is invalid. This is not a valid CIDR block.`,
    );
  const bits = Number(cidr.split('/')[1]);
  if (range[0] < vpcRange[0] || range[1] > vpcRange[1] || bits < 16 || bits > 28)
    throw tx.error('InvalidSubnet.Range', `The CIDR '${cidr}' is invalid.`);
  if (ec2.subnets.some((s) => s.vpcId === vpc.id && overlaps(ipv4Range(s.cidr)!, range)))
    throw tx.error('InvalidSubnet.Conflict', `The CIDR '${cidr}' conflicts with another subnet`);
  const tags = tagsFor(input.TagSpecifications, 'subnet');
  checkEc2Tags(tx, tags);
  tx.authorize({ action: 'ec2:CreateSubnet', resource: `arn:aws:ec2:${tx.region}:${tx.state.accountId}:subnet/*` });
  const subnet: SubnetRecord = {
    id: ec2Id('subnet'),
    vpcId: vpc.id,
    zone,
    cidr,
    defaultForAz: false,
    mapPublicIpOnLaunch: false,
    tags,
  };
  ec2.subnets.push(subnet);
  tx.trail({
    responseElements: { subnet: { subnetId: subnet.id } },
    resources: [
      { ARN: `arn:aws:ec2:${tx.region}:${tx.state.accountId}:subnet/${subnet.id}`, type: 'AWS::EC2::Subnet' },
    ],
  });
  return { Subnet: subnetOutput(tx, subnet) };
}

export function deleteSubnet(tx: Tx, input: SDK.DeleteSubnetCommandInput) {
  const ec2 = tx.regionState.ec2;
  const subnet = findSubnet(tx, input.SubnetId);
  const net = networkOf(ec2);
  const transition = tx.knobs.instanceTransitionMs;
  tx.authorize({
    action: 'ec2:DeleteSubnet',
    resource: `arn:aws:ec2:${tx.region}:${tx.state.accountId}:subnet/${subnet.id}`,
  });
  // Network interfaces in the subnet: instances not yet terminated, NAT gateways and interface
  // endpoints not yet deleted (their interfaces linger while they are being deleted).
  const busy =
    ec2.instances.some((i) => i.subnetId === subnet.id && instanceState(i, tx.now, transition) !== 'terminated') ||
    net.natGateways.some((n) => n.subnetId === subnet.id && natState(n, tx.now, transition) !== 'deleted') ||
    net.vpcEndpoints.some((e) => e.subnetIds.includes(subnet.id) && endpointState(e, tx.now, transition) !== 'deleted');
  if (busy) throw tx.error('DependencyViolation', `The subnet '${subnet.id}' has dependencies and cannot be deleted.`);
  ec2.subnets = ec2.subnets.filter((candidate) => candidate !== subnet);
  for (const table of ec2.routeTables) table.subnetIds = table.subnetIds.filter((id) => id !== subnet.id);
  return {};
}
