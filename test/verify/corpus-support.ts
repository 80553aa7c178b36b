/**
 * What the corpus of broken deployments is made of: the context a case breaks (the sandbox's ports
 * as the account's administrator and the sound deployment's resources), a case's shape, and the
 * edits the cases share (the key and bucket policies, a simulated enclave's call, a host replaced
 * with one parameter changed).
 */
import { createSandboxEnclaveSession, type SandboxPorts } from '../../src/aws/sandbox/index.js';
import type { PolicyDocument, PolicyStatement } from '../../src/policy/types.js';
import { FAST_KNOBS, REGION } from '../e2e/world.js';

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

export const OTHER_PCR8 = 'b8'.repeat(48);
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function keyPolicy(ctx: BreakContext): Promise<PolicyDocument> {
  const out = await ctx.admin.kms.getKeyPolicy({ KeyId: ctx.keyArn, PolicyName: 'default' });
  return JSON.parse(out.Policy ?? '{}') as PolicyDocument;
}

export async function putKeyPolicy(ctx: BreakContext, policy: PolicyDocument, bypass = false): Promise<void> {
  await ctx.admin.kms.putKeyPolicy({
    KeyId: ctx.keyArn,
    PolicyName: 'default',
    Policy: JSON.stringify(policy),
    ...(bypass ? { BypassPolicyLockoutSafetyCheck: true } : {}),
  });
}

export async function editKeyPolicy(
  ctx: BreakContext,
  edit: (p: PolicyDocument) => void,
  bypass = false,
): Promise<void> {
  const policy = await keyPolicy(ctx);
  edit(policy);
  await putKeyPolicy(ctx, policy, bypass);
}

/** Run `during` under a key policy changed by `edit`, then put the sound policy back. */
export async function withKeyPolicy(
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

export const statement = (policy: PolicyDocument, sid: string): PolicyStatement => {
  const found = policy.Statement.find((s) => s.Sid === sid);
  if (found === undefined) throw new Error(`no statement ${sid}`);
  return found;
};

export async function bucketPolicy(ctx: BreakContext): Promise<PolicyDocument> {
  const out = await ctx.admin.s3.getBucketPolicy({ Bucket: ctx.bucketName });
  return JSON.parse(out.Policy ?? '{}') as PolicyDocument;
}

export async function putBucketPolicy(ctx: BreakContext, policy: PolicyDocument): Promise<void> {
  await ctx.admin.s3.putBucketPolicy({ Bucket: ctx.bucketName, Policy: JSON.stringify(policy) });
}

export async function enclave(ctx: BreakContext, pcrs: Record<number, string>): Promise<void> {
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
export async function replaceHost(ctx: BreakContext, change: (input: Record<string, unknown>) => void): Promise<void> {
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

export const allowTo = (
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

export const adminUser = (ctx: BreakContext) => `arn:aws:iam::${ctx.accountId}:user/sandbox-admin`;
