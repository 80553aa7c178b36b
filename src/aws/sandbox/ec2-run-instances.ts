/** RunInstances: ClientToken idempotency, placement, Nitro Enclaves, IMDS, user data, root volume and instance profile checks. */
import type * as SDK from '@aws-sdk/client-ec2';
import { instanceType, isOffered, REGIONS, regionImages } from './catalogue.js';
import { instanceOutput } from './ec2-instances.js';
import { findGroup } from './ec2-security-groups.js';
import { checkEc2Tags, tagsFor } from './ec2-tags.js';
import type { Tx } from './engine.js';
import type { InstanceRecord, RegionState, VolumeRecord } from './state.js';
import { ec2Id, sha256Hex } from './util.js';

/** Picks the next free private address of a subnet (a simple counter over the /20). */
function nextPrivateIp(ec2: RegionState['ec2'], subnetId: string, cidr: string): string {
  const [a, b, c] = cidr.split('/')[0]!.split('.').map(Number) as [number, number, number];
  const used = ec2.instances.filter((instance) => instance.subnetId === subnetId).length;
  const offset = used + 10;
  return `${a}.${b}.${c + Math.floor(offset / 256)}.${offset % 256}`;
}

/** A stable digest of the RunInstances parameters (ClientToken idempotency). */
function requestDigest(input: SDK.RunInstancesCommandInput): string {
  const canonical = (value: unknown): unknown => {
    if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
    if (Array.isArray(value)) return value.map(canonical);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>)
          .filter(([key, item]) => key !== 'ClientToken' && item !== undefined)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([key, item]) => [key, canonical(item)]),
      );
    }
    return value;
  };
  return sha256Hex(JSON.stringify(canonical(input)));
}

function resolveInstanceProfile(tx: Tx, spec: SDK.IamInstanceProfileSpecification) {
  const byArn = spec.Arn !== undefined;
  const profile = Object.values(tx.state.iam.instanceProfiles).find((candidate) =>
    byArn ? candidate.arn === spec.Arn : candidate.name.toLowerCase() === (spec.Name ?? '').toLowerCase(),
  );
  const invalid = () =>
    tx.error(
      'InvalidParameterValue',
      byArn
        ? `Value (${spec.Arn ?? ''}) for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN`
        : `Value (${spec.Name ?? ''}) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name`,
    );
  if (profile === undefined || profile.roles.length === 0) throw invalid();
  // IAM eventual consistency: a profile (or its role association) is usable only after the delay.
  const since = Math.max(Date.parse(profile.createdAt), Date.parse(profile.roleAddedAt ?? profile.createdAt));
  if (tx.now.getTime() - since < tx.knobs.iamPropagationDelayMs) throw invalid();
  const role = tx.state.iam.roles[profile.roles[0]!];
  if (role === undefined) throw invalid();
  // RunInstances passes the role to EC2: IAM sets iam:PassedToService to the service's principal.
  tx.authorize({ action: 'iam:PassRole', resource: role.arn, context: { 'iam:PassedToService': 'ec2.amazonaws.com' } });
  return profile;
}

export function runInstances(
  tx: Tx,
  input: SDK.RunInstancesCommandInput,
): Omit<SDK.RunInstancesCommandOutput, '$metadata'> {
  const ec2 = tx.regionState.ec2;
  const account = tx.state.accountId;
  const region = REGIONS.get(tx.region)!;
  const digest = requestDigest(input);

  // ClientToken idempotency: the same token returns the original launch, whatever happened since.
  if (input.ClientToken !== undefined) {
    if (input.ClientToken.length > 64)
      throw tx.error('InvalidParameterValue', 'ClientToken must be at most 64 characters');
    const previous = ec2.instances.filter((instance) => instance.clientToken === input.ClientToken);
    if (previous.length > 0) {
      if (previous[0]!.requestDigest !== digest)
        throw tx.error(
          'IdempotentParameterMismatch',
          'Arguments on this idempotent request are inconsistent with arguments used in previous request(s).',
        );
      return {
        ReservationId: previous[0]!.reservationId,
        OwnerId: account,
        Groups: [],
        Instances: previous.map((instance) => instanceOutput(tx, instance)),
      };
    }
  }

  if (input.MinCount === undefined || input.MaxCount === undefined)
    throw tx.error(
      'MissingParameter',
      `The request must contain the parameter ${input.MinCount === undefined ? 'MinCount' : 'MaxCount'}`,
    );
  if (input.MinCount < 1 || input.MaxCount < input.MinCount)
    throw tx.error(
      'InvalidParameterValue',
      `Value (${input.MinCount}) for parameter minCount is invalid. Expected a value between 1 and maxCount.`,
    );
  if (input.ImageId === undefined) throw tx.error('MissingParameter', 'The request must contain the parameter ImageId');
  if (!/^ami-[0-9a-f]{8,17}$/.test(input.ImageId))
    throw tx.error('InvalidAMIID.Malformed', `Invalid id: "${input.ImageId}" (expecting "ami-...")`);
  const image = regionImages(tx.region).find((candidate) => candidate.id === input.ImageId);
  if (image === undefined) throw tx.error('InvalidAMIID.NotFound', `The image id '[${input.ImageId}]' does not exist`);
  const typeName = input.InstanceType ?? 'm1.small';
  const type = instanceType(typeName);
  if (type === undefined) throw tx.error('InvalidParameterValue', `Invalid value '${typeName}' for InstanceType.`);
  if (type.architecture !== image.architecture) {
    throw tx.error(
      'InvalidParameterValue',
      `The architecture '${type.architecture}' of the specified instance type does not match the architecture '${image.architecture}' of the specified AMI. Specify an instance type and an AMI that have matching architectures, and try again.`,
    );
  }
  if (input.KeyName !== undefined)
    throw tx.error('InvalidKeyPair.NotFound', `The key pair '${input.KeyName}' does not exist`);

  // Network placement.
  const nic = input.NetworkInterfaces?.[0];
  if (nic !== undefined && (input.SecurityGroupIds !== undefined || input.SubnetId !== undefined)) {
    throw tx.error(
      'InvalidParameterCombination',
      'Network interfaces and an instance-level subnet ID or security groups may not be specified on the same request',
    );
  }
  if (nic !== undefined && nic.DeviceIndex !== 0)
    throw tx.error(
      'InvalidParameterValue',
      'Each network interface requires a device index; the primary network interface has device index 0.',
    );
  const subnetId = nic?.SubnetId ?? input.SubnetId;
  const subnet =
    subnetId === undefined
      ? ec2.subnets.find(
          (candidate) =>
            candidate.defaultForAz &&
            (input.Placement?.AvailabilityZone === undefined || candidate.zone === input.Placement.AvailabilityZone),
        )
      : ec2.subnets.find((candidate) => candidate.id === subnetId);
  if (subnet === undefined) {
    if (subnetId !== undefined)
      throw tx.error('InvalidSubnetID.NotFound', `The subnet ID '${subnetId}' does not exist`);
    throw tx.error(
      'VPCIdNotSpecified',
      'No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.',
    );
  }
  if (!isOffered(type.name, region, subnet.zone)) {
    const zones = region.zones.filter((zone) => isOffered(type.name, region, zone));
    throw tx.error(
      'Unsupported',
      `Your requested instance type (${type.name}) is not supported in your requested Availability Zone (${subnet.zone}). Please retry your request by not specifying an Availability Zone or choosing ${zones.join(', ')}.`,
    );
  }
  const groupIds = nic?.Groups ??
    input.SecurityGroupIds ?? [
      ec2.securityGroups.find((group) => group.vpcId === subnet.vpcId && group.name === 'default')!.id,
    ];
  for (const id of groupIds) {
    const group = findGroup(tx, id);
    if (group.vpcId !== subnet.vpcId)
      throw tx.error('InvalidParameter', `Security group ${id} and subnet ${subnet.id} belong to different networks.`);
  }
  if (input.SecurityGroups !== undefined)
    throw tx.error('InvalidParameterCombination', 'The parameter groupName cannot be used with the parameter subnet');

  // Nitro Enclaves.
  const enclave = input.EnclaveOptions?.Enabled === true;
  if (enclave && type.nitroEnclaves !== 'supported') {
    throw tx.error(
      'InvalidParameterCombination',
      `The instance type ${type.name} does not support Nitro Enclaves. Choose an instance type that supports Nitro Enclaves, or disable Nitro Enclaves.`,
    );
  }
  if (enclave && input.HibernationOptions?.Configured === true)
    throw tx.error(
      'InvalidParameterCombination',
      'Hibernation and Nitro Enclaves cannot be enabled on the same instance.',
    );

  // Instance metadata service options (AL2023 images default to IMDSv2 with hop limit 2).
  const options = input.MetadataOptions ?? {};
  if (options.HttpTokens !== undefined && !['optional', 'required'].includes(options.HttpTokens))
    throw tx.error(
      'InvalidParameterValue',
      `Value (${options.HttpTokens}) for parameter HttpTokens is invalid. Valid values are optional, required.`,
    );
  if (options.HttpEndpoint !== undefined && !['enabled', 'disabled'].includes(options.HttpEndpoint))
    throw tx.error('InvalidParameterValue', `Value (${options.HttpEndpoint}) for parameter HttpEndpoint is invalid.`);
  if (
    options.HttpPutResponseHopLimit !== undefined &&
    (!Number.isInteger(options.HttpPutResponseHopLimit) ||
      options.HttpPutResponseHopLimit < 1 ||
      options.HttpPutResponseHopLimit > 64)
  ) {
    throw tx.error(
      'InvalidParameterValue',
      `Value (${options.HttpPutResponseHopLimit}) for parameter HttpPutResponseHopLimit is invalid. Valid values are between 1 and 64.`,
    );
  }
  const v2Image = true; // every image in the catalogue is ImdsSupport v2.0
  const metadata = {
    httpTokens: options.HttpTokens ?? (v2Image ? 'required' : 'optional'),
    hopLimit: options.HttpPutResponseHopLimit ?? (v2Image ? 2 : 1),
    httpEndpoint: options.HttpEndpoint ?? 'enabled',
    instanceMetadataTags: options.InstanceMetadataTags ?? 'disabled',
    httpProtocolIpv6: options.HttpProtocolIpv6 ?? 'disabled',
  };

  // User data: base64, at most 16 KB decoded.
  if (input.UserData !== undefined) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(input.UserData) || input.UserData.length % 4 !== 0)
      throw tx.error('InvalidParameterValue', 'Invalid BASE64 encoding of user data.');
    if (Buffer.from(input.UserData, 'base64').length > 16_384)
      throw tx.error('InvalidParameterValue', 'User data is limited to 16384 bytes');
  }

  // Block devices: the image's root volume, overridden by a mapping with the same device name.
  const rootMapping = input.BlockDeviceMappings?.find((mapping) => mapping.DeviceName === '/dev/xvda')?.Ebs ?? {};
  for (const mapping of input.BlockDeviceMappings ?? []) {
    if (mapping.DeviceName !== '/dev/xvda')
      throw tx.error(
        'InvalidBlockDeviceMapping',
        `The sandbox supports the root device /dev/xvda only, not ${mapping.DeviceName ?? ''}`,
      );
  }
  const volumeType = rootMapping.VolumeType ?? 'gp3';
  if (!['gp2', 'gp3', 'io1', 'io2', 'st1', 'sc1', 'standard'].includes(volumeType))
    throw tx.error('InvalidParameterValue', `Value (${volumeType}) for parameter volumeType is invalid.`);
  const size = rootMapping.VolumeSize ?? 8;
  if (size < 8)
    throw tx.error(
      'InvalidBlockDeviceMapping',
      `Volume of size ${size}GB is smaller than snapshot, expect size >= 8GB`,
    );
  const encrypted = rootMapping.Encrypted ?? ec2.ebsEncryptionByDefault;
  if (rootMapping.KmsKeyId !== undefined && !encrypted)
    throw tx.error('InvalidParameterDependency', 'The parameter KmsKeyId requires the parameter Encrypted to be set.');

  // IAM instance profile (propagation and iam:PassRole).
  const profile =
    input.IamInstanceProfile === undefined ? undefined : resolveInstanceProfile(tx, input.IamInstanceProfile);

  const tagSpecs = input.TagSpecifications ?? [];
  for (const spec of tagSpecs) {
    if (!['instance', 'volume', 'network-interface'].includes(spec.ResourceType ?? ''))
      throw tx.error(
        'InvalidParameterValue',
        `'${spec.ResourceType ?? ''}' is not a valid taggable resource type for this operation.`,
      );
    checkEc2Tags(tx, spec.Tags ?? []);
  }
  tx.authorize({ action: 'ec2:RunInstances', resource: `arn:aws:ec2:${tx.region}:${account}:instance/*` });

  const reservationId = ec2Id('r');
  const launched: InstanceRecord[] = [];
  for (let index = 0; index < input.MaxCount; index += 1) {
    const id = ec2Id('i');
    const volumeId = ec2Id('vol');
    const volume: VolumeRecord = {
      id: volumeId,
      zone: subnet.zone,
      sizeGiB: size,
      type: volumeType,
      encrypted,
      ...(encrypted ? { kmsKeyId: rootMapping.KmsKeyId ?? `arn:aws:kms:${tx.region}:${account}:alias/aws/ebs` } : {}),
      ...(volumeType === 'gp3' ? { iops: rootMapping.Iops ?? 3000, throughput: rootMapping.Throughput ?? 125 } : {}),
      createdAt: tx.now.toISOString(),
      instanceId: id,
      device: '/dev/xvda',
      deleteOnTermination: rootMapping.DeleteOnTermination ?? true,
      tags: tagsFor(tagSpecs, 'volume'),
    };
    ec2.volumes.push(volume);
    const associatePublic = nic?.AssociatePublicIpAddress ?? subnet.mapPublicIpOnLaunch;
    const privateIp = nextPrivateIp(ec2, subnet.id, subnet.cidr);
    const instance: InstanceRecord = {
      id,
      reservationId,
      ...(input.ClientToken === undefined ? {} : { clientToken: input.ClientToken, requestDigest: digest }),
      imageId: image.id,
      type: type.name,
      zone: subnet.zone,
      subnetId: subnet.id,
      vpcId: subnet.vpcId,
      privateIp,
      ...(associatePublic ? { publicIp: `203.0.113.${(ec2.instances.length % 250) + 2}` } : {}),
      securityGroupIds: [...groupIds],
      ...(profile === undefined ? {} : { instanceProfileArn: profile.arn, instanceProfileId: profile.id }),
      enclave,
      metadata,
      ...(input.UserData === undefined ? {} : { userData: input.UserData }),
      launchedAt: tx.now.toISOString(),
      rootDevice: '/dev/xvda',
      volumeIds: [volumeId],
      tags: tagsFor(tagSpecs, 'instance'),
    };
    ec2.instances.push(instance);
    launched.push(instance);
  }
  tx.trail({
    responseElements: {
      reservationId,
      instancesSet: { items: launched.map((instance) => ({ instanceId: instance.id })) },
    },
    resources: launched.map((instance) => ({
      ARN: `arn:aws:ec2:${tx.region}:${account}:instance/${instance.id}`,
      type: 'AWS::EC2::Instance',
    })),
  });
  return {
    ReservationId: reservationId,
    OwnerId: account,
    Groups: [],
    Instances: launched.map((instance) => instanceOutput(tx, instance)),
  };
}
