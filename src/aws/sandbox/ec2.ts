/**
 * The simulated EC2 behind {@link EC2Port}. Behaviour spec: ./README.md, "EC2".
 *
 * The class wires each operation to the engine (read or write, and the `ec2:<Operation>` check for
 * reads); the operations themselves live in the sibling `ec2-*.ts` files, by resource.
 */
import type * as SDK from '@aws-sdk/client-ec2';
import type { EC2Port } from '../ec2.js';
import { describeImages, describeInstanceTypeOfferings, describeInstanceTypes } from './ec2-catalogue.js';
import { describeInstanceAttribute, describeInstances, describeVolumes, terminateInstances } from './ec2-instances.js';
import { createVpcEndpoint, deleteVpcEndpoints, describeVpcEndpoints } from './ec2-endpoints.js';
import {
  allocateAddress,
  attachInternetGateway,
  createInternetGateway,
  createNatGateway,
  deleteInternetGateway,
  deleteNatGateway,
  describeAddresses,
  describeInternetGateways,
  describeNatGateways,
  detachInternetGateway,
  releaseAddress,
} from './ec2-gateways.js';
import { describeAvailabilityZones, describeSubnets, describeVpcs } from './ec2-network.js';
import {
  associateRouteTable,
  createRoute,
  createRouteTable,
  deleteRouteTable,
  describeRouteTables,
  disassociateRouteTable,
  replaceRoute,
} from './ec2-routes.js';
import { runInstances } from './ec2-run-instances.js';
import {
  authorizeSecurityGroupRules,
  createSecurityGroup,
  deleteSecurityGroup,
  describeSecurityGroupRules,
  describeSecurityGroups,
  revokeSecurityGroupRules,
} from './ec2-security-groups.js';
import {
  createSubnet,
  createVpc,
  deleteSubnet,
  deleteVpc,
  describeVpcAttribute,
  modifyVpcAttribute,
} from './ec2-vpc.js';
import { createTags } from './ec2-tags.js';
import type { SandboxEngine, Tx } from './engine.js';

export class SandboxEC2 implements EC2Port {
  readonly #engine: SandboxEngine;

  constructor(engine: SandboxEngine) {
    this.#engine = engine;
  }

  #read<O extends object>(operation: string, input: object, run: (tx: Tx) => O) {
    return this.#engine.call({
      service: 'ec2',
      operation,
      write: false,
      input,
      run: (tx) => {
        tx.authorize({ action: `ec2:${operation}`, resource: '*' });
        return run(tx);
      },
    });
  }

  #write<O extends object>(operation: string, input: object, run: (tx: Tx) => O) {
    return this.#engine.call({ service: 'ec2', operation, write: true, input, run });
  }

  describeAvailabilityZones(input: SDK.DescribeAvailabilityZonesCommandInput) {
    return this.#read('DescribeAvailabilityZones', input, (tx) => describeAvailabilityZones(tx, input));
  }

  describeVpcs(input: SDK.DescribeVpcsCommandInput) {
    return this.#read('DescribeVpcs', input, (tx) => describeVpcs(tx, input));
  }

  describeSubnets(input: SDK.DescribeSubnetsCommandInput) {
    return this.#read('DescribeSubnets', input, (tx) => describeSubnets(tx, input));
  }

  describeRouteTables(input: SDK.DescribeRouteTablesCommandInput) {
    return this.#read('DescribeRouteTables', input, (tx) => describeRouteTables(tx, input));
  }

  describeInstanceTypes(input: SDK.DescribeInstanceTypesCommandInput) {
    return this.#read('DescribeInstanceTypes', input, (tx) => describeInstanceTypes(tx, input));
  }

  describeInstanceTypeOfferings(input: SDK.DescribeInstanceTypeOfferingsCommandInput) {
    return this.#read('DescribeInstanceTypeOfferings', input, (tx) => describeInstanceTypeOfferings(tx, input));
  }

  describeImages(input: SDK.DescribeImagesCommandInput) {
    return this.#read('DescribeImages', input, (tx) => describeImages(tx, input));
  }

  runInstances(input: SDK.RunInstancesCommandInput) {
    return this.#write('RunInstances', input, (tx) => runInstances(tx, input));
  }

  describeInstances(input: SDK.DescribeInstancesCommandInput) {
    return this.#read('DescribeInstances', input, (tx) => describeInstances(tx, input));
  }

  terminateInstances(input: SDK.TerminateInstancesCommandInput) {
    return this.#write('TerminateInstances', input, (tx) => terminateInstances(tx, input));
  }

  describeVolumes(input: SDK.DescribeVolumesCommandInput) {
    return this.#read('DescribeVolumes', input, (tx) => describeVolumes(tx, input));
  }

  describeInstanceAttribute(input: SDK.DescribeInstanceAttributeCommandInput) {
    return this.#read('DescribeInstanceAttribute', input, (tx) => describeInstanceAttribute(tx, input));
  }

  getEbsEncryptionByDefault(input: SDK.GetEbsEncryptionByDefaultCommandInput) {
    return this.#read('GetEbsEncryptionByDefault', input, (tx) => ({
      EbsEncryptionByDefault: tx.regionState.ec2.ebsEncryptionByDefault,
      SseType: 'sse-ebs' as const,
    }));
  }

  createSecurityGroup(input: SDK.CreateSecurityGroupCommandInput) {
    return this.#write('CreateSecurityGroup', input, (tx) => createSecurityGroup(tx, input));
  }

  describeSecurityGroups(input: SDK.DescribeSecurityGroupsCommandInput) {
    return this.#read('DescribeSecurityGroups', input, (tx) => describeSecurityGroups(tx, input));
  }

  describeSecurityGroupRules(input: SDK.DescribeSecurityGroupRulesCommandInput) {
    return this.#read('DescribeSecurityGroupRules', input, (tx) => describeSecurityGroupRules(tx, input));
  }

  authorizeSecurityGroupEgress(input: SDK.AuthorizeSecurityGroupEgressCommandInput) {
    return this.#write('AuthorizeSecurityGroupEgress', input, (tx) =>
      authorizeSecurityGroupRules(tx, 'AuthorizeSecurityGroupEgress', input, true),
    );
  }

  authorizeSecurityGroupIngress(input: SDK.AuthorizeSecurityGroupIngressCommandInput) {
    return this.#write('AuthorizeSecurityGroupIngress', input, (tx) =>
      authorizeSecurityGroupRules(tx, 'AuthorizeSecurityGroupIngress', input, false),
    );
  }

  #revoke(
    operation: 'RevokeSecurityGroupEgress' | 'RevokeSecurityGroupIngress',
    input: SDK.RevokeSecurityGroupEgressCommandInput | SDK.RevokeSecurityGroupIngressCommandInput,
    egress: boolean,
  ) {
    return this.#write(operation, input, (tx) => revokeSecurityGroupRules(tx, operation, input, egress));
  }

  revokeSecurityGroupEgress(input: SDK.RevokeSecurityGroupEgressCommandInput) {
    return this.#revoke('RevokeSecurityGroupEgress', input, true);
  }

  revokeSecurityGroupIngress(input: SDK.RevokeSecurityGroupIngressCommandInput) {
    return this.#revoke('RevokeSecurityGroupIngress', input, false);
  }

  deleteSecurityGroup(input: SDK.DeleteSecurityGroupCommandInput) {
    return this.#write('DeleteSecurityGroup', input, (tx) => deleteSecurityGroup(tx, input));
  }

  createTags(input: SDK.CreateTagsCommandInput) {
    return this.#write('CreateTags', input, (tx) => createTags(tx, input));
  }

  // The managed network and its teardown (ec2-vpc.ts, ec2-gateways.ts, ec2-routes.ts, ec2-endpoints.ts).
  createVpc(input: SDK.CreateVpcCommandInput) {
    return this.#write('CreateVpc', input, (tx) => createVpc(tx, input));
  }

  deleteVpc(input: SDK.DeleteVpcCommandInput) {
    return this.#write('DeleteVpc', input, (tx) => deleteVpc(tx, input));
  }

  modifyVpcAttribute(input: SDK.ModifyVpcAttributeCommandInput) {
    return this.#write('ModifyVpcAttribute', input, (tx) => modifyVpcAttribute(tx, input));
  }

  describeVpcAttribute(input: SDK.DescribeVpcAttributeCommandInput) {
    return this.#read('DescribeVpcAttribute', input, (tx) => describeVpcAttribute(tx, input));
  }

  createSubnet(input: SDK.CreateSubnetCommandInput) {
    return this.#write('CreateSubnet', input, (tx) => createSubnet(tx, input));
  }

  deleteSubnet(input: SDK.DeleteSubnetCommandInput) {
    return this.#write('DeleteSubnet', input, (tx) => deleteSubnet(tx, input));
  }

  createInternetGateway(input: SDK.CreateInternetGatewayCommandInput) {
    return this.#write('CreateInternetGateway', input, (tx) => createInternetGateway(tx, input));
  }

  attachInternetGateway(input: SDK.AttachInternetGatewayCommandInput) {
    return this.#write('AttachInternetGateway', input, (tx) => attachInternetGateway(tx, input));
  }

  detachInternetGateway(input: SDK.DetachInternetGatewayCommandInput) {
    return this.#write('DetachInternetGateway', input, (tx) => detachInternetGateway(tx, input));
  }

  deleteInternetGateway(input: SDK.DeleteInternetGatewayCommandInput) {
    return this.#write('DeleteInternetGateway', input, (tx) => deleteInternetGateway(tx, input));
  }

  describeInternetGateways(input: SDK.DescribeInternetGatewaysCommandInput) {
    return this.#read('DescribeInternetGateways', input, (tx) => describeInternetGateways(tx, input));
  }

  allocateAddress(input: SDK.AllocateAddressCommandInput) {
    return this.#write('AllocateAddress', input, (tx) => allocateAddress(tx, input));
  }

  releaseAddress(input: SDK.ReleaseAddressCommandInput) {
    return this.#write('ReleaseAddress', input, (tx) => releaseAddress(tx, input));
  }

  describeAddresses(input: SDK.DescribeAddressesCommandInput) {
    return this.#read('DescribeAddresses', input, (tx) => describeAddresses(tx, input));
  }

  createNatGateway(input: SDK.CreateNatGatewayCommandInput) {
    return this.#write('CreateNatGateway', input, (tx) => createNatGateway(tx, input));
  }

  describeNatGateways(input: SDK.DescribeNatGatewaysCommandInput) {
    return this.#read('DescribeNatGateways', input, (tx) => describeNatGateways(tx, input));
  }

  deleteNatGateway(input: SDK.DeleteNatGatewayCommandInput) {
    return this.#write('DeleteNatGateway', input, (tx) => deleteNatGateway(tx, input));
  }

  createRouteTable(input: SDK.CreateRouteTableCommandInput) {
    return this.#write('CreateRouteTable', input, (tx) => createRouteTable(tx, input));
  }

  associateRouteTable(input: SDK.AssociateRouteTableCommandInput) {
    return this.#write('AssociateRouteTable', input, (tx) => associateRouteTable(tx, input));
  }

  disassociateRouteTable(input: SDK.DisassociateRouteTableCommandInput) {
    return this.#write('DisassociateRouteTable', input, (tx) => disassociateRouteTable(tx, input));
  }

  createRoute(input: SDK.CreateRouteCommandInput) {
    return this.#write('CreateRoute', input, (tx) => createRoute(tx, input));
  }

  replaceRoute(input: SDK.ReplaceRouteCommandInput) {
    return this.#write('ReplaceRoute', input, (tx) => replaceRoute(tx, input));
  }

  deleteRouteTable(input: SDK.DeleteRouteTableCommandInput) {
    return this.#write('DeleteRouteTable', input, (tx) => deleteRouteTable(tx, input));
  }

  createVpcEndpoint(input: SDK.CreateVpcEndpointCommandInput) {
    return this.#write('CreateVpcEndpoint', input, (tx) => createVpcEndpoint(tx, input));
  }

  describeVpcEndpoints(input: SDK.DescribeVpcEndpointsCommandInput) {
    return this.#read('DescribeVpcEndpoints', input, (tx) => describeVpcEndpoints(tx, input));
  }

  deleteVpcEndpoints(input: SDK.DeleteVpcEndpointsCommandInput) {
    return this.#write('DeleteVpcEndpoints', input, (tx) => deleteVpcEndpoints(tx, input));
  }
}
