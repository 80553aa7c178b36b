// Broken deployments: the co-signer's bucket and its role.
import { adminUser, bucketPolicy, putBucketPolicy, type BrokenCase } from './corpus-support.js';

export const S3_IAM_CASES: BrokenCase[] = [
  // ---- S3 ----------------------------------------------------------------------------------
  {
    name: 'BlockPublicAcls off',
    expect: { s3_bucket_level_public_access_block: 'FAIL' },
    break: (ctx) =>
      ctx.admin.s3
        .putPublicAccessBlock({
          Bucket: ctx.bucketName,
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: false,
            IgnorePublicAcls: true,
            BlockPublicPolicy: true,
            RestrictPublicBuckets: true,
          },
        })
        .then(() => undefined),
  },
  {
    name: 'ACLs enabled (BucketOwnerPreferred)',
    expect: { s3_bucket_acl_prohibited: 'FAIL' },
    break: (ctx) =>
      ctx.admin.s3
        .putBucketOwnershipControls({
          Bucket: ctx.bucketName,
          OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] },
        })
        .then(() => undefined),
  },
  {
    name: 'versioning suspended',
    expect: { s3_bucket_object_versioning: 'FAIL' },
    break: (ctx) =>
      ctx.admin.s3
        .putBucketVersioning({ Bucket: ctx.bucketName, VersioningConfiguration: { Status: 'Suspended' } })
        .then(() => undefined),
  },
  {
    name: 'the TLS-only Deny removed',
    expect: { s3_bucket_secure_transport_policy: 'FAIL' },
    async break(ctx) {
      const policy = await bucketPolicy(ctx);
      policy.Statement = policy.Statement.filter((s) => s.Sid !== 'CosignerDenyInsecureTransport');
      await putBucketPolicy(ctx, policy);
    },
  },
  {
    name: 'the TLS-only Deny narrowed to one account’s callers',
    expect: { s3_bucket_secure_transport_policy: 'FAIL' },
    async break(ctx) {
      const policy = await bucketPolicy(ctx);
      const tls = policy.Statement.find((s) => s.Sid === 'CosignerDenyInsecureTransport')!;
      tls.Condition = {
        Bool: { 'aws:SecureTransport': 'false' },
        StringEquals: { 'aws:PrincipalAccount': '999999999999' },
      };
      await putBucketPolicy(ctx, policy);
    },
  },
  {
    name: 'an Allow of s3:GetBucketPolicy to Principal "*" (Block Public Access off to let it in)',
    expect: { s3_bucket_public_access: 'FAIL', s3_bucket_level_public_access_block: 'FAIL' },
    async break(ctx) {
      await ctx.admin.s3.putPublicAccessBlock({
        Bucket: ctx.bucketName,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: false,
          RestrictPublicBuckets: true,
        },
      });
      const policy = await bucketPolicy(ctx);
      policy.Statement.push({
        Sid: 'Open',
        Effect: 'Allow',
        Principal: '*',
        Action: 's3:GetBucketPolicy',
        Resource: `arn:aws:s3:::${ctx.bucketName}`,
      });
      await putBucketPolicy(ctx, policy);
    },
  },
  {
    name: 'the object Deny excepts another principal besides the role',
    expect: { cosigner_s3_policy_deny_all_but_role: 'FAIL' },
    async break(ctx) {
      const policy = await bucketPolicy(ctx);
      for (const s of policy.Statement)
        if (s.Condition?.['ArnNotEquals'] !== undefined)
          s.Condition = { ArnNotEquals: { 'aws:PrincipalArn': [ctx.roleArn, adminUser(ctx)] } };
      await putBucketPolicy(ctx, policy);
    },
  },
  {
    name: "default encryption switched to SSE-KMS with the co-signer's key",
    expect: { cosigner_s3_encryption_not_cosigner_key: 'FAIL' },
    break: (ctx) =>
      ctx.admin.s3
        .putBucketEncryption({
          Bucket: ctx.bucketName,
          ServerSideEncryptionConfiguration: {
            Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: ctx.keyArn } }],
          },
        })
        .then(() => undefined),
  },
  // ---- IAM ---------------------------------------------------------------------------------
  {
    name: 'the trust policy lets an IAM user assume the role',
    expect: { cosigner_iam_trust_policy: 'FAIL' },
    break: (ctx) =>
      ctx.admin.iam
        .updateAssumeRolePolicy({
          RoleName: ctx.roleArn.split('/').pop() ?? '',
          PolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: 'ec2.amazonaws.com', AWS: adminUser(ctx) },
                Action: 'sts:AssumeRole',
              },
            ],
          }),
        })
        .then(() => undefined),
  },
  {
    name: 'AdministratorAccess attached to the role',
    expect: { cosigner_iam_least_privilege: 'FAIL' },
    break: (ctx) =>
      ctx.admin.iam
        .attachRolePolicy({
          RoleName: ctx.roleArn.split('/').pop() ?? '',
          PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
        })
        .then(() => undefined),
  },
  {
    name: 'an inline statement reading every bucket’s objects',
    expect: { cosigner_iam_least_privilege: 'FAIL' },
    break: (ctx) =>
      ctx.admin.iam
        .putRolePolicy({
          RoleName: ctx.roleArn.split('/').pop() ?? '',
          PolicyName: 'extra',
          PolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::*/*' }],
          }),
        })
        .then(() => undefined),
  },
  {
    name: 'an inline kms:* (more than the template, too)',
    expect: { iam_inline_policy_no_full_access_to_kms: 'FAIL', cosigner_iam_least_privilege: 'FAIL' },
    break: (ctx) =>
      ctx.admin.iam
        .putRolePolicy({
          RoleName: ctx.roleArn.split('/').pop() ?? '',
          PolicyName: 'kms-all',
          PolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: ctx.keyArn }],
          }),
        })
        .then(() => undefined),
  },
  {
    name: 'the role removed from the instance profile',
    expect: { ec2_instance_profile_attached: 'FAIL' },
    break: (ctx) =>
      ctx.admin.iam
        .removeRoleFromInstanceProfile({
          InstanceProfileName: ctx.roleArn.split('/').pop() ?? '',
          RoleName: ctx.roleArn.split('/').pop() ?? '',
        })
        .then(() => undefined),
  },
];
