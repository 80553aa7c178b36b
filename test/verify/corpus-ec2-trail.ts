// Broken deployments: the Nitro host and the CloudTrail evidence.
import { REGION } from '../e2e/world.js';
import { EXPECTED_PCR8, IMAGE_PCRS } from './audit-world.js';
import {
  adminUser,
  allowTo,
  enclave,
  OTHER_PCR8,
  replaceHost,
  statement,
  withKeyPolicy,
  type BrokenCase,
} from './corpus-support.js';

export const EC2_TRAIL_CASES: BrokenCase[] = [
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
