/** The simulated EC2 behind {@link EC2Port}. Behaviour spec: ./README.md, "EC2". */
import type * as SDK from '@aws-sdk/client-ec2';
import type { EC2Port } from '../ec2.js';
import { AMAZON_OWNER_ID, INSTANCE_TYPES, instanceType, isOffered, REGIONS, regionImages, zoneId, type ImageInfo } from './catalogue.js';
import type { SandboxEngine, Tx } from './engine.js';
import type { InstanceRecord, PermissionRecord, RegionState, SecurityGroupRecord, Tag, VolumeRecord } from './state.js';
import { ec2Id, filterValueMatches, mergeTags, outputTags, paginate, sha256Hex, tagFilterMatches } from './util.js';

type Filters = SDK.Filter[] | undefined;

function filterMap(filters: Filters): [string, string[]][] {
  return (filters ?? []).map((filter) => [filter.Name ?? '', filter.Values ?? []]);
}

/**
 * Applies EC2 filters: every filter must match (AND), any value of one filter may match (OR).
 * `fields` maps each supported filter name to the resource's value(s); an unknown filter name is
 * rejected as EC2 does.
 */
function applyFilters<T>(tx: Tx, items: T[], filters: Filters, fields: Record<string, (item: T) => string | string[] | undefined>, tags: (item: T) => Tag[]): T[] {
  const parsed = filterMap(filters);
  for (const [name] of parsed) {
    if (!(name in fields) && !name.startsWith('tag:') && name !== 'tag-key' && name !== 'tag-value') {
      throw tx.error('InvalidParameterValue', `The filter '${name}' is invalid`);
    }
  }
  return items.filter((item) =>
    parsed.every(([name, values]) => {
      const byTag = tagFilterMatches(name, values, tags(item));
      if (byTag !== undefined) return byTag;
      const value = fields[name]!(item);
      const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
      return list.some((entry) => filterValueMatches(entry, values));
    }),
  );
}

function pageOf<T>(tx: Tx, items: T[], input: { MaxResults?: number | undefined; NextToken?: string | undefined }, scope: object, always = false) {
  if (input.MaxResults === undefined && input.NextToken === undefined && !always) return { items, next: undefined };
  if (input.MaxResults !== undefined && (input.MaxResults < 5 || input.MaxResults > 1000)) {
    throw tx.error('InvalidParameterValue', `Value ( ${input.MaxResults} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.`);
  }
  return paginate(items, {
    token: input.NextToken,
    max: input.MaxResults,
    pageSize: tx.knobs.pageSize,
    scope: `${tx.operation}:${JSON.stringify(scope)}`,
    invalid: () => tx.error('InvalidPaginationToken', `Invalid pagination token: ${input.NextToken ?? ''}`),
  });
}

const STATE_CODES = { pending: 0, running: 16, 'shutting-down': 32, terminated: 48, stopping: 64, stopped: 80 } as const;
type InstanceStateName = keyof typeof STATE_CODES;

/** Instance state as a pure function of time (no write needed for a transition). */
export function instanceState(instance: InstanceRecord, now: Date, transitionMs: number): InstanceStateName {
  if (instance.terminatedAt !== undefined) return now.getTime() - Date.parse(instance.terminatedAt) >= transitionMs ? 'terminated' : 'shutting-down';
  return now.getTime() - Date.parse(instance.launchedAt) >= transitionMs ? 'running' : 'pending';
}

/** Terminated instances drop out of DescribeInstances an hour after termination, as in EC2. */
const TERMINATED_VISIBLE_MS = 3_600_000;

function visibleInstances(tx: Tx): InstanceRecord[] {
  return tx.regionState.ec2.instances.filter((instance) => instance.terminatedAt === undefined || tx.now.getTime() - Date.parse(instance.terminatedAt) < TERMINATED_VISIBLE_MS);
}

function permissionOutput(rules: PermissionRecord[]): SDK.IpPermission[] {
  const groups = new Map<string, SDK.IpPermission>();
  for (const rule of rules) {
    const key = `${rule.protocol}|${rule.fromPort ?? ''}|${rule.toPort ?? ''}`;
    let permission = groups.get(key);
    if (permission === undefined) {
      permission = {
        IpProtocol: rule.protocol,
        ...(rule.protocol === '-1' ? {} : { FromPort: rule.fromPort, ToPort: rule.toPort }),
        IpRanges: [],
        Ipv6Ranges: [],
        PrefixListIds: [],
        UserIdGroupPairs: [],
      };
      groups.set(key, permission);
    }
    if (rule.cidrIpv4 !== undefined) permission.IpRanges!.push({ CidrIp: rule.cidrIpv4, ...(rule.description === undefined ? {} : { Description: rule.description }) });
    if (rule.cidrIpv6 !== undefined) permission.Ipv6Ranges!.push({ CidrIpv6: rule.cidrIpv6, ...(rule.description === undefined ? {} : { Description: rule.description }) });
    if (rule.referencedGroupId !== undefined) permission.UserIdGroupPairs!.push({ GroupId: rule.referencedGroupId, UserId: undefined, ...(rule.description === undefined ? {} : { Description: rule.description }) });
  }
  return [...groups.values()];
}

const PROTOCOLS: Record<string, string> = { tcp: 'tcp', '6': 'tcp', udp: 'udp', '17': 'udp', icmp: 'icmp', '1': 'icmp', '-1': '-1', all: '-1', icmpv6: 'icmpv6', '58': 'icmpv6' };

/** Expands request permissions into one record per peer, validating protocol and ports. */
function permissionRecords(tx: Tx, permissions: SDK.IpPermission[] | undefined): Omit<PermissionRecord, 'ruleId'>[] {
  if (permissions === undefined || permissions.length === 0) throw tx.error('MissingParameter', 'The request must contain the parameter ipPermissions');
  const records: Omit<PermissionRecord, 'ruleId'>[] = [];
  for (const permission of permissions) {
    const protocol = PROTOCOLS[(permission.IpProtocol ?? '').toLowerCase()];
    if (protocol === undefined) throw tx.error('InvalidParameterValue', `Invalid value '${permission.IpProtocol ?? ''}' for IP protocol. Unknown protocol.`);
    let fromPort: number | undefined;
    let toPort: number | undefined;
    if (protocol === 'tcp' || protocol === 'udp') {
      fromPort = permission.FromPort;
      toPort = permission.ToPort;
      if (fromPort === undefined || toPort === undefined) throw tx.error('InvalidParameterValue', `Invalid value for portRange. Must specify both from and to ports with TCP/UDP.`);
      if (fromPort < 0 || toPort > 65535 || fromPort > toPort) throw tx.error('InvalidParameterValue', `Invalid value for portRange. Must specify both from and to ports with TCP/UDP.`);
    } else if (protocol === 'icmp' || protocol === 'icmpv6') {
      fromPort = permission.FromPort ?? -1;
      toPort = permission.ToPort ?? -1;
    }
    const base = { protocol, ...(fromPort === undefined ? {} : { fromPort }), ...(toPort === undefined ? {} : { toPort }) };
    for (const range of permission.IpRanges ?? []) {
      if (range.CidrIp === undefined || !/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(range.CidrIp)) throw tx.error('InvalidParameterValue', `CIDR block ${range.CidrIp ?? ''} is malformed`);
      records.push({ ...base, cidrIpv4: range.CidrIp, ...(range.Description === undefined ? {} : { description: range.Description }) });
    }
    for (const range of permission.Ipv6Ranges ?? []) {
      if (range.CidrIpv6 === undefined || !range.CidrIpv6.includes(':')) throw tx.error('InvalidParameterValue', `CIDR block ${range.CidrIpv6 ?? ''} is malformed`);
      records.push({ ...base, cidrIpv6: range.CidrIpv6, ...(range.Description === undefined ? {} : { description: range.Description }) });
    }
    for (const pair of permission.UserIdGroupPairs ?? []) {
      if (pair.GroupId === undefined || !tx.regionState.ec2.securityGroups.some((group) => group.id === pair.GroupId)) {
        throw tx.error('InvalidGroup.NotFound', `The security group '${pair.GroupId ?? ''}' does not exist`);
      }
      records.push({ ...base, referencedGroupId: pair.GroupId, ...(pair.Description === undefined ? {} : { description: pair.Description }) });
    }
    if ((permission.IpRanges?.length ?? 0) + (permission.Ipv6Ranges?.length ?? 0) + (permission.UserIdGroupPairs?.length ?? 0) === 0) {
      throw tx.error('InvalidParameterValue', 'The request must contain at least one peer (CIDR range or security group).');
    }
  }
  return records;
}

function samePermission(a: Omit<PermissionRecord, 'ruleId'>, b: Omit<PermissionRecord, 'ruleId'>): boolean {
  return a.protocol === b.protocol && a.fromPort === b.fromPort && a.toPort === b.toPort && a.cidrIpv4 === b.cidrIpv4 && a.cidrIpv6 === b.cidrIpv6 && a.referencedGroupId === b.referencedGroupId;
}

function describePermission(rule: Omit<PermissionRecord, 'ruleId'>): string {
  const peer = rule.cidrIpv4 ?? rule.cidrIpv6 ?? rule.referencedGroupId ?? '';
  const protocol = rule.protocol === '-1' ? 'ALL' : rule.protocol.toUpperCase();
  return `peer: ${peer}, ${protocol}, from port: ${rule.fromPort ?? -1}, to port: ${rule.toPort ?? -1}, ALLOW`;
}

function ruleOutput(group: SecurityGroupRecord, rule: PermissionRecord, egress: boolean, accountId: string): SDK.SecurityGroupRule {
  return {
    SecurityGroupRuleId: rule.ruleId,
    GroupId: group.id,
    GroupOwnerId: accountId,
    IsEgress: egress,
    IpProtocol: rule.protocol,
    FromPort: rule.fromPort ?? -1,
    ToPort: rule.toPort ?? -1,
    ...(rule.cidrIpv4 === undefined ? {} : { CidrIpv4: rule.cidrIpv4 }),
    ...(rule.cidrIpv6 === undefined ? {} : { CidrIpv6: rule.cidrIpv6 }),
    ...(rule.referencedGroupId === undefined ? {} : { ReferencedGroupInfo: { GroupId: rule.referencedGroupId, UserId: accountId } }),
    ...(rule.description === undefined ? {} : { Description: rule.description }),
    Tags: [],
  };
}

function findGroup(tx: Tx, id: string | undefined): SecurityGroupRecord {
  const group = tx.regionState.ec2.securityGroups.find((candidate) => candidate.id === id);
  if (group === undefined) throw tx.error('InvalidGroup.NotFound', `The security group '${id ?? ''}' does not exist`);
  return group;
}

function tagsFor(specs: SDK.TagSpecification[] | undefined, type: string): Tag[] {
  return mergeTags([], (specs ?? []).filter((spec) => spec.ResourceType === type).flatMap((spec) => spec.Tags ?? []));
}

function checkTags(tx: Tx, tags: readonly { Key?: string | undefined }[]): void {
  for (const tag of tags) {
    if (tag.Key === undefined || tag.Key === '' || tag.Key.length > 128) throw tx.error('InvalidParameterValue', `Tag key must be between 1 and 128 characters`);
    if (tag.Key.toLowerCase().startsWith('aws:')) throw tx.error('InvalidParameterValue', `Tag keys starting with 'aws:' are reserved for internal use`);
  }
}

function imageOutput(region: string, image: ImageInfo): SDK.Image {
  return {
    ImageId: image.id,
    Name: image.name,
    Description: image.description,
    Architecture: image.architecture,
    ImageLocation: `amazon/${image.name}`,
    ImageType: 'machine',
    OwnerId: AMAZON_OWNER_ID,
    ImageOwnerAlias: 'amazon',
    Public: true,
    State: 'available',
    CreationDate: '2025-01-15T20:47:00.000Z',
    PlatformDetails: 'Linux/UNIX',
    UsageOperation: 'RunInstances',
    RootDeviceName: '/dev/xvda',
    RootDeviceType: 'ebs',
    VirtualizationType: 'hvm',
    Hypervisor: 'xen',
    EnaSupport: true,
    SriovNetSupport: 'simple',
    BootMode: 'uefi-preferred',
    ImdsSupport: 'v2.0',
    BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { DeleteOnTermination: true, SnapshotId: `snap-0${sha256Hex(`${region}${image.id}`).slice(0, 16)}`, VolumeSize: 8, VolumeType: 'gp3', Encrypted: false, Iops: 3000, Throughput: 125 } }],
  };
}

function privateDns(region: string, ip: string): string {
  const host = `ip-${ip.replace(/\./g, '-')}`;
  return region === 'us-east-1' ? `${host}.ec2.internal` : `${host}.${region}.compute.internal`;
}

function instanceOutput(tx: Tx, instance: InstanceRecord): SDK.Instance {
  const state = instanceState(instance, tx.now, tx.knobs.instanceTransitionMs);
  const live = state === 'pending' || state === 'running';
  const region = REGIONS.get(tx.region)!;
  const groups = instance.securityGroupIds.map((id) => ({ GroupId: id, GroupName: tx.regionState.ec2.securityGroups.find((group) => group.id === id)?.name ?? id }));
  const type = instanceType(instance.type);
  return {
    InstanceId: instance.id,
    ImageId: instance.imageId,
    InstanceType: instance.type as SDK._InstanceType,
    State: { Code: STATE_CODES[state], Name: state },
    ...(state === 'terminated' || state === 'shutting-down' ? { StateTransitionReason: `User initiated (${instance.terminatedAt ?? ''})`, StateReason: { Code: 'Client.UserInitiatedShutdown', Message: 'Client.UserInitiatedShutdown: User initiated shutdown' } } : { StateTransitionReason: '' }),
    LaunchTime: new Date(instance.launchedAt),
    Placement: { AvailabilityZone: instance.zone, AvailabilityZoneId: zoneId(region, instance.zone), GroupName: '', Tenancy: 'default' },
    ...(live ? { PrivateIpAddress: instance.privateIp, PrivateDnsName: privateDns(tx.region, instance.privateIp), SubnetId: instance.subnetId, VpcId: instance.vpcId } : { PrivateDnsName: '' }),
    ...(live && instance.publicIp !== undefined ? { PublicIpAddress: instance.publicIp, PublicDnsName: `ec2-${instance.publicIp.replace(/\./g, '-')}.compute-1.amazonaws.com` } : { PublicDnsName: '' }),
    SecurityGroups: live ? groups : [],
    ...(instance.instanceProfileArn === undefined ? {} : { IamInstanceProfile: { Arn: instance.instanceProfileArn, Id: instance.instanceProfileId } }),
    EnclaveOptions: { Enabled: instance.enclave },
    MetadataOptions: {
      State: state === 'pending' ? 'pending' : 'applied',
      HttpTokens: instance.metadata.httpTokens as SDK.HttpTokensState,
      HttpPutResponseHopLimit: instance.metadata.hopLimit,
      HttpEndpoint: instance.metadata.httpEndpoint as SDK.InstanceMetadataEndpointState,
      HttpProtocolIpv6: instance.metadata.httpProtocolIpv6 as SDK.InstanceMetadataProtocolState,
      InstanceMetadataTags: instance.metadata.instanceMetadataTags as SDK.InstanceMetadataTagsState,
    },
    HibernationOptions: { Configured: false },
    Architecture: type?.architecture ?? 'x86_64',
    Hypervisor: 'xen',
    VirtualizationType: 'hvm',
    RootDeviceType: 'ebs',
    RootDeviceName: instance.rootDevice,
    BlockDeviceMappings: live
      ? instance.volumeIds.flatMap((volumeId) => {
          const volume = tx.regionState.ec2.volumes.find((candidate) => candidate.id === volumeId);
          return volume === undefined ? [] : [{ DeviceName: volume.device, Ebs: { VolumeId: volume.id, Status: 'attached', AttachTime: new Date(volume.createdAt), DeleteOnTermination: volume.deleteOnTermination } }];
        })
      : [],
    EbsOptimized: true,
    EnaSupport: true,
    SourceDestCheck: true,
    AmiLaunchIndex: 0,
    ProductCodes: [],
    Monitoring: { State: 'disabled' },
    CpuOptions: { CoreCount: Math.max(1, (type?.vcpus ?? 2) / 2), ThreadsPerCore: 2 },
    PlatformDetails: 'Linux/UNIX',
    UsageOperation: 'RunInstances',
    BootMode: 'uefi',
    CurrentInstanceBootMode: 'uefi',
    ...(instance.clientToken === undefined ? {} : { ClientToken: instance.clientToken }),
    ...(outputTags(instance.tags) === undefined ? {} : { Tags: outputTags(instance.tags) }),
  };
}

function volumeOutput(tx: Tx, volume: VolumeRecord): SDK.Volume {
  const instance = volume.instanceId === undefined ? undefined : tx.regionState.ec2.instances.find((candidate) => candidate.id === volume.instanceId);
  const attached = instance !== undefined && instance.terminatedAt === undefined;
  return {
    VolumeId: volume.id,
    AvailabilityZone: volume.zone,
    Size: volume.sizeGiB,
    VolumeType: volume.type as SDK.VolumeType,
    Encrypted: volume.encrypted,
    ...(volume.kmsKeyId === undefined ? {} : { KmsKeyId: volume.kmsKeyId }),
    ...(volume.iops === undefined ? {} : { Iops: volume.iops }),
    ...(volume.throughput === undefined ? {} : { Throughput: volume.throughput }),
    CreateTime: new Date(volume.createdAt),
    State: attached ? 'in-use' : 'available',
    MultiAttachEnabled: false,
    Attachments: attached ? [{ VolumeId: volume.id, InstanceId: volume.instanceId, Device: volume.device, State: 'attached', AttachTime: new Date(volume.createdAt), DeleteOnTermination: volume.deleteOnTermination }] : [],
    ...(outputTags(volume.tags) === undefined ? {} : { Tags: outputTags(volume.tags) }),
  };
}

function groupOutput(tx: Tx, group: SecurityGroupRecord): SDK.SecurityGroup {
  return {
    GroupId: group.id,
    GroupName: group.name,
    Description: group.description,
    VpcId: group.vpcId,
    OwnerId: tx.state.accountId,
    SecurityGroupArn: `arn:aws:ec2:${tx.region}:${tx.state.accountId}:security-group/${group.id}`,
    IpPermissions: permissionOutput(group.ingress),
    IpPermissionsEgress: permissionOutput(group.egress),
    ...(outputTags(group.tags) === undefined ? {} : { Tags: outputTags(group.tags) }),
  };
}

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
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).filter(([key, item]) => key !== 'ClientToken' && item !== undefined).sort(([a], [b]) => a.localeCompare(b)).map(([key, item]) => [key, canonical(item)]));
    }
    return value;
  };
  return sha256Hex(JSON.stringify(canonical(input)));
}

function resolveInstanceProfile(tx: Tx, spec: SDK.IamInstanceProfileSpecification) {
  const byArn = spec.Arn !== undefined;
  const profile = Object.values(tx.state.iam.instanceProfiles).find((candidate) => (byArn ? candidate.arn === spec.Arn : candidate.name.toLowerCase() === (spec.Name ?? '').toLowerCase()));
  const invalid = () =>
    tx.error(
      'InvalidParameterValue',
      byArn ? `Value (${spec.Arn ?? ''}) for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN` : `Value (${spec.Name ?? ''}) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name`,
    );
  if (profile === undefined || profile.roles.length === 0) throw invalid();
  // IAM eventual consistency: a profile (or its role association) is usable only after the delay.
  const since = Math.max(Date.parse(profile.createdAt), Date.parse(profile.roleAddedAt ?? profile.createdAt));
  if (tx.now.getTime() - since < tx.knobs.iamPropagationDelayMs) throw invalid();
  const role = tx.state.iam.roles[profile.roles[0]!];
  if (role === undefined) throw invalid();
  tx.authorize({ action: 'iam:PassRole', resource: role.arn });
  return profile;
}

function runInstances(tx: Tx, input: SDK.RunInstancesCommandInput): Omit<SDK.RunInstancesCommandOutput, '$metadata'> {
  const ec2 = tx.regionState.ec2;
  const account = tx.state.accountId;
  const region = REGIONS.get(tx.region)!;
  const digest = requestDigest(input);

  // ClientToken idempotency: the same token returns the original launch, whatever happened since.
  if (input.ClientToken !== undefined) {
    if (input.ClientToken.length > 64) throw tx.error('InvalidParameterValue', 'ClientToken must be at most 64 characters');
    const previous = ec2.instances.filter((instance) => instance.clientToken === input.ClientToken);
    if (previous.length > 0) {
      if (previous[0]!.requestDigest !== digest) throw tx.error('IdempotentParameterMismatch', 'Arguments on this idempotent request are inconsistent with arguments used in previous request(s).');
      return { ReservationId: previous[0]!.reservationId, OwnerId: account, Groups: [], Instances: previous.map((instance) => instanceOutput(tx, instance)) };
    }
  }

  if (input.MinCount === undefined || input.MaxCount === undefined) throw tx.error('MissingParameter', `The request must contain the parameter ${input.MinCount === undefined ? 'MinCount' : 'MaxCount'}`);
  if (input.MinCount < 1 || input.MaxCount < input.MinCount) throw tx.error('InvalidParameterValue', `Value (${input.MinCount}) for parameter minCount is invalid. Expected a value between 1 and maxCount.`);
  if (input.ImageId === undefined) throw tx.error('MissingParameter', 'The request must contain the parameter ImageId');
  if (!/^ami-[0-9a-f]{8,17}$/.test(input.ImageId)) throw tx.error('InvalidAMIID.Malformed', `Invalid id: "${input.ImageId}" (expecting "ami-...")`);
  const image = regionImages(tx.region).find((candidate) => candidate.id === input.ImageId);
  if (image === undefined) throw tx.error('InvalidAMIID.NotFound', `The image id '[${input.ImageId}]' does not exist`);
  const typeName = input.InstanceType ?? 'm1.small';
  const type = instanceType(typeName);
  if (type === undefined) throw tx.error('InvalidParameterValue', `Invalid value '${typeName}' for InstanceType.`);
  if (type.architecture !== image.architecture) {
    throw tx.error('InvalidParameterValue', `The architecture '${type.architecture}' of the specified instance type does not match the architecture '${image.architecture}' of the specified AMI. Specify an instance type and an AMI that have matching architectures, and try again.`);
  }
  if (input.KeyName !== undefined) throw tx.error('InvalidKeyPair.NotFound', `The key pair '${input.KeyName}' does not exist`);

  // Network placement.
  const nic = input.NetworkInterfaces?.[0];
  if (nic !== undefined && (input.SecurityGroupIds !== undefined || input.SubnetId !== undefined)) {
    throw tx.error('InvalidParameterCombination', 'Network interfaces and an instance-level subnet ID or security groups may not be specified on the same request');
  }
  if (nic !== undefined && nic.DeviceIndex !== 0) throw tx.error('InvalidParameterValue', 'Each network interface requires a device index; the primary network interface has device index 0.');
  const subnetId = nic?.SubnetId ?? input.SubnetId;
  const subnet =
    subnetId === undefined
      ? ec2.subnets.find((candidate) => candidate.defaultForAz && (input.Placement?.AvailabilityZone === undefined || candidate.zone === input.Placement.AvailabilityZone))
      : ec2.subnets.find((candidate) => candidate.id === subnetId);
  if (subnet === undefined) {
    if (subnetId !== undefined) throw tx.error('InvalidSubnetID.NotFound', `The subnet ID '${subnetId}' does not exist`);
    throw tx.error('VPCIdNotSpecified', 'No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.');
  }
  if (!isOffered(type.name, region, subnet.zone)) {
    const zones = region.zones.filter((zone) => isOffered(type.name, region, zone));
    throw tx.error('Unsupported', `Your requested instance type (${type.name}) is not supported in your requested Availability Zone (${subnet.zone}). Please retry your request by not specifying an Availability Zone or choosing ${zones.join(', ')}.`);
  }
  const groupIds = nic?.Groups ?? input.SecurityGroupIds ?? [ec2.securityGroups.find((group) => group.vpcId === subnet.vpcId && group.name === 'default')!.id];
  for (const id of groupIds) {
    const group = findGroup(tx, id);
    if (group.vpcId !== subnet.vpcId) throw tx.error('InvalidParameter', `Security group ${id} and subnet ${subnet.id} belong to different networks.`);
  }
  if (input.SecurityGroups !== undefined) throw tx.error('InvalidParameterCombination', 'The parameter groupName cannot be used with the parameter subnet');

  // Nitro Enclaves.
  const enclave = input.EnclaveOptions?.Enabled === true;
  if (enclave && type.nitroEnclaves !== 'supported') {
    throw tx.error('InvalidParameterCombination', `The instance type ${type.name} does not support Nitro Enclaves. Choose an instance type that supports Nitro Enclaves, or disable Nitro Enclaves.`);
  }
  if (enclave && input.HibernationOptions?.Configured === true) throw tx.error('InvalidParameterCombination', 'Hibernation and Nitro Enclaves cannot be enabled on the same instance.');

  // Instance metadata service options (AL2023 images default to IMDSv2 with hop limit 2).
  const options = input.MetadataOptions ?? {};
  if (options.HttpTokens !== undefined && !['optional', 'required'].includes(options.HttpTokens)) throw tx.error('InvalidParameterValue', `Value (${options.HttpTokens}) for parameter HttpTokens is invalid. Valid values are optional, required.`);
  if (options.HttpEndpoint !== undefined && !['enabled', 'disabled'].includes(options.HttpEndpoint)) throw tx.error('InvalidParameterValue', `Value (${options.HttpEndpoint}) for parameter HttpEndpoint is invalid.`);
  if (options.HttpPutResponseHopLimit !== undefined && (!Number.isInteger(options.HttpPutResponseHopLimit) || options.HttpPutResponseHopLimit < 1 || options.HttpPutResponseHopLimit > 64)) {
    throw tx.error('InvalidParameterValue', `Value (${options.HttpPutResponseHopLimit}) for parameter HttpPutResponseHopLimit is invalid. Valid values are between 1 and 64.`);
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
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(input.UserData) || input.UserData.length % 4 !== 0) throw tx.error('InvalidParameterValue', 'Invalid BASE64 encoding of user data.');
    if (Buffer.from(input.UserData, 'base64').length > 16_384) throw tx.error('InvalidParameterValue', 'User data is limited to 16384 bytes');
  }

  // Block devices: the image's root volume, overridden by a mapping with the same device name.
  const rootMapping = input.BlockDeviceMappings?.find((mapping) => mapping.DeviceName === '/dev/xvda')?.Ebs ?? {};
  for (const mapping of input.BlockDeviceMappings ?? []) {
    if (mapping.DeviceName !== '/dev/xvda') throw tx.error('InvalidBlockDeviceMapping', `The sandbox supports the root device /dev/xvda only, not ${mapping.DeviceName ?? ''}`);
  }
  const volumeType = rootMapping.VolumeType ?? 'gp3';
  if (!['gp2', 'gp3', 'io1', 'io2', 'st1', 'sc1', 'standard'].includes(volumeType)) throw tx.error('InvalidParameterValue', `Value (${volumeType}) for parameter volumeType is invalid.`);
  const size = rootMapping.VolumeSize ?? 8;
  if (size < 8) throw tx.error('InvalidBlockDeviceMapping', `Volume of size ${size}GB is smaller than snapshot, expect size >= 8GB`);
  const encrypted = rootMapping.Encrypted ?? ec2.ebsEncryptionByDefault;
  if (rootMapping.KmsKeyId !== undefined && !encrypted) throw tx.error('InvalidParameterDependency', 'The parameter KmsKeyId requires the parameter Encrypted to be set.');

  // IAM instance profile (propagation and iam:PassRole).
  const profile = input.IamInstanceProfile === undefined ? undefined : resolveInstanceProfile(tx, input.IamInstanceProfile);

  const tagSpecs = input.TagSpecifications ?? [];
  for (const spec of tagSpecs) {
    if (!['instance', 'volume', 'network-interface'].includes(spec.ResourceType ?? '')) throw tx.error('InvalidParameterValue', `'${spec.ResourceType ?? ''}' is not a valid taggable resource type for this operation.`);
    checkTags(tx, spec.Tags ?? []);
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
    responseElements: { reservationId, instancesSet: { items: launched.map((instance) => ({ instanceId: instance.id })) } },
    resources: launched.map((instance) => ({ ARN: `arn:aws:ec2:${tx.region}:${account}:instance/${instance.id}`, type: 'AWS::EC2::Instance' })),
  });
  return { ReservationId: reservationId, OwnerId: account, Groups: [], Instances: launched.map((instance) => instanceOutput(tx, instance)) };
}

function findTaggable(tx: Tx, id: string): { tags: Tag[] } {
  const ec2 = tx.regionState.ec2;
  const lists: [string, { id: string; tags: Tag[] }[], string][] = [
    ['i-', ec2.instances.filter((instance) => instance.terminatedAt === undefined || tx.now.getTime() - Date.parse(instance.terminatedAt) < TERMINATED_VISIBLE_MS), 'InvalidInstanceID.NotFound'],
    ['sg-', ec2.securityGroups, 'InvalidGroup.NotFound'],
    ['vpc-', ec2.vpcs, 'InvalidVpcID.NotFound'],
    ['subnet-', ec2.subnets, 'InvalidSubnetID.NotFound'],
    ['vol-', ec2.volumes.filter((volume) => volume.deletedAt === undefined), 'InvalidVolume.NotFound'],
    ['rtb-', ec2.routeTables, 'InvalidRouteTableID.NotFound'],
  ];
  for (const [prefix, list, code] of lists) {
    if (!id.startsWith(prefix)) continue;
    const found = list.find((item) => item.id === id);
    if (found === undefined) throw tx.error(code, `The ID '${id}' does not exist`);
    return found;
  }
  throw tx.error('InvalidID', `The ID '${id}' is not valid`);
}

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
    return this.#read('DescribeAvailabilityZones', input, (tx) => {
      const region = REGIONS.get(tx.region)!;
      let zones = region.zones.filter((zone) => input.ZoneNames === undefined || input.ZoneNames.includes(zone));
      zones = applyFilters(tx, zones, input.Filters, { 'zone-name': (zone) => zone, 'zone-id': (zone) => zoneId(region, zone), 'region-name': () => tx.region, state: () => 'available', 'zone-type': () => 'availability-zone' }, () => []);
      return {
        AvailabilityZones: zones.map((zone) => ({ ZoneName: zone, ZoneId: zoneId(region, zone), RegionName: tx.region, State: 'available' as const, ZoneType: 'availability-zone', OptInStatus: 'opt-in-not-required' as const, GroupName: tx.region, NetworkBorderGroup: tx.region, Messages: [] })),
      };
    });
  }

  describeVpcs(input: SDK.DescribeVpcsCommandInput) {
    return this.#read('DescribeVpcs', input, (tx) => {
      const vpcs = tx.regionState.ec2.vpcs;
      for (const id of input.VpcIds ?? []) if (!vpcs.some((vpc) => vpc.id === id)) throw tx.error('InvalidVpcID.NotFound', `The vpc ID '${id}' does not exist`);
      const selected = applyFilters(tx, vpcs.filter((vpc) => input.VpcIds === undefined || input.VpcIds.includes(vpc.id)), input.Filters, { 'vpc-id': (vpc) => vpc.id, 'is-default': (vpc) => String(vpc.isDefault), isDefault: (vpc) => String(vpc.isDefault), cidr: (vpc) => vpc.cidr, 'cidr-block': (vpc) => vpc.cidr, 'cidr-block-association.cidr-block': (vpc) => vpc.cidr, state: () => 'available', 'owner-id': () => tx.state.accountId }, (vpc) => vpc.tags);
      const page = pageOf(tx, selected, input, { ids: input.VpcIds, filters: input.Filters });
      return {
        Vpcs: page.items.map((vpc) => ({ VpcId: vpc.id, CidrBlock: vpc.cidr, IsDefault: vpc.isDefault, State: 'available' as const, OwnerId: tx.state.accountId, InstanceTenancy: 'default' as const, DhcpOptionsId: `dopt-0${sha256Hex(tx.region).slice(0, 16)}`, CidrBlockAssociationSet: [{ AssociationId: `vpc-cidr-assoc-0${sha256Hex(vpc.id).slice(0, 16)}`, CidrBlock: vpc.cidr, CidrBlockState: { State: 'associated' as const } }], ...(outputTags(vpc.tags) === undefined ? {} : { Tags: outputTags(vpc.tags) }) })),
        ...(page.next === undefined ? {} : { NextToken: page.next }),
      };
    });
  }

  describeSubnets(input: SDK.DescribeSubnetsCommandInput) {
    return this.#read('DescribeSubnets', input, (tx) => {
      const region = REGIONS.get(tx.region)!;
      const subnets = tx.regionState.ec2.subnets;
      for (const id of input.SubnetIds ?? []) if (!subnets.some((subnet) => subnet.id === id)) throw tx.error('InvalidSubnetID.NotFound', `The subnet ID '${id}' does not exist`);
      const selected = applyFilters(tx, subnets.filter((subnet) => input.SubnetIds === undefined || input.SubnetIds.includes(subnet.id)), input.Filters, {
        'vpc-id': (subnet) => subnet.vpcId,
        vpcId: (subnet) => subnet.vpcId,
        'subnet-id': (subnet) => subnet.id,
        'availability-zone': (subnet) => subnet.zone,
        availabilityZone: (subnet) => subnet.zone,
        'availability-zone-id': (subnet) => zoneId(region, subnet.zone),
        'default-for-az': (subnet) => String(subnet.defaultForAz),
        defaultForAz: (subnet) => String(subnet.defaultForAz),
        'map-public-ip-on-launch': (subnet) => String(subnet.mapPublicIpOnLaunch),
        'cidr-block': (subnet) => subnet.cidr,
        state: () => 'available',
        'owner-id': () => tx.state.accountId,
      }, (subnet) => subnet.tags);
      const page = pageOf(tx, selected, input, { ids: input.SubnetIds, filters: input.Filters });
      return {
        Subnets: page.items.map((subnet) => ({
          SubnetId: subnet.id,
          SubnetArn: `arn:aws:ec2:${tx.region}:${tx.state.accountId}:subnet/${subnet.id}`,
          VpcId: subnet.vpcId,
          AvailabilityZone: subnet.zone,
          AvailabilityZoneId: zoneId(region, subnet.zone),
          CidrBlock: subnet.cidr,
          AvailableIpAddressCount: 4091 - tx.regionState.ec2.instances.filter((instance) => instance.subnetId === subnet.id && instance.terminatedAt === undefined).length,
          DefaultForAz: subnet.defaultForAz,
          MapPublicIpOnLaunch: subnet.mapPublicIpOnLaunch,
          State: 'available' as const,
          OwnerId: tx.state.accountId,
          AssignIpv6AddressOnCreation: false,
          Ipv6CidrBlockAssociationSet: [],
          ...(outputTags(subnet.tags) === undefined ? {} : { Tags: outputTags(subnet.tags) }),
        })),
        ...(page.next === undefined ? {} : { NextToken: page.next }),
      };
    });
  }

  describeRouteTables(input: SDK.DescribeRouteTablesCommandInput) {
    return this.#read('DescribeRouteTables', input, (tx) => {
      const tables = tx.regionState.ec2.routeTables;
      for (const id of input.RouteTableIds ?? []) if (!tables.some((table) => table.id === id)) throw tx.error('InvalidRouteTableID.NotFound', `The routeTable ID '${id}' does not exist`);
      const selected = applyFilters(tx, tables.filter((table) => input.RouteTableIds === undefined || input.RouteTableIds.includes(table.id)), input.Filters, {
        'vpc-id': (table) => table.vpcId,
        'route-table-id': (table) => table.id,
        'association.main': (table) => String(table.main),
        'association.subnet-id': (table) => table.subnetIds,
        'route.destination-cidr-block': (table) => table.routes.map((route) => route.destination),
        'route.gateway-id': (table) => table.routes.flatMap((route) => (route.gatewayId === undefined ? [] : [route.gatewayId])),
      }, (table) => table.tags);
      const page = pageOf(tx, selected, input, { ids: input.RouteTableIds, filters: input.Filters });
      return {
        RouteTables: page.items.map((table) => ({
          RouteTableId: table.id,
          VpcId: table.vpcId,
          OwnerId: tx.state.accountId,
          Routes: table.routes.map((route) => ({ DestinationCidrBlock: route.destination, ...(route.gatewayId === undefined ? {} : { GatewayId: route.gatewayId }), ...(route.natGatewayId === undefined ? {} : { NatGatewayId: route.natGatewayId }), State: 'active' as const, Origin: route.gatewayId === 'local' ? ('CreateRouteTable' as const) : ('CreateRoute' as const) })),
          Associations: [
            ...(table.main ? [{ Main: true, RouteTableAssociationId: `rtbassoc-0${sha256Hex(table.id).slice(0, 16)}`, RouteTableId: table.id, AssociationState: { State: 'associated' as const } }] : []),
            ...table.subnetIds.map((subnetId) => ({ Main: false, RouteTableAssociationId: `rtbassoc-0${sha256Hex(table.id + subnetId).slice(0, 16)}`, RouteTableId: table.id, SubnetId: subnetId, AssociationState: { State: 'associated' as const } })),
          ],
          PropagatingVgws: [],
          ...(outputTags(table.tags) === undefined ? {} : { Tags: outputTags(table.tags) }),
        })),
        ...(page.next === undefined ? {} : { NextToken: page.next }),
      };
    });
  }

  describeInstanceTypes(input: SDK.DescribeInstanceTypesCommandInput) {
    return this.#read('DescribeInstanceTypes', input, (tx) => {
      const unknown = (input.InstanceTypes ?? []).filter((name) => instanceType(name) === undefined);
      if (unknown.length > 0) throw tx.error('InvalidInstanceType', `The following supplied instance types do not exist: [${unknown.join(', ')}]`);
      const selected = applyFilters(tx, INSTANCE_TYPES.filter((type) => input.InstanceTypes === undefined || input.InstanceTypes.includes(type.name as SDK._InstanceType)), input.Filters, {
        'instance-type': (type) => type.name,
        'nitro-enclaves-support': (type) => type.nitroEnclaves,
        'processor-info.supported-architecture': (type) => type.architecture,
        'vcpu-info.default-vcpus': (type) => String(type.vcpus),
        'memory-info.size-in-mib': (type) => String(type.memoryMiB),
        'current-generation': () => 'true',
        'hibernation-supported': (type) => String(type.hibernation),
        'burstable-performance-supported': (type) => String(type.burstable),
        hypervisor: () => 'nitro',
      }, () => []);
      const page = pageOf(tx, selected, input, { ids: input.InstanceTypes, filters: input.Filters }, true);
      return {
        InstanceTypes: page.items.map((type) => ({
          InstanceType: type.name as SDK._InstanceType,
          CurrentGeneration: true,
          Hypervisor: 'nitro' as const,
          BareMetal: false,
          BurstablePerformanceSupported: type.burstable,
          HibernationSupported: type.hibernation,
          SupportedUsageClasses: ['on-demand' as const, 'spot' as const],
          SupportedRootDeviceTypes: ['ebs' as const],
          SupportedVirtualizationTypes: ['hvm' as const],
          ProcessorInfo: { SupportedArchitectures: [type.architecture], SustainedClockSpeedInGhz: 3.4 },
          VCpuInfo: { DefaultVCpus: type.vcpus, DefaultCores: Math.max(1, type.vcpus / 2), DefaultThreadsPerCore: 2 },
          MemoryInfo: { SizeInMiB: type.memoryMiB },
          InstanceStorageSupported: false,
          EbsInfo: { EbsOptimizedSupport: 'default' as const, EncryptionSupport: 'supported' as const, NvmeSupport: 'required' as const },
          NetworkInfo: { NetworkPerformance: 'Up to 10 Gigabit', MaximumNetworkInterfaces: 4, Ipv4AddressesPerInterface: 15, Ipv6Supported: true, EnaSupport: 'required' as const },
          NitroEnclavesSupport: type.nitroEnclaves,
          NitroTpmSupport: 'supported' as const,
          FreeTierEligible: false,
        })),
        ...(page.next === undefined ? {} : { NextToken: page.next }),
      };
    });
  }

  describeInstanceTypeOfferings(input: SDK.DescribeInstanceTypeOfferingsCommandInput) {
    return this.#read('DescribeInstanceTypeOfferings', input, (tx) => {
      const region = REGIONS.get(tx.region)!;
      const locationType = input.LocationType ?? 'region';
      if (!['region', 'availability-zone', 'availability-zone-id'].includes(locationType)) throw tx.error('InvalidParameterValue', `Invalid value '${locationType}' for LocationType.`);
      const offerings: { type: string; location: string }[] = [];
      for (const type of INSTANCE_TYPES) {
        if (locationType === 'region') {
          if (region.zones.some((zone) => isOffered(type.name, region, zone))) offerings.push({ type: type.name, location: tx.region });
        } else {
          for (const zone of region.zones) if (isOffered(type.name, region, zone)) offerings.push({ type: type.name, location: locationType === 'availability-zone' ? zone : zoneId(region, zone) });
        }
      }
      const selected = applyFilters(tx, offerings, input.Filters, { location: (offering) => offering.location, 'instance-type': (offering) => offering.type }, () => []);
      const page = pageOf(tx, selected, input, { locationType, filters: input.Filters }, true);
      return {
        InstanceTypeOfferings: page.items.map((offering) => ({ InstanceType: offering.type as SDK._InstanceType, LocationType: locationType, Location: offering.location })),
        ...(page.next === undefined ? {} : { NextToken: page.next }),
      };
    });
  }

  describeImages(input: SDK.DescribeImagesCommandInput) {
    return this.#read('DescribeImages', input, (tx) => {
      const images = regionImages(tx.region);
      for (const id of input.ImageIds ?? []) {
        if (!/^ami-[0-9a-f]{8,17}$/.test(id)) throw tx.error('InvalidAMIID.Malformed', `Invalid id: "${id}" (expecting "ami-...")`);
        if (!images.some((image) => image.id === id)) throw tx.error('InvalidAMIID.NotFound', `The image id '[${id}]' does not exist`);
      }
      const owners = input.Owners ?? [];
      let selected = images.filter((image) => (input.ImageIds === undefined || input.ImageIds.includes(image.id)) && (owners.length === 0 || owners.includes('amazon') || owners.includes(AMAZON_OWNER_ID)));
      selected = applyFilters(tx, selected, input.Filters, { name: (image) => image.name, 'image-id': (image) => image.id, architecture: (image) => image.architecture, 'owner-alias': () => 'amazon', 'owner-id': () => AMAZON_OWNER_ID, state: () => 'available', 'image-type': () => 'machine', 'root-device-type': () => 'ebs', 'virtualization-type': () => 'hvm', 'is-public': () => 'true' }, () => []);
      const page = pageOf(tx, selected, input, { ids: input.ImageIds, owners, filters: input.Filters });
      return { Images: page.items.map((image) => imageOutput(tx.region, image)), ...(page.next === undefined ? {} : { NextToken: page.next }) };
    });
  }

  runInstances(input: SDK.RunInstancesCommandInput) {
    return this.#write('RunInstances', input, (tx) => runInstances(tx, input));
  }

  describeInstances(input: SDK.DescribeInstancesCommandInput) {
    return this.#read('DescribeInstances', input, (tx) => {
      if (input.InstanceIds !== undefined && input.MaxResults !== undefined) throw tx.error('InvalidParameterCombination', 'The parameter instancesSet cannot be used with the parameter maxResults');
      const instances = visibleInstances(tx);
      for (const id of input.InstanceIds ?? []) {
        if (!/^i-[0-9a-f]{8,17}$/.test(id)) throw tx.error('InvalidInstanceID.Malformed', `Invalid id: "${id}"`);
        if (!instances.some((instance) => instance.id === id)) throw tx.error('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
      }
      const selected = applyFilters(tx, instances.filter((instance) => input.InstanceIds === undefined || input.InstanceIds.includes(instance.id)), input.Filters, {
        'instance-id': (instance) => instance.id,
        'instance-state-name': (instance) => instanceState(instance, tx.now, tx.knobs.instanceTransitionMs),
        'instance-state-code': (instance) => String(STATE_CODES[instanceState(instance, tx.now, tx.knobs.instanceTransitionMs)]),
        'instance-type': (instance) => instance.type,
        'vpc-id': (instance) => instance.vpcId,
        'subnet-id': (instance) => instance.subnetId,
        'availability-zone': (instance) => instance.zone,
        'client-token': (instance) => instance.clientToken,
        'iam-instance-profile.arn': (instance) => instance.instanceProfileArn,
        'image-id': (instance) => instance.imageId,
        'reservation-id': (instance) => instance.reservationId,
        'instance.group-id': (instance) => instance.securityGroupIds,
        'private-ip-address': (instance) => instance.privateIp,
        'ip-address': (instance) => instance.publicIp,
      }, (instance) => instance.tags);
      const page = pageOf(tx, selected, input, { filters: input.Filters });
      const reservations = new Map<string, SDK.Reservation>();
      for (const instance of page.items) {
        let reservation = reservations.get(instance.reservationId);
        if (reservation === undefined) {
          reservation = { ReservationId: instance.reservationId, OwnerId: tx.state.accountId, Groups: [], Instances: [] };
          reservations.set(instance.reservationId, reservation);
        }
        reservation.Instances!.push(instanceOutput(tx, instance));
      }
      return { Reservations: [...reservations.values()], ...(page.next === undefined ? {} : { NextToken: page.next }) };
    });
  }

  terminateInstances(input: SDK.TerminateInstancesCommandInput) {
    return this.#write('TerminateInstances', input, (tx) => {
      const ids = input.InstanceIds ?? [];
      if (ids.length === 0) throw tx.error('MissingParameter', 'The request must contain the parameter InstanceIds');
      const instances = ids.map((id) => {
        const instance = visibleInstances(tx).find((candidate) => candidate.id === id);
        if (instance === undefined) throw tx.error('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
        return instance;
      });
      for (const instance of instances) tx.authorize({ action: 'ec2:TerminateInstances', resource: `arn:aws:ec2:${tx.region}:${tx.state.accountId}:instance/${instance.id}` });
      const result = instances.map((instance) => {
        const previous = instanceState(instance, tx.now, tx.knobs.instanceTransitionMs);
        if (instance.terminatedAt === undefined) {
          instance.terminatedAt = tx.now.toISOString();
          for (const volume of tx.regionState.ec2.volumes) {
            if (volume.instanceId === instance.id && volume.deleteOnTermination) volume.deletedAt = tx.now.toISOString();
          }
        }
        const current = instanceState(instance, tx.now, tx.knobs.instanceTransitionMs);
        return { InstanceId: instance.id, PreviousState: { Code: STATE_CODES[previous], Name: previous }, CurrentState: { Code: STATE_CODES[current], Name: current } };
      });
      tx.trail({ resources: instances.map((instance) => ({ ARN: `arn:aws:ec2:${tx.region}:${tx.state.accountId}:instance/${instance.id}`, type: 'AWS::EC2::Instance' })) });
      return { TerminatingInstances: result };
    });
  }

  describeVolumes(input: SDK.DescribeVolumesCommandInput) {
    return this.#read('DescribeVolumes', input, (tx) => {
      const volumes = tx.regionState.ec2.volumes.filter((volume) => volume.deletedAt === undefined);
      for (const id of input.VolumeIds ?? []) if (!volumes.some((volume) => volume.id === id)) throw tx.error('InvalidVolume.NotFound', `The volume '${id}' does not exist.`);
      const selected = applyFilters(tx, volumes.filter((volume) => input.VolumeIds === undefined || input.VolumeIds.includes(volume.id)), input.Filters, {
        'volume-id': (volume) => volume.id,
        'attachment.instance-id': (volume) => volume.instanceId,
        encrypted: (volume) => String(volume.encrypted),
        'availability-zone': (volume) => volume.zone,
        'volume-type': (volume) => volume.type,
      }, (volume) => volume.tags);
      const page = pageOf(tx, selected, input, { ids: input.VolumeIds, filters: input.Filters });
      return { Volumes: page.items.map((volume) => volumeOutput(tx, volume)), ...(page.next === undefined ? {} : { NextToken: page.next }) };
    });
  }

  getEbsEncryptionByDefault(input: SDK.GetEbsEncryptionByDefaultCommandInput) {
    return this.#read('GetEbsEncryptionByDefault', input, (tx) => ({ EbsEncryptionByDefault: tx.regionState.ec2.ebsEncryptionByDefault, SseType: 'sse-ebs' as const }));
  }

  createSecurityGroup(input: SDK.CreateSecurityGroupCommandInput) {
    return this.#write('CreateSecurityGroup', input, (tx) => {
      const ec2 = tx.regionState.ec2;
      const name = input.GroupName ?? '';
      if (name === '' || name.length > 255) throw tx.error('InvalidParameterValue', `Value (${name}) for parameter GroupName is invalid. Length must be between 1 and 255.`);
      if (name.startsWith('sg-')) throw tx.error('InvalidParameterValue', `Value (${name}) for parameter GroupName is invalid. Group names may not be in the format sg-*.`);
      if (input.Description === undefined || input.Description === '') throw tx.error('MissingParameter', 'The request must contain the parameter GroupDescription');
      if (input.Description.length > 255 || !/^[\x20-\x7e]*$/.test(input.Description)) throw tx.error('InvalidParameterValue', `Value (${input.Description}) for parameter GroupDescription is invalid. Character sets beyond ASCII are not supported.`);
      const vpcId = input.VpcId ?? ec2.vpcs.find((vpc) => vpc.isDefault)?.id;
      if (vpcId === undefined || !ec2.vpcs.some((vpc) => vpc.id === vpcId)) throw tx.error('InvalidVpcID.NotFound', `The vpc ID '${input.VpcId ?? ''}' does not exist`);
      if (ec2.securityGroups.some((group) => group.vpcId === vpcId && group.name === name)) throw tx.error('InvalidGroup.Duplicate', `The security group '${name}' already exists for VPC '${vpcId}'`);
      const tags = tagsFor(input.TagSpecifications, 'security-group');
      checkTags(tx, tags);
      tx.authorize({ action: 'ec2:CreateSecurityGroup', resource: `arn:aws:ec2:${tx.region}:${tx.state.accountId}:security-group/*` });
      // A new group allows all egress, as in EC2; callers that want less must revoke it.
      const group: SecurityGroupRecord = { id: ec2Id('sg'), name, description: input.Description, vpcId, ingress: [], egress: [{ ruleId: ec2Id('sgr'), protocol: '-1', cidrIpv4: '0.0.0.0/0' }], tags };
      ec2.securityGroups.push(group);
      const arn = `arn:aws:ec2:${tx.region}:${tx.state.accountId}:security-group/${group.id}`;
      tx.trail({ responseElements: { groupId: group.id }, resources: [{ ARN: arn, type: 'AWS::EC2::SecurityGroup' }] });
      return { GroupId: group.id, SecurityGroupArn: arn, ...(outputTags(tags) === undefined ? {} : { Tags: outputTags(tags) }) };
    });
  }

  describeSecurityGroups(input: SDK.DescribeSecurityGroupsCommandInput) {
    return this.#read('DescribeSecurityGroups', input, (tx) => {
      const groups = tx.regionState.ec2.securityGroups;
      if ((input.GroupIds !== undefined || input.GroupNames !== undefined) && input.MaxResults !== undefined) throw tx.error('InvalidParameterCombination', 'The parameter groupIds cannot be used with the parameter maxResults');
      for (const id of input.GroupIds ?? []) if (!groups.some((group) => group.id === id)) throw tx.error('InvalidGroup.NotFound', `The security group '${id}' does not exist`);
      const defaultVpc = tx.regionState.ec2.vpcs.find((vpc) => vpc.isDefault)?.id;
      for (const name of input.GroupNames ?? []) if (!groups.some((group) => group.name === name && group.vpcId === defaultVpc)) throw tx.error('InvalidGroup.NotFound', `The security group '${name}' does not exist in default VPC '${defaultVpc ?? ''}'`);
      const selected = applyFilters(tx, groups.filter((group) => (input.GroupIds === undefined || input.GroupIds.includes(group.id)) && (input.GroupNames === undefined || (input.GroupNames.includes(group.name) && group.vpcId === defaultVpc))), input.Filters, {
        'group-id': (group) => group.id,
        'group-name': (group) => group.name,
        'vpc-id': (group) => group.vpcId,
        description: (group) => group.description,
        'owner-id': () => tx.state.accountId,
      }, (group) => group.tags);
      const page = pageOf(tx, selected, input, { filters: input.Filters });
      return { SecurityGroups: page.items.map((group) => groupOutput(tx, group)), ...(page.next === undefined ? {} : { NextToken: page.next }) };
    });
  }

  describeSecurityGroupRules(input: SDK.DescribeSecurityGroupRulesCommandInput) {
    return this.#read('DescribeSecurityGroupRules', input, (tx) => {
      const rules = tx.regionState.ec2.securityGroups.flatMap((group) => [...group.ingress.map((rule) => ({ group, rule, egress: false })), ...group.egress.map((rule) => ({ group, rule, egress: true }))]);
      for (const id of input.SecurityGroupRuleIds ?? []) if (!rules.some((entry) => entry.rule.ruleId === id)) throw tx.error('InvalidSecurityGroupRuleId.NotFound', `The security group rule ID '${id}' does not exist`);
      const selected = applyFilters(tx, rules.filter((entry) => input.SecurityGroupRuleIds === undefined || input.SecurityGroupRuleIds.includes(entry.rule.ruleId)), input.Filters, { 'group-id': (entry) => entry.group.id, 'security-group-rule-id': (entry) => entry.rule.ruleId }, () => []);
      const page = pageOf(tx, selected, input, { ids: input.SecurityGroupRuleIds, filters: input.Filters });
      return { SecurityGroupRules: page.items.map((entry) => ruleOutput(entry.group, entry.rule, entry.egress, tx.state.accountId)), ...(page.next === undefined ? {} : { NextToken: page.next }) };
    });
  }

  authorizeSecurityGroupEgress(input: SDK.AuthorizeSecurityGroupEgressCommandInput) {
    return this.#write('AuthorizeSecurityGroupEgress', input, (tx) => {
      const group = findGroup(tx, input.GroupId);
      const records = permissionRecords(tx, input.IpPermissions);
      tx.authorize({ action: 'ec2:AuthorizeSecurityGroupEgress', resource: `arn:aws:ec2:${tx.region}:${tx.state.accountId}:security-group/${group.id}` });
      const added: PermissionRecord[] = [];
      for (const record of records) {
        if (group.egress.some((rule) => samePermission(rule, record)) || added.some((rule) => samePermission(rule, record))) {
          throw tx.error('InvalidPermission.Duplicate', `the specified rule "${describePermission(record)}" already exists`);
        }
        added.push({ ...record, ruleId: ec2Id('sgr') });
      }
      group.egress.push(...added);
      return { Return: true, SecurityGroupRules: added.map((rule) => ruleOutput(group, rule, true, tx.state.accountId)) };
    });
  }

  #revoke(operation: 'RevokeSecurityGroupEgress' | 'RevokeSecurityGroupIngress', input: SDK.RevokeSecurityGroupEgressCommandInput | SDK.RevokeSecurityGroupIngressCommandInput, egress: boolean) {
    return this.#write(operation, input, (tx) => {
      const group = findGroup(tx, input.GroupId);
      const rules = egress ? group.egress : group.ingress;
      tx.authorize({ action: `ec2:${operation}`, resource: `arn:aws:ec2:${tx.region}:${tx.state.accountId}:security-group/${group.id}` });
      const revoked: PermissionRecord[] = [];
      const unknown: Omit<PermissionRecord, 'ruleId'>[] = [];
      if (input.SecurityGroupRuleIds !== undefined) {
        for (const id of input.SecurityGroupRuleIds) {
          const rule = rules.find((candidate) => candidate.ruleId === id);
          if (rule === undefined) throw tx.error('InvalidSecurityGroupRuleId.NotFound', `The security group rule ID '${id}' does not exist`);
          revoked.push(rule);
        }
      } else {
        for (const record of permissionRecords(tx, input.IpPermissions)) {
          const rule = rules.find((candidate) => samePermission(candidate, record));
          if (rule === undefined) unknown.push(record);
          else revoked.push(rule);
        }
        if (revoked.length === 0) throw tx.error('InvalidPermission.NotFound', 'The specified rule does not exist in this security group.');
      }
      const remaining = rules.filter((rule) => !revoked.includes(rule));
      if (egress) group.egress = remaining;
      else group.ingress = remaining;
      return {
        Return: true,
        RevokedSecurityGroupRules: revoked.map((rule) => ({ SecurityGroupRuleId: rule.ruleId, GroupId: group.id, IsEgress: egress, IpProtocol: rule.protocol, FromPort: rule.fromPort ?? -1, ToPort: rule.toPort ?? -1, ...(rule.cidrIpv4 === undefined ? {} : { CidrIpv4: rule.cidrIpv4 }) })),
        ...(unknown.length === 0 ? {} : { UnknownIpPermissions: permissionOutput(unknown.map((rule) => ({ ...rule, ruleId: '' }))) }),
      };
    });
  }

  revokeSecurityGroupEgress(input: SDK.RevokeSecurityGroupEgressCommandInput) {
    return this.#revoke('RevokeSecurityGroupEgress', input, true);
  }

  revokeSecurityGroupIngress(input: SDK.RevokeSecurityGroupIngressCommandInput) {
    return this.#revoke('RevokeSecurityGroupIngress', input, false);
  }

  deleteSecurityGroup(input: SDK.DeleteSecurityGroupCommandInput) {
    return this.#write('DeleteSecurityGroup', input, (tx) => {
      const ec2 = tx.regionState.ec2;
      const defaultVpc = ec2.vpcs.find((vpc) => vpc.isDefault)?.id;
      const group = input.GroupId !== undefined ? findGroup(tx, input.GroupId) : ec2.securityGroups.find((candidate) => candidate.name === input.GroupName && candidate.vpcId === defaultVpc);
      if (group === undefined) throw tx.error('InvalidGroup.NotFound', `The security group '${input.GroupName ?? ''}' does not exist in default VPC '${defaultVpc ?? ''}'`);
      if (group.name === 'default') throw tx.error('CannotDelete', `the specified group: "${group.id}" name: "default" cannot be deleted by a user`);
      tx.authorize({ action: 'ec2:DeleteSecurityGroup', resource: `arn:aws:ec2:${tx.region}:${tx.state.accountId}:security-group/${group.id}` });
      const inUse = ec2.instances.some((instance) => instance.securityGroupIds.includes(group.id) && instanceState(instance, tx.now, tx.knobs.instanceTransitionMs) !== 'terminated');
      const referenced = ec2.securityGroups.some((other) => other.id !== group.id && [...other.ingress, ...other.egress].some((rule) => rule.referencedGroupId === group.id));
      if (inUse || referenced) throw tx.error('DependencyViolation', `resource ${group.id} has a dependent object`);
      ec2.securityGroups = ec2.securityGroups.filter((candidate) => candidate !== group);
      return { Return: true, GroupId: group.id };
    });
  }

  createTags(input: SDK.CreateTagsCommandInput) {
    return this.#write('CreateTags', input, (tx) => {
      const resources = input.Resources ?? [];
      if (resources.length === 0) throw tx.error('MissingParameter', 'The request must contain the parameter resourceIdSet');
      const tags = input.Tags ?? [];
      checkTags(tx, tags);
      const targets = resources.map((id) => findTaggable(tx, id));
      tx.authorize({ action: 'ec2:CreateTags', resource: `arn:aws:ec2:${tx.region}:${tx.state.accountId}:*` });
      for (const target of targets) {
        const merged = mergeTags(target.tags, tags);
        if (merged.length > 50) throw tx.error('TagLimitExceeded', 'The maximum number of Tags for a resource has been reached.');
        target.tags.splice(0, target.tags.length, ...merged);
      }
      return {};
    });
  }
}

