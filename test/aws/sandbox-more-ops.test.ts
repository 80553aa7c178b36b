// The remaining sandbox operations the commands use: each behaves and reads back.
import { describe, expect, it } from 'vitest';
import { AL2023_X86_PARAMETER } from '../../src/aws/sandbox/index.js';
import { caught, EC2_TRUST, sandbox } from './helpers.js';

describe('sandbox EC2, remaining operations', () => {
  it('lists availability zones, EBS default encryption, and revokes rules by id', async () => {
    const ports = await sandbox({ region: 'ap-northeast-1' });
    const { AvailabilityZones } = await ports.ec2.describeAvailabilityZones({});
    expect(AvailabilityZones?.map((zone) => [zone.ZoneName, zone.ZoneId])).toEqual([
      ['ap-northeast-1a', 'apne1-az1'],
      ['ap-northeast-1c', 'apne1-az2'],
      ['ap-northeast-1d', 'apne1-az3'],
    ]);
    expect(await ports.ec2.getEbsEncryptionByDefault({})).toMatchObject({ EbsEncryptionByDefault: false });
    const { GroupId } = await ports.ec2.createSecurityGroup({ GroupName: 'g', Description: 'd' });
    const rules = await ports.ec2.describeSecurityGroupRules({ Filters: [{ Name: 'group-id', Values: [GroupId!] }] });
    const ruleId = rules.SecurityGroupRules![0]!.SecurityGroupRuleId!;
    const revoked = await ports.ec2.revokeSecurityGroupEgress({ GroupId, SecurityGroupRuleIds: [ruleId] });
    expect(revoked.Return).toBe(true);
    expect(
      (await ports.ec2.describeSecurityGroups({ GroupIds: [GroupId!] })).SecurityGroups?.[0]?.IpPermissionsEgress,
    ).toEqual([]);
    expect(
      await caught(ports.ec2.revokeSecurityGroupEgress({ GroupId, SecurityGroupRuleIds: [ruleId] })),
    ).toMatchObject({ name: 'InvalidSecurityGroupRuleId.NotFound' });
    expect(await caught(ports.ec2.createSecurityGroup({ GroupName: 'sg-bad', Description: 'd' }))).toMatchObject({
      name: 'InvalidParameterValue',
    });
    expect(
      await caught(
        ports.ec2.authorizeSecurityGroupEgress({
          GroupId,
          IpPermissions: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
        }),
      ),
    ).toMatchObject({ name: 'InvalidParameterValue' });
  });
});

describe('sandbox KMS, remaining operations', () => {
  it('lists keys, moves and deletes aliases, tags keys', async () => {
    const ports = await sandbox();
    const a = (await ports.kms.createKey({})).KeyMetadata;
    const b = (await ports.kms.createKey({})).KeyMetadata;
    expect((await ports.kms.listKeys({ Limit: 10 })).Keys?.map((key) => key.KeyId).sort()).toEqual(
      [a.KeyId, b.KeyId].sort(),
    );
    await ports.kms.createAlias({ AliasName: 'alias/moving', TargetKeyId: a.KeyId! });
    await ports.kms.updateAlias({ AliasName: 'alias/moving', TargetKeyId: b.Arn! });
    expect((await ports.kms.describeKey({ KeyId: 'alias/moving' })).KeyMetadata?.KeyId).toBe(b.KeyId);
    await ports.kms.deleteAlias({ AliasName: 'alias/moving' });
    expect(await caught(ports.kms.describeKey({ KeyId: 'alias/moving' }))).toMatchObject({ name: 'NotFoundException' });
    expect(await caught(ports.kms.deleteAlias({ AliasName: 'alias/moving' }))).toMatchObject({
      name: 'NotFoundException',
    });
    await ports.kms.tagResource({ KeyId: a.KeyId!, Tags: [{ TagKey: 'k', TagValue: '1' }] });
    await ports.kms.tagResource({
      KeyId: a.KeyId!,
      Tags: [
        { TagKey: 'k', TagValue: '2' },
        { TagKey: 'j', TagValue: '3' },
      ],
    });
    expect((await ports.kms.listResourceTags({ KeyId: a.KeyId! })).Tags).toEqual([
      { TagKey: 'k', TagValue: '2' },
      { TagKey: 'j', TagValue: '3' },
    ]);
    expect(
      await caught(ports.kms.tagResource({ KeyId: a.KeyId!, Tags: [{ TagKey: 'aws:x', TagValue: '1' }] })),
    ).toMatchObject({ name: 'TagException' });
    const managed = await ports.kms.listAliases({ Limit: 100 });
    expect(managed.Aliases?.map((alias) => alias.AliasName)).toContain('alias/aws/s3');
  });
});

describe('sandbox IAM, remaining operations', () => {
  it('updates trust policies, tags roles and profiles, lists profiles by path', async () => {
    const ports = await sandbox();
    await ports.iam.createRole({ RoleName: 'r', AssumeRolePolicyDocument: EC2_TRUST });
    const stricter = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'ec2.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'aws:SourceAccount': '111122223333' } },
        },
      ],
    });
    await ports.iam.updateAssumeRolePolicy({ RoleName: 'r', PolicyDocument: stricter });
    expect(decodeURIComponent((await ports.iam.getRole({ RoleName: 'r' })).Role!.AssumeRolePolicyDocument!)).toBe(
      stricter,
    );
    await ports.iam.tagRole({ RoleName: 'r', Tags: [{ Key: 'cosigner-cli:name', Value: 'prod' }] });
    expect((await ports.iam.getRole({ RoleName: 'r' })).Role?.Tags).toEqual([
      { Key: 'cosigner-cli:name', Value: 'prod' },
    ]);
    await ports.iam.createInstanceProfile({ InstanceProfileName: 'p', Path: '/cosigner/' });
    await ports.iam.tagInstanceProfile({
      InstanceProfileName: 'p',
      Tags: [{ Key: 'cosigner-cli:name', Value: 'prod' }],
    });
    expect((await ports.iam.getInstanceProfile({ InstanceProfileName: 'p' })).InstanceProfile).toMatchObject({
      Arn: 'arn:aws:iam::111122223333:instance-profile/cosigner/p',
      Tags: [{ Key: 'cosigner-cli:name', Value: 'prod' }],
    });
    expect(
      (await ports.iam.listInstanceProfiles({ PathPrefix: '/cosigner/' })).InstanceProfiles?.map(
        (profile) => profile.InstanceProfileName,
      ),
    ).toEqual(['p']);
    expect((await ports.iam.listInstanceProfiles({ PathPrefix: '/other/' })).InstanceProfiles).toEqual([]);
    expect(await caught(ports.iam.tagRole({ RoleName: 'r', Tags: [{ Key: 'aws:x', Value: 'y' }] }))).toMatchObject({
      name: 'InvalidInputException',
    });
    expect((await ports.iam.listRolePolicies({ RoleName: 'r' })).PolicyNames).toEqual([]);
  });
});

describe('sandbox S3 and SSM, remaining operations', () => {
  it('replaces bucket settings, reports policy status, deletes the policy, heads objects, suspends versioning', async () => {
    const ports = await sandbox();
    await ports.s3.createBucket({ Bucket: 'cosigner-more' });
    await ports.s3.putPublicAccessBlock({
      Bucket: 'cosigner-more',
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: false,
        RestrictPublicBuckets: true,
      },
    });
    expect(
      (await ports.s3.getPublicAccessBlock({ Bucket: 'cosigner-more' })).PublicAccessBlockConfiguration
        ?.BlockPublicPolicy,
    ).toBe(false);
    await ports.s3.putBucketOwnershipControls({
      Bucket: 'cosigner-more',
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] },
    });
    expect((await ports.s3.getBucketOwnershipControls({ Bucket: 'cosigner-more' })).OwnershipControls?.Rules).toEqual([
      { ObjectOwnership: 'BucketOwnerPreferred' },
    ]);
    await ports.s3.putBucketEncryption({
      Bucket: 'cosigner-more',
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: true }],
      },
    });
    expect(
      (await ports.s3.getBucketEncryption({ Bucket: 'cosigner-more' })).ServerSideEncryptionConfiguration?.Rules?.[0]
        ?.BucketKeyEnabled,
    ).toBe(true);
    const open = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::cosigner-more/*' },
      ],
    });
    await ports.s3.putBucketPolicy({ Bucket: 'cosigner-more', Policy: open });
    expect((await ports.s3.getBucketPolicyStatus({ Bucket: 'cosigner-more' })).PolicyStatus?.IsPublic).toBe(true);
    await ports.s3.deleteBucketPolicy({ Bucket: 'cosigner-more' });
    expect(await caught(ports.s3.getBucketPolicyStatus({ Bucket: 'cosigner-more' }))).toMatchObject({
      name: 'NoSuchBucketPolicy',
    });
    await ports.s3.putObject({
      Bucket: 'cosigner-more',
      Key: 'k',
      Body: 'hello',
      ContentType: 'text/plain',
      Metadata: { a: 'b' },
    });
    expect(await ports.s3.headObject({ Bucket: 'cosigner-more', Key: 'k' })).toMatchObject({
      ContentLength: 5,
      ContentType: 'text/plain',
      Metadata: { a: 'b' },
    });
    await ports.s3.putBucketVersioning({ Bucket: 'cosigner-more', VersioningConfiguration: { Status: 'Suspended' } });
    expect((await ports.s3.putObject({ Bucket: 'cosigner-more', Key: 'k', Body: 'again' })).VersionId).toBe('null');
    expect((await ports.s3.listObjectVersions({ Bucket: 'cosigner-more' })).Versions).toHaveLength(1);
    expect((await ports.s3.getBucketVersioning({ Bucket: 'cosigner-more' })).Status).toBe('Suspended');
    const parameter = await ports.ssm.getParameter({ Name: `arn:aws:ssm:us-east-1::parameter${AL2023_X86_PARAMETER}` });
    expect(parameter.Parameter?.Name).toBe(AL2023_X86_PARAMETER);
  });
});
