// The sandbox's IAM (names, URL-encoded documents, instance profiles, delete conflicts) and S3
// (global names, defaults, enforced bucket policies, versioning, pagination).
import { describe, expect, it } from 'vitest';
import { isAwsErrorNamed, isIamPropagationError } from '../../src/aws/errors.js';
import { createSandboxEnclaveSession } from '../../src/aws/sandbox/index.js';
import { buildBucketPolicy } from '../../src/policy/bucket-policy.js';
import { buildRoleInlinePolicy, ssmManagedPolicyArn } from '../../src/policy/iam-policies.js';
import { buildKeyPolicy } from '../../src/policy/key-policy.js';
import { caught, EC2_TRUST, FakeClock, sandbox, tempDir } from './helpers.js';

const ACCOUNT = '111122223333';
const PCR8 = 'da1d9eca20ce98ab4fdbc51f8e5a2307fd4c61829b7d8bff40976cd6676862c8f3476ff4bdd0f65ecf4a48d6eb3099a8';

describe('sandbox IAM', () => {
  it('creates roles with AWS ids and ARNs, returns documents URL-encoded, and names are unique regardless of case', async () => {
    const ports = await sandbox();
    const { Role } = await ports.iam.createRole({
      RoleName: 'cosigner-prod',
      Path: '/cosigner/',
      AssumeRolePolicyDocument: EC2_TRUST,
      Tags: [{ Key: 'cosigner-cli:name', Value: 'prod' }],
    });
    expect(Role).toMatchObject({
      RoleName: 'cosigner-prod',
      Path: '/cosigner/',
      Arn: `arn:aws:iam::${ACCOUNT}:role/cosigner/cosigner-prod`,
    });
    expect(Role?.RoleId).toMatch(/^AROA[A-Z2-7]{17}$/);
    expect(
      decodeURIComponent((await ports.iam.getRole({ RoleName: 'cosigner-prod' })).Role!.AssumeRolePolicyDocument!),
    ).toBe(EC2_TRUST);
    const duplicate = await caught(
      ports.iam.createRole({ RoleName: 'COSIGNER-PROD', AssumeRolePolicyDocument: EC2_TRUST }),
    );
    expect(duplicate).toMatchObject({
      name: 'EntityAlreadyExistsException',
      Code: 'EntityAlreadyExists',
      $metadata: { httpStatusCode: 409 },
    });
    expect(isAwsErrorNamed(duplicate, 'EntityAlreadyExists')).toBe(true);
    expect(await caught(ports.iam.getRole({ RoleName: 'nope' }))).toMatchObject({
      name: 'NoSuchEntityException',
      $metadata: { httpStatusCode: 404 },
    });
    expect(
      await caught(ports.iam.createRole({ RoleName: 'bad name!', AssumeRolePolicyDocument: EC2_TRUST })),
    ).toMatchObject({ name: 'ValidationError' });
    expect(await caught(ports.iam.createRole({ RoleName: 'x', AssumeRolePolicyDocument: '{' }))).toMatchObject({
      name: 'MalformedPolicyDocumentException',
    });
    const trustToUnknown = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/ghost` }, Action: 'sts:AssumeRole' },
      ],
    });
    expect(
      await caught(ports.iam.createRole({ RoleName: 'y', AssumeRolePolicyDocument: trustToUnknown })),
    ).toMatchObject({ name: 'MalformedPolicyDocumentException' });
    const listed = await ports.iam.listRoles({ PathPrefix: '/cosigner/' });
    expect(listed.Roles?.map((role) => role.RoleName)).toEqual(['cosigner-prod']);
    expect(listed.Roles?.[0]?.Tags).toBeUndefined();
  });

  it('manages inline and managed policies, instance profiles, and refuses deletes in the wrong order', async () => {
    const ports = await sandbox();
    await ports.iam.createRole({ RoleName: 'cosigner-prod', AssumeRolePolicyDocument: EC2_TRUST });
    const inline = JSON.stringify(
      buildRoleInlinePolicy({
        bucketName: 'cosigner-prod-bucket',
        keyArn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
      }),
    );
    await ports.iam.putRolePolicy({ RoleName: 'cosigner-prod', PolicyName: 'cosigner-access', PolicyDocument: inline });
    expect(
      decodeURIComponent(
        (await ports.iam.getRolePolicy({ RoleName: 'cosigner-prod', PolicyName: 'cosigner-access' })).PolicyDocument!,
      ),
    ).toBe(inline);
    expect(
      await caught(ports.iam.putRolePolicy({ RoleName: 'cosigner-prod', PolicyName: 'p', PolicyDocument: EC2_TRUST })),
    ).toMatchObject({ name: 'MalformedPolicyDocumentException' });
    await ports.iam.attachRolePolicy({ RoleName: 'cosigner-prod', PolicyArn: ssmManagedPolicyArn() });
    await ports.iam.attachRolePolicy({ RoleName: 'cosigner-prod', PolicyArn: ssmManagedPolicyArn() });
    expect((await ports.iam.listAttachedRolePolicies({ RoleName: 'cosigner-prod' })).AttachedPolicies).toEqual([
      { PolicyArn: ssmManagedPolicyArn(), PolicyName: 'AmazonSSMManagedInstanceCore' },
    ]);
    expect(
      await caught(
        ports.iam.attachRolePolicy({ RoleName: 'cosigner-prod', PolicyArn: 'arn:aws:iam::aws:policy/Nope' }),
      ),
    ).toMatchObject({ name: 'NoSuchEntityException' });
    const { InstanceProfile } = await ports.iam.createInstanceProfile({
      InstanceProfileName: 'cosigner-prod',
      Tags: [{ Key: 'cosigner-cli:name', Value: 'prod' }],
    });
    expect(InstanceProfile?.InstanceProfileId).toMatch(/^AIPA[A-Z2-7]{17}$/);
    await ports.iam.addRoleToInstanceProfile({ InstanceProfileName: 'cosigner-prod', RoleName: 'cosigner-prod' });
    expect(
      await caught(
        ports.iam.addRoleToInstanceProfile({ InstanceProfileName: 'cosigner-prod', RoleName: 'cosigner-prod' }),
      ),
    ).toMatchObject({ name: 'LimitExceededException' });
    expect(
      (await ports.iam.listInstanceProfilesForRole({ RoleName: 'cosigner-prod' })).InstanceProfiles?.[0]?.Roles?.[0]
        ?.RoleName,
    ).toBe('cosigner-prod');
    expect(await caught(ports.iam.deleteRole({ RoleName: 'cosigner-prod' }))).toMatchObject({
      name: 'DeleteConflictException',
    });
    expect(await caught(ports.iam.deleteInstanceProfile({ InstanceProfileName: 'cosigner-prod' }))).toMatchObject({
      name: 'DeleteConflictException',
    });
    await ports.iam.removeRoleFromInstanceProfile({ InstanceProfileName: 'cosigner-prod', RoleName: 'cosigner-prod' });
    await ports.iam.deleteInstanceProfile({ InstanceProfileName: 'cosigner-prod' });
    expect(await caught(ports.iam.deleteRole({ RoleName: 'cosigner-prod' }))).toMatchObject({
      name: 'DeleteConflictException',
      message: 'Cannot delete entity, must delete policies first.',
    });
    await ports.iam.deleteRolePolicy({ RoleName: 'cosigner-prod', PolicyName: 'cosigner-access' });
    await ports.iam.detachRolePolicy({ RoleName: 'cosigner-prod', PolicyArn: ssmManagedPolicyArn() });
    await ports.iam.deleteRole({ RoleName: 'cosigner-prod' });
    expect((await ports.iam.listRoles({})).Roles).toEqual([]);
  });

  it('paginates roles with Marker/IsTruncated', async () => {
    const ports = await sandbox();
    for (const n of [1, 2, 3, 4, 5, 6, 7])
      await ports.iam.createRole({ RoleName: `r${n}`, AssumeRolePolicyDocument: EC2_TRUST });
    const names: string[] = [];
    let marker: string | undefined;
    do {
      const page = await ports.iam.listRoles({ ...(marker === undefined ? {} : { Marker: marker }) });
      names.push(...page.Roles!.map((role) => role.RoleName!));
      marker = page.IsTruncated === true ? page.Marker : undefined;
    } while (marker !== undefined);
    expect(names).toEqual(['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7']);
  });
});

describe('sandbox S3', () => {
  it('enforces global bucket names, naming rules and location constraints', async () => {
    const ports = await sandbox({ region: 'eu-west-1', knobs: { takenBucketNames: ['someone-elses'] } });
    for (const name of ['taken-by-another-account', 'fireblocks-cosigner', 'someone-elses']) {
      const error = await caught(
        ports.s3.createBucket({ Bucket: name, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }),
      );
      expect(error).toMatchObject({ name: 'BucketAlreadyExists', $metadata: { httpStatusCode: 409 } });
    }
    expect(
      await caught(
        ports.s3.createBucket({ Bucket: 'Bad_Name', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }),
      ),
    ).toMatchObject({ name: 'InvalidBucketName' });
    expect(await caught(ports.s3.createBucket({ Bucket: 'cosigner-prod-111122223333' }))).toMatchObject({
      name: 'IllegalLocationConstraintException',
    });
    await ports.s3.createBucket({
      Bucket: 'cosigner-prod-111122223333',
      CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
    });
    expect(
      await caught(
        ports.s3.createBucket({
          Bucket: 'cosigner-prod-111122223333',
          CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
        }),
      ),
    ).toMatchObject({ name: 'BucketAlreadyOwnedByYou' });
    expect(await caught(ports.s3.headBucket({ Bucket: 'taken-x' }))).toMatchObject({
      name: 'Unknown',
      $metadata: { httpStatusCode: 403 },
    });
    expect(await caught(ports.s3.headBucket({ Bucket: 'nobody-has-this-one' }))).toMatchObject({
      name: 'NotFound',
      $metadata: { httpStatusCode: 404 },
    });
    expect(await caught(ports.s3.getBucketPolicy({ Bucket: 'nobody-has-this-one' }))).toMatchObject({
      name: 'NoSuchBucket',
    });
    expect((await ports.s3.getBucketLocation({ Bucket: 'cosigner-prod-111122223333' })).LocationConstraint).toBe(
      'eu-west-1',
    );
    expect((await ports.s3.listBuckets({})).Buckets?.map((bucket) => [bucket.Name, bucket.BucketRegion])).toEqual([
      ['cosigner-prod-111122223333', 'eu-west-1'],
    ]);
  });

  it('gives new buckets the 2023 defaults and stores configuration', async () => {
    const ports = await sandbox();
    await ports.s3.createBucket({ Bucket: 'cosigner-demo' });
    expect((await ports.s3.getPublicAccessBlock({ Bucket: 'cosigner-demo' })).PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    expect((await ports.s3.getBucketOwnershipControls({ Bucket: 'cosigner-demo' })).OwnershipControls?.Rules).toEqual([
      { ObjectOwnership: 'BucketOwnerEnforced' },
    ]);
    expect(
      (await ports.s3.getBucketEncryption({ Bucket: 'cosigner-demo' })).ServerSideEncryptionConfiguration?.Rules?.[0]
        ?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm,
    ).toBe('AES256');
    expect(await ports.s3.getBucketVersioning({ Bucket: 'cosigner-demo' })).not.toHaveProperty('Status');
    expect(await caught(ports.s3.getBucketTagging({ Bucket: 'cosigner-demo' }))).toMatchObject({
      name: 'NoSuchTagSet',
    });
    expect(await caught(ports.s3.getBucketPolicy({ Bucket: 'cosigner-demo' }))).toMatchObject({
      name: 'NoSuchBucketPolicy',
      $metadata: { httpStatusCode: 404 },
    });
    expect(await caught(ports.s3.getObjectLockConfiguration({ Bucket: 'cosigner-demo' }))).toMatchObject({
      name: 'ObjectLockConfigurationNotFoundError',
    });
    expect((await ports.s3.getBucketLogging({ Bucket: 'cosigner-demo' })).LoggingEnabled).toBeUndefined();
    await ports.s3.putBucketVersioning({ Bucket: 'cosigner-demo', VersioningConfiguration: { Status: 'Enabled' } });
    await ports.s3.putBucketTagging({
      Bucket: 'cosigner-demo',
      Tagging: { TagSet: [{ Key: 'cosigner-cli:name', Value: 'demo' }] },
    });
    expect((await ports.s3.getBucketTagging({ Bucket: 'cosigner-demo' })).TagSet).toEqual([
      { Key: 'cosigner-cli:name', Value: 'demo' },
    ]);
    const open = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::cosigner-demo/*' },
      ],
    });
    expect(await caught(ports.s3.putBucketPolicy({ Bucket: 'cosigner-demo', Policy: open }))).toMatchObject({
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    });
    expect(
      await caught(
        ports.s3.putBucketPolicy({ Bucket: 'cosigner-demo', Policy: open.replace('cosigner-demo', 'other') }),
      ),
    ).toMatchObject({ name: 'MalformedPolicy' });
  });

  it('enforces the deny-all-but-the-role bucket policy on object operations', async () => {
    const dir = tempDir();
    const ports = await sandbox({ dir });
    const { Role } = await ports.iam.createRole({ RoleName: 'cosigner-prod', AssumeRolePolicyDocument: EC2_TRUST });
    const key = await ports.kms.createKey({
      Policy: JSON.stringify(buildKeyPolicy({ accountId: ACCOUNT, roleArn: Role!.Arn!, pcr8: [PCR8] })),
    });
    await ports.iam.putRolePolicy({
      RoleName: 'cosigner-prod',
      PolicyName: 'cosigner-access',
      PolicyDocument: JSON.stringify(
        buildRoleInlinePolicy({ bucketName: 'cosigner-prod-data', keyArn: key.KeyMetadata.Arn! }),
      ),
    });
    await ports.s3.createBucket({ Bucket: 'cosigner-prod-data' });
    await ports.s3.putObject({ Bucket: 'cosigner-prod-data', Key: 'before-policy', Body: 'x' });
    await ports.s3.putBucketPolicy({
      Bucket: 'cosigner-prod-data',
      Policy: JSON.stringify(
        buildBucketPolicy({ bucketName: 'cosigner-prod-data', accountId: ACCOUNT, roleArn: Role!.Arn! }),
      ),
    });
    const denied = await caught(ports.s3.getObject({ Bucket: 'cosigner-prod-data', Key: 'before-policy' }));
    expect(denied).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    expect(denied.message).toContain('explicit deny in a resource-based policy');
    expect(await caught(ports.s3.listObjectsV2({ Bucket: 'cosigner-prod-data' }))).toMatchObject({
      name: 'AccessDenied',
    });
    expect(await caught(ports.s3.putObject({ Bucket: 'cosigner-prod-data', Key: 'k', Body: 'x' }))).toMatchObject({
      name: 'AccessDenied',
    });
    // Bucket configuration stays readable and the policy replaceable (no self-lockout).
    await expect(ports.s3.getBucketPolicy({ Bucket: 'cosigner-prod-data' })).resolves.toHaveProperty('Policy');
    // The role (from the enclave's host) can.
    const session = await createSandboxEnclaveSession({
      sandboxDir: dir,
      env: {},
      roleArn: Role!.Arn!,
      pcrs: { 8: PCR8 },
    });
    await session.s3.putObject({
      Bucket: 'cosigner-prod-data',
      Key: 'db/secrets.enc',
      Body: new Uint8Array([1, 2, 3]),
    });
    const object = await session.s3.getObject({ Bucket: 'cosigner-prod-data', Key: 'db/secrets.enc' });
    expect(await object.Body!.transformToByteArray()).toEqual(new Uint8Array([1, 2, 3]));
    expect((await session.s3.listObjectsV2({ Bucket: 'cosigner-prod-data' })).KeyCount).toBe(2);
  });

  it('refuses SSE-KMS with the attested key: S3 calls KMS without an attestation', async () => {
    const dir = tempDir();
    const ports = await sandbox({ dir });
    const { Role } = await ports.iam.createRole({ RoleName: 'cosigner-prod', AssumeRolePolicyDocument: EC2_TRUST });
    const key = await ports.kms.createKey({
      Policy: JSON.stringify(buildKeyPolicy({ accountId: ACCOUNT, roleArn: Role!.Arn!, pcr8: [PCR8] })),
    });
    await ports.iam.putRolePolicy({
      RoleName: 'cosigner-prod',
      PolicyName: 'cosigner-access',
      PolicyDocument: JSON.stringify(
        buildRoleInlinePolicy({ bucketName: 'cosigner-kms', keyArn: key.KeyMetadata.Arn! }),
      ),
    });
    await ports.s3.createBucket({ Bucket: 'cosigner-kms' });
    await ports.s3.putBucketEncryption({
      Bucket: 'cosigner-kms',
      ServerSideEncryptionConfiguration: {
        Rules: [
          { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key.KeyMetadata.Arn! } },
        ],
      },
    });
    const session = await createSandboxEnclaveSession({
      sandboxDir: dir,
      env: {},
      roleArn: Role!.Arn!,
      pcrs: { 8: PCR8 },
    });
    const error = await caught(session.s3.putObject({ Bucket: 'cosigner-kms', Key: 'db', Body: 'x' }));
    expect(error).toMatchObject({ name: 'AccessDenied' });
    expect(error.message).toContain('kms:GenerateDataKey');
  });

  it('versions objects, keeps delete markers, refuses to delete a non-empty bucket, and pages listings', async () => {
    const ports = await sandbox();
    await ports.s3.createBucket({ Bucket: 'cosigner-versions' });
    await ports.s3.putBucketVersioning({ Bucket: 'cosigner-versions', VersioningConfiguration: { Status: 'Enabled' } });
    const v1 = await ports.s3.putObject({ Bucket: 'cosigner-versions', Key: 'a', Body: 'one' });
    const v2 = await ports.s3.putObject({ Bucket: 'cosigner-versions', Key: 'a', Body: 'two' });
    expect(v1.VersionId).not.toBe(v2.VersionId);
    expect(v1.ETag).toBe('"f97c5d29941bfb1b2fdab0874906ab82"');
    expect(await (await ports.s3.getObject({ Bucket: 'cosigner-versions', Key: 'a' })).Body!.transformToString()).toBe(
      'two',
    );
    expect(
      await (
        await ports.s3.getObject({ Bucket: 'cosigner-versions', Key: 'a', VersionId: v1.VersionId! })
      ).Body!.transformToString(),
    ).toBe('one');
    const marker = await ports.s3.deleteObject({ Bucket: 'cosigner-versions', Key: 'a' });
    expect(marker.DeleteMarker).toBe(true);
    expect(await caught(ports.s3.getObject({ Bucket: 'cosigner-versions', Key: 'a' }))).toMatchObject({
      name: 'NoSuchKey',
      $metadata: { httpStatusCode: 404 },
    });
    expect(await caught(ports.s3.headObject({ Bucket: 'cosigner-versions', Key: 'a' }))).toMatchObject({
      name: 'NotFound',
    });
    expect((await ports.s3.listObjectsV2({ Bucket: 'cosigner-versions' })).Contents).toBeUndefined();
    expect(await caught(ports.s3.deleteBucket({ Bucket: 'cosigner-versions' }))).toMatchObject({
      name: 'BucketNotEmpty',
      $metadata: { httpStatusCode: 409 },
    });
    for (const n of [1, 2, 3, 4])
      await ports.s3.putObject({ Bucket: 'cosigner-versions', Key: `k${n}`, Body: String(n) });
    const versions: string[] = [];
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    do {
      const page = await ports.s3.listObjectVersions({
        Bucket: 'cosigner-versions',
        ...(keyMarker === undefined ? {} : { KeyMarker: keyMarker, VersionIdMarker: versionMarker }),
      });
      versions.push(
        ...(page.Versions ?? []).map((entry) => `${entry.Key}@${entry.VersionId}`),
        ...(page.DeleteMarkers ?? []).map((entry) => `${entry.Key}@${entry.VersionId}`),
      );
      keyMarker = page.IsTruncated === true ? page.NextKeyMarker : undefined;
      versionMarker = page.NextVersionIdMarker;
    } while (keyMarker !== undefined);
    expect(versions).toHaveLength(7);
    for (const entry of versions) {
      const [key, versionId] = entry.split('@') as [string, string];
      await ports.s3.deleteObject({ Bucket: 'cosigner-versions', Key: key, VersionId: versionId });
    }
    await ports.s3.deleteBucket({ Bucket: 'cosigner-versions' });
    expect((await ports.s3.listBuckets({})).Buckets).toEqual([]);
  });

  it('lists objects in pages with continuation tokens and common prefixes', async () => {
    const ports = await sandbox();
    await ports.s3.createBucket({ Bucket: 'cosigner-list' });
    for (const key of ['a/1', 'a/2', 'b/1', 'c', 'd', 'e'])
      await ports.s3.putObject({ Bucket: 'cosigner-list', Key: key, Body: key });
    const keys: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await ports.s3.listObjectsV2({
        Bucket: 'cosigner-list',
        ...(token === undefined ? {} : { ContinuationToken: token }),
      });
      keys.push(...(page.Contents ?? []).map((entry) => entry.Key!));
      token = page.NextContinuationToken;
      pages += 1;
    } while (token !== undefined);
    expect(keys).toEqual(['a/1', 'a/2', 'b/1', 'c', 'd', 'e']);
    expect(pages).toBe(2);
    const grouped = await ports.s3.listObjectsV2({ Bucket: 'cosigner-list', Delimiter: '/' });
    expect(grouped.CommonPrefixes?.map((entry) => entry.Prefix)).toEqual(['a/', 'b/']);
  });
});

describe('sandbox IAM eventual consistency for bucket policies', () => {
  it('rejects a new role as a bucket policy principal until propagated', async () => {
    const clock = new FakeClock();
    const ports = await sandbox({ now: clock.now, knobs: { iamPropagationDelayMs: 3_000 } });
    const { Role } = await ports.iam.createRole({ RoleName: 'cosigner-prod', AssumeRolePolicyDocument: EC2_TRUST });
    await ports.s3.createBucket({ Bucket: 'cosigner-fresh' });
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: Role!.Arn! },
          Action: 's3:GetObject',
          Resource: 'arn:aws:s3:::cosigner-fresh/*',
        },
      ],
    });
    const error = await caught(ports.s3.putBucketPolicy({ Bucket: 'cosigner-fresh', Policy: policy }));
    expect(error).toMatchObject({ name: 'MalformedPolicy', message: 'Invalid principal in policy' });
    expect(isIamPropagationError(error)).toBe(true);
    clock.advance(3_000);
    await ports.s3.putBucketPolicy({ Bucket: 'cosigner-fresh', Policy: policy });
  });
});
