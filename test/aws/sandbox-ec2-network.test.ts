// The sandbox's VPC building blocks: VPCs (with IPv6), subnets, internet gateways, Elastic IPs,
// NAT gateways, route tables and VPC endpoints, each with the errors EC2 returns when they are made
// or removed in the wrong order, so that provision's network and destroy's teardown order are
// tested against them.
import { describe, expect, it } from 'vitest';
import type { SandboxPorts } from '../../src/aws/sandbox/index.js';
import { caught, FakeClock, sandbox } from './helpers.js';

const REGION = 'eu-west-1';
const tagged = (type: string, name: string) => [{ ResourceType: type as never, Tags: [{ Key: 'Name', Value: name }] }];

/** A VPC with a public subnet (internet gateway) and a private one, the NAT gateway not yet made. */
async function network(ports: SandboxPorts, ipv6 = false) {
  const vpc = (
    await ports.ec2.createVpc({
      CidrBlock: '10.0.0.0/16',
      AmazonProvidedIpv6CidrBlock: ipv6,
      TagSpecifications: tagged('vpc', 'test'),
    })
  ).Vpc!;
  const publicSubnet = (
    await ports.ec2.createSubnet({ VpcId: vpc.VpcId!, CidrBlock: '10.0.0.0/24', AvailabilityZone: `${REGION}a` })
  ).Subnet!;
  const privateSubnet = (
    await ports.ec2.createSubnet({ VpcId: vpc.VpcId!, CidrBlock: '10.0.1.0/24', AvailabilityZone: `${REGION}a` })
  ).Subnet!;
  const igw = (await ports.ec2.createInternetGateway({})).InternetGateway!;
  const eip = await ports.ec2.allocateAddress({ Domain: 'vpc' });
  return {
    vpcId: vpc.VpcId!,
    publicSubnetId: publicSubnet.SubnetId!,
    privateSubnetId: privateSubnet.SubnetId!,
    igwId: igw.InternetGatewayId!,
    allocationId: eip.AllocationId!,
  };
}

describe('sandbox VPCs and subnets', () => {
  it('creates a VPC with its main route table and default group, and reports its IPv6 block when asked for one', async () => {
    const ports = await sandbox({ region: REGION });
    const plain = (await ports.ec2.createVpc({ CidrBlock: '10.1.0.0/16' })).Vpc!;
    const dual = (await ports.ec2.createVpc({ CidrBlock: '10.2.0.0/16', AmazonProvidedIpv6CidrBlock: true })).Vpc!;
    const described = (await ports.ec2.describeVpcs({ VpcIds: [plain.VpcId!, dual.VpcId!] })).Vpcs!;
    expect(described.find((v) => v.VpcId === plain.VpcId)?.Ipv6CidrBlockAssociationSet).toBeUndefined();
    expect(described.find((v) => v.VpcId === dual.VpcId)?.Ipv6CidrBlockAssociationSet?.[0]?.Ipv6CidrBlock).toMatch(
      /^2600:1f18:[0-9a-f]{4}:[0-9a-f]{2}00::\/56$/,
    );
    const main = await ports.ec2.describeRouteTables({
      Filters: [
        { Name: 'vpc-id', Values: [plain.VpcId!] },
        { Name: 'association.main', Values: ['true'] },
      ],
    });
    expect(main.RouteTables?.[0]?.Routes).toEqual([
      expect.objectContaining({ DestinationCidrBlock: '10.1.0.0/16', GatewayId: 'local' }),
    ]);
    // New VPCs resolve names but give no DNS hostnames until asked, as in EC2.
    expect(
      (await ports.ec2.describeVpcAttribute({ VpcId: plain.VpcId!, Attribute: 'enableDnsHostnames' }))
        .EnableDnsHostnames?.Value,
    ).toBe(false);
    expect(
      (await ports.ec2.describeVpcAttribute({ VpcId: plain.VpcId!, Attribute: 'enableDnsSupport' })).EnableDnsSupport
        ?.Value,
    ).toBe(true);
    await ports.ec2.modifyVpcAttribute({ VpcId: plain.VpcId!, EnableDnsHostnames: { Value: true } });
    expect(
      (await ports.ec2.describeVpcAttribute({ VpcId: plain.VpcId!, Attribute: 'enableDnsHostnames' }))
        .EnableDnsHostnames?.Value,
    ).toBe(true);
    expect(await caught(ports.ec2.createVpc({ CidrBlock: '10.0.0.0/8' }))).toMatchObject({ name: 'InvalidVpc.Range' });
  });

  it('gives a new security group IPv6 all-traffic egress only in a VPC with an IPv6 block', async () => {
    const ports = await sandbox({ region: REGION });
    const plain = (await ports.ec2.createVpc({ CidrBlock: '10.1.0.0/16' })).Vpc!.VpcId!;
    const dual = (await ports.ec2.createVpc({ CidrBlock: '10.2.0.0/16', AmazonProvidedIpv6CidrBlock: true })).Vpc!
      .VpcId!;
    const egress = async (vpcId: string) => {
      const { GroupId } = await ports.ec2.createSecurityGroup({ GroupName: 'g', Description: 'd', VpcId: vpcId });
      return (await ports.ec2.describeSecurityGroups({ GroupIds: [GroupId!] })).SecurityGroups![0]!.IpPermissionsEgress;
    };
    expect(await egress(plain)).toEqual([
      expect.objectContaining({ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [] }),
    ]);
    expect(await egress(dual)).toEqual([
      expect.objectContaining({
        IpProtocol: '-1',
        IpRanges: [{ CidrIp: '0.0.0.0/0' }],
        Ipv6Ranges: [{ CidrIpv6: '::/0' }],
      }),
    ]);
  });

  it('checks subnet ranges against the VPC and its other subnets', async () => {
    const ports = await sandbox({ region: REGION });
    const vpcId = (await ports.ec2.createVpc({ CidrBlock: '10.0.0.0/16' })).Vpc!.VpcId!;
    const subnet = (
      await ports.ec2.createSubnet({ VpcId: vpcId, CidrBlock: '10.0.0.0/24', AvailabilityZone: `${REGION}b` })
    ).Subnet!;
    expect(subnet).toMatchObject({
      VpcId: vpcId,
      AvailabilityZone: `${REGION}b`,
      AvailableIpAddressCount: 251,
      MapPublicIpOnLaunch: false,
      DefaultForAz: false,
    });
    expect(await caught(ports.ec2.createSubnet({ VpcId: vpcId, CidrBlock: '10.0.0.128/25' }))).toMatchObject({
      name: 'InvalidSubnet.Conflict',
    });
    expect(await caught(ports.ec2.createSubnet({ VpcId: vpcId, CidrBlock: '10.9.0.0/24' }))).toMatchObject({
      name: 'InvalidSubnet.Range',
    });
    expect(
      await caught(ports.ec2.createSubnet({ VpcId: vpcId, CidrBlock: '10.0.1.0/24', AvailabilityZone: 'us-east-1a' })),
    ).toMatchObject({ name: 'InvalidParameterValue' });
  });
});

describe('sandbox NAT gateways and routes', () => {
  it('needs the internet gateway attached, goes pending → available, and is idempotent by ClientToken', async () => {
    const clock = new FakeClock();
    const ports = await sandbox({ region: REGION, now: clock.now, knobs: { instanceTransitionMs: 60_000 } });
    const n = await network(ports);
    const create = () =>
      ports.ec2.createNatGateway({ SubnetId: n.publicSubnetId, AllocationId: n.allocationId, ClientToken: 'token-1' });
    expect(await caught(create())).toMatchObject({ name: 'Gateway.NotAttached' });
    await ports.ec2.attachInternetGateway({ InternetGatewayId: n.igwId, VpcId: n.vpcId });
    expect(await caught(ports.ec2.attachInternetGateway({ InternetGatewayId: n.igwId, VpcId: n.vpcId }))).toMatchObject(
      { name: 'Resource.AlreadyAssociated' },
    );
    const nat = (await create()).NatGateway!;
    expect(nat.State).toBe('pending');
    expect((await create()).NatGateway?.NatGatewayId).toBe(nat.NatGatewayId);
    expect(
      await caught(
        ports.ec2.createNatGateway({
          SubnetId: n.privateSubnetId,
          AllocationId: n.allocationId,
          ClientToken: 'token-1',
        }),
      ),
    ).toMatchObject({ name: 'IdempotentParameterMismatch' });
    expect(
      await caught(ports.ec2.createNatGateway({ SubnetId: n.publicSubnetId, AllocationId: n.allocationId })),
    ).toMatchObject({ name: 'Resource.AlreadyAssociated' });
    clock.advance(60_000);
    const described = await ports.ec2.describeNatGateways({ Filter: [{ Name: 'vpc-id', Values: [n.vpcId] }] });
    expect(
      described.NatGateways?.map((g) => [g.NatGatewayId, g.State, g.NatGatewayAddresses?.[0]?.AllocationId]),
    ).toEqual([[nat.NatGatewayId, 'available', n.allocationId]]);
    expect(
      (await ports.ec2.describeAddresses({ AllocationIds: [n.allocationId] })).Addresses?.[0]?.AssociationId,
    ).toMatch(/^eipassoc-/);
    expect(await caught(ports.ec2.describeNatGateways({ NatGatewayIds: ['nat-0123456789abcdef0'] }))).toMatchObject({
      name: 'NatGatewayNotFound',
    });
  });

  it('routes a private subnet through the NAT gateway and reports a blackhole once it is deleted', async () => {
    const ports = await sandbox({ region: REGION });
    const n = await network(ports);
    await ports.ec2.attachInternetGateway({ InternetGatewayId: n.igwId, VpcId: n.vpcId });
    const natId = (await ports.ec2.createNatGateway({ SubnetId: n.publicSubnetId, AllocationId: n.allocationId }))
      .NatGateway!.NatGatewayId!;
    const table = (await ports.ec2.createRouteTable({ VpcId: n.vpcId, ClientToken: 'rt-1' })).RouteTable!;
    expect((await ports.ec2.createRouteTable({ VpcId: n.vpcId, ClientToken: 'rt-1' })).RouteTable?.RouteTableId).toBe(
      table.RouteTableId,
    );
    const { AssociationId } = await ports.ec2.associateRouteTable({
      RouteTableId: table.RouteTableId!,
      SubnetId: n.privateSubnetId,
    });
    expect(
      await caught(ports.ec2.associateRouteTable({ RouteTableId: table.RouteTableId!, SubnetId: n.privateSubnetId })),
    ).toMatchObject({ name: 'Resource.AlreadyAssociated' });
    await ports.ec2.createRoute({
      RouteTableId: table.RouteTableId!,
      DestinationCidrBlock: '0.0.0.0/0',
      NatGatewayId: natId,
    });
    expect(
      await caught(
        ports.ec2.createRoute({
          RouteTableId: table.RouteTableId!,
          DestinationCidrBlock: '0.0.0.0/0',
          GatewayId: n.igwId,
        }),
      ),
    ).toMatchObject({ name: 'RouteAlreadyExists' });
    const routes = async () =>
      (
        await ports.ec2.describeRouteTables({
          Filters: [{ Name: 'association.subnet-id', Values: [n.privateSubnetId] }],
        })
      ).RouteTables![0]!.Routes!;
    expect((await routes()).find((r) => r.DestinationCidrBlock === '0.0.0.0/0')).toMatchObject({
      NatGatewayId: natId,
      State: 'active',
    });
    await ports.ec2.deleteNatGateway({ NatGatewayId: natId });
    expect((await routes()).find((r) => r.DestinationCidrBlock === '0.0.0.0/0')).toMatchObject({
      NatGatewayId: natId,
      State: 'blackhole',
    });
    // A deleted gateway cannot be routed to; ReplaceRoute points the route at another target.
    expect(
      await caught(
        ports.ec2.createRoute({
          RouteTableId: table.RouteTableId!,
          DestinationCidrBlock: '10.99.0.0/16',
          NatGatewayId: natId,
        }),
      ),
    ).toMatchObject({ name: 'InvalidNatGatewayID.NotFound' });
    await ports.ec2.replaceRoute({
      RouteTableId: table.RouteTableId!,
      DestinationCidrBlock: '0.0.0.0/0',
      GatewayId: n.igwId,
    });
    expect((await routes()).find((r) => r.DestinationCidrBlock === '0.0.0.0/0')).toMatchObject({
      GatewayId: n.igwId,
      State: 'active',
    });
    await ports.ec2.disassociateRouteTable({ AssociationId: AssociationId! });
    await ports.ec2.deleteRouteTable({ RouteTableId: table.RouteTableId! });
    expect(await caught(ports.ec2.describeRouteTables({ RouteTableIds: [table.RouteTableId!] }))).toMatchObject({
      name: 'InvalidRouteTableID.NotFound',
    });
  });
});

describe('sandbox private NAT gateways', () => {
  it('makes one without an Elastic IP or an internet gateway, reports ConnectivityType private, and routes to it', async () => {
    const ports = await sandbox({ region: REGION });
    const n = await network(ports);
    // No internet gateway attached yet: a private NAT gateway needs none, and takes no address.
    expect(
      await caught(
        ports.ec2.createNatGateway({
          SubnetId: n.privateSubnetId,
          ConnectivityType: 'private',
          AllocationId: n.allocationId,
        }),
      ),
    ).toMatchObject({ name: 'InvalidParameterCombination' });
    expect(
      await caught(ports.ec2.createNatGateway({ SubnetId: n.privateSubnetId, ConnectivityType: 'sideways' as never })),
    ).toMatchObject({ name: 'InvalidParameterValue' });
    const made = (
      await ports.ec2.createNatGateway({ SubnetId: n.privateSubnetId, ConnectivityType: 'private', ClientToken: 'p-1' })
    ).NatGateway!;
    expect(made).toMatchObject({ ConnectivityType: 'private', State: 'pending', SubnetId: n.privateSubnetId });
    // The same token for a public one is another request.
    await ports.ec2.attachInternetGateway({ InternetGatewayId: n.igwId, VpcId: n.vpcId });
    expect(
      await caught(
        ports.ec2.createNatGateway({ SubnetId: n.privateSubnetId, AllocationId: n.allocationId, ClientToken: 'p-1' }),
      ),
    ).toMatchObject({ name: 'IdempotentParameterMismatch' });
    const listed = (await ports.ec2.describeNatGateways({ NatGatewayIds: [made.NatGatewayId!] })).NatGateways![0]!;
    expect(listed.ConnectivityType).toBe('private');
    expect(listed.NatGatewayAddresses).toEqual([
      expect.objectContaining({ PrivateIp: '10.0.1.4', IsPrimary: true }) as unknown,
    ]);
    expect(listed.NatGatewayAddresses![0]).not.toHaveProperty('AllocationId');
    expect(listed.NatGatewayAddresses![0]).not.toHaveProperty('PublicIp');
    // The public one beside it still reports its address.
    const publicNat = (await ports.ec2.createNatGateway({ SubnetId: n.publicSubnetId, AllocationId: n.allocationId }))
      .NatGateway!;
    expect(publicNat.ConnectivityType).toBe('public');
    const table = (await ports.ec2.createRouteTable({ VpcId: n.vpcId })).RouteTable!.RouteTableId!;
    await ports.ec2.createRoute({
      RouteTableId: table,
      DestinationCidrBlock: '0.0.0.0/0',
      NatGatewayId: made.NatGatewayId!,
    });
    const route = (await ports.ec2.describeRouteTables({ RouteTableIds: [table] })).RouteTables![0]!.Routes!.find(
      (r) => r.DestinationCidrBlock === '0.0.0.0/0',
    );
    expect(route).toMatchObject({ NatGatewayId: made.NatGatewayId, State: 'active' });
  });

  it('maps no public address: the internet gateway detaches while only a private NAT gateway remains', async () => {
    const ports = await sandbox({ region: REGION });
    const n = await network(ports);
    await ports.ec2.attachInternetGateway({ InternetGatewayId: n.igwId, VpcId: n.vpcId });
    const publicNat = (await ports.ec2.createNatGateway({ SubnetId: n.publicSubnetId, AllocationId: n.allocationId }))
      .NatGateway!.NatGatewayId!;
    await ports.ec2.createNatGateway({ SubnetId: n.privateSubnetId, ConnectivityType: 'private' });
    expect(await caught(ports.ec2.detachInternetGateway({ InternetGatewayId: n.igwId, VpcId: n.vpcId }))).toMatchObject(
      { name: 'DependencyViolation' },
    );
    await ports.ec2.deleteNatGateway({ NatGatewayId: publicNat });
    await ports.ec2.detachInternetGateway({ InternetGatewayId: n.igwId, VpcId: n.vpcId });
  });
});

describe('sandbox VPC endpoints', () => {
  it('adds the S3 prefix-list route for a gateway endpoint and needs DNS hostnames for private DNS', async () => {
    const ports = await sandbox({ region: REGION });
    const n = await network(ports);
    const table = (await ports.ec2.createRouteTable({ VpcId: n.vpcId })).RouteTable!.RouteTableId!;
    const s3 = (
      await ports.ec2.createVpcEndpoint({
        VpcId: n.vpcId,
        VpcEndpointType: 'Gateway',
        ServiceName: `com.amazonaws.${REGION}.s3`,
        RouteTableIds: [table],
      })
    ).VpcEndpoint!;
    expect(s3.State).toBe('available');
    const routes = (await ports.ec2.describeRouteTables({ RouteTableIds: [table] })).RouteTables![0]!.Routes!;
    expect(routes.find((r) => r.GatewayId === s3.VpcEndpointId)).toMatchObject({
      DestinationPrefixListId: expect.stringMatching(/^pl-[0-9a-f]{8}$/) as unknown,
    });
    expect(
      await caught(
        ports.ec2.createVpcEndpoint({
          VpcId: n.vpcId,
          VpcEndpointType: 'Gateway',
          ServiceName: `com.amazonaws.${REGION}.s3`,
          RouteTableIds: [table],
        }),
      ),
    ).toMatchObject({ name: 'RouteAlreadyExists' });

    const { GroupId } = await ports.ec2.createSecurityGroup({
      GroupName: 'endpoints',
      Description: 'endpoints',
      VpcId: n.vpcId,
    });
    const kms = {
      VpcId: n.vpcId,
      VpcEndpointType: 'Interface' as const,
      ServiceName: `com.amazonaws.${REGION}.kms`,
      SubnetIds: [n.privateSubnetId],
      SecurityGroupIds: [GroupId!],
      PrivateDnsEnabled: true,
    };
    expect(await caught(ports.ec2.createVpcEndpoint(kms))).toMatchObject({
      name: 'InvalidParameter',
      message: expect.stringContaining('enableDnsHostnames') as unknown,
    });
    await ports.ec2.modifyVpcAttribute({ VpcId: n.vpcId, EnableDnsHostnames: { Value: true } });
    const endpoint = (await ports.ec2.createVpcEndpoint(kms)).VpcEndpoint!;
    expect(endpoint).toMatchObject({
      VpcEndpointType: 'Interface',
      PrivateDnsEnabled: true,
      SubnetIds: [n.privateSubnetId],
      Groups: [{ GroupId }],
    });
    expect(await caught(ports.ec2.createVpcEndpoint(kms))).toMatchObject({
      name: 'InvalidParameter',
      message: expect.stringContaining('conflicting DNS domain') as unknown,
    });
    expect(
      await caught(ports.ec2.createVpcEndpoint({ ...kms, ServiceName: `com.amazonaws.${REGION}.nope` })),
    ).toMatchObject({ name: 'InvalidServiceName' });

    // Unknown ids are reported, not thrown; the gateway endpoint's route goes with it.
    const deleted = await ports.ec2.deleteVpcEndpoints({
      VpcEndpointIds: [s3.VpcEndpointId!, 'vpce-0123456789abcdef0'],
    });
    expect(deleted.Unsuccessful?.map((u) => [u.ResourceId, u.Error?.Code])).toEqual([
      ['vpce-0123456789abcdef0', 'InvalidVpcEndpoint.NotFound'],
    ]);
    expect(
      (await ports.ec2.describeRouteTables({ RouteTableIds: [table] })).RouteTables![0]!.Routes!.some(
        (r) => r.DestinationPrefixListId !== undefined,
      ),
    ).toBe(false);
    const listed = await ports.ec2.describeVpcEndpoints({ Filters: [{ Name: 'vpc-id', Values: [n.vpcId] }] });
    expect(listed.VpcEndpoints?.map((e) => [e.ServiceName, e.State]).sort()).toEqual([
      [`com.amazonaws.${REGION}.kms`, 'available'],
      [`com.amazonaws.${REGION}.s3`, 'deleted'],
    ]);
  });
});

describe('sandbox teardown order', () => {
  it('refuses each delete while something depends on it, and accepts the reverse order of creation', async () => {
    const clock = new FakeClock();
    const ports = await sandbox({ region: REGION, now: clock.now, knobs: { instanceTransitionMs: 30_000 } });
    const n = await network(ports);
    await ports.ec2.attachInternetGateway({ InternetGatewayId: n.igwId, VpcId: n.vpcId });
    const natId = (await ports.ec2.createNatGateway({ SubnetId: n.publicSubnetId, AllocationId: n.allocationId }))
      .NatGateway!.NatGatewayId!;
    await ports.ec2.modifyVpcAttribute({ VpcId: n.vpcId, EnableDnsHostnames: { Value: true } });
    const { GroupId } = await ports.ec2.createSecurityGroup({
      GroupName: 'endpoints',
      Description: 'endpoints',
      VpcId: n.vpcId,
    });
    const endpointId = (
      await ports.ec2.createVpcEndpoint({
        VpcId: n.vpcId,
        VpcEndpointType: 'Interface',
        ServiceName: `com.amazonaws.${REGION}.ssm`,
        SubnetIds: [n.privateSubnetId],
        SecurityGroupIds: [GroupId!],
      })
    ).VpcEndpoint!.VpcEndpointId!;
    const table = (await ports.ec2.createRouteTable({ VpcId: n.vpcId })).RouteTable!.RouteTableId!;
    const { AssociationId } = await ports.ec2.associateRouteTable({ RouteTableId: table, SubnetId: n.privateSubnetId });

    const dependency = { name: 'DependencyViolation', $metadata: { httpStatusCode: 400 } };
    expect(await caught(ports.ec2.deleteVpc({ VpcId: n.vpcId }))).toMatchObject(dependency);
    expect(await caught(ports.ec2.deleteSubnet({ SubnetId: n.publicSubnetId }))).toMatchObject(dependency);
    expect(await caught(ports.ec2.deleteSubnet({ SubnetId: n.privateSubnetId }))).toMatchObject(dependency);
    expect(await caught(ports.ec2.detachInternetGateway({ InternetGatewayId: n.igwId, VpcId: n.vpcId }))).toMatchObject(
      dependency,
    );
    expect(await caught(ports.ec2.deleteInternetGateway({ InternetGatewayId: n.igwId }))).toMatchObject(dependency);
    expect(await caught(ports.ec2.releaseAddress({ AllocationId: n.allocationId }))).toMatchObject({
      name: 'InvalidIPAddress.InUse',
    });
    expect(await caught(ports.ec2.deleteSecurityGroup({ GroupId: GroupId! }))).toMatchObject(dependency);
    expect(await caught(ports.ec2.deleteRouteTable({ RouteTableId: table }))).toMatchObject(dependency);

    // While they are being deleted, the NAT gateway and the endpoint still hold their subnets.
    await ports.ec2.deleteNatGateway({ NatGatewayId: natId });
    await ports.ec2.deleteVpcEndpoints({ VpcEndpointIds: [endpointId] });
    expect((await ports.ec2.describeNatGateways({ NatGatewayIds: [natId] })).NatGateways?.[0]?.State).toBe('deleting');
    expect(await caught(ports.ec2.deleteSubnet({ SubnetId: n.publicSubnetId }))).toMatchObject(dependency);
    expect(await caught(ports.ec2.releaseAddress({ AllocationId: n.allocationId }))).toMatchObject({
      name: 'InvalidIPAddress.InUse',
    });
    clock.advance(30_000);
    await ports.ec2.releaseAddress({ AllocationId: n.allocationId });
    await ports.ec2.detachInternetGateway({ InternetGatewayId: n.igwId, VpcId: n.vpcId });
    await ports.ec2.deleteInternetGateway({ InternetGatewayId: n.igwId });
    await ports.ec2.deleteSecurityGroup({ GroupId: GroupId! });
    await ports.ec2.disassociateRouteTable({ AssociationId: AssociationId! });
    await ports.ec2.deleteRouteTable({ RouteTableId: table });
    await ports.ec2.deleteSubnet({ SubnetId: n.publicSubnetId });
    await ports.ec2.deleteSubnet({ SubnetId: n.privateSubnetId });
    await ports.ec2.deleteVpc({ VpcId: n.vpcId });
    expect(await caught(ports.ec2.describeVpcs({ VpcIds: [n.vpcId] }))).toMatchObject({
      name: 'InvalidVpcID.NotFound',
    });
    // Its main route table and default group went with it.
    expect(
      (await ports.ec2.describeRouteTables({ Filters: [{ Name: 'vpc-id', Values: [n.vpcId] }] })).RouteTables,
    ).toEqual([]);
    expect(
      (await ports.ec2.describeSecurityGroups({ Filters: [{ Name: 'vpc-id', Values: [n.vpcId] }] })).SecurityGroups,
    ).toEqual([]);
    expect(await caught(ports.ec2.releaseAddress({ AllocationId: n.allocationId }))).toMatchObject({
      name: 'InvalidAllocationID.NotFound',
    });
  });

  it('tags every network resource and finds it by tag', async () => {
    const ports = await sandbox({ region: REGION });
    const n = await network(ports);
    await ports.ec2.createTags({
      Resources: [n.igwId, n.allocationId, n.publicSubnetId],
      Tags: [{ Key: 'cosigner-cli:name', Value: 'demo' }],
    });
    const filter = [{ Name: 'tag:cosigner-cli:name', Values: ['demo'] }];
    expect(
      (await ports.ec2.describeInternetGateways({ Filters: filter })).InternetGateways?.map((g) => g.InternetGatewayId),
    ).toEqual([n.igwId]);
    expect((await ports.ec2.describeAddresses({ Filters: filter })).Addresses?.map((a) => a.AllocationId)).toEqual([
      n.allocationId,
    ]);
    expect((await ports.ec2.describeSubnets({ Filters: filter })).Subnets?.map((s) => s.SubnetId)).toEqual([
      n.publicSubnetId,
    ]);
    expect(
      (await ports.ec2.describeVpcs({ Filters: [{ Name: 'tag:Name', Values: ['test'] }] })).Vpcs?.map((v) => v.VpcId),
    ).toEqual([n.vpcId]);
  });
});
