/**
 * What exists, read through the ports: each resource is looked up by its deterministic name (or,
 * for the key and the instance, by alias, tag and journal token), never by guessing. Observation
 * makes read calls only. Ownership is judged later, by the planner, from the tags (and, for keys,
 * the description marker) read here.
 */
import pLimit from 'p-limit';
import { readKeyGrants } from '../aws/kms.js';
import { missingKeyAdmins } from './key-admins.js';
import { lifecycleHazards, replicationDestinations, type BucketRetention } from './bucket-retention.js';
import type { AwsPorts } from '../aws/ports.js';
import type { PolicyDocument } from '../policy/types.js';
import {
  isAccessDenied,
  isNotFound,
  orAbsent,
  allPages,
  parseAwsPolicy,
  tagsOf,
  type TagRecord,
} from '../engine/aws-util.js';
import type { DesiredState } from './desired.js';
import { describeKeyFully, findKeysByToken, type ObservedKey } from '../engine/kms-keys.js';
import {
  observeNetwork,
  observeInstances,
  observeSecurityGroup,
  type ObservedInstance,
  type ObservedNetwork,
  type ObservedSecurityGroup,
} from './observed-ec2.js';

export type { ObservedInstance, ObservedKey, ObservedNetwork, ObservedSecurityGroup };

export interface ObservedRole {
  arn: string;
  path: string;
  tags: TagRecord;
  trustPolicy: PolicyDocument | undefined;
  permissionsBoundaryArn: string | undefined;
  attachedPolicyArns: string[];
  inlinePolicyNames: string[];
  /** Our inline policy (by name), when present. */
  inlinePolicy: PolicyDocument | undefined;
}

export interface ObservedInstanceProfile {
  arn: string;
  path: string;
  tags: TagRecord;
  roleNames: string[];
}

export type ObservedBucket =
  | { status: 'absent' }
  /** The name belongs to another AWS account (HeadBucket 403). */
  | { status: 'taken' }
  | {
      status: 'present';
      region: string;
      tags: TagRecord;
      /** As S3 returns it: a flag S3 leaves out reads as undefined (off). */
      publicAccessBlock:
        | {
            BlockPublicAcls?: boolean | undefined;
            IgnorePublicAcls?: boolean | undefined;
            BlockPublicPolicy?: boolean | undefined;
            RestrictPublicBuckets?: boolean | undefined;
          }
        | undefined;
      ownership: string | undefined;
      versioning: string | undefined;
      encryption: { algorithm: string | undefined; kmsKeyId: string | undefined } | undefined;
      policy: PolicyDocument | undefined;
      /** Lifecycle rules that expire or archive objects, and replication (src/provision/bucket-retention.ts). */
      retention: BucketRetention;
    };

export interface ObservedState {
  role: ObservedRole | undefined;
  instanceProfile: ObservedInstanceProfile | undefined;
  bucket: ObservedBucket;
  key: ObservedKey | undefined;
  /** The key our alias points to, when that is not `key` (a foreign or stale target). */
  aliasTarget: { keyId: string; arn: string } | undefined;
  /** Keys carrying a creation token of ours beyond the one adopted (a retried CreateKey). */
  keyDuplicates: ObservedKey[];
  securityGroup: ObservedSecurityGroup | undefined;
  /** Instances tagged with this co-signer's name, not terminated. */
  instances: ObservedInstance[];
  network: ObservedNetwork;
  ami: { parameter: string; imageId: string | undefined; rootDeviceName: string | undefined };
  /** Key administrators of this account (kms.adminArns) that do not exist (src/provision/key-admins.ts). */
  missingKeyAdmins: string[];
}

/** What the journal knows about calls whose outcome observation cannot see by name. */
export interface RecoveryHints {
  /** Key ids a previous run created. */
  keyIds: string[];
  /** Creation tokens of CreateKey calls that may or may not have happened. */
  keyTokens: string[];
}

const NO_HINTS: RecoveryHints = { keyIds: [], keyTokens: [] };

export interface ObserveOptions {
  /** Concurrent read calls. @default 8 */
  concurrency?: number;
}

export async function observe(
  ports: AwsPorts,
  desired: DesiredState,
  hints: RecoveryHints = NO_HINTS,
  options: ObserveOptions = {},
): Promise<ObservedState> {
  const limit = pLimit(options.concurrency ?? 8);
  // The security group is looked up as soon as the VPC is known.
  let vpcResolved!: (vpcId: string | undefined) => void;
  const vpc = new Promise<string | undefined>((resolve) => (vpcResolved = resolve));
  const group = vpc.then((vpcId) =>
    vpcId === undefined ? undefined : limit(() => observeSecurityGroup(ports, desired, vpcId)),
  );
  const [role, instanceProfile, bucket, keys, ami, network, instances, securityGroup, missing] = await Promise.all([
    observeRole(ports, desired, limit),
    limit(() => observeInstanceProfile(ports, desired)),
    observeBucket(ports, desired, limit),
    observeKey(ports, desired, hints, limit),
    limit(() => observeAmi(ports, desired)),
    observeNetwork(ports, desired, limit, (vpcId) => vpcResolved(vpcId)),
    limit(() => observeInstances(ports, desired)),
    group,
    limit(() => missingKeyAdmins(ports, desired.key.policyInput.adminArns ?? [], desired.accountId)),
  ]);
  return { role, instanceProfile, bucket, ...keys, ami, network, instances, securityGroup, missingKeyAdmins: missing };
}

type Limit = ReturnType<typeof pLimit>;

async function observeRole(ports: AwsPorts, desired: DesiredState, limit: Limit): Promise<ObservedRole | undefined> {
  const roleName = desired.role.name;
  const got = await limit(() => orAbsent(() => ports.iam.getRole({ RoleName: roleName })));
  const role = got?.Role;
  if (role === undefined) return undefined;
  const [attached, inlineNames, inline] = await Promise.all([
    limit(() =>
      allPages(async (Marker) => {
        const page = await ports.iam.listAttachedRolePolicies({
          RoleName: roleName,
          Marker,
        });
        return {
          items: page.AttachedPolicies?.map((p) => p.PolicyArn ?? ''),
          next: page.IsTruncated ? page.Marker : undefined,
        };
      }),
    ),
    limit(() =>
      allPages(async (Marker) => {
        const page = await ports.iam.listRolePolicies({
          RoleName: roleName,
          Marker,
        });
        return { items: page.PolicyNames, next: page.IsTruncated ? page.Marker : undefined };
      }),
    ),
    limit(() =>
      orAbsent(() => ports.iam.getRolePolicy({ RoleName: roleName, PolicyName: desired.role.inlinePolicyName })),
    ),
  ]);
  return {
    arn: role.Arn ?? desired.role.arn,
    path: role.Path ?? '/',
    tags: tagsOf(role.Tags),
    trustPolicy: parseAwsPolicy(role.AssumeRolePolicyDocument),
    permissionsBoundaryArn: role.PermissionsBoundary?.PermissionsBoundaryArn,
    attachedPolicyArns: attached.filter((arn) => arn !== ''),
    inlinePolicyNames: inlineNames,
    inlinePolicy: parseAwsPolicy(inline?.PolicyDocument),
  };
}

async function observeInstanceProfile(
  ports: AwsPorts,
  desired: DesiredState,
): Promise<ObservedInstanceProfile | undefined> {
  const got = await orAbsent(() => ports.iam.getInstanceProfile({ InstanceProfileName: desired.instanceProfile.name }));
  const profile = got?.InstanceProfile;
  if (profile === undefined) return undefined;
  return {
    arn: profile.Arn ?? desired.instanceProfile.arn,
    path: profile.Path ?? '/',
    tags: tagsOf(profile.Tags),
    roleNames: (profile.Roles ?? []).map((r) => r.RoleName ?? '').filter((n) => n !== ''),
  };
}

async function observeBucket(ports: AwsPorts, desired: DesiredState, limit: Limit): Promise<ObservedBucket> {
  const Bucket = desired.bucket.name;
  // Our own bucket policy denies s3:ListBucket (and so HeadBucket) to all but the role: look the
  // name up among the account's buckets (s3:ListAllMyBuckets) instead.
  const listed = await limit(() =>
    allPages(async (ContinuationToken) => {
      const page = await ports.s3.listBuckets({
        Prefix: Bucket,
        MaxBuckets: 100,
        ContinuationToken,
      });
      return { items: page.Buckets, next: page.ContinuationToken };
    }),
  );
  const mine = listed.find((b) => b.Name === Bucket);
  if (mine === undefined) {
    try {
      await limit(() => ports.s3.headBucket({ Bucket }));
    } catch (error) {
      if (isNotFound(error)) return { status: 'absent' };
      if (!isAccessDenied(error)) throw error;
    }
    // It exists and is not among this account's buckets: another account owns the name.
    return { status: 'taken' };
  }
  let region = mine.BucketRegion;
  if (region === undefined || region === '') {
    const location = await limit(() => ports.s3.getBucketLocation({ Bucket }));
    region =
      location.LocationConstraint === undefined || (location.LocationConstraint as string) === ''
        ? 'us-east-1'
        : location.LocationConstraint;
  }
  const [tags, pab, ownership, versioning, encryption, policy, lifecycle, replication] = await Promise.all([
    limit(() => orAbsent(() => ports.s3.getBucketTagging({ Bucket }))),
    limit(() => orAbsent(() => ports.s3.getPublicAccessBlock({ Bucket }))),
    limit(() => orAbsent(() => ports.s3.getBucketOwnershipControls({ Bucket }))),
    limit(() => ports.s3.getBucketVersioning({ Bucket })),
    limit(() => orAbsent(() => ports.s3.getBucketEncryption({ Bucket }))),
    limit(() => orAbsent(() => ports.s3.getBucketPolicy({ Bucket }))),
    limit(() => orAbsent(() => ports.s3.getBucketLifecycleConfiguration({ Bucket }))),
    limit(() => orAbsent(() => ports.s3.getBucketReplication({ Bucket }))),
  ]);
  const rule = encryption?.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
  return {
    status: 'present',
    region,
    tags: tagsOf(tags?.TagSet),
    publicAccessBlock: pab?.PublicAccessBlockConfiguration,
    ownership: ownership?.OwnershipControls?.Rules?.[0]?.ObjectOwnership,
    versioning: versioning.Status,
    encryption: rule === undefined ? undefined : { algorithm: rule.SSEAlgorithm, kmsKeyId: rule.KMSMasterKeyID },
    policy: parseAwsPolicy(policy?.Policy),
    retention: {
      lifecycle: lifecycleHazards(lifecycle?.Rules),
      replicatesTo: replicationDestinations(replication?.ReplicationConfiguration),
    },
  };
}

async function observeKey(
  ports: AwsPorts,
  desired: DesiredState,
  hints: RecoveryHints,
  limit: Limit,
): Promise<Pick<ObservedState, 'key' | 'aliasTarget' | 'keyDuplicates'>> {
  const found = await findKey(ports, desired, hints, limit);
  // Every observed key's grants: a grant gives its grantee the key without the key policy, so an
  // unaccepted one is refused for the key provision made as for an adopted one (plan-key-properties.ts).
  const key = found.key;
  if (key === undefined) return found;
  return { ...found, key: { ...key, grants: await limit(() => readKeyGrants(ports.kms, key.arn)) } };
}

async function findKey(
  ports: AwsPorts,
  desired: DesiredState,
  hints: RecoveryHints,
  limit: Limit,
): Promise<Pick<ObservedState, 'key' | 'aliasTarget' | 'keyDuplicates'>> {
  // The alias first: it is how a finished run's key is found.
  const viaAlias = await describeKeyFully(ports, desired.key.alias, 'alias', limit);
  const adopt = desired.key.adopt;
  if (adopt !== undefined) {
    const named = await describeKeyFully(ports, adopt.arn ?? adopt.keyId, 'config', limit);
    // Our alias already on the named key: found by alias, like a key of ours.
    const key =
      named !== undefined && viaAlias?.keyId === named.keyId ? { ...named, foundBy: 'alias' as const } : named;
    const aliasTarget =
      viaAlias !== undefined && viaAlias.keyId !== key?.keyId
        ? { keyId: viaAlias.keyId, arn: viaAlias.arn }
        : undefined;
    return { key, aliasTarget, keyDuplicates: [] };
  }
  if (viaAlias !== undefined) return { key: viaAlias, aliasTarget: undefined, keyDuplicates: [] };
  // No alias: a previous run may have created the key and stopped before the alias.
  for (const keyId of [...hints.keyIds].reverse()) {
    const key = await describeKeyFully(ports, keyId, 'journal', limit);
    if (key !== undefined && key.state !== 'PendingDeletion') return { key, aliasTarget: undefined, keyDuplicates: [] };
  }
  if (hints.keyTokens.length === 0) return { key: undefined, aliasTarget: undefined, keyDuplicates: [] };
  const found = await findKeysByToken(ports, hints.keyTokens, limit);
  const [first, ...rest] = found;
  return { key: first, aliasTarget: undefined, keyDuplicates: rest };
}

async function observeAmi(ports: AwsPorts, desired: DesiredState): Promise<ObservedState['ami']> {
  const parameter = desired.instance.amiParameter;
  const got = await orAbsent(() => ports.ssm.getParameter({ Name: parameter }));
  const imageId = got?.Parameter?.Value;
  if (imageId === undefined) return { parameter, imageId, rootDeviceName: undefined };
  // The root device name sizes and encrypts the right volume at launch.
  const images = await orAbsent(() => ports.ec2.describeImages({ ImageIds: [imageId] }));
  return { parameter, imageId, rootDeviceName: images?.Images?.[0]?.RootDeviceName };
}
