/**
 * The reads of one co-signer's account resources, each made at most once (memoised in
 * {@link AuditCalls}) and each naming the IAM action it needs: the key, the bucket (bucket-level
 * reads only: the bucket policy denies object access to everyone but the co-signer's role) and the
 * role. Resources are found as provision names them: the role and bucket by name, the key by the
 * config's kms.keyId or its alias. The host and CloudTrail reads extend these (deployment-reads.ts).
 */
import type * as KMS from '@aws-sdk/client-kms';
import type * as S3 from '@aws-sdk/client-s3';
import { listAllGrants, toKeyGrant } from '../aws/kms.js';
import type { KeyGrant } from '../policy/key-properties.js';
import type { PolicyDocument } from '../policy/types.js';
import { allPages, parseAwsPolicy } from '../engine/aws-util.js';
import { DependencyFailed, type AuditCalls, type Outcome } from './reads.js';
import type { AuditTarget } from './target.js';

export interface RoleFacts {
  arn: string;
  roleId: string;
  trustPolicy: PolicyDocument | undefined;
}

export class AccountReads {
  readonly target: AuditTarget;
  protected readonly calls: AuditCalls;

  constructor(target: AuditTarget, calls: AuditCalls) {
    this.target = target;
    this.calls = calls;
  }

  protected get ports() {
    return this.calls.ports;
  }

  protected memo<T>(read: string, fn: () => Promise<T>): Promise<Outcome<T>> {
    return this.calls.memo(`${this.target.name}/${read}`, fn);
  }

  /** Another read's value for a read that depends on it (its failure becomes this one's). */
  protected async after<T>(outcome: Promise<Outcome<T>>): Promise<T> {
    const result = await outcome;
    if (!result.ok) throw new DependencyFailed(result.failure);
    return result.value;
  }

  // ---- KMS ----------------------------------------------------------------------------------

  /** DescribeKey of the configured key or the alias; undefined when there is none. */
  key(): Promise<Outcome<KMS.KeyMetadata | undefined>> {
    return this.memo('key', async () => {
      const ref = this.target.keyRef.value;
      const out = await this.calls.optional('kms:DescribeKey', () => this.ports.kms.describeKey({ KeyId: ref }));
      return out?.KeyMetadata;
    });
  }

  keyPolicy(): Promise<Outcome<PolicyDocument | undefined>> {
    return this.memo('keyPolicy', async () => {
      const key = await this.after(this.key());
      if (key?.Arn === undefined) return undefined;
      const arn = key.Arn;
      const out = await this.calls.call('kms:GetKeyPolicy', () =>
        this.ports.kms.getKeyPolicy({ KeyId: arn, PolicyName: 'default' }),
      );
      return parseAwsPolicy(out.Policy);
    });
  }

  keyRotation(): Promise<Outcome<boolean | undefined>> {
    return this.memo('keyRotation', async () => {
      const key = await this.after(this.key());
      if (key?.Arn === undefined) return undefined;
      const arn = key.Arn;
      const out = await this.calls.call('kms:GetKeyRotationStatus', () =>
        this.ports.kms.getKeyRotationStatus({ KeyId: arn }),
      );
      return out.KeyRotationEnabled === true;
    });
  }

  keyGrants(): Promise<Outcome<KeyGrant[] | undefined>> {
    return this.memo('keyGrants', async () => {
      const key = await this.after(this.key());
      if (key?.Arn === undefined) return undefined;
      const arn = key.Arn;
      const kms = this.ports.kms;
      const grants = await listAllGrants(
        { listGrants: (input) => this.calls.call('kms:ListGrants', () => kms.listGrants(input)) },
        arn,
      );
      return grants.map(toKeyGrant);
    });
  }

  // ---- S3 -----------------------------------------------------------------------------------

  /** The bucket among the account's buckets (ListBuckets: HeadBucket is denied by its policy). */
  bucket(): Promise<Outcome<{ name: string; region: string | undefined } | undefined>> {
    return this.memo('bucket', async () => {
      const name = this.target.bucketName;
      const listed = await allPages(async (ContinuationToken) => {
        const page = await this.calls.call('s3:ListAllMyBuckets', () =>
          this.ports.s3.listBuckets({
            Prefix: name,
            MaxBuckets: 100,
            ContinuationToken,
          }),
        );
        return { items: page.Buckets, next: page.ContinuationToken };
      });
      const found = listed.find((b) => b.Name === name);
      return found === undefined ? undefined : { name, region: found.BucketRegion };
    });
  }

  #bucketRead<T>(read: string, action: string, fn: (Bucket: string) => Promise<T>): Promise<Outcome<T | undefined>> {
    return this.memo(read, async () => {
      const bucket = await this.after(this.bucket());
      if (bucket === undefined) return undefined;
      return this.calls.optional(action, () => fn(bucket.name));
    });
  }

  bucketPolicy(): Promise<Outcome<PolicyDocument | undefined>> {
    return this.memo('bucketPolicy:parsed', async () => {
      const out = await this.after(
        this.#bucketRead('bucketPolicy', 's3:GetBucketPolicy', (Bucket) => this.ports.s3.getBucketPolicy({ Bucket })),
      );
      return parseAwsPolicy(out?.Policy);
    });
  }

  bucketPublicAccessBlock(): Promise<Outcome<S3.PublicAccessBlockConfiguration | undefined>> {
    return this.memo('bucketPublicAccessBlock:config', async () => {
      const out = await this.after(
        this.#bucketRead('bucketPublicAccessBlock', 's3:GetBucketPublicAccessBlock', (Bucket) =>
          this.ports.s3.getPublicAccessBlock({ Bucket }),
        ),
      );
      return out?.PublicAccessBlockConfiguration;
    });
  }

  bucketOwnership(): Promise<Outcome<string | undefined>> {
    return this.memo('bucketOwnership:rule', async () => {
      const out = await this.after(
        this.#bucketRead('bucketOwnership', 's3:GetBucketOwnershipControls', (Bucket) =>
          this.ports.s3.getBucketOwnershipControls({ Bucket }),
        ),
      );
      return out?.OwnershipControls?.Rules?.[0]?.ObjectOwnership;
    });
  }

  bucketVersioning(): Promise<Outcome<string | undefined>> {
    return this.memo('bucketVersioning:status', async () => {
      const out = await this.after(
        this.#bucketRead('bucketVersioning', 's3:GetBucketVersioning', (Bucket) =>
          this.ports.s3.getBucketVersioning({ Bucket }),
        ),
      );
      return out?.Status;
    });
  }

  bucketEncryption(): Promise<Outcome<S3.ServerSideEncryptionByDefault | undefined>> {
    return this.memo('bucketEncryption:rule', async () => {
      const out = await this.after(
        this.#bucketRead('bucketEncryption', 's3:GetEncryptionConfiguration', (Bucket) =>
          this.ports.s3.getBucketEncryption({ Bucket }),
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
    return this.memo('bucketEncryptionKey', async () => {
      const rule = await this.after(this.bucketEncryption());
      const id = rule?.KMSMasterKeyID;
      if (rule?.SSEAlgorithm?.startsWith('aws:kms') !== true || id === undefined) return undefined;
      // The co-signer's key under a name the audit already resolved: no second DescribeKey.
      const key = await this.key();
      if (key.ok && key.value !== undefined && [key.value.KeyId, key.value.Arn, this.target.keyRef.value].includes(id))
        return key.value;
      const out = await this.calls.optional('kms:DescribeKey', () => this.ports.kms.describeKey({ KeyId: id }));
      return out?.KeyMetadata;
    });
  }

  // ---- IAM ----------------------------------------------------------------------------------

  role(): Promise<Outcome<RoleFacts | undefined>> {
    return this.memo('role', async () => {
      const out = await this.calls.optional('iam:GetRole', () =>
        this.ports.iam.getRole({ RoleName: this.target.roleName }),
      );
      const role = out?.Role;
      if (role?.Arn === undefined) return undefined;
      return { arn: role.Arn, roleId: role.RoleId ?? '', trustPolicy: parseAwsPolicy(role.AssumeRolePolicyDocument) };
    });
  }

  roleInlinePolicies(): Promise<Outcome<{ name: string; document: PolicyDocument | undefined }[] | undefined>> {
    return this.memo('roleInlinePolicies', async () => {
      const role = await this.after(this.role());
      if (role === undefined) return undefined;
      const RoleName = this.target.roleName;
      const names = await allPages(async (Marker) => {
        const page = await this.calls.call('iam:ListRolePolicies', () =>
          this.ports.iam.listRolePolicies({ RoleName, Marker }),
        );
        return { items: page.PolicyNames, next: page.IsTruncated ? page.Marker : undefined };
      });
      return Promise.all(
        names.map(async (PolicyName) => {
          const out = await this.calls.call('iam:GetRolePolicy', () =>
            this.ports.iam.getRolePolicy({ RoleName, PolicyName }),
          );
          return { name: PolicyName, document: parseAwsPolicy(out.PolicyDocument) };
        }),
      );
    });
  }

  roleAttachedPolicies(): Promise<Outcome<string[] | undefined>> {
    return this.memo('roleAttachedPolicies', async () => {
      const role = await this.after(this.role());
      if (role === undefined) return undefined;
      const RoleName = this.target.roleName;
      return allPages(async (Marker) => {
        const page = await this.calls.call('iam:ListAttachedRolePolicies', () =>
          this.ports.iam.listAttachedRolePolicies({ RoleName, Marker }),
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
    return this.memo('roleInstanceProfiles', async () => {
      const role = await this.after(this.role());
      if (role === undefined) return undefined;
      const RoleName = this.target.roleName;
      return allPages(async (Marker) => {
        const page = await this.calls.call('iam:ListInstanceProfilesForRole', () =>
          this.ports.iam.listInstanceProfilesForRole({ RoleName, Marker }),
        );
        return {
          items: page.InstanceProfiles?.map((p) => p.Arn ?? p.InstanceProfileName ?? ''),
          next: page.IsTruncated ? page.Marker : undefined,
        };
      });
    });
  }
}
