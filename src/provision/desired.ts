/**
 * The desired state of one co-signer: every resource's deterministic name, its tags and its exact
 * settings, computed from the config, the account and region, and the PCR8 source. Pure: no I/O,
 * the same inputs always give the same state (and the same hash).
 */
import { IAM_PATH, resourceNames, resourceTags, TAGS, type ResourceNames } from '../config/names.js';
import { configuredPcr8 } from '../config/pcr8.js';
import type { CosignerConfig, NetworkMode } from '../config/schema.js';
import { fireblocksPreset } from '../enclave/fireblocks-presets.js';
import { fail } from '../errors.js';
import { partitionForRegion } from '../policy/arn.js';
import { buildBucketPolicy } from '../policy/bucket-policy.js';
import {
  buildRoleInlinePolicy,
  buildRoleTrustPolicy,
  ROLE_INLINE_POLICY_NAME,
  ssmManagedPolicyArn,
} from '../policy/iam-policies.js';
import { buildKeyPolicy, type KeyPolicyInput, type KeyPolicyProfile } from '../policy/key-policy.js';
import { shortPCR8 } from '../policy/pcr8.js';
import type { PolicyDocument } from '../policy/types.js';
import { hashOf } from '../engine/digest.js';
import { managedNetworkSpec, type ManagedNetworkSpec } from './network-model.js';
import { keyDescription } from '../engine/ownership.js';
import { buildUserData } from './userdata.js';

/** Where the PCR8 list of the key policy comes from. */
export interface Pcr8Choice {
  /** The first admitted value (the one receipts name). */
  value: string;
  /** Every value the config admits: the key policy's PCR8 list. */
  values: string[];
  /** `fireblocks-preset` (the value Fireblocks publishes for `env`) or `config` (fireblocks.pcr8). */
  source: 'fireblocks-preset' | 'config';
  env: string;
  label: string;
  /** Set when fireblocks.pcr8 leaves out the published value of a Fireblocks environment. */
  presetNote?: string;
}

export interface DesiredRole {
  name: string;
  path: string;
  arn: string;
  trustPolicy: PolicyDocument;
  permissionsBoundaryArn?: string;
  inlinePolicyName: string;
  managedPolicyArns: string[];
}

export interface DesiredBucket {
  name: string;
  arn: string;
  /** The name was given in the config: an existing bucket of this account is adopted, not refused. */
  named: boolean;
  versioning: boolean;
  policy: PolicyDocument;
}

export interface DesiredKey {
  alias: string;
  /** An existing key named in the config (kms.keyId), adopted instead of creating one. */
  adopt?: { keyId: string; arn?: string };
  /** Grants of the key (adopted or created) accepted by id (kms.acceptedGrants); absent when none. */
  acceptedGrants?: string[];
  description: string;
  profile: KeyPolicyProfile;
  /** The builder's input without the PCR8 list (see {@link keyPolicyFor}). */
  policyInput: Omit<KeyPolicyInput, 'pcr8'>;
  /** The policy for a new key: the configured PCR8 list. */
  policy: PolicyDocument;
  /** Enable rotation (requested, and allowed by the policy profile). */
  rotation: boolean;
  /** Why rotation is off although requested, for the plan's notes. */
  rotationNote?: string;
  /** The caveat of a PCR3 role binding, for the plan's notes. */
  pcr3Note?: string;
  pcr8: Pcr8Choice;
  deletionWindowDays: number;
}

export interface DesiredSecurityGroup {
  name: string;
  description: string;
  /** From the config; resolved to the default VPC (or the managed one) by observation when absent. */
  vpcId?: string;
  /** The only egress rule: TCP to this port, anywhere. */
  egressPort: number;
}

/** How the host gets out (network.mode), and in mode "managed" the network provision makes. */
export interface DesiredNetwork {
  mode: NetworkMode;
  managed?: ManagedNetworkSpec;
}

export interface DesiredInstance {
  name: string;
  type: string;
  rootVolumeGiB: number;
  amiParameter: string;
  subnetId?: string;
  publicIp: boolean;
  enclave: { memoryMiB: number; cpuCount: number };
  userData: string;
  /** IMDSv2 only, hop limit 2 (fireblocks-aws.md §1.7). */
  metadata: { httpTokens: 'required'; hopLimit: number };
}

export interface DesiredState {
  name: string;
  accountId: string;
  region: string;
  partition: string;
  toolVersion: string;
  names: ResourceNames;
  /** Every resource's tags: the user's, then ours. */
  tags: Record<string, string>;
  /** The global resources' tags (IAM role, instance profile): `tags` plus `cosigner-cli:region`. */
  iamTags: Record<string, string>;
  role: DesiredRole;
  instanceProfile: { name: string; path: string; arn: string };
  bucket: DesiredBucket;
  key: DesiredKey;
  securityGroup: DesiredSecurityGroup;
  network: DesiredNetwork;
  instance: DesiredInstance;
  /** Hash of everything above: part of a plan's fingerprint. */
  hash: string;
}

/** AWS's tag quota per resource (IAM, S3, KMS, EC2). */
const MAX_TAGS = 50;

export interface DesiredInput {
  config: CosignerConfig;
  accountId: string;
  region: string;
  toolVersion: string;
}

/** The PCR8 list of the config: fireblocks.pcr8 (the record `attest` keeps), else the env's preset. */
export function choosePcr8(config: CosignerConfig): Pcr8Choice {
  const chosen = configuredPcr8(config.fireblocks);
  const first = chosen.values[0] as string;
  const env = config.fireblocks.env;
  // After a rotation the record may leave the published value out on purpose; the plan says so.
  const preset = env === 'custom' ? undefined : fireblocksPreset(env);
  const presetNote =
    preset !== undefined && chosen.source === 'config' && !chosen.values.includes(preset.pcr8)
      ? `fireblocks.pcr8 admits ${chosen.values.map(shortPCR8).join(', ')}, not the ${preset.label} preset ${shortPCR8(preset.pcr8)} (recorded by attest after a rotation, or set by hand)`
      : undefined;
  return { ...chosen, value: first, ...(presetNote === undefined ? {} : { presetNote }) };
}

/** The full ARN of a key named in the config by id or ARN, checked against account and region. */
function adoptedKey(
  keyId: string,
  accountId: string,
  region: string,
  partition: string,
): { keyId: string; arn?: string } {
  const arn = /^arn:([^:]+):kms:([^:]+):(\d{12}):key\/(.+)$/.exec(keyId);
  if (arn === null) return { keyId, arn: `arn:${partition}:kms:${region}:${accountId}:key/${keyId}` };
  if (arn[2] !== region)
    fail(
      'AWS_WRONG_REGION',
      `the key ${keyId} is in ${arn[2]}, not in ${region}`,
      `pass --region ${arn[2]}, or adopt a key of ${region}`,
    );
  if (arn[3] !== accountId)
    fail(
      'RESOURCE_NOT_OURS',
      `the key ${keyId} belongs to account ${arn[3]}, not to ${accountId}`,
      'adopt a key of the account you provision into',
    );
  return { keyId: arn[4] ?? keyId, arn: keyId };
}

export function computeDesired(input: DesiredInput): DesiredState {
  const { config, accountId, region, toolVersion } = input;
  if (config.aws.region !== undefined && config.aws.region !== region) {
    fail(
      'AWS_WRONG_REGION',
      `the config says region ${config.aws.region} but the AWS session is in ${region}`,
      `pass --region ${config.aws.region}, or change aws.region in the config`,
    );
  }
  const partition = partitionForRegion(region);
  const names = resourceNames(config, { accountId, region });
  const tags = resourceTags(config, toolVersion);
  // AWS allows 50 tags per resource; ours take 3, EC2's Name and the adoption mark 2 more.
  const room = MAX_TAGS - (Object.keys(tags).length - Object.keys(config.tags).length) - 2;
  if (Object.keys(config.tags).length > room) {
    fail(
      'CONFIG_INVALID',
      `the config has ${Object.keys(config.tags).length} tags; AWS allows at most ${room} besides the ones cosigner-cli adds`,
      'remove some tags from the config (tags / --tag)',
    );
  }
  const roleArn = `arn:${partition}:iam::${accountId}:role${IAM_PATH}${names.roleName}`;
  const pcr8 = choosePcr8(config);
  const profile = config.kms.policyProfile;
  // Rotation needs a policy statement the documented Fireblocks policy does not have.
  const rotation = config.kms.rotation && profile === 'hardened';
  const policyInput: Omit<KeyPolicyInput, 'pcr8'> = {
    accountId,
    partition,
    roleArn,
    profile,
    ...(profile === 'hardened'
      ? {
          adminArns: config.kms.adminArns,
          pcr3RoleBinding: config.kms.pcr3RoleBinding,
          denyDebug: config.kms.denyDebugEnclaves,
          allowRotation: rotation,
        }
      : {}),
  };
  const state: Omit<DesiredState, 'hash'> = {
    name: config.name,
    accountId,
    region,
    partition,
    toolVersion,
    names,
    tags,
    iamTags: { ...tags, [TAGS.region]: region },
    role: {
      name: names.roleName,
      path: IAM_PATH,
      arn: roleArn,
      trustPolicy: buildRoleTrustPolicy(),
      ...(config.iam.permissionsBoundaryArn === undefined
        ? {}
        : { permissionsBoundaryArn: config.iam.permissionsBoundaryArn }),
      inlinePolicyName: ROLE_INLINE_POLICY_NAME,
      managedPolicyArns: [ssmManagedPolicyArn(partition)],
    },
    instanceProfile: {
      name: names.instanceProfileName,
      path: IAM_PATH,
      arn: `arn:${partition}:iam::${accountId}:instance-profile${IAM_PATH}${names.instanceProfileName}`,
    },
    bucket: {
      name: names.bucketName,
      arn: `arn:${partition}:s3:::${names.bucketName}`,
      named: config.s3.bucketName !== undefined,
      versioning: config.s3.versioning,
      policy: buildBucketPolicy({ bucketName: names.bucketName, accountId, roleArn, partition }),
    },
    key: {
      alias: names.keyAlias,
      ...(config.kms.keyId === undefined ? {} : { adopt: adoptedKey(config.kms.keyId, accountId, region, partition) }),
      ...(config.kms.acceptedGrants.length === 0
        ? {}
        : { acceptedGrants: [...new Set(config.kms.acceptedGrants)].sort() }),
      description: keyDescription(config.name),
      profile,
      policyInput,
      policy: buildKeyPolicy({ ...policyInput, pcr8: pcr8.values }),
      rotation,
      ...(config.kms.rotation && !rotation
        ? { rotationNote: 'rotation is off: the fireblocks-exact key policy does not allow enabling it' }
        : {}),
      // The roles this tool creates live under an IAM path, and how AWS measures such a role's ARN
      // into PCR3 is not documented: say so wherever the binding is asked for.
      ...(profile === 'hardened' && config.kms.pcr3RoleBinding
        ? {
            pcr3Note: `the PCR3 role binding is unconfirmed for a role with an IAM path (${roleArn}): if the co-signer is denied the key after launch, turn it off with --no-pcr3-binding and provision again`,
          }
        : {}),
      pcr8,
      deletionWindowDays: config.kms.deletionWindowDays,
    },
    securityGroup: {
      name: names.securityGroupName,
      description: `cosigner-cli ${config.name}: co-signer host, no ingress, HTTPS egress only`,
      ...(config.network.vpcId === undefined ? {} : { vpcId: config.network.vpcId }),
      egressPort: 443,
    },
    network: {
      mode: config.network.mode,
      ...(config.network.mode === 'managed' ? { managed: managedNetworkSpec(config.name, region) } : {}),
    },
    instance: {
      name: names.instanceName,
      type: config.instance.type,
      rootVolumeGiB: config.instance.rootVolumeGiB,
      amiParameter: config.instance.amiParameter,
      ...(config.network.subnetId === undefined ? {} : { subnetId: config.network.subnetId }),
      publicIp: config.network.mode === 'public-ip',
      enclave: { memoryMiB: config.enclave.memoryMiB, cpuCount: config.enclave.cpuCount },
      userData: buildUserData({
        name: config.name,
        region,
        enclaveMemoryMiB: config.enclave.memoryMiB,
        enclaveCpuCount: config.enclave.cpuCount,
        bucketName: names.bucketName,
        keyAlias: names.keyAlias,
        fireblocksEnv: config.fireblocks.env,
        toolVersion,
      }),
      metadata: { httpTokens: 'required', hopLimit: 2 },
    },
  };
  // The version tag changes with every release; it must not make an unchanged config look new.
  const { [TAGS.version]: _version, ...stableTags } = tags;
  return {
    ...state,
    hash: hashOf({
      ...state,
      tags: stableTags,
      iamTags: undefined,
      toolVersion: undefined,
      instance: { ...state.instance, userData: hashOf(state.instance.userData.replace(/cosigner-cli \S+"/, '')) },
    }),
  };
}

/** The key policy with a given PCR8 list (more than one while `attest` rotates PCR8). */
export function keyPolicyFor(desired: DesiredState, pcr8: readonly string[]): PolicyDocument {
  return buildKeyPolicy({ ...desired.key.policyInput, pcr8 });
}

/** The role's inline policy once the key ARN is known. */
export function inlinePolicyFor(desired: DesiredState, keyArn: string): PolicyDocument {
  return buildRoleInlinePolicy({ bucketName: desired.bucket.name, keyArn });
}

/** Tags that decide ownership and drift (the version tag is informational). */
export function ownershipTags(desired: DesiredState): Record<string, string> {
  const { [TAGS.version]: _version, ...rest } = desired.tags;
  return rest;
}
