/** EC2 tags: tag specifications on create, key validation, and CreateTags on any taggable resource. */
import type * as SDK from '@aws-sdk/client-ec2';
import { TERMINATED_VISIBLE_MS } from './ec2-instances.js';
import type { Tx } from './engine.js';
import { stillVisible } from './ec2-transitions.js';
import { type Tag } from './state.js';
import { networkOf } from './state-new.js';
import { mergeTags } from './util.js';

export function tagsFor(specs: SDK.TagSpecification[] | undefined, type: string): Tag[] {
  return mergeTags(
    [],
    (specs ?? []).filter((spec) => spec.ResourceType === type).flatMap((spec) => spec.Tags ?? []),
  );
}

export function checkEc2Tags(tx: Tx, tags: readonly { Key?: string | undefined }[]): void {
  for (const tag of tags) {
    if (tag.Key === undefined || tag.Key === '' || tag.Key.length > 128)
      throw tx.error('InvalidParameterValue', `Tag key must be between 1 and 128 characters`);
    if (tag.Key.toLowerCase().startsWith('aws:'))
      throw tx.error('InvalidParameterValue', `Tag keys starting with 'aws:' are reserved for internal use`);
  }
}

function findTaggable(tx: Tx, id: string): { tags: Tag[] } {
  const ec2 = tx.regionState.ec2;
  const net = networkOf(ec2);
  const lists: [string, { id: string; tags: Tag[] }[], string][] = [
    [
      'i-',
      ec2.instances.filter(
        (instance) =>
          instance.terminatedAt === undefined ||
          tx.now.getTime() - Date.parse(instance.terminatedAt) < TERMINATED_VISIBLE_MS,
      ),
      'InvalidInstanceID.NotFound',
    ],
    ['sg-', ec2.securityGroups, 'InvalidGroup.NotFound'],
    ['vpc-', ec2.vpcs, 'InvalidVpcID.NotFound'],
    ['subnet-', ec2.subnets, 'InvalidSubnetID.NotFound'],
    ['vol-', ec2.volumes.filter((volume) => volume.deletedAt === undefined), 'InvalidVolume.NotFound'],
    ['rtb-', ec2.routeTables, 'InvalidRouteTableID.NotFound'],
    ['igw-', net.internetGateways, 'InvalidInternetGatewayID.NotFound'],
    ['nat-', net.natGateways.filter((nat) => stillVisible(nat, tx.now)), 'InvalidNatGatewayID.NotFound'],
    [
      'eipalloc-',
      net.addresses.map((address) => ({ id: address.allocationId, tags: address.tags })),
      'InvalidAllocationID.NotFound',
    ],
    ['vpce-', net.vpcEndpoints.filter((endpoint) => stillVisible(endpoint, tx.now)), 'InvalidVpcEndpointId.NotFound'],
  ];
  for (const [prefix, list, code] of lists) {
    if (!id.startsWith(prefix)) continue;
    const found = list.find((item) => item.id === id);
    if (found === undefined) throw tx.error(code, `The ID '${id}' does not exist`);
    return found;
  }
  throw tx.error('InvalidID', `The ID '${id}' is not valid`);
}

export function createTags(tx: Tx, input: SDK.CreateTagsCommandInput) {
  const resources = input.Resources ?? [];
  if (resources.length === 0)
    throw tx.error('MissingParameter', 'The request must contain the parameter resourceIdSet');
  const tags = input.Tags ?? [];
  checkEc2Tags(tx, tags);
  const targets = resources.map((id) => findTaggable(tx, id));
  tx.authorize({ action: 'ec2:CreateTags', resource: `arn:aws:ec2:${tx.region}:${tx.state.accountId}:*` });
  for (const target of targets) {
    const merged = mergeTags(target.tags, tags);
    if (merged.length > 50)
      throw tx.error('TagLimitExceeded', 'The maximum number of Tags for a resource has been reached.');
    target.tags.splice(0, target.tags.length, ...merged);
  }
  return {};
}
