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
  'GetEbsEncryptionByDefault',
  'CreateSecurityGroup',
  'DescribeSecurityGroups',
  'DescribeSecurityGroupRules',
  'AuthorizeSecurityGroupEgress',
  'RevokeSecurityGroupEgress',
  'RevokeSecurityGroupIngress',
  'DeleteSecurityGroup',
  'CreateTags',
] as const;

export interface EC2Port {
  describeAvailabilityZones(input: SDK.DescribeAvailabilityZonesCommandInput): Promise<SDK.DescribeAvailabilityZonesCommandOutput>;
  describeVpcs(input: SDK.DescribeVpcsCommandInput): Promise<SDK.DescribeVpcsCommandOutput>;
  describeSubnets(input: SDK.DescribeSubnetsCommandInput): Promise<SDK.DescribeSubnetsCommandOutput>;
  describeRouteTables(input: SDK.DescribeRouteTablesCommandInput): Promise<SDK.DescribeRouteTablesCommandOutput>;
  describeInstanceTypes(input: SDK.DescribeInstanceTypesCommandInput): Promise<SDK.DescribeInstanceTypesCommandOutput>;
  describeInstanceTypeOfferings(input: SDK.DescribeInstanceTypeOfferingsCommandInput): Promise<SDK.DescribeInstanceTypeOfferingsCommandOutput>;
  describeImages(input: SDK.DescribeImagesCommandInput): Promise<SDK.DescribeImagesCommandOutput>;
  runInstances(input: SDK.RunInstancesCommandInput): Promise<SDK.RunInstancesCommandOutput>;
  describeInstances(input: SDK.DescribeInstancesCommandInput): Promise<SDK.DescribeInstancesCommandOutput>;
  terminateInstances(input: SDK.TerminateInstancesCommandInput): Promise<SDK.TerminateInstancesCommandOutput>;
  describeVolumes(input: SDK.DescribeVolumesCommandInput): Promise<SDK.DescribeVolumesCommandOutput>;
  getEbsEncryptionByDefault(input: SDK.GetEbsEncryptionByDefaultCommandInput): Promise<SDK.GetEbsEncryptionByDefaultCommandOutput>;
  createSecurityGroup(input: SDK.CreateSecurityGroupCommandInput): Promise<SDK.CreateSecurityGroupCommandOutput>;
  describeSecurityGroups(input: SDK.DescribeSecurityGroupsCommandInput): Promise<SDK.DescribeSecurityGroupsCommandOutput>;
  describeSecurityGroupRules(input: SDK.DescribeSecurityGroupRulesCommandInput): Promise<SDK.DescribeSecurityGroupRulesCommandOutput>;
  authorizeSecurityGroupEgress(input: SDK.AuthorizeSecurityGroupEgressCommandInput): Promise<SDK.AuthorizeSecurityGroupEgressCommandOutput>;
  revokeSecurityGroupEgress(input: SDK.RevokeSecurityGroupEgressCommandInput): Promise<SDK.RevokeSecurityGroupEgressCommandOutput>;
  revokeSecurityGroupIngress(input: SDK.RevokeSecurityGroupIngressCommandInput): Promise<SDK.RevokeSecurityGroupIngressCommandOutput>;
  deleteSecurityGroup(input: SDK.DeleteSecurityGroupCommandInput): Promise<SDK.DeleteSecurityGroupCommandOutput>;
  createTags(input: SDK.CreateTagsCommandInput): Promise<SDK.CreateTagsCommandOutput>;
}

/** The real EC2 port over the AWS SDK v3 client built with `config`. */
export function createEC2Port(config: SDK.EC2ClientConfig): EC2Port & { destroy(): void } {
  const lazy = lazyClient(() => import('@aws-sdk/client-ec2'), (sdk) => new sdk.EC2Client(config));
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
    destroy: lazy.destroy,
  };
}
