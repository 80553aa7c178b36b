/** Instances and their volumes: state as a function of time, output shapes, DescribeInstances, TerminateInstances, DescribeVolumes. */
import type * as SDK from '@aws-sdk/client-ec2';
import { instanceType, REGIONS, zoneId } from './catalogue.js';
import { applyFilters, pageOf } from './ec2-query.js';
import type { Tx } from './engine.js';
import type { InstanceRecord, VolumeRecord } from './state.js';
import { outputTags } from './util.js';

const STATE_CODES = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
} as const;
type InstanceStateName = keyof typeof STATE_CODES;

/** Instance state as a pure function of time (no write needed for a transition). */
export function instanceState(instance: InstanceRecord, now: Date, transitionMs: number): InstanceStateName {
  if (instance.terminatedAt !== undefined)
    return now.getTime() - Date.parse(instance.terminatedAt) >= transitionMs ? 'terminated' : 'shutting-down';
  return now.getTime() - Date.parse(instance.launchedAt) >= transitionMs ? 'running' : 'pending';
}

/** Terminated instances drop out of DescribeInstances an hour after termination, as in EC2. */
export const TERMINATED_VISIBLE_MS = 3_600_000;

function visibleInstances(tx: Tx): InstanceRecord[] {
  return tx.regionState.ec2.instances.filter(
    (instance) =>
      instance.terminatedAt === undefined ||
      tx.now.getTime() - Date.parse(instance.terminatedAt) < TERMINATED_VISIBLE_MS,
  );
}

function privateDns(region: string, ip: string): string {
  const host = `ip-${ip.replace(/\./g, '-')}`;
  return region === 'us-east-1' ? `${host}.ec2.internal` : `${host}.${region}.compute.internal`;
}

export function instanceOutput(tx: Tx, instance: InstanceRecord): SDK.Instance {
  const state = instanceState(instance, tx.now, tx.knobs.instanceTransitionMs);
  const live = state === 'pending' || state === 'running';
  const region = REGIONS.get(tx.region)!;
  const groups = instance.securityGroupIds.map((id) => ({
    GroupId: id,
    GroupName: tx.regionState.ec2.securityGroups.find((group) => group.id === id)?.name ?? id,
  }));
  const type = instanceType(instance.type);
  return {
    InstanceId: instance.id,
    ImageId: instance.imageId,
    InstanceType: instance.type as SDK._InstanceType,
    State: { Code: STATE_CODES[state], Name: state },
    ...(state === 'terminated' || state === 'shutting-down'
      ? {
          StateTransitionReason: `User initiated (${instance.terminatedAt ?? ''})`,
          StateReason: {
            Code: 'Client.UserInitiatedShutdown',
            Message: 'Client.UserInitiatedShutdown: User initiated shutdown',
          },
        }
      : { StateTransitionReason: '' }),
    LaunchTime: new Date(instance.launchedAt),
    Placement: {
      AvailabilityZone: instance.zone,
      AvailabilityZoneId: zoneId(region, instance.zone),
      GroupName: '',
      Tenancy: 'default',
    },
    ...(live
      ? {
          PrivateIpAddress: instance.privateIp,
          PrivateDnsName: privateDns(tx.region, instance.privateIp),
          SubnetId: instance.subnetId,
          VpcId: instance.vpcId,
        }
      : { PrivateDnsName: '' }),
    ...(live && instance.publicIp !== undefined
      ? {
          PublicIpAddress: instance.publicIp,
          PublicDnsName: `ec2-${instance.publicIp.replace(/\./g, '-')}.compute-1.amazonaws.com`,
        }
      : { PublicDnsName: '' }),
    SecurityGroups: live ? groups : [],
    ...(instance.instanceProfileArn === undefined
      ? {}
      : { IamInstanceProfile: { Arn: instance.instanceProfileArn, Id: instance.instanceProfileId } }),
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
          return volume === undefined
            ? []
            : [
                {
                  DeviceName: volume.device,
                  Ebs: {
                    VolumeId: volume.id,
                    Status: 'attached',
                    AttachTime: new Date(volume.createdAt),
                    DeleteOnTermination: volume.deleteOnTermination,
                  },
                },
              ];
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
  const instance =
    volume.instanceId === undefined
      ? undefined
      : tx.regionState.ec2.instances.find((candidate) => candidate.id === volume.instanceId);
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
    Attachments: attached
      ? [
          {
            VolumeId: volume.id,
            InstanceId: volume.instanceId,
            Device: volume.device,
            State: 'attached',
            AttachTime: new Date(volume.createdAt),
            DeleteOnTermination: volume.deleteOnTermination,
          },
        ]
      : [],
    ...(outputTags(volume.tags) === undefined ? {} : { Tags: outputTags(volume.tags) }),
  };
}

export function describeInstances(tx: Tx, input: SDK.DescribeInstancesCommandInput) {
  if (input.InstanceIds !== undefined && input.MaxResults !== undefined)
    throw tx.error(
      'InvalidParameterCombination',
      'The parameter instancesSet cannot be used with the parameter maxResults',
    );
  const instances = visibleInstances(tx);
  for (const id of input.InstanceIds ?? []) {
    if (!/^i-[0-9a-f]{8,17}$/.test(id)) throw tx.error('InvalidInstanceID.Malformed', `Invalid id: "${id}"`);
    if (!instances.some((instance) => instance.id === id))
      throw tx.error('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
  }
  const selected = applyFilters(
    tx,
    instances.filter((instance) => input.InstanceIds === undefined || input.InstanceIds.includes(instance.id)),
    input.Filters,
    {
      'instance-id': (instance) => instance.id,
      'instance-state-name': (instance) => instanceState(instance, tx.now, tx.knobs.instanceTransitionMs),
      'instance-state-code': (instance) =>
        String(STATE_CODES[instanceState(instance, tx.now, tx.knobs.instanceTransitionMs)]),
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
    },
    (instance) => instance.tags,
  );
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
}

export function terminateInstances(tx: Tx, input: SDK.TerminateInstancesCommandInput) {
  const ids = input.InstanceIds ?? [];
  if (ids.length === 0) throw tx.error('MissingParameter', 'The request must contain the parameter InstanceIds');
  const instances = ids.map((id) => {
    const instance = visibleInstances(tx).find((candidate) => candidate.id === id);
    if (instance === undefined) throw tx.error('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
    return instance;
  });
  for (const instance of instances)
    tx.authorize({
      action: 'ec2:TerminateInstances',
      resource: `arn:aws:ec2:${tx.region}:${tx.state.accountId}:instance/${instance.id}`,
    });
  const result = instances.map((instance) => {
    const previous = instanceState(instance, tx.now, tx.knobs.instanceTransitionMs);
    if (instance.terminatedAt === undefined) {
      instance.terminatedAt = tx.now.toISOString();
      for (const volume of tx.regionState.ec2.volumes) {
        if (volume.instanceId === instance.id && volume.deleteOnTermination) volume.deletedAt = tx.now.toISOString();
      }
    }
    const current = instanceState(instance, tx.now, tx.knobs.instanceTransitionMs);
    return {
      InstanceId: instance.id,
      PreviousState: { Code: STATE_CODES[previous], Name: previous },
      CurrentState: { Code: STATE_CODES[current], Name: current },
    };
  });
  tx.trail({
    resources: instances.map((instance) => ({
      ARN: `arn:aws:ec2:${tx.region}:${tx.state.accountId}:instance/${instance.id}`,
      type: 'AWS::EC2::Instance',
    })),
  });
  return { TerminatingInstances: result };
}

export function describeVolumes(tx: Tx, input: SDK.DescribeVolumesCommandInput) {
  const volumes = tx.regionState.ec2.volumes.filter((volume) => volume.deletedAt === undefined);
  for (const id of input.VolumeIds ?? [])
    if (!volumes.some((volume) => volume.id === id))
      throw tx.error('InvalidVolume.NotFound', `The volume '${id}' does not exist.`);
  const selected = applyFilters(
    tx,
    volumes.filter((volume) => input.VolumeIds === undefined || input.VolumeIds.includes(volume.id)),
    input.Filters,
    {
      'volume-id': (volume) => volume.id,
      'attachment.instance-id': (volume) => volume.instanceId,
      encrypted: (volume) => String(volume.encrypted),
      'availability-zone': (volume) => volume.zone,
      'volume-type': (volume) => volume.type,
    },
    (volume) => volume.tags,
  );
  const page = pageOf(tx, selected, input, { ids: input.VolumeIds, filters: input.Filters });
  return {
    Volumes: page.items.map((volume) => volumeOutput(tx, volume)),
    ...(page.next === undefined ? {} : { NextToken: page.next }),
  };
}

/**
 * DescribeInstanceAttribute for the attributes the tools read: `userData` (base64, as stored; no
 * `Value` when the instance has none, as in EC2) and `instanceType`. Other attributes are not
 * simulated: `InvalidParameterValue`.
 */
export function describeInstanceAttribute(tx: Tx, input: SDK.DescribeInstanceAttributeCommandInput) {
  const id = input.InstanceId ?? '';
  if (!/^i-[0-9a-f]{8,17}$/.test(id)) throw tx.error('InvalidInstanceID.Malformed', `Invalid id: "${id}"`);
  const instance = visibleInstances(tx).find((candidate) => candidate.id === id);
  if (instance === undefined) throw tx.error('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
  switch (input.Attribute) {
    case 'userData':
      return { InstanceId: id, UserData: instance.userData === undefined ? {} : { Value: instance.userData } };
    case 'instanceType':
      return { InstanceId: id, InstanceType: { Value: instance.type } };
    default:
      throw tx.error(
        'InvalidParameterValue',
        `Value (${String(input.Attribute)}) for parameter attribute is invalid. The sandbox simulates userData and instanceType.`,
      );
  }
}
