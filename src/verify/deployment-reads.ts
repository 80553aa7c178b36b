/**
 * The reads of one deployment, each made at most once (memoised in {@link AuditCalls}) and each
 * naming the IAM action it needs. Bucket-level reads only: the bucket policy denies object access
 * to everyone but the co-signer's role. Resources are found as provision names them: the role and
 * bucket by name, the key by the config's kms.keyId or its alias, the host by its tag.
 */
import type * as EC2 from '@aws-sdk/client-ec2';
import type * as KMS from '@aws-sdk/client-kms';
import type * as S3 from '@aws-sdk/client-s3';
import { listAllGrants, toKeyGrant } from '../aws/kms.js';
import { TAGS } from '../config/names.js';
import type { KeyGrant } from '../policy/key-properties.js';
import type { PolicyDocument } from '../policy/types.js';
import { allPages, parseAwsPolicy } from '../engine/aws-util.js';
import { DependencyFailed, type AuditCalls, type Outcome } from './reads.js';
import type { AuditTarget } from './target.js';
import { lookupKeyEvents, type KeyEvent } from './trail-events.js';
import { userDataText } from './user-data.js';

export interface RoleFacts {
  arn: string;
  roleId: string;
  trustPolicy: PolicyDocument | undefined;
}

export interface TrailFacts {
  name: string;
  arn: string;
  homeRegion: string;
  multiRegion: boolean;
  logFileValidation: boolean;
  /** The trail records what its event selectors say, which may leave out KMS or read events. */
  customEventSelectors: boolean;
  logging: Outcome<boolean>;
}

export interface InstanceTypeFacts {
  type: string;
  nitroEnclaves: string | undefined;
  vcpus: number | undefined;
  memoryMiB: number | undefined;
}

/** Host states that are not gone (a terminated host is no host). */
const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped', 'shutting-down'];

/** Every security group of a host: the instance's and each network interface's (a second ENI has its own). */
export function hostGroupIds(instance: EC2.Instance): string[] {
  const groups = [
    ...(instance.SecurityGroups ?? []),
    ...(instance.NetworkInterfaces ?? []).flatMap((eni) => eni.Groups ?? []),
  ];
  return [...new Set(groups.flatMap((g) => (g.GroupId === undefined || g.GroupId === '' ? [] : [g.GroupId])))];
}

/** Every public IPv4 address of a host: the primary one and any on its network interfaces (an Elastic IP on a second ENI). */
export function hostPublicIps(instance: EC2.Instance): string[] {
  const ips = [
    instance.PublicIpAddress,
    ...(instance.NetworkInterfaces ?? []).flatMap((eni) => [
      eni.Association?.PublicIp,
      ...(eni.PrivateIpAddresses ?? []).map((p) => p.Association?.PublicIp),
    ]),
  ];
  return [...new Set(ips.filter((ip): ip is string => ip !== undefined && ip !== ''))];
}

export class DeploymentReads {
  readonly target: AuditTarget;
  readonly #calls: AuditCalls;

  constructor(target: AuditTarget, calls: AuditCalls) {
    this.target = target;
    this.#calls = calls;
  }

  get #ports() {
    return this.#calls.ports;
  }

  #memo<T>(read: string, fn: () => Promise<T>): Promise<Outcome<T>> {
    return this.#calls.memo(`${this.target.name}/${read}`, fn);
  }

  /** Another read's value for a read that depends on it (its failure becomes this one's). */
  async #after<T>(outcome: Promise<Outcome<T>>): Promise<T> {
    const result = await outcome;
    if (!result.ok) throw new DependencyFailed(result.failure);
    return result.value;
  }

  // ---- KMS ----------------------------------------------------------------------------------

  /** DescribeKey of the configured key or the alias; undefined when there is none. */
  key(): Promise<Outcome<KMS.KeyMetadata | undefined>> {
    return this.#memo('key', async () => {
      const ref = this.target.keyRef.value;
      const out = await this.#calls.optional('kms:DescribeKey', () => this.#ports.kms.describeKey({ KeyId: ref }));
      return out?.KeyMetadata;
    });
  }

  keyPolicy(): Promise<Outcome<PolicyDocument | undefined>> {
    return this.#memo('keyPolicy', async () => {
      const key = await this.#after(this.key());
      if (key?.Arn === undefined) return undefined;
      const arn = key.Arn;
      const out = await this.#calls.call('kms:GetKeyPolicy', () =>
        this.#ports.kms.getKeyPolicy({ KeyId: arn, PolicyName: 'default' }),
      );
      return parseAwsPolicy(out.Policy);
    });
  }

  keyRotation(): Promise<Outcome<boolean | undefined>> {
    return this.#memo('keyRotation', async () => {
      const key = await this.#after(this.key());
      if (key?.Arn === undefined) return undefined;
      const arn = key.Arn;
      const out = await this.#calls.call('kms:GetKeyRotationStatus', () =>
        this.#ports.kms.getKeyRotationStatus({ KeyId: arn }),
      );
      return out.KeyRotationEnabled === true;
    });
  }

  keyGrants(): Promise<Outcome<KeyGrant[] | undefined>> {
    return this.#memo('keyGrants', async () => {
      const key = await this.#after(this.key());
      if (key?.Arn === undefined) return undefined;
      const arn = key.Arn;
      const kms = this.#ports.kms;
      const grants = await listAllGrants(
        { listGrants: (input) => this.#calls.call('kms:ListGrants', () => kms.listGrants(input)) },
        arn,
      );
      return grants.map(toKeyGrant);
    });
  }

  // ---- S3 -----------------------------------------------------------------------------------

  /** The bucket among the account's buckets (ListBuckets: HeadBucket is denied by its policy). */
  bucket(): Promise<Outcome<{ name: string; region: string | undefined } | undefined>> {
    return this.#memo('bucket', async () => {
      const name = this.target.bucketName;
      const listed = await allPages(async (ContinuationToken) => {
        const page = await this.#calls.call('s3:ListAllMyBuckets', () =>
          this.#ports.s3.listBuckets({
            Prefix: name,
            MaxBuckets: 100,
            ...(ContinuationToken === undefined ? {} : { ContinuationToken }),
          }),
        );
        return { items: page.Buckets, next: page.ContinuationToken };
      });
      const found = listed.find((b) => b.Name === name);
      return found === undefined ? undefined : { name, region: found.BucketRegion };
    });
  }

  #bucketRead<T>(read: string, action: string, fn: (Bucket: string) => Promise<T>): Promise<Outcome<T | undefined>> {
    return this.#memo(read, async () => {
      const bucket = await this.#after(this.bucket());
      if (bucket === undefined) return undefined;
      return this.#calls.optional(action, () => fn(bucket.name));
    });
  }

  bucketPolicy(): Promise<Outcome<PolicyDocument | undefined>> {
    return this.#memo('bucketPolicy:parsed', async () => {
      const out = await this.#after(
        this.#bucketRead('bucketPolicy', 's3:GetBucketPolicy', (Bucket) => this.#ports.s3.getBucketPolicy({ Bucket })),
      );
      return parseAwsPolicy(out?.Policy);
    });
  }

  bucketPublicAccessBlock(): Promise<Outcome<S3.PublicAccessBlockConfiguration | undefined>> {
    return this.#memo('bucketPublicAccessBlock:config', async () => {
      const out = await this.#after(
        this.#bucketRead('bucketPublicAccessBlock', 's3:GetBucketPublicAccessBlock', (Bucket) =>
          this.#ports.s3.getPublicAccessBlock({ Bucket }),
        ),
      );
      return out?.PublicAccessBlockConfiguration;
    });
  }

  bucketOwnership(): Promise<Outcome<string | undefined>> {
    return this.#memo('bucketOwnership:rule', async () => {
      const out = await this.#after(
        this.#bucketRead('bucketOwnership', 's3:GetBucketOwnershipControls', (Bucket) =>
          this.#ports.s3.getBucketOwnershipControls({ Bucket }),
        ),
      );
      return out?.OwnershipControls?.Rules?.[0]?.ObjectOwnership;
    });
  }

  bucketVersioning(): Promise<Outcome<string | undefined>> {
    return this.#memo('bucketVersioning:status', async () => {
      const out = await this.#after(
        this.#bucketRead('bucketVersioning', 's3:GetBucketVersioning', (Bucket) =>
          this.#ports.s3.getBucketVersioning({ Bucket }),
        ),
      );
      return out?.Status;
    });
  }

  bucketEncryption(): Promise<Outcome<S3.ServerSideEncryptionByDefault | undefined>> {
    return this.#memo('bucketEncryption:rule', async () => {
      const out = await this.#after(
        this.#bucketRead('bucketEncryption', 's3:GetEncryptionConfiguration', (Bucket) =>
          this.#ports.s3.getBucketEncryption({ Bucket }),
        ),
      );
      return out?.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
    });
  }

  /**
   * The KMS key the bucket's default encryption names, resolved with DescribeKey: another alias or
   * spelling of the co-signer's key is the same key. Undefined without SSE-KMS or a key id (the
   * AWS-managed aws/s3 key), or when no key answers to the id.
   */
  bucketEncryptionKey(): Promise<Outcome<KMS.KeyMetadata | undefined>> {
    return this.#memo('bucketEncryptionKey', async () => {
      const rule = await this.#after(this.bucketEncryption());
      const id = rule?.KMSMasterKeyID;
      if (rule?.SSEAlgorithm?.startsWith('aws:kms') !== true || id === undefined) return undefined;
      // The co-signer's key under a name the audit already resolved: no second DescribeKey.
      const key = await this.key();
      if (key.ok && key.value !== undefined && [key.value.KeyId, key.value.Arn, this.target.keyRef.value].includes(id))
        return key.value;
      const out = await this.#calls.optional('kms:DescribeKey', () => this.#ports.kms.describeKey({ KeyId: id }));
      return out?.KeyMetadata;
    });
  }

  // ---- IAM ----------------------------------------------------------------------------------

  role(): Promise<Outcome<RoleFacts | undefined>> {
    return this.#memo('role', async () => {
      const out = await this.#calls.optional('iam:GetRole', () =>
        this.#ports.iam.getRole({ RoleName: this.target.roleName }),
      );
      const role = out?.Role;
      if (role?.Arn === undefined) return undefined;
      return { arn: role.Arn, roleId: role.RoleId ?? '', trustPolicy: parseAwsPolicy(role.AssumeRolePolicyDocument) };
    });
  }

  roleInlinePolicies(): Promise<Outcome<{ name: string; document: PolicyDocument | undefined }[] | undefined>> {
    return this.#memo('roleInlinePolicies', async () => {
      const role = await this.#after(this.role());
      if (role === undefined) return undefined;
      const RoleName = this.target.roleName;
      const names = await allPages(async (Marker) => {
        const page = await this.#calls.call('iam:ListRolePolicies', () =>
          this.#ports.iam.listRolePolicies({ RoleName, ...(Marker === undefined ? {} : { Marker }) }),
        );
        return { items: page.PolicyNames, next: page.IsTruncated ? page.Marker : undefined };
      });
      return Promise.all(
        names.map(async (PolicyName) => {
          const out = await this.#calls.call('iam:GetRolePolicy', () =>
            this.#ports.iam.getRolePolicy({ RoleName, PolicyName }),
          );
          return { name: PolicyName, document: parseAwsPolicy(out.PolicyDocument) };
        }),
      );
    });
  }

  roleAttachedPolicies(): Promise<Outcome<string[] | undefined>> {
    return this.#memo('roleAttachedPolicies', async () => {
      const role = await this.#after(this.role());
      if (role === undefined) return undefined;
      const RoleName = this.target.roleName;
      return allPages(async (Marker) => {
        const page = await this.#calls.call('iam:ListAttachedRolePolicies', () =>
          this.#ports.iam.listAttachedRolePolicies({ RoleName, ...(Marker === undefined ? {} : { Marker }) }),
        );
        return {
          items: page.AttachedPolicies?.map((p) => p.PolicyArn ?? ''),
          next: page.IsTruncated ? page.Marker : undefined,
        };
      });
    });
  }

  /** Every instance profile that holds the co-signer's role (a host launched with any of them acts as the co-signer). */
  roleInstanceProfiles(): Promise<Outcome<string[] | undefined>> {
    return this.#memo('roleInstanceProfiles', async () => {
      const role = await this.#after(this.role());
      if (role === undefined) return undefined;
      const RoleName = this.target.roleName;
      return allPages(async (Marker) => {
        const page = await this.#calls.call('iam:ListInstanceProfilesForRole', () =>
          this.#ports.iam.listInstanceProfilesForRole({ RoleName, ...(Marker === undefined ? {} : { Marker }) }),
        );
        return {
          items: page.InstanceProfiles?.map((p) => p.Arn ?? p.InstanceProfileName ?? ''),
          next: page.IsTruncated ? page.Marker : undefined,
        };
      });
    });
  }

  /** The roles of each host's instance profile, by profile ARN. */
  instanceProfiles(): Promise<Outcome<Map<string, string[] | undefined>>> {
    return this.#memo('instanceProfiles', async () => {
      const arns = [
        ...new Set(
          (await this.#after(this.instances())).flatMap((i) =>
            i.IamInstanceProfile?.Arn === undefined ? [] : [i.IamInstanceProfile.Arn],
          ),
        ),
      ];
      const entries = await Promise.all(
        arns.map(async (arn): Promise<[string, string[] | undefined]> => {
          const name = arn.split('/').pop() ?? '';
          const out = await this.#calls.optional('iam:GetInstanceProfile', () =>
            this.#ports.iam.getInstanceProfile({ InstanceProfileName: name }),
          );
          const profile = out?.InstanceProfile;
          return [arn, profile === undefined ? undefined : (profile.Roles ?? []).map((r) => r.Arn ?? r.RoleName ?? '')];
        }),
      );
      return new Map(entries);
    });
  }

  // ---- EC2 ----------------------------------------------------------------------------------

  /**
   * The hosts that are not terminated and carry this co-signer's name tag or its instance profile
   * (an untagged host with the profile acts as the co-signer all the same).
   */
  instances(): Promise<Outcome<EC2.Instance[]>> {
    return this.#memo('instances', async () => {
      const describe = (filter: EC2.Filter) =>
        allPages(async (NextToken) => {
          const page = await this.#calls.call('ec2:DescribeInstances', () =>
            this.#ports.ec2.describeInstances({
              Filters: [filter, { Name: 'instance-state-name', Values: LIVE_STATES }],
              ...(NextToken === undefined ? {} : { NextToken }),
            }),
          );
          return { items: page.Reservations?.flatMap((r) => r.Instances ?? []), next: page.NextToken };
        });
      const lists = await Promise.all([
        describe({ Name: `tag:${TAGS.name}`, Values: [this.target.name] }),
        describe({ Name: 'iam-instance-profile.arn', Values: [this.target.instanceProfileArn] }),
      ]);
      const byId = new Map(lists.flat().map((i) => [i.InstanceId ?? '', i]));
      return [...byId.values()].sort((a, b) => (a.InstanceId ?? '').localeCompare(b.InstanceId ?? ''));
    });
  }

  instanceTypes(): Promise<Outcome<InstanceTypeFacts[]>> {
    return this.#memo('instanceTypes', async () => {
      const types = [
        ...new Set(
          (await this.#after(this.instances())).flatMap((i) => (i.InstanceType === undefined ? [] : [i.InstanceType])),
        ),
      ];
      if (types.length === 0) return [];
      const out = await allPages(async (NextToken) => {
        const page = await this.#calls.call('ec2:DescribeInstanceTypes', () =>
          this.#ports.ec2.describeInstanceTypes({
            InstanceTypes: types,
            ...(NextToken === undefined ? {} : { NextToken }),
          }),
        );
        return { items: page.InstanceTypes, next: page.NextToken };
      });
      return out.map((t) => ({
        type: t.InstanceType ?? '',
        nitroEnclaves: t.NitroEnclavesSupport,
        vcpus: t.VCpuInfo?.DefaultVCpus,
        memoryMiB: t.MemoryInfo?.SizeInMiB,
      }));
    });
  }

  securityGroups(): Promise<Outcome<EC2.SecurityGroup[]>> {
    return this.#memo('securityGroups', async () => {
      const ids = [...new Set((await this.#after(this.instances())).flatMap(hostGroupIds))];
      if (ids.length === 0) return [];
      return allPages(async (NextToken) => {
        const page = await this.#calls.call('ec2:DescribeSecurityGroups', () =>
          this.#ports.ec2.describeSecurityGroups({ GroupIds: ids, ...(NextToken === undefined ? {} : { NextToken }) }),
        );
        return { items: page.SecurityGroups, next: page.NextToken };
      });
    });
  }

  volumes(): Promise<Outcome<EC2.Volume[]>> {
    return this.#memo('volumes', async () => {
      const ids = (await this.#after(this.instances())).flatMap((i) =>
        i.InstanceId === undefined ? [] : [i.InstanceId],
      );
      if (ids.length === 0) return [];
      return allPages(async (NextToken) => {
        const page = await this.#calls.call('ec2:DescribeVolumes', () =>
          this.#ports.ec2.describeVolumes({
            Filters: [{ Name: 'attachment.instance-id', Values: ids }],
            ...(NextToken === undefined ? {} : { NextToken }),
          }),
        );
        return { items: page.Volumes, next: page.NextToken };
      });
    });
  }

  /** Each host's user data, decoded (kept in memory only: it is scanned, never reported). */
  userData(): Promise<Outcome<Map<string, string | undefined>>> {
    return this.#memo('userData', async () => {
      const ids = (await this.#after(this.instances())).flatMap((i) =>
        i.InstanceId === undefined ? [] : [i.InstanceId],
      );
      const entries = await Promise.all(
        ids.map(async (InstanceId): Promise<[string, string | undefined]> => {
          const out = await this.#calls.call('ec2:DescribeInstanceAttribute', () =>
            this.#ports.ec2.describeInstanceAttribute({ InstanceId, Attribute: 'userData' }),
          );
          const value = out.UserData?.Value;
          return [InstanceId, value === undefined ? undefined : userDataText(value)];
        }),
      );
      return new Map(entries);
    });
  }

  // ---- CloudTrail ---------------------------------------------------------------------------

  trails(): Promise<Outcome<TrailFacts[]>> {
    return this.#memo('trails', async () => {
      const out = await this.#calls.call('cloudtrail:DescribeTrails', () =>
        this.#ports.cloudtrail.describeTrails({ includeShadowTrails: true }),
      );
      return Promise.all(
        (out.trailList ?? []).map(async (trail): Promise<TrailFacts> => {
          const arn = trail.TrailARN ?? trail.Name ?? '';
          const logging = await this.#calls.memo(`trail-status/${arn}`, async () => {
            const status = await this.#calls.call('cloudtrail:GetTrailStatus', () =>
              this.#ports.cloudtrail.getTrailStatus({ Name: arn }),
            );
            return status.IsLogging === true;
          });
          return {
            name: trail.Name ?? arn,
            arn,
            homeRegion: trail.HomeRegion ?? '',
            multiRegion: trail.IsMultiRegionTrail === true,
            logFileValidation: trail.LogFileValidationEnabled === true,
            customEventSelectors: trail.HasCustomEventSelectors === true,
            logging,
          };
        }),
      );
    });
  }

  /** Every KMS event on the key in the lookback window (LookupEvents, every page). */
  keyEvents(): Promise<Outcome<KeyEvent[] | undefined>> {
    return this.#memo('keyEvents', async () => {
      const key = await this.#after(this.key());
      if (key?.Arn === undefined) return undefined;
      const keyArn = key.Arn;
      return lookupKeyEvents(
        (input) => this.#calls.call('cloudtrail:LookupEvents', () => this.#ports.cloudtrail.lookupEvents(input)),
        keyArn,
        this.target.since,
        this.target.now,
      );
    });
  }
}
