/**
 * The sandbox account's persistent state: one JSON document (`aws-state.json`). Times are ISO
 * strings, binary values base64. Regions are created on first use with a default VPC whose ids
 * are derived from the account and region, so reading a region never needs a write
 * (state-new.ts); the EC2 records are in state-ec2.ts.
 */
import { z } from 'zod';
import type { EC2RegionState } from './state-ec2.js';

export const STATE_FORMAT = 'cosigner-cli-sandbox-aws';
export const STATE_VERSION = 1;

export interface Tag {
  Key: string;
  Value: string;
}

export interface RoleRecord {
  name: string;
  id: string;
  path: string;
  arn: string;
  createdAt: string;
  assumeRolePolicy: string;
  description?: string;
  maxSessionDuration: number;
  /** ARN of the permissions boundary policy: recorded and reported, not evaluated. */
  permissionsBoundary?: string;
  tags: Tag[];
  inlinePolicies: Record<string, string>;
  attachedPolicies: string[];
}

export interface InstanceProfileRecord {
  name: string;
  id: string;
  path: string;
  arn: string;
  createdAt: string;
  /** Role names (at most one). */
  roles: string[];
  /** When the current role was added (propagation starts then). */
  roleAddedAt?: string;
  tags: Tag[];
}

export interface UserRecord {
  name: string;
  id: string;
  arn: string;
  createdAt: string;
  attachedPolicies: string[];
}

export interface ObjectVersionRecord {
  versionId: string;
  /** A delete marker has no blob. */
  deleteMarker: boolean;
  blob?: string;
  size: number;
  etag: string;
  lastModified: string;
  contentType?: string;
  metadata?: Record<string, string>;
}

export interface BucketRecord {
  name: string;
  region: string;
  createdAt: string;
  publicAccessBlock?: {
    BlockPublicAcls: boolean;
    IgnorePublicAcls: boolean;
    BlockPublicPolicy: boolean;
    RestrictPublicBuckets: boolean;
  };
  ownership?: string;
  versioning?: 'Enabled' | 'Suspended';
  /** The default encryption rule (SSE-S3 when never set). */
  encryption: { algorithm: string; kmsKeyId?: string; bucketKeyEnabled?: boolean };
  policy?: string;
  tags?: Tag[];
  objectLockEnabled?: boolean;
  /** Lifecycle rules as PutBucketLifecycleConfiguration gave them (none when never set). */
  lifecycleRules?: object[];
  /** The replication configuration as PutBucketReplication gave it. */
  replication?: object;
  /** Object key → versions, newest last. */
  objects: Record<string, ObjectVersionRecord[]>;
}

export interface KeyMaterialRecord {
  id: string;
  createdAt: string;
  /** 32 bytes, base64. */
  key: string;
}

export interface KeyRecord {
  id: string;
  arn: string;
  createdAt: string;
  description: string;
  enabled: boolean;
  pendingDeletion?: { scheduledAt: string; deletionDate: string; windowDays: number };
  policy: string;
  rotation: { enabled: boolean; periodDays: number; enabledAt?: string };
  tags: { TagKey: string; TagValue: string }[];
  /** Empty for a key whose material the sandbox does not hold (imported material not yet imported, asymmetric and HMAC keys). */
  material: KeyMaterialRecord[];
  /** The principal that created the key (CloudTrail's userIdentity). */
  createdBy: string;
  /** Where the material comes from. Absent (older state files): `AWS_KMS`. */
  origin?: 'AWS_KMS' | 'EXTERNAL';
  /** A multi-Region primary key (`mrk-` id). Absent: false. */
  multiRegion?: boolean;
  /** Absent: `SYMMETRIC_DEFAULT`. */
  keySpec?: string;
  /** Absent: `ENCRYPT_DECRYPT`. */
  keyUsage?: string;
  /** The key's grants, oldest first. Absent: none. */
  grants?: GrantRecord[];
}

/** A KMS grant: who may call which operations on the key, outside its key policy. */
export interface GrantRecord {
  /** 64 hexadecimal characters, as KMS's grant ids. */
  id: string;
  name?: string;
  granteePrincipal: string;
  retiringPrincipal?: string;
  /** Operation names without the `kms:` prefix (`Decrypt`, `GenerateDataKey`, …). */
  operations: string[];
  constraints?: { EncryptionContextSubset?: Record<string, string>; EncryptionContextEquals?: Record<string, string> };
  createdAt: string;
  /** `arn:aws:iam::<account>:root` of the account that created the grant. */
  issuingAccount: string;
}

export interface AliasRecord {
  name: string;
  keyId: string;
  createdAt: string;
  updatedAt: string;
}

export type {
  VpcRecord,
  SubnetRecord,
  RouteRecord,
  RouteTableRecord,
  InternetGatewayRecord,
  AddressRecord,
  NatGatewayRecord,
  VpcEndpointRecord,
  PermissionRecord,
  SecurityGroupRecord,
  VolumeRecord,
  InstanceRecord,
  EC2RegionState,
} from './state-ec2.js';

/** An SSM parameter written in the account (the public AMI parameters are the catalogue's). */
export interface SsmParameterRecord {
  name: string;
  type: 'String' | 'StringList' | 'SecureString';
  value: string;
  version: number;
  lastModified: string;
  /** SecureString: the KMS key it is encrypted under (AWS's default `alias/aws/ssm`). */
  keyId?: string;
}

/** A CloudTrail trail (account-wide list; a multi-Region trail shows in every region). */
export interface TrailRecord {
  name: string;
  arn: string;
  homeRegion: string;
  multiRegion: boolean;
  logFileValidation: boolean;
  s3BucketName: string;
  logging: boolean;
  createdAt: string;
}

export interface RegionState {
  ec2: EC2RegionState;
  kms: { keys: Record<string, KeyRecord>; aliases: Record<string, AliasRecord> };
  /** SSM parameters by name. Absent (older state files): none. */
  ssmParameters?: Record<string, SsmParameterRecord>;
}

export interface SandboxState {
  format: typeof STATE_FORMAT;
  version: number;
  createdAt: string;
  accountId: string;
  iam: {
    users: Record<string, UserRecord>;
    roles: Record<string, RoleRecord>;
    instanceProfiles: Record<string, InstanceProfileRecord>;
  };
  s3: { buckets: Record<string, BucketRecord> };
  regions: Record<string, RegionState>;
  /** DER certificates (base64) of attestation roots KMS trusts, besides the AWS Nitro root. */
  attestationRoots: string[];
  /** CloudTrail trails. Absent in state files written before trails were simulated: none. */
  cloudtrail?: { trails: TrailRecord[] };
}

/** The structural check applied when a state file is loaded (deep enough to catch corruption). */
export const stateSchema = z.object({
  format: z.literal(STATE_FORMAT),
  version: z.number().int(),
  createdAt: z.string(),
  accountId: z.string().regex(/^\d{12}$/),
  iam: z.object({
    users: z.record(
      z.string(),
      z
        .object({
          name: z.string(),
          id: z.string(),
          arn: z.string(),
          createdAt: z.string(),
          attachedPolicies: z.array(z.string()),
        })
        .loose(),
    ),
    roles: z.record(
      z.string(),
      z
        .object({
          name: z.string(),
          arn: z.string(),
          createdAt: z.string(),
          assumeRolePolicy: z.string(),
          inlinePolicies: z.record(z.string(), z.string()),
          attachedPolicies: z.array(z.string()),
          tags: z.array(z.object({ Key: z.string(), Value: z.string() })),
        })
        .loose(),
    ),
    instanceProfiles: z.record(
      z.string(),
      z.object({ name: z.string(), arn: z.string(), createdAt: z.string(), roles: z.array(z.string()) }).loose(),
    ),
  }),
  s3: z.object({
    buckets: z.record(
      z.string(),
      z
        .object({
          name: z.string(),
          region: z.string(),
          objects: z.record(z.string(), z.array(z.object({ versionId: z.string() }).loose())),
        })
        .loose(),
    ),
  }),
  regions: z.record(
    z.string(),
    z.object({
      ec2: z
        .object({
          vpcs: z.array(z.object({ id: z.string() }).loose()),
          subnets: z.array(z.object({ id: z.string() }).loose()),
          securityGroups: z.array(z.object({ id: z.string() }).loose()),
          instances: z.array(z.object({ id: z.string() }).loose()),
          volumes: z.array(z.object({ id: z.string() }).loose()),
          routeTables: z.array(z.object({ id: z.string() }).loose()),
        })
        .loose(),
      kms: z.object({
        keys: z.record(
          z.string(),
          z
            .object({
              id: z.string(),
              arn: z.string(),
              policy: z.string(),
              material: z.array(z.object({ id: z.string(), key: z.string() })),
            })
            .loose(),
        ),
        aliases: z.record(z.string(), z.object({ name: z.string(), keyId: z.string() }).loose()),
      }),
    }),
  ),
  attestationRoots: z.array(z.string()),
});
