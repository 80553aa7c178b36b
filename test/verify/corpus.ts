/**
 * The corpus of broken deployments: each case breaks exactly one thing of a sound deployment
 * through the sandbox's ports (as the account's administrator), and names the checks that must
 * change and what they must become. Everything else must stay as the sound deployment's audit has
 * it. A few breaks cannot be made alone in AWS either (an instance type without enclave support
 * cannot have enclaves enabled; a public bucket policy needs BlockPublicPolicy off, kms:* is more
 * than the template): their cases name each check that changes, and why.
 */
import { createSandboxEnclaveSession, type SandboxPorts } from '../../src/aws/sandbox/index.js';
import type { PolicyDocument, PolicyStatement } from '../../src/policy/types.js';
import { FAST_KNOBS, REGION } from '../e2e/world.js';
import { EXPECTED_PCR8, IMAGE_PCRS } from './audit-world.js';

export interface BreakContext {
  admin: SandboxPorts;
  sandboxDir: string;
  keyArn: string;
  roleArn: string;
  bucketName: string;
  instanceId: string;
  accountId: string;
}

export interface BrokenCase {
  name: string;
  expect: Record<string, 'FAIL' | 'WARN' | 'ERROR'>;
  break(ctx: BreakContext): Promise<void>;
  /** Audit with other sandbox knobs (the host's transition time). */
  auditKnobs?: Record<string, unknown>;
  /** Audit against a config that differs from the deployed one (an expectation, not a break). */
  config?: Record<string, unknown>;
}

const OTHER_PCR8 = 'b8'.repeat(48);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function keyPolicy(ctx: BreakContext): Promise<PolicyDocument> {
  const out = await ctx.admin.kms.getKeyPolicy({ KeyId: ctx.keyArn, PolicyName: 'default' });
  return JSON.parse(out.Policy ?? '{}') as PolicyDocument;
}

async function putKeyPolicy(ctx: BreakContext, policy: PolicyDocument, bypass = false): Promise<void> {
  await ctx.admin.kms.putKeyPolicy({
    KeyId: ctx.keyArn,
    PolicyName: 'default',
    Policy: JSON.stringify(policy),
    ...(bypass ? { BypassPolicyLockoutSafetyCheck: true } : {}),
  });
}

async function editKeyPolicy(ctx: BreakContext, edit: (p: PolicyDocument) => void, bypass = false): Promise<void> {
  const policy = await keyPolicy(ctx);
  edit(policy);
  await putKeyPolicy(ctx, policy, bypass);
}

/** Run `during` under a key policy changed by `edit`, then put the sound policy back. */
async function withKeyPolicy(
  ctx: BreakContext,
  edit: (p: PolicyDocument) => void,
  during: () => Promise<void>,
): Promise<void> {
  const sound = await keyPolicy(ctx);
  await editKeyPolicy(ctx, edit);
  try {
    await during();
  } finally {
    await putKeyPolicy(ctx, sound);
  }
}

const statement = (policy: PolicyDocument, sid: string): PolicyStatement => {
  const found = policy.Statement.find((s) => s.Sid === sid);
  if (found === undefined) throw new Error(`no statement ${sid}`);
  return found;
};

async function bucketPolicy(ctx: BreakContext): Promise<PolicyDocument> {
  const out = await ctx.admin.s3.getBucketPolicy({ Bucket: ctx.bucketName });
  return JSON.parse(out.Policy ?? '{}') as PolicyDocument;
}

async function putBucketPolicy(ctx: BreakContext, policy: PolicyDocument): Promise<void> {
  await ctx.admin.s3.putBucketPolicy({ Bucket: ctx.bucketName, Policy: JSON.stringify(policy) });
}

async function enclave(ctx: BreakContext, pcrs: Record<number, string>): Promise<void> {
  const session = await createSandboxEnclaveSession({
    sandboxDir: ctx.sandboxDir,
    roleArn: ctx.roleArn,
    pcrs,
    region: REGION,
    env: {},
    knobs: FAST_KNOBS,
  });
  await session.kms.generateDataKey({ KeyId: ctx.keyArn, KeySpec: 'AES_128' });
}

/** Terminate the host and launch its twin with one parameter changed (most host settings are fixed at launch). */
async function replaceHost(ctx: BreakContext, change: (input: Record<string, unknown>) => void): Promise<void> {
  const state = await ctx.admin.readState();
  const host = state.regions[REGION]?.ec2.instances.find((i) => i.id === ctx.instanceId);
  if (host === undefined) throw new Error('no host');
  const volume = state.regions[REGION]?.ec2.volumes.find((v) => v.instanceId === host.id);
  const input: Record<string, unknown> = {
    ImageId: host.imageId,
    InstanceType: host.type,
    MinCount: 1,
    MaxCount: 1,
    IamInstanceProfile: { Arn: host.instanceProfileArn },
    EnclaveOptions: { Enabled: host.enclave },
    MetadataOptions: {
      HttpTokens: host.metadata.httpTokens,
      HttpPutResponseHopLimit: host.metadata.hopLimit,
      HttpEndpoint: 'enabled',
    },
    BlockDeviceMappings: [
      {
        DeviceName: host.rootDevice,
        Ebs: { VolumeSize: volume?.sizeGiB ?? 30, VolumeType: 'gp3', Encrypted: true, DeleteOnTermination: true },
      },
    ],
    NetworkInterfaces: [
      {
        DeviceIndex: 0,
        SubnetId: host.subnetId,
        Groups: host.securityGroupIds,
        AssociatePublicIpAddress: host.publicIp !== undefined,
        DeleteOnTermination: true,
      },
    ],
    ...(host.userData === undefined ? {} : { UserData: host.userData }),
    TagSpecifications: [{ ResourceType: 'instance', Tags: host.tags }],
  };
  change(input);
  await ctx.admin.ec2.terminateInstances({ InstanceIds: [host.id] });
  await ctx.admin.ec2.runInstances(input as never);
}

const allowTo = (
  principal: string,
  action: string | string[],
  extra: Partial<PolicyStatement> = {},
): PolicyStatement => ({
  Sid: 'AddedByTest',
  Effect: 'Allow',
  Principal: { AWS: principal },
  Action: action,
  Resource: '*',
  ...extra,
});

const adminUser = (ctx: BreakContext) => `arn:aws:iam::${ctx.accountId}:user/sandbox-admin`;

export const CORPUS: BrokenCase[] = [
  // ---- KMS ---------------------------------------------------------------------------------
  {
    name: 'an Allow of kms:Decrypt without attestation',
    expect: { kms_key_enclave_attestation_not_enforced: 'FAIL' },
    break: (ctx) => editKeyPolicy(ctx, (p) => p.Statement.push(allowTo(adminUser(ctx), 'kms:Decrypt'))),
  },
  {
    name: 'kms:CreateGrant allowed to the co-signer role',
    expect: { kms_key_enclave_attestation_bypassable_path: 'FAIL' },
    break: (ctx) => editKeyPolicy(ctx, (p) => p.Statement.push(allowTo(ctx.roleArn, 'kms:CreateGrant'))),
  },
  {
    name: 'a grant of Decrypt to another principal',
    expect: { kms_key_enclave_attestation_bypassable_path: 'FAIL' },
    break: (ctx) =>
      withKeyPolicy(
        ctx,
        (p) => p.Statement.push(allowTo(adminUser(ctx), 'kms:CreateGrant')),
        async () => {
          await ctx.admin.kms.createGrant({
            KeyId: ctx.keyArn,
            GranteePrincipal: adminUser(ctx),
            Operations: ['Decrypt'],
          });
        },
      ),
  },
  {
    name: 'a PCR8 value nobody expects admitted by the attested statement',
    expect: { cosigner_kms_pcr8_matches_fb_env: 'FAIL' },
    break: (ctx) =>
      editKeyPolicy(ctx, (p) => {
        const attested = statement(p, 'Enable enclave data processing for specific role');
        attested.Condition = {
          StringEqualsIgnoreCase: { 'kms:RecipientAttestation:PCR8': [EXPECTED_PCR8, OTHER_PCR8] },
        };
      }),
  },
  {
    name: 'the attested statement names another role',
    expect: { cosigner_kms_role_principal_resolves: 'FAIL' },
    async break(ctx) {
      const other = await ctx.admin.iam.createRole({
        RoleName: 'intruder',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        }),
      });
      await sleep(60); // IAM propagation (FAST_KNOBS)
      await editKeyPolicy(ctx, (p) => {
        statement(p, 'Enable enclave data processing for specific role').Principal = { AWS: other.Role?.Arn ?? '' };
      });
    },
  },
  {
    name: 'no administrator keeps kms:PutKeyPolicy (locked out)',
    expect: { cosigner_kms_break_glass_present: 'FAIL' },
    break: (ctx) =>
      editKeyPolicy(
        ctx,
        (p) => {
          const admin = statement(p, 'Allow policy management to root user');
          admin.Action = (admin.Action as string[]).filter((a) => a !== 'kms:PutKeyPolicy');
        },
        true,
      ),
  },
  {
    name: 'the debug-enclave Deny removed',
    expect: { cosigner_kms_debug_enclave_denied: 'FAIL' },
    break: (ctx) =>
      editKeyPolicy(ctx, (p) => (p.Statement = p.Statement.filter((s) => s.Sid !== 'CosignerDenyDebugEnclave'))),
  },
  {
    name: 'kms:DescribeKey allowed to Principal "*"',
    expect: { kms_key_not_publicly_accessible: 'FAIL' },
    break: (ctx) =>
      editKeyPolicy(ctx, (p) =>
        p.Statement.push({ Sid: 'Open', Effect: 'Allow', Principal: '*', Action: 'kms:DescribeKey', Resource: '*' }),
      ),
  },
  {
    name: 'automatic rotation turned off',
    expect: { kms_cmk_rotation_enabled: 'FAIL' },
    break: (ctx) =>
      withKeyPolicy(
        ctx,
        (p) => p.Statement.push(allowTo(`arn:aws:iam::${ctx.accountId}:root`, 'kms:DisableKeyRotation')),
        async () => {
          await ctx.admin.kms.disableKeyRotation({ KeyId: ctx.keyArn });
        },
      ),
  },
  {
    name: 'the key disabled',
    expect: { kms_cmk_not_deleted_unintentionally: 'FAIL' },
    break: (ctx) =>
      withKeyPolicy(
        ctx,
        (p) => p.Statement.push(allowTo(`arn:aws:iam::${ctx.accountId}:root`, 'kms:DisableKey')),
        async () => {
          await ctx.admin.kms.disableKey({ KeyId: ctx.keyArn });
        },
      ),
  },
  {
    name: 'the alias moved to a multi-Region key (policy, rotation and role kept in step)',
    expect: { kms_cmk_not_multi_region: 'FAIL' },
    async break(ctx) {
      const sound = await keyPolicy(ctx);
      const root = `arn:aws:iam::${ctx.accountId}:root`;
      const described = await ctx.admin.kms.describeKey({ KeyId: ctx.keyArn });
      // Moving an alias needs kms:UpdateAlias on both keys, which neither policy grants: briefly.
      const movable = { ...sound, Statement: [...sound.Statement, allowTo(root, 'kms:UpdateAlias')] };
      const created = await ctx.admin.kms.createKey({
        MultiRegion: true,
        Policy: JSON.stringify(movable),
        Description: described.KeyMetadata?.Description ?? '',
      });
      const arn = created.KeyMetadata?.Arn ?? '';
      await ctx.admin.kms.enableKeyRotation({ KeyId: arn });
      await putKeyPolicy(ctx, movable);
      await ctx.admin.kms.updateAlias({ AliasName: 'alias/demo-cosigner', TargetKeyId: arn });
      await putKeyPolicy(ctx, sound);
      await putKeyPolicy({ ...ctx, keyArn: arn }, sound);
      const roleName = ctx.roleArn.split('/').pop() ?? '';
      const inline = await ctx.admin.iam.getRolePolicy({ RoleName: roleName, PolicyName: 'cosigner-access' });
      const text = decodeURIComponent(inline.PolicyDocument ?? '')
        .split(ctx.keyArn)
        .join(arn);
      await ctx.admin.iam.putRolePolicy({ RoleName: roleName, PolicyName: 'cosigner-access', PolicyDocument: text });
      await enclave({ ...ctx, keyArn: arn }, IMAGE_PCRS);
    },
  },
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
  // ---- EC2 ---------------------------------------------------------------------------------
  {
    name: 'a host without Nitro Enclaves',
    expect: { cosigner_ec2_enclave_enabled: 'FAIL' },
    break: (ctx) => replaceHost(ctx, (i) => (i['EnclaveOptions'] = { Enabled: false })),
  },
  {
    name: 'a host of a type without enclave support (so without enclaves)',
    expect: { cosigner_ec2_type_supported: 'FAIL', cosigner_ec2_enclave_enabled: 'FAIL' },
    break: (ctx) =>
      replaceHost(ctx, (i) => {
        i['InstanceType'] = 't3.xlarge';
        i['EnclaveOptions'] = { Enabled: false };
      }),
  },
  {
    name: 'IMDSv1 allowed',
    expect: { ec2_confidential_workload_host_imdsv2_not_enforced: 'FAIL' },
    break: (ctx) =>
      replaceHost(
        ctx,
        (i) => (i['MetadataOptions'] = { HttpTokens: 'optional', HttpPutResponseHopLimit: 2, HttpEndpoint: 'enabled' }),
      ),
  },
  {
    name: 'an untagged second host with the co-signer’s instance profile and IMDSv1',
    expect: { ec2_confidential_workload_host_imdsv2_not_enforced: 'FAIL' },
    async break(ctx) {
      const state = await ctx.admin.readState();
      const host = state.regions[REGION]?.ec2.instances.find((i) => i.id === ctx.instanceId);
      if (host === undefined) throw new Error('no host');
      await ctx.admin.ec2.runInstances({
        ImageId: host.imageId,
        InstanceType: host.type as never,
        MinCount: 1,
        MaxCount: 1,
        IamInstanceProfile: { Arn: host.instanceProfileArn },
        EnclaveOptions: { Enabled: true },
        MetadataOptions: { HttpTokens: 'optional', HttpPutResponseHopLimit: 2, HttpEndpoint: 'enabled' },
        BlockDeviceMappings: [
          {
            DeviceName: host.rootDevice,
            Ebs: { VolumeSize: 30, VolumeType: 'gp3', Encrypted: true, DeleteOnTermination: true },
          },
        ],
        NetworkInterfaces: [
          {
            DeviceIndex: 0,
            SubnetId: host.subnetId,
            Groups: host.securityGroupIds,
            AssociatePublicIpAddress: true,
            DeleteOnTermination: true,
          },
        ],
        ...(host.userData === undefined ? {} : { UserData: host.userData }),
      });
    },
  },
  {
    name: 'IMDS hop limit 1',
    expect: { cosigner_ec2_imds_hop_limit: 'FAIL' },
    break: (ctx) =>
      replaceHost(
        ctx,
        (i) => (i['MetadataOptions'] = { HttpTokens: 'required', HttpPutResponseHopLimit: 1, HttpEndpoint: 'enabled' }),
      ),
  },
  {
    name: 'a public IP the config does not ask for',
    expect: { ec2_confidential_workload_host_public_ip: 'FAIL' },
    config: { network: { mode: 'existing' } },
    break: () => Promise.resolve(),
  },
  {
    name: 'SSH open to the world',
    expect: { ec2_confidential_workload_host_unrestricted_ingress: 'FAIL' },
    async break(ctx) {
      const state = await ctx.admin.readState();
      const group = state.regions[REGION]?.ec2.instances[0]?.securityGroupIds[0] ?? '';
      await ctx.admin.ec2.authorizeSecurityGroupIngress({
        GroupId: group,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      });
    },
  },
  {
    name: 'egress on TCP 80',
    expect: { cosigner_ec2_egress_restricted: 'FAIL' },
    async break(ctx) {
      const state = await ctx.admin.readState();
      const group = state.regions[REGION]?.ec2.instances[0]?.securityGroupIds[0] ?? '';
      await ctx.admin.ec2.authorizeSecurityGroupEgress({
        GroupId: group,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      });
    },
  },
  {
    name: 'an unencrypted root volume',
    expect: { ec2_ebs_volume_encryption: 'FAIL' },
    break: (ctx) =>
      replaceHost(ctx, (i) => {
        const mapping = (i['BlockDeviceMappings'] as { Ebs: Record<string, unknown> }[])[0]!;
        mapping.Ebs['Encrypted'] = false;
      }),
  },
  {
    name: 'a pairing token in the user data',
    expect: { ec2_instance_secrets_user_data: 'FAIL' },
    break: (ctx) =>
      replaceHost(ctx, (i) => {
        const text = Buffer.from(i['UserData'] as string, 'base64').toString('utf8');
        i['UserData'] = Buffer.from(
          `${text}\nPAIRING_TOKEN=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJlLXZhbHVl\n`,
        ).toString('base64');
      }),
  },
  {
    name: 'the host not running yet',
    expect: { ec2_confidential_workload_host_not_running: 'FAIL' },
    auditKnobs: { instanceTransitionMs: 3_600_000 },
    break: () => Promise.resolve(),
  },
  // ---- CloudTrail ----------------------------------------------------------------------------
  {
    name: 'the trail made single-Region',
    expect: { cloudtrail_multi_region_enabled: 'FAIL' },
    break: (ctx) =>
      ctx.admin.cloudtrail.updateTrail({ Name: 'org-trail', IsMultiRegionTrail: false }).then(() => undefined),
  },
  {
    name: 'log-file validation off',
    expect: { cloudtrail_log_file_validation_enabled: 'FAIL' },
    break: (ctx) =>
      ctx.admin.cloudtrail.updateTrail({ Name: 'org-trail', EnableLogFileValidation: false }).then(() => undefined),
  },
  {
    name: 'a data key served without attestation (under a briefly weakened policy, since restored)',
    expect: { cosigner_kms_unattested_use: 'FAIL' },
    break: (ctx) =>
      withKeyPolicy(
        ctx,
        (p) => p.Statement.push(allowTo(adminUser(ctx), 'kms:GenerateDataKey')),
        async () => {
          await ctx.admin.kms.generateDataKey({ KeyId: ctx.keyArn, KeySpec: 'AES_128' });
        },
      ),
  },
  {
    name: 'a data key served to another image (under a briefly widened PCR8 list, since restored)',
    expect: { kms_key_enclave_attestation_unknown_image: 'FAIL' },
    break: (ctx) =>
      withKeyPolicy(
        ctx,
        (p) => {
          statement(p, 'Enable enclave data processing for specific role').Condition = {
            StringEqualsIgnoreCase: { 'kms:RecipientAttestation:PCR8': [EXPECTED_PCR8, OTHER_PCR8] },
          };
        },
        () => enclave(ctx, { ...IMAGE_PCRS, 8: OTHER_PCR8 }),
      ),
  },
  {
    name: 'another image tried and was denied',
    expect: { kms_key_enclave_attestation_unknown_image: 'WARN' },
    break: (ctx) => enclave(ctx, { ...IMAGE_PCRS, 8: OTHER_PCR8 }).catch(() => undefined),
  },
  {
    name: 'a data key served to a debug-mode enclave (under a briefly weakened policy, since restored)',
    expect: { kms_key_enclave_debug_attestation_detected: 'FAIL' },
    break: (ctx) =>
      withKeyPolicy(
        ctx,
        (p) => (p.Statement = p.Statement.filter((s) => s.Sid !== 'CosignerDenyDebugEnclave')),
        () => enclave(ctx, { 8: EXPECTED_PCR8 }),
      ),
  },
];
