/**
 * New sandbox accounts and regions (a region is made on first use, with a default VPC whose ids
 * derive from the account and region), and the lists an older state file lacks, filled in.
 */
import { REGIONS, stableHex } from './catalogue.js';
import type { EC2RegionState, SecurityGroupRecord, SubnetRecord } from './state-ec2.js';
import { STATE_FORMAT, STATE_VERSION, type RegionState, type SandboxState } from './state.js';

export const ADMIN_USER = 'sandbox-admin';

/** IAM unique ids: a 4-letter prefix and 17 characters of base32. */
export function iamUniqueId(prefix: 'AROA' | 'AIPA' | 'AIDA', ...seed: string[]): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const hex = stableHex(34, prefix, ...seed);
  let id = prefix;
  for (let i = 0; i < 17; i += 1) id += alphabet[parseInt(hex.slice(i * 2, i * 2 + 2), 16) % 32];
  return id;
}

export function newState(accountId: string, now: Date): SandboxState {
  const createdAt = now.toISOString();
  return {
    format: STATE_FORMAT,
    version: STATE_VERSION,
    createdAt,
    accountId,
    iam: {
      users: {
        [ADMIN_USER]: {
          name: ADMIN_USER,
          id: iamUniqueId('AIDA', accountId, ADMIN_USER),
          arn: `arn:aws:iam::${accountId}:user/${ADMIN_USER}`,
          createdAt,
          attachedPolicies: ['arn:aws:iam::aws:policy/AdministratorAccess'],
        },
      },
      roles: {},
      instanceProfiles: {},
    },
    s3: { buckets: {} },
    regions: {},
    attestationRoots: [],
  };
}

/** The default VPC, subnets, route table, internet gateway and default security group of a region. */
export function newRegionState(accountId: string, region: string): RegionState {
  const info = REGIONS.get(region);
  const zones = info?.zones ?? [];
  const id = (kind: string, ...parts: string[]) => `${kind}-0${stableHex(16, accountId, region, kind, ...parts)}`;
  const vpcId = id('vpc');
  const subnets: SubnetRecord[] = zones.map((zone, index) => ({
    id: id('subnet', zone),
    vpcId,
    zone,
    cidr: `172.31.${index * 16}.0/20`,
    defaultForAz: true,
    mapPublicIpOnLaunch: true,
    tags: [],
  }));
  const igw = id('igw');
  const defaultGroup: SecurityGroupRecord = {
    id: id('sg', 'default'),
    name: 'default',
    description: 'default VPC security group',
    vpcId,
    ingress: [{ ruleId: id('sgr', 'default-in'), protocol: '-1', referencedGroupId: id('sg', 'default') }],
    egress: [{ ruleId: id('sgr', 'default-out'), protocol: '-1', cidrIpv4: '0.0.0.0/0' }],
    tags: [],
  };
  return {
    ec2: {
      vpcs: [{ id: vpcId, cidr: '172.31.0.0/16', isDefault: true, dnsSupport: true, dnsHostnames: true, tags: [] }],
      subnets,
      // As in AWS: the default VPC's only way out is its internet gateway (hosts need a public IP).
      routeTables: [
        {
          id: id('rtb'),
          vpcId,
          main: true,
          subnetIds: [],
          routes: [
            { destination: '172.31.0.0/16', gatewayId: 'local' },
            { destination: '0.0.0.0/0', gatewayId: igw },
          ],
          tags: [],
        },
      ],
      internetGatewayId: igw,
      internetGateways: [{ id: igw, vpcId, tags: [] }],
      addresses: [],
      natGateways: [],
      vpcEndpoints: [],
      securityGroups: [defaultGroup],
      instances: [],
      volumes: [],
      ebsEncryptionByDefault: false,
    },
    kms: { keys: {}, aliases: {} },
  };
}

/**
 * `state` with every list an older state file may lack filled in (the trails, each region's network
 * lists), as the first call to need one would: a document that reads share, frozen
 * (memory-store.ts), must not need changing when it is read.
 */
export function withListsFilled(state: SandboxState): SandboxState {
  state.cloudtrail ??= { trails: [] };
  for (const region of Object.values(state.regions)) networkOf(region.ec2);
  return state;
}

/** The network lists of a region, filled in for state files written before they existed. */
export function networkOf(
  ec2: EC2RegionState,
): Required<Pick<EC2RegionState, 'internetGateways' | 'addresses' | 'natGateways' | 'vpcEndpoints'>> {
  const defaultVpc = ec2.vpcs.find((vpc) => vpc.isDefault);
  ec2.internetGateways ??= [
    { id: ec2.internetGatewayId, ...(defaultVpc === undefined ? {} : { vpcId: defaultVpc.id }), tags: [] },
  ];
  ec2.addresses ??= [];
  ec2.natGateways ??= [];
  ec2.vpcEndpoints ??= [];
  return {
    internetGateways: ec2.internetGateways,
    addresses: ec2.addresses,
    natGateways: ec2.natGateways,
    vpcEndpoints: ec2.vpcEndpoints,
  };
}
