/**
 * The EC2 port: only the EC2 operations cosigner-cli calls, typed with the SDK's own
 * input/output types. The real implementation imports @aws-sdk/client-ec2 on first use and makes exactly one
 * `client.send(new XCommand(input))` per method. The sandbox implements the same interface.
 */
import type * as SDK from '@aws-sdk/client-ec2';
import { lazyClient } from './lazy-client.js';

/** The names of the operations in {@link EC2Port}, in AWS's spelling. */
export const EC2_OPERATIONS = [
  'DescribeAvailabilityZones',
  'DescribeVpcs',
  'DescribeSubnets',
  'DescribeRouteTables',
  'DescribeInstanceTypes',
  'DescribeInstanceTypeOfferings',
  'DescribeImages',
  'RunInstances',
  'DescribeInstances',
  'TerminateInstances',
  'DescribeVolumes',
  'DescribeInstanceAttribute',
  'GetEbsEncryptionByDefault',
  'CreateSecurityGroup',
  'DescribeSecurityGroups',
  'DescribeSecurityGroupRules',
  'AuthorizeSecurityGroupEgress',
  'RevokeSecurityGroupEgress',
  'RevokeSecurityGroupIngress',
  'DeleteSecurityGroup',
  'CreateTags',
  // The managed network (network.mode "managed") and its teardown.
  'CreateVpc',
  'DeleteVpc',
  'ModifyVpcAttribute',
  'DescribeVpcAttribute',
  'CreateSubnet',
  'DeleteSubnet',
  'CreateInternetGateway',
  'AttachInternetGateway',
  'DetachInternetGateway',
  'DeleteInternetGateway',
  'DescribeInternetGateways',
  'AllocateAddress',
  'ReleaseAddress',
  'DescribeAddresses',
  'CreateNatGateway',
  'DescribeNatGateways',
  'DeleteNatGateway',
  'CreateRouteTable',
  'AssociateRouteTable',
  'DisassociateRouteTable',
  'CreateRoute',
  'ReplaceRoute',
  'DeleteRouteTable',
  'CreateVpcEndpoint',
  'DescribeVpcEndpoints',
  'DeleteVpcEndpoints',
  'AuthorizeSecurityGroupIngress',
] as const;

export interface EC2Port {
  describeAvailabilityZones(
    input: SDK.DescribeAvailabilityZonesCommandInput,
  ): Promise<SDK.DescribeAvailabilityZonesCommandOutput>;
  describeVpcs(input: SDK.DescribeVpcsCommandInput): Promise<SDK.DescribeVpcsCommandOutput>;
  describeSubnets(input: SDK.DescribeSubnetsCommandInput): Promise<SDK.DescribeSubnetsCommandOutput>;
  describeRouteTables(input: SDK.DescribeRouteTablesCommandInput): Promise<SDK.DescribeRouteTablesCommandOutput>;
  describeInstanceTypes(input: SDK.DescribeInstanceTypesCommandInput): Promise<SDK.DescribeInstanceTypesCommandOutput>;
  describeInstanceTypeOfferings(
    input: SDK.DescribeInstanceTypeOfferingsCommandInput,
  ): Promise<SDK.DescribeInstanceTypeOfferingsCommandOutput>;
  describeImages(input: SDK.DescribeImagesCommandInput): Promise<SDK.DescribeImagesCommandOutput>;
  runInstances(input: SDK.RunInstancesCommandInput): Promise<SDK.RunInstancesCommandOutput>;
  describeInstances(input: SDK.DescribeInstancesCommandInput): Promise<SDK.DescribeInstancesCommandOutput>;
  terminateInstances(input: SDK.TerminateInstancesCommandInput): Promise<SDK.TerminateInstancesCommandOutput>;
  describeVolumes(input: SDK.DescribeVolumesCommandInput): Promise<SDK.DescribeVolumesCommandOutput>;
  /** One attribute of an instance (`verify` reads `userData`, read-only). */
  describeInstanceAttribute(
    input: SDK.DescribeInstanceAttributeCommandInput,
  ): Promise<SDK.DescribeInstanceAttributeCommandOutput>;
  getEbsEncryptionByDefault(
    input: SDK.GetEbsEncryptionByDefaultCommandInput,
  ): Promise<SDK.GetEbsEncryptionByDefaultCommandOutput>;
  createSecurityGroup(input: SDK.CreateSecurityGroupCommandInput): Promise<SDK.CreateSecurityGroupCommandOutput>;
  describeSecurityGroups(
    input: SDK.DescribeSecurityGroupsCommandInput,
  ): Promise<SDK.DescribeSecurityGroupsCommandOutput>;
  describeSecurityGroupRules(
    input: SDK.DescribeSecurityGroupRulesCommandInput,
  ): Promise<SDK.DescribeSecurityGroupRulesCommandOutput>;
  authorizeSecurityGroupEgress(
    input: SDK.AuthorizeSecurityGroupEgressCommandInput,
  ): Promise<SDK.AuthorizeSecurityGroupEgressCommandOutput>;
  revokeSecurityGroupEgress(
    input: SDK.RevokeSecurityGroupEgressCommandInput,
  ): Promise<SDK.RevokeSecurityGroupEgressCommandOutput>;
  revokeSecurityGroupIngress(
    input: SDK.RevokeSecurityGroupIngressCommandInput,
  ): Promise<SDK.RevokeSecurityGroupIngressCommandOutput>;
  deleteSecurityGroup(input: SDK.DeleteSecurityGroupCommandInput): Promise<SDK.DeleteSecurityGroupCommandOutput>;
  createTags(input: SDK.CreateTagsCommandInput): Promise<SDK.CreateTagsCommandOutput>;
  createVpc(input: SDK.CreateVpcCommandInput): Promise<SDK.CreateVpcCommandOutput>;
  deleteVpc(input: SDK.DeleteVpcCommandInput): Promise<SDK.DeleteVpcCommandOutput>;
  modifyVpcAttribute(input: SDK.ModifyVpcAttributeCommandInput): Promise<SDK.ModifyVpcAttributeCommandOutput>;
  describeVpcAttribute(input: SDK.DescribeVpcAttributeCommandInput): Promise<SDK.DescribeVpcAttributeCommandOutput>;
  createSubnet(input: SDK.CreateSubnetCommandInput): Promise<SDK.CreateSubnetCommandOutput>;
  deleteSubnet(input: SDK.DeleteSubnetCommandInput): Promise<SDK.DeleteSubnetCommandOutput>;
  createInternetGateway(input: SDK.CreateInternetGatewayCommandInput): Promise<SDK.CreateInternetGatewayCommandOutput>;
  attachInternetGateway(input: SDK.AttachInternetGatewayCommandInput): Promise<SDK.AttachInternetGatewayCommandOutput>;
  detachInternetGateway(input: SDK.DetachInternetGatewayCommandInput): Promise<SDK.DetachInternetGatewayCommandOutput>;
  deleteInternetGateway(input: SDK.DeleteInternetGatewayCommandInput): Promise<SDK.DeleteInternetGatewayCommandOutput>;
  describeInternetGateways(
    input: SDK.DescribeInternetGatewaysCommandInput,
  ): Promise<SDK.DescribeInternetGatewaysCommandOutput>;
  allocateAddress(input: SDK.AllocateAddressCommandInput): Promise<SDK.AllocateAddressCommandOutput>;
  releaseAddress(input: SDK.ReleaseAddressCommandInput): Promise<SDK.ReleaseAddressCommandOutput>;
  describeAddresses(input: SDK.DescribeAddressesCommandInput): Promise<SDK.DescribeAddressesCommandOutput>;
  createNatGateway(input: SDK.CreateNatGatewayCommandInput): Promise<SDK.CreateNatGatewayCommandOutput>;
  describeNatGateways(input: SDK.DescribeNatGatewaysCommandInput): Promise<SDK.DescribeNatGatewaysCommandOutput>;
  deleteNatGateway(input: SDK.DeleteNatGatewayCommandInput): Promise<SDK.DeleteNatGatewayCommandOutput>;
  createRouteTable(input: SDK.CreateRouteTableCommandInput): Promise<SDK.CreateRouteTableCommandOutput>;
  associateRouteTable(input: SDK.AssociateRouteTableCommandInput): Promise<SDK.AssociateRouteTableCommandOutput>;
  disassociateRouteTable(
    input: SDK.DisassociateRouteTableCommandInput,
  ): Promise<SDK.DisassociateRouteTableCommandOutput>;
  createRoute(input: SDK.CreateRouteCommandInput): Promise<SDK.CreateRouteCommandOutput>;
  replaceRoute(input: SDK.ReplaceRouteCommandInput): Promise<SDK.ReplaceRouteCommandOutput>;
  deleteRouteTable(input: SDK.DeleteRouteTableCommandInput): Promise<SDK.DeleteRouteTableCommandOutput>;
  createVpcEndpoint(input: SDK.CreateVpcEndpointCommandInput): Promise<SDK.CreateVpcEndpointCommandOutput>;
  describeVpcEndpoints(input: SDK.DescribeVpcEndpointsCommandInput): Promise<SDK.DescribeVpcEndpointsCommandOutput>;
  deleteVpcEndpoints(input: SDK.DeleteVpcEndpointsCommandInput): Promise<SDK.DeleteVpcEndpointsCommandOutput>;
  authorizeSecurityGroupIngress(
    input: SDK.AuthorizeSecurityGroupIngressCommandInput,
  ): Promise<SDK.AuthorizeSecurityGroupIngressCommandOutput>;
}

/** The real EC2 port over the AWS SDK v3 client built with `config`. */
export function createEC2Port(config: SDK.EC2ClientConfig): EC2Port & { destroy(): void } {
  const lazy = lazyClient(
    () => import('@aws-sdk/client-ec2'),
    (sdk) => new sdk.EC2Client(config),
  );
  return {
    async describeAvailabilityZones(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.DescribeAvailabilityZonesCommand(input));
    },
    async describeVpcs(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.DescribeVpcsCommand(input));
    },
    async describeSubnets(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.DescribeSubnetsCommand(input));
    },
    async describeRouteTables(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.DescribeRouteTablesCommand(input));
    },
    async describeInstanceTypes(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.DescribeInstanceTypesCommand(input));
    },
    async describeInstanceTypeOfferings(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.DescribeInstanceTypeOfferingsCommand(input));
    },
    async describeImages(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.DescribeImagesCommand(input));
    },
    async runInstances(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.RunInstancesCommand(input));
    },
    async describeInstances(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.DescribeInstancesCommand(input));
    },
    async terminateInstances(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.TerminateInstancesCommand(input));
    },
    async describeVolumes(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.DescribeVolumesCommand(input));
    },
    async describeInstanceAttribute(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.DescribeInstanceAttributeCommand(input));
    },
    async getEbsEncryptionByDefault(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.GetEbsEncryptionByDefaultCommand(input));
    },
    async createSecurityGroup(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.CreateSecurityGroupCommand(input));
    },
    async describeSecurityGroups(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.DescribeSecurityGroupsCommand(input));
    },
    async describeSecurityGroupRules(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.DescribeSecurityGroupRulesCommand(input));
    },
    async authorizeSecurityGroupEgress(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.AuthorizeSecurityGroupEgressCommand(input));
    },
    async revokeSecurityGroupEgress(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.RevokeSecurityGroupEgressCommand(input));
    },
    async revokeSecurityGroupIngress(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.RevokeSecurityGroupIngressCommand(input));
    },
    async deleteSecurityGroup(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.DeleteSecurityGroupCommand(input));
    },
    async createTags(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.CreateTagsCommand(input));
    },
    async createVpc(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.CreateVpcCommand(input));
    },
    async deleteVpc(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.DeleteVpcCommand(input));
    },
    async modifyVpcAttribute(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.ModifyVpcAttributeCommand(input));
    },
    async describeVpcAttribute(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.DescribeVpcAttributeCommand(input));
    },
    async createSubnet(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.CreateSubnetCommand(input));
    },
    async deleteSubnet(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.DeleteSubnetCommand(input));
    },
    async createInternetGateway(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.CreateInternetGatewayCommand(input));
    },
    async attachInternetGateway(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.AttachInternetGatewayCommand(input));
    },
    async detachInternetGateway(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.DetachInternetGatewayCommand(input));
    },
    async deleteInternetGateway(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.DeleteInternetGatewayCommand(input));
    },
    async describeInternetGateways(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.DescribeInternetGatewaysCommand(input));
    },
    async allocateAddress(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.AllocateAddressCommand(input));
    },
    async releaseAddress(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.ReleaseAddressCommand(input));
    },
    async describeAddresses(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.DescribeAddressesCommand(input));
    },
    async createNatGateway(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.CreateNatGatewayCommand(input));
    },
    async describeNatGateways(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.DescribeNatGatewaysCommand(input));
    },
    async deleteNatGateway(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.DeleteNatGatewayCommand(input));
    },
    async createRouteTable(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.CreateRouteTableCommand(input));
    },
    async associateRouteTable(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.AssociateRouteTableCommand(input));
    },
    async disassociateRouteTable(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.DisassociateRouteTableCommand(input));
    },
    async createRoute(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.CreateRouteCommand(input));
    },
    async replaceRoute(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.ReplaceRouteCommand(input));
    },
    async deleteRouteTable(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.DeleteRouteTableCommand(input));
    },
    async createVpcEndpoint(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.CreateVpcEndpointCommand(input));
    },
    async describeVpcEndpoints(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.DescribeVpcEndpointsCommand(input));
    },
    async deleteVpcEndpoints(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.DeleteVpcEndpointsCommand(input));
    },
    async authorizeSecurityGroupIngress(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.AuthorizeSecurityGroupIngressCommand(input));
    },
    destroy: lazy.destroy,
  };
}
