/**
 * The simulated EC2 behind {@link EC2Port}. Behaviour spec: ./README.md, "EC2".
 *
 * The class wires each operation to the engine (read or write, and the `ec2:<Operation>` check for
 * reads); the operations themselves live in the sibling `ec2-*.ts` files, by resource.
 */
import type * as SDK from '@aws-sdk/client-ec2';
import type { EC2Port } from '../ec2.js';
import { describeImages, describeInstanceTypeOfferings, describeInstanceTypes } from './ec2-catalogue.js';
import { describeInstances, describeVolumes, terminateInstances } from './ec2-instances.js';
import { describeAvailabilityZones, describeRouteTables, describeSubnets, describeVpcs } from './ec2-network.js';
import { runInstances } from './ec2-run-instances.js';
import { authorizeSecurityGroupEgress, createSecurityGroup, deleteSecurityGroup, describeSecurityGroupRules, describeSecurityGroups, revokeSecurityGroupRules } from './ec2-security-groups.js';
import { createTags } from './ec2-tags.js';
import type { SandboxEngine, Tx } from './engine.js';

export { instanceState } from './ec2-instances.js';

export class SandboxEC2 implements EC2Port {
  readonly #engine: SandboxEngine;

  constructor(engine: SandboxEngine) {
    this.#engine = engine;
  }

  #read<O extends object>(operation: string, input: object, run: (tx: Tx) => O) {
    return this.#engine.call({ service: 'ec2', operation, write: false, input, run: (tx) => {
      tx.authorize({ action: `ec2:${operation}`, resource: '*' });
      return run(tx);
    } });
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

  getEbsEncryptionByDefault(input: SDK.GetEbsEncryptionByDefaultCommandInput) {
    return this.#read('GetEbsEncryptionByDefault', input, (tx) => ({ EbsEncryptionByDefault: tx.regionState.ec2.ebsEncryptionByDefault, SseType: 'sse-ebs' as const }));
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
    return this.#write('AuthorizeSecurityGroupEgress', input, (tx) => authorizeSecurityGroupEgress(tx, input));
  }

  #revoke(operation: 'RevokeSecurityGroupEgress' | 'RevokeSecurityGroupIngress', input: SDK.RevokeSecurityGroupEgressCommandInput | SDK.RevokeSecurityGroupIngressCommandInput, egress: boolean) {
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
}
