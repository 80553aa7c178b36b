// Fixtures for the pure planner tests: a desired state from a config, and observed states for an
// empty account and for one where the co-signer exists exactly as configured.
import { validateConfig } from '../../src/config/load.js';
import { computeDesired, inlinePolicyFor, ownershipTags, type DesiredState } from '../../src/provision/desired.js';
import type { RouteTarget } from '../../src/provision/egress.js';
import type { ObservedKey, ObservedState } from '../../src/provision/observed.js';
import { keyDescription } from '../../src/engine/ownership.js';

export const ACCOUNT = '111122223333';
export const REGION = 'eu-west-1';
export const CALLER = `arn:aws:iam::${ACCOUNT}:user/admin`;
const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
export const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${KEY_ID}`;

/** A public NAT gateway, available, whose own subnet routes 0.0.0.0/0 to the internet gateway. */
export const NAT_WITH_WAY_OUT: RouteTarget = {
  kind: 'nat',
  id: 'nat-0abc',
  nat: {
    connectivityType: 'public',
    state: 'available',
    subnetId: 'subnet-0pub',
    routeTableId: 'rtb-0pub',
    mainTable: false,
    hasDefaultRoute: true,
    out: { kind: 'igw', id: 'igw-0abc' },
  },
};

export function desiredFor(input: Record<string, unknown> = {}, toolVersion = '1.0.0'): DesiredState {
  const config = validateConfig({ name: 'demo', aws: { region: REGION }, ...input }, 'test config');
  return computeDesired({ config, accountId: ACCOUNT, region: REGION, toolVersion });
}

export function emptyObserved(desired: DesiredState): ObservedState {
  return {
    role: undefined,
    instanceProfile: undefined,
    bucket: { status: 'absent' },
    key: undefined,
    aliasTarget: undefined,
    keyDuplicates: [],
    securityGroup: undefined,
    instances: [],
    missingKeyAdmins: [],
    network: {
      mode: desired.network.mode,
      vpcId: 'vpc-0abc',
      subnetId: 'subnet-0abc',
      availabilityZone: `${REGION}a`,
      offeredZones: [`${REGION}a`, `${REGION}b`],
      nitroEnclaves: 'supported',
      routeOut: { routeTableId: 'rtb-0abc', main: false, target: NAT_WITH_WAY_OUT },
      problems: [],
      warnings: [],
    },
    ami: { parameter: desired.instance.amiParameter, imageId: 'ami-0123456789abcdef0', rootDeviceName: '/dev/xvda' },
  };
}

export function ourKey(desired: DesiredState, overrides: Partial<ObservedKey> = {}): ObservedKey {
  return {
    keyId: KEY_ID,
    arn: KEY_ARN,
    state: 'Enabled',
    manager: 'CUSTOMER',
    spec: 'SYMMETRIC_DEFAULT',
    usage: 'ENCRYPT_DECRYPT',
    multiRegion: false,
    origin: 'AWS_KMS',
    grants: { listed: true, grants: [] },
    description: keyDescription(desired.name, '0b7c2f4e-1111-4222-8333-444455556666'),
    tags: undefined,
    policy: desired.key.policy,
    rotation: true,
    createdAt: '2026-01-01T00:00:00.000Z',
    foundBy: 'alias',
    ...overrides,
  };
}

/** The account after a successful provision: every resource as the config says. */
export function convergedObserved(desired: DesiredState): ObservedState {
  const tags = { ...desired.tags };
  const base = emptyObserved(desired);
  return {
    ...base,
    role: {
      arn: desired.role.arn,
      path: desired.role.path,
      tags: { ...desired.iamTags },
      trustPolicy: desired.role.trustPolicy,
      permissionsBoundaryArn: undefined,
      attachedPolicyArns: [...desired.role.managedPolicyArns],
      inlinePolicyNames: [desired.role.inlinePolicyName],
      inlinePolicy: inlinePolicyFor(desired, KEY_ARN),
    },
    instanceProfile: {
      arn: desired.instanceProfile.arn,
      path: desired.instanceProfile.path,
      tags: { ...desired.iamTags },
      roleNames: [desired.role.name],
    },
    bucket: {
      status: 'present',
      region: REGION,
      tags,
      publicAccessBlock: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
      ownership: 'BucketOwnerEnforced',
      versioning: 'Enabled',
      encryption: { algorithm: 'AES256', kmsKeyId: undefined },
      policy: desired.bucket.policy,
      retention: { lifecycle: [], replicatesTo: [] },
    },
    key: ourKey(desired),
    securityGroup: {
      groupId: 'sg-0abc',
      vpcId: 'vpc-0abc',
      tags: { ...ownershipTags(desired) },
      ingress: [],
      egress: [
        { protocol: 'tcp', fromPort: 443, toPort: 443, ipv4: ['0.0.0.0/0'], ipv6: [], groups: [], prefixLists: [] },
      ],
    },
    instances: [
      {
        instanceId: 'i-0abc',
        state: 'running',
        type: desired.instance.type,
        subnetId: 'subnet-0abc',
        availabilityZone: `${REGION}a`,
        imageId: 'ami-0123456789abcdef0',
        instanceProfileArn: desired.instanceProfile.arn,
        enclave: true,
        httpTokens: 'required',
        hopLimit: 2,
        publicIp: undefined,
        securityGroupIds: ['sg-0abc'],
        tags,
        clientToken: 'token',
        launchTime: '2026-01-01T00:00:00.000Z',
        rootVolume: { volumeId: 'vol-0abc', encrypted: true, type: 'gp3' },
      },
    ],
  };
}
