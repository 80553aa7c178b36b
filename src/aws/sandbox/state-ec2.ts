/**
 * The sandbox account's EC2 records, one region's worth (src/aws/sandbox/state.ts holds the rest of
 * the state document and re-exports these): VPCs, subnets, routes and gateways, endpoints,
 * security groups, volumes and instances.
 */
import type { Tag } from './state.js';

export interface VpcRecord {
  id: string;
  cidr: string;
  /** The Amazon-provided IPv6 block, when one was asked for (CreateVpc AmazonProvidedIpv6CidrBlock). */
  ipv6Cidr?: string;
  isDefault: boolean;
  /** VPC DNS attributes; absent in older state files: the default VPC's values (both on). */
  dnsSupport?: boolean;
  dnsHostnames?: boolean;
  tags: Tag[];
}

export interface SubnetRecord {
  id: string;
  vpcId: string;
  zone: string;
  cidr: string;
  defaultForAz: boolean;
  mapPublicIpOnLaunch: boolean;
  tags: Tag[];
}

/** One route: a destination (IPv4 CIDR or prefix list) and exactly one target. */
export interface RouteRecord {
  destination: string;
  /** `local`, an internet gateway or a gateway VPC endpoint (`vpce-…`). */
  gatewayId?: string;
  natGatewayId?: string;
  transitGatewayId?: string;
  networkInterfaceId?: string;
  vpcPeeringConnectionId?: string;
  instanceId?: string;
  /** Routes a gateway endpoint adds: the destination is its service's prefix list. */
  prefixList?: boolean;
}

export interface RouteTableRecord {
  id: string;
  vpcId: string;
  main: boolean;
  subnetIds: string[];
  routes: RouteRecord[];
  /** CreateRouteTable's ClientToken (idempotency). */
  clientToken?: string;
  tags: Tag[];
}

export interface InternetGatewayRecord {
  id: string;
  /** The VPC it is attached to. */
  vpcId?: string;
  tags: Tag[];
}

/** An Elastic IP address (domain vpc). */
export interface AddressRecord {
  allocationId: string;
  publicIp: string;
  tags: Tag[];
}

export interface NatGatewayRecord {
  id: string;
  vpcId: string;
  subnetId: string;
  /** ConnectivityType `private` (no Elastic IP, no way to the internet); absent: `public`. */
  connectivityType?: 'private';
  /** The Elastic IP of a public NAT gateway; a private one has none. */
  allocationId?: string;
  privateIp: string;
  createdAt: string;
  /** Set by DeleteNatGateway: `deleting`, then `deleted` after the transition time. */
  deletedAt?: string;
  clientToken?: string;
  tags: Tag[];
}

export interface VpcEndpointRecord {
  id: string;
  type: 'Gateway' | 'Interface';
  vpcId: string;
  serviceName: string;
  routeTableIds: string[];
  subnetIds: string[];
  groupIds: string[];
  privateDns: boolean;
  createdAt: string;
  deletedAt?: string;
  clientToken?: string;
  tags: Tag[];
}

export interface PermissionRecord {
  ruleId: string;
  protocol: string;
  fromPort?: number;
  toPort?: number;
  cidrIpv4?: string;
  cidrIpv6?: string;
  referencedGroupId?: string;
  description?: string;
}

export interface SecurityGroupRecord {
  id: string;
  name: string;
  description: string;
  vpcId: string;
  ingress: PermissionRecord[];
  egress: PermissionRecord[];
  tags: Tag[];
}

export interface VolumeRecord {
  id: string;
  zone: string;
  sizeGiB: number;
  type: string;
  encrypted: boolean;
  kmsKeyId?: string;
  iops?: number;
  throughput?: number;
  createdAt: string;
  instanceId?: string;
  device?: string;
  deleteOnTermination: boolean;
  /** Set when the volume went away with its instance. */
  deletedAt?: string;
  tags: Tag[];
}

export interface InstanceRecord {
  id: string;
  reservationId: string;
  clientToken?: string;
  /** A digest of the RunInstances parameters, for ClientToken idempotency. */
  requestDigest?: string;
  imageId: string;
  type: string;
  zone: string;
  subnetId: string;
  vpcId: string;
  privateIp: string;
  publicIp?: string;
  securityGroupIds: string[];
  instanceProfileArn?: string;
  instanceProfileId?: string;
  enclave: boolean;
  metadata: {
    httpTokens: string;
    hopLimit: number;
    httpEndpoint: string;
    instanceMetadataTags: string;
    httpProtocolIpv6: string;
  };
  userData?: string;
  launchedAt: string;
  terminatedAt?: string;
  rootDevice: string;
  volumeIds: string[];
  tags: Tag[];
}

export interface EC2RegionState {
  vpcs: VpcRecord[];
  subnets: SubnetRecord[];
  routeTables: RouteTableRecord[];
  /** The default VPC's internet gateway (kept for older state files; also in internetGateways). */
  internetGatewayId: string;
  /** Absent in state files written before the network operations: see {@link networkOf}. */
  internetGateways?: InternetGatewayRecord[];
  addresses?: AddressRecord[];
  natGateways?: NatGatewayRecord[];
  vpcEndpoints?: VpcEndpointRecord[];
  securityGroups: SecurityGroupRecord[];
  instances: InstanceRecord[];
  volumes: VolumeRecord[];
  ebsEncryptionByDefault: boolean;
}
