/**
 * The sandbox's fixed world: regions and availability zones, the instance-type catalogue with
 * Nitro Enclaves support, per-AZ offerings, the Amazon Linux 2023 images and their public SSM
 * parameters, and the AWS managed IAM policies the commands attach. Made up for testing where
 * AWS's real lists are long and change; the *shapes* and the facts the commands depend on
 * (c5.xlarge and c5a.xlarge support enclaves, t3 does not) follow AWS.
 */
import { createHash } from 'node:crypto';

export interface RegionInfo {
  name: string;
  /** Short code used in zone ids, e.g. `use1`. */
  code: string;
  zones: string[];
}

const REGION_LIST: [string, string, string][] = [
  ['us-east-1', 'use1', 'abcdef'],
  ['us-east-2', 'use2', 'abc'],
  ['us-west-2', 'usw2', 'abcd'],
  ['eu-west-1', 'euw1', 'abc'],
  ['eu-west-2', 'euw2', 'abc'],
  ['eu-central-1', 'euc1', 'abc'],
  ['eu-central-2', 'euc2', 'abc'],
  ['eu-north-1', 'eun1', 'abc'],
  ['ap-southeast-1', 'apse1', 'abc'],
  ['ap-southeast-4', 'apse4', 'abc'],
  ['ap-northeast-1', 'apne1', 'acd'],
  ['ca-central-1', 'cac1', 'abd'],
];

export const REGIONS: ReadonlyMap<string, RegionInfo> = new Map(
  REGION_LIST.map(([name, code, letters]) => [
    name,
    { name, code, zones: [...letters].map((letter) => `${name}${letter}`) },
  ]),
);

/** The zone id (`use1-az1`) of a zone name. */
export function zoneId(region: RegionInfo, zone: string): string {
  return `${region.code}-az${region.zones.indexOf(zone) + 1}`;
}

export interface InstanceTypeInfo {
  name: string;
  vcpus: number;
  memoryMiB: number;
  architecture: 'x86_64' | 'arm64';
  nitroEnclaves: 'supported' | 'unsupported';
  hibernation: boolean;
  burstable: boolean;
}

export const INSTANCE_CATALOGUE: readonly InstanceTypeInfo[] = [
  {
    name: 'c5.xlarge',
    vcpus: 4,
    memoryMiB: 8192,
    architecture: 'x86_64',
    nitroEnclaves: 'supported',
    hibernation: true,
    burstable: false,
  },
  {
    name: 'c5.2xlarge',
    vcpus: 8,
    memoryMiB: 16384,
    architecture: 'x86_64',
    nitroEnclaves: 'supported',
    hibernation: true,
    burstable: false,
  },
  {
    name: 'c5a.xlarge',
    vcpus: 4,
    memoryMiB: 8192,
    architecture: 'x86_64',
    nitroEnclaves: 'supported',
    hibernation: false,
    burstable: false,
  },
  {
    name: 'c5a.2xlarge',
    vcpus: 8,
    memoryMiB: 16384,
    architecture: 'x86_64',
    nitroEnclaves: 'supported',
    hibernation: false,
    burstable: false,
  },
  {
    name: 'c6i.xlarge',
    vcpus: 4,
    memoryMiB: 8192,
    architecture: 'x86_64',
    nitroEnclaves: 'supported',
    hibernation: true,
    burstable: false,
  },
  {
    name: 'm5.large',
    vcpus: 2,
    memoryMiB: 8192,
    architecture: 'x86_64',
    nitroEnclaves: 'unsupported',
    hibernation: true,
    burstable: false,
  },
  {
    name: 'm5.xlarge',
    vcpus: 4,
    memoryMiB: 16384,
    architecture: 'x86_64',
    nitroEnclaves: 'supported',
    hibernation: true,
    burstable: false,
  },
  {
    name: 'c7i.xlarge',
    vcpus: 4,
    memoryMiB: 8192,
    architecture: 'x86_64',
    nitroEnclaves: 'unsupported',
    hibernation: true,
    burstable: false,
  },
  {
    name: 't3.micro',
    vcpus: 2,
    memoryMiB: 1024,
    architecture: 'x86_64',
    nitroEnclaves: 'unsupported',
    hibernation: true,
    burstable: true,
  },
  {
    name: 't3.xlarge',
    vcpus: 4,
    memoryMiB: 16384,
    architecture: 'x86_64',
    nitroEnclaves: 'unsupported',
    hibernation: true,
    burstable: true,
  },
  {
    name: 'c6g.xlarge',
    vcpus: 4,
    memoryMiB: 8192,
    architecture: 'arm64',
    nitroEnclaves: 'supported',
    hibernation: false,
    burstable: false,
  },
  {
    name: 't4g.medium',
    vcpus: 2,
    memoryMiB: 4096,
    architecture: 'arm64',
    nitroEnclaves: 'unsupported',
    hibernation: false,
    burstable: true,
  },
];

export function instanceType(name: string): InstanceTypeInfo | undefined {
  return INSTANCE_CATALOGUE.find((type) => type.name === name);
}

/**
 * Per-AZ offerings. Every type is offered in every zone except: `c5a.*` is not offered in the
 * last zone of any region nor anywhere in ap-southeast-4, and `c5.xlarge` is not offered in
 * us-east-1e (the "pick another AZ" and "use c5a instead" paths stay testable).
 */
export function isOffered(type: string, region: RegionInfo, zone: string): boolean {
  if (!region.zones.includes(zone) || instanceType(type) === undefined) return false;
  if (type.startsWith('c5a.'))
    return region.name !== 'ap-southeast-4' && zone !== region.zones[region.zones.length - 1];
  if (type === 'c5.xlarge') return zone !== 'us-east-1e';
  return true;
}

/** A stable pseudo-random hex string derived from the inputs (for ids that must not change). */
export function stableHex(length: number, ...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, length);
}

export interface ImageInfo {
  id: string;
  name: string;
  architecture: 'x86_64' | 'arm64';
  parameter: string;
  description: string;
}

export const AMAZON_OWNER_ID = '137112412989';
const AL2023_RELEASE = '2023.6.20250115.0';
export const AL2023_X86_PARAMETER = '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64';
const AL2023_ARM_PARAMETER = '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64';

/** The AL2023 images of a region (ids are stable per region). */
export function regionImages(region: string): ImageInfo[] {
  return [
    {
      id: `ami-0${stableHex(16, 'al2023', 'x86_64', region)}`,
      name: `al2023-ami-${AL2023_RELEASE}-kernel-6.1-x86_64`,
      architecture: 'x86_64',
      parameter: AL2023_X86_PARAMETER,
      description: `Amazon Linux 2023 AMI ${AL2023_RELEASE} x86_64 HVM kernel-6.1`,
    },
    {
      id: `ami-0${stableHex(16, 'al2023', 'arm64', region)}`,
      name: `al2023-ami-${AL2023_RELEASE}-kernel-6.1-arm64`,
      architecture: 'arm64',
      parameter: AL2023_ARM_PARAMETER,
      description: `Amazon Linux 2023 AMI ${AL2023_RELEASE} arm64 HVM kernel-6.1`,
    },
  ];
}

/** The public parameters of a region, by name. */
export function publicParameters(region: string): Map<string, { value: string; dataType: string }> {
  const map = new Map<string, { value: string; dataType: string }>();
  for (const image of regionImages(region)) map.set(image.parameter, { value: image.id, dataType: 'aws:ec2:image' });
  const x86 = regionImages(region)[0]!;
  map.set('/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64', {
    value: x86.id,
    dataType: 'aws:ec2:image',
  });
  return map;
}

/** AWS managed policies the sandbox knows (attachable; documents abridged to what matters). */
export const MANAGED_POLICIES: ReadonlyMap<string, { name: string; document: string }> = new Map([
  [
    'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore',
    {
      name: 'AmazonSSMManagedInstanceCore',
      document: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: [
              'ssm:DescribeAssociation',
              'ssm:GetDeployablePatchSnapshotForInstance',
              'ssm:GetDocument',
              'ssm:DescribeDocument',
              'ssm:GetManifest',
              'ssm:GetParameter',
              'ssm:GetParameters',
              'ssm:ListAssociations',
              'ssm:ListInstanceAssociations',
              'ssm:PutInventory',
              'ssm:PutComplianceItems',
              'ssm:PutConfigurePackageResult',
              'ssm:UpdateAssociationStatus',
              'ssm:UpdateInstanceAssociationStatus',
              'ssm:UpdateInstanceInformation',
            ],
            Resource: '*',
          },
          {
            Effect: 'Allow',
            Action: [
              'ssmmessages:CreateControlChannel',
              'ssmmessages:CreateDataChannel',
              'ssmmessages:OpenControlChannel',
              'ssmmessages:OpenDataChannel',
            ],
            Resource: '*',
          },
          {
            Effect: 'Allow',
            Action: [
              'ec2messages:AcknowledgeMessage',
              'ec2messages:DeleteMessage',
              'ec2messages:FailMessage',
              'ec2messages:GetEndpoint',
              'ec2messages:GetMessages',
              'ec2messages:SendReply',
            ],
            Resource: '*',
          },
        ],
      }),
    },
  ],
  [
    'arn:aws:iam::aws:policy/AdministratorAccess',
    {
      name: 'AdministratorAccess',
      document: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
    },
  ],
  [
    'arn:aws:iam::aws:policy/ReadOnlyAccess',
    {
      name: 'ReadOnlyAccess',
      document: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: [
              'cloudtrail:Get*',
              'cloudtrail:Describe*',
              'cloudtrail:List*',
              'cloudtrail:LookupEvents',
              'ec2:Describe*',
              'ec2:Get*',
              'iam:Get*',
              'iam:List*',
              'kms:Describe*',
              'kms:Get*',
              'kms:List*',
              's3:Get*',
              's3:List*',
              'ssm:Describe*',
              'ssm:Get*',
              'ssm:List*',
              'sts:GetCallerIdentity',
            ],
            Resource: '*',
          },
        ],
      }),
    },
  ],
  [
    'arn:aws:iam::aws:policy/SecurityAudit',
    {
      name: 'SecurityAudit',
      document: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: [
              'cloudtrail:DescribeTrails',
              'cloudtrail:GetTrailStatus',
              'cloudtrail:LookupEvents',
              'ec2:Describe*',
              'ec2:GetEbsEncryptionByDefault',
              'iam:Get*',
              'iam:List*',
              'kms:Describe*',
              'kms:Get*',
              'kms:List*',
              's3:GetBucket*',
              's3:GetEncryptionConfiguration',
              's3:GetLifecycleConfiguration',
              's3:GetReplicationConfiguration',
              's3:ListAllMyBuckets',
              's3:GetObjectLockConfiguration',
            ],
            Resource: '*',
          },
        ],
      }),
    },
  ],
]);
