/** EC2's view of the static catalogue (./catalogue.ts): DescribeInstanceTypes, DescribeInstanceTypeOfferings, DescribeImages. */
import type * as SDK from '@aws-sdk/client-ec2';
import {
  AMAZON_OWNER_ID,
  INSTANCE_CATALOGUE,
  instanceType,
  isOffered,
  REGIONS,
  regionImages,
  zoneId,
  type ImageInfo,
} from './catalogue.js';
import { applyFilters, pageOf } from './ec2-query.js';
import type { Tx } from './engine.js';
import { sha256Hex } from './util.js';

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
    BlockDeviceMappings: [
      {
        DeviceName: '/dev/xvda',
        Ebs: {
          DeleteOnTermination: true,
          SnapshotId: `snap-0${sha256Hex(`${region}${image.id}`).slice(0, 16)}`,
          VolumeSize: 8,
          VolumeType: 'gp3',
          Encrypted: false,
          Iops: 3000,
          Throughput: 125,
        },
      },
    ],
  };
}

export function describeInstanceTypes(tx: Tx, input: SDK.DescribeInstanceTypesCommandInput) {
  const unknown = (input.InstanceTypes ?? []).filter((name) => instanceType(name) === undefined);
  if (unknown.length > 0)
    throw tx.error(
      'InvalidInstanceType',
      `The following supplied instance types do not exist: [${unknown.join(', ')}]`,
    );
  const selected = applyFilters(
    tx,
    INSTANCE_CATALOGUE.filter(
      (type) => input.InstanceTypes === undefined || input.InstanceTypes.includes(type.name as SDK._InstanceType),
    ),
    input.Filters,
    {
      'instance-type': (type) => type.name,
      'nitro-enclaves-support': (type) => type.nitroEnclaves,
      'processor-info.supported-architecture': (type) => type.architecture,
      'vcpu-info.default-vcpus': (type) => String(type.vcpus),
      'memory-info.size-in-mib': (type) => String(type.memoryMiB),
      'current-generation': () => 'true',
      'hibernation-supported': (type) => String(type.hibernation),
      'burstable-performance-supported': (type) => String(type.burstable),
      hypervisor: () => 'nitro',
    },
    () => [],
  );
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
      EbsInfo: {
        EbsOptimizedSupport: 'default' as const,
        EncryptionSupport: 'supported' as const,
        NvmeSupport: 'required' as const,
      },
      NetworkInfo: {
        NetworkPerformance: 'Up to 10 Gigabit',
        MaximumNetworkInterfaces: 4,
        Ipv4AddressesPerInterface: 15,
        Ipv6Supported: true,
        EnaSupport: 'required' as const,
      },
      NitroEnclavesSupport: type.nitroEnclaves,
      NitroTpmSupport: 'supported' as const,
      FreeTierEligible: false,
    })),
    ...(page.next === undefined ? {} : { NextToken: page.next }),
  };
}

export function describeInstanceTypeOfferings(tx: Tx, input: SDK.DescribeInstanceTypeOfferingsCommandInput) {
  const region = REGIONS.get(tx.region)!;
  const locationType = input.LocationType ?? 'region';
  if (!['region', 'availability-zone', 'availability-zone-id'].includes(locationType))
    throw tx.error('InvalidParameterValue', `Invalid value '${locationType}' for LocationType.`);
  const offerings: { type: string; location: string }[] = [];
  for (const type of INSTANCE_CATALOGUE) {
    if (locationType === 'region') {
      if (region.zones.some((zone) => isOffered(type.name, region, zone)))
        offerings.push({ type: type.name, location: tx.region });
    } else {
      for (const zone of region.zones)
        if (isOffered(type.name, region, zone))
          offerings.push({
            type: type.name,
            location: locationType === 'availability-zone' ? zone : zoneId(region, zone),
          });
    }
  }
  const selected = applyFilters(
    tx,
    offerings,
    input.Filters,
    { location: (offering) => offering.location, 'instance-type': (offering) => offering.type },
    () => [],
  );
  const page = pageOf(tx, selected, input, { locationType, filters: input.Filters }, true);
  return {
    InstanceTypeOfferings: page.items.map((offering) => ({
      InstanceType: offering.type as SDK._InstanceType,
      LocationType: locationType,
      Location: offering.location,
    })),
    ...(page.next === undefined ? {} : { NextToken: page.next }),
  };
}

export function describeImages(tx: Tx, input: SDK.DescribeImagesCommandInput) {
  const images = regionImages(tx.region);
  for (const id of input.ImageIds ?? []) {
    if (!/^ami-[0-9a-f]{8,17}$/.test(id))
      throw tx.error('InvalidAMIID.Malformed', `Invalid id: "${id}" (expecting "ami-...")`);
    if (!images.some((image) => image.id === id))
      throw tx.error('InvalidAMIID.NotFound', `The image id '[${id}]' does not exist`);
  }
  const owners = input.Owners ?? [];
  let selected = images.filter(
    (image) =>
      (input.ImageIds === undefined || input.ImageIds.includes(image.id)) &&
      (owners.length === 0 || owners.includes('amazon') || owners.includes(AMAZON_OWNER_ID)),
  );
  selected = applyFilters(
    tx,
    selected,
    input.Filters,
    {
      name: (image) => image.name,
      'image-id': (image) => image.id,
      architecture: (image) => image.architecture,
      'owner-alias': () => 'amazon',
      'owner-id': () => AMAZON_OWNER_ID,
      state: () => 'available',
      'image-type': () => 'machine',
      'root-device-type': () => 'ebs',
      'virtualization-type': () => 'hvm',
      'is-public': () => 'true',
    },
    () => [],
  );
  const page = pageOf(tx, selected, input, { ids: input.ImageIds, owners, filters: input.Filters });
  return {
    Images: page.items.map((image) => imageOutput(tx.region, image)),
    ...(page.next === undefined ? {} : { NextToken: page.next }),
  };
}
