/**
 * How apply performs each planned operation: one handler per operation name, each one journaled
 * AWS call with its "already done" answer (a create retried after it had in fact succeeded) and,
 * for creates, the ids it records. Values not known at plan time (the new key's ARN, the group id)
 * come from the shared {@link ApplyState} that earlier handlers filled in.
 */
import { randomUUID } from 'node:crypto';
import type pLimit from 'p-limit';
import { isAwsErrorNamed, isIamPropagationError } from '../aws/errors.js';
import type { AwsPorts } from '../aws/ports.js';
import { CosignerError, fail } from '../errors.js';
import type { PolicyDocument } from '../policy/types.js';
import { isPendingDeletion, orAbsent, tagsOf, toKmsTagList, toTagList, type TagRecord } from '../engine/aws-util.js';
import type { JournaledCallSpec } from '../engine/journaled-call.js';
import { inlinePolicyFor, type DesiredState } from './desired.js';
import type { NodeId } from './graph.js';
import type { Journal } from '../engine/journal.js';
import { findKeysByToken } from '../engine/kms-keys.js';
import { keyDescription, ONE_NAME_PER_REGION, otherRegionReason, ownerOf } from '../engine/ownership.js';
import { teardownKeyPolicy } from '../policy/teardown-policy.js';
import { createEndpointGroup, isEc2NotYetVisible, NETWORK_HANDLERS, partId, visibleInEc2 } from './apply-network.js';
import { rulesOf } from './observed-network.js';
import { atomicRules, sameRule, type AtomicRule } from './plan-ec2.js';
import type { NetworkIds } from './plan-network.js';
import type { OpName, PlannedOp } from './plan-types.js';

/** What apply has learnt so far: ids of what exists and the policies now in effect. */
export interface ApplyState {
  roleArn: string;
  instanceProfileArn: string;
  bucketName: string;
  keyId?: string;
  /** The new key's ARN as CreateKey returned it (undefined when the answer left it out). */
  keyArn?: string | undefined;
  groupId?: string;
  instanceId?: string;
  vpcId?: string;
  subnetId?: string;
  imageId?: string;
  rootDeviceName?: string;
  policies: { trust?: PolicyDocument; inline?: PolicyDocument; bucket?: PolicyDocument; key?: PolicyDocument };
  /** Unused twins of our key (a retried CreateKey) now scheduled for deletion. */
  retiredKeys: string[];
  /** The managed network's parts (network.mode "managed"). */
  network?: NetworkIds;
}

export interface OpContext {
  ports: AwsPorts;
  desired: DesiredState;
  state: ApplyState;
  journal: Journal;
  node: NodeId;
  op: PlannedOp;
  limit: ReturnType<typeof pLimit>;
  call: <T>(spec: Omit<JournaledCallSpec<T>, 'node' | 'op'>) => Promise<T | undefined>;
  /** A journaled call under another operation name (a handler that makes two kinds of call). */
  callAs: <T>(op: OpName, spec: Omit<JournaledCallSpec<T>, 'node' | 'op'>) => Promise<T | undefined>;
  warn: (text: string) => void;
  /** Wait, bounded and visibly, until `check` holds (a NAT gateway becoming available). */
  wait: (what: string, check: () => Promise<boolean>) => Promise<void>;
  callerArn: string;
}

type Handler = (ctx: OpContext) => Promise<void>;

const data = <T>(op: PlannedOp, key: string): T | undefined => op.data?.[key] as T | undefined;

function requireValue<T>(value: T | undefined, what: string): T {
  if (value === undefined)
    fail('INTERNAL', `apply needs ${what}, which no earlier step produced`, undefined, { source: 'internal' });
  return value;
}

/** A "this already exists" answer is fine only if what exists carries our tags. */
async function oursOrRefuse(
  what: string,
  name: string,
  read: () => Promise<TagRecord | undefined>,
  /** For a global resource (role, instance profile): the region it must belong to. */
  region?: string,
): Promise<boolean> {
  const tags = await read();
  if (tags === undefined) return false;
  const who = ownerOf(tags, name);
  if (who.kind === 'foreign')
    fail(
      'RESOURCE_NOT_OURS',
      `${what} was created by someone else meanwhile and ${who.reason}`,
      'run the command again to see a fresh plan',
    );
  const elsewhere = region === undefined ? undefined : otherRegionReason(tags, region);
  if (elsewhere !== undefined)
    fail('RESOURCE_NOT_OURS', `${what} was created meanwhile and ${elsewhere}`, ONE_NAME_PER_REGION);
  return true;
}

function ec2Tags(desired: DesiredState, name: string): { Key: string; Value: string }[] {
  return toTagList({ Name: name, ...desired.tags });
}

/** AtomicRule → EC2 IpPermission. */
function permissions(rules: readonly AtomicRule[]) {
  return rules.map((r) => ({
    IpProtocol: r.protocol,
    ...(r.fromPort === undefined ? {} : { FromPort: r.fromPort }),
    ...(r.toPort === undefined ? {} : { ToPort: r.toPort }),
    ...(r.peer.kind === 'ipv4' ? { IpRanges: [{ CidrIp: r.peer.value }] } : {}),
    ...(r.peer.kind === 'ipv6' ? { Ipv6Ranges: [{ CidrIpv6: r.peer.value }] } : {}),
    ...(r.peer.kind === 'group' ? { UserIdGroupPairs: [{ GroupId: r.peer.value }] } : {}),
    ...(r.peer.kind === 'prefixList' ? { PrefixListIds: [{ PrefixListId: r.peer.value }] } : {}),
  }));
}

const iam: Partial<Record<OpName, Handler>> = {
  'iam:CreateRole': async ({ ports, desired, state, call }) => {
    const out = await call({
      target: desired.role.name,
      send: () =>
        ports.iam.createRole({
          RoleName: desired.role.name,
          Path: desired.role.path,
          AssumeRolePolicyDocument: JSON.stringify(desired.role.trustPolicy),
          Description: `Fireblocks API Co-signer ${desired.name} (cosigner-cli)`,
          Tags: toTagList(desired.iamTags),
          PermissionsBoundary: desired.role.permissionsBoundaryArn,
        }),
      ids: (o) => ({ arn: o.Role?.Arn }),
      alreadyDone: (e) =>
        isAwsErrorNamed(e, 'EntityAlreadyExists') &&
        oursOrRefuse(
          `role ${desired.role.name}`,
          desired.name,
          async () => tagsOf((await ports.iam.getRole({ RoleName: desired.role.name })).Role?.Tags),
          desired.region,
        ),
    });
    if (out?.Role?.Arn !== undefined) state.roleArn = out.Role.Arn;
    state.policies.trust = desired.role.trustPolicy;
  },
  'iam:UpdateAssumeRolePolicy': async ({ ports, desired, state, call }) => {
    await call({
      target: desired.role.name,
      send: () =>
        ports.iam.updateAssumeRolePolicy({
          RoleName: desired.role.name,
          PolicyDocument: JSON.stringify(desired.role.trustPolicy),
        }),
    });
    state.policies.trust = desired.role.trustPolicy;
  },
  'iam:TagRole': async ({ ports, desired, op, call }) => {
    await call({
      target: desired.role.name,
      send: () =>
        ports.iam.tagRole({
          RoleName: desired.role.name,
          Tags: toTagList(requireValue(data<TagRecord>(op, 'tags'), 'tags')),
        }),
    });
  },
  'iam:CreateInstanceProfile': async ({ ports, desired, state, call }) => {
    const name = desired.instanceProfile.name;
    const out = await call({
      target: name,
      send: () =>
        ports.iam.createInstanceProfile({
          InstanceProfileName: name,
          Path: desired.instanceProfile.path,
          Tags: toTagList(desired.iamTags),
        }),
      ids: (o) => ({ arn: o.InstanceProfile?.Arn }),
      alreadyDone: (e) =>
        isAwsErrorNamed(e, 'EntityAlreadyExists') &&
        oursOrRefuse(
          `instance profile ${name}`,
          desired.name,
          async () => tagsOf((await ports.iam.getInstanceProfile({ InstanceProfileName: name })).InstanceProfile?.Tags),
          desired.region,
        ),
    });
    if (out?.InstanceProfile?.Arn !== undefined) state.instanceProfileArn = out.InstanceProfile.Arn;
  },
  'iam:AddRoleToInstanceProfile': async ({ ports, desired, call }) => {
    const name = desired.instanceProfile.name;
    await call({
      target: name,
      send: () => ports.iam.addRoleToInstanceProfile({ InstanceProfileName: name, RoleName: desired.role.name }),
      // A profile holds one role: "limit exceeded" after a retry means ours is already in.
      alreadyDone: async (e) =>
        isAwsErrorNamed(e, 'LimitExceeded') &&
        ((await ports.iam.getInstanceProfile({ InstanceProfileName: name })).InstanceProfile?.Roles ?? []).some(
          (r) => r.RoleName === desired.role.name,
        ),
    });
  },
  'iam:RemoveRoleFromInstanceProfile': async ({ ports, desired, op, call }) => {
    await call({
      target: desired.instanceProfile.name,
      send: () =>
        ports.iam.removeRoleFromInstanceProfile({
          InstanceProfileName: desired.instanceProfile.name,
          RoleName: requireValue(data<string>(op, 'roleName'), 'roleName'),
        }),
      alreadyDone: (e) => isAwsErrorNamed(e, 'NoSuchEntity'),
    });
  },
  'iam:TagInstanceProfile': async ({ ports, desired, op, call }) => {
    await call({
      target: desired.instanceProfile.name,
      send: () =>
        ports.iam.tagInstanceProfile({
          InstanceProfileName: desired.instanceProfile.name,
          Tags: toTagList(requireValue(data<TagRecord>(op, 'tags'), 'tags')),
        }),
    });
  },
  'iam:PutRolePolicy': async ({ ports, desired, state, op, call }) => {
    const policy =
      data<PolicyDocument>(op, 'policy') ?? inlinePolicyFor(desired, requireValue(state.keyArn, 'the key ARN'));
    await call({
      target: `${desired.role.name}/${desired.role.inlinePolicyName}`,
      send: () =>
        ports.iam.putRolePolicy({
          RoleName: desired.role.name,
          PolicyName: desired.role.inlinePolicyName,
          PolicyDocument: JSON.stringify(policy),
        }),
    });
    state.policies.inline = policy;
  },
  'iam:AttachRolePolicy': async ({ ports, desired, op, call }) => {
    const arn = requireValue(data<string>(op, 'policyArn'), 'policyArn');
    await call({
      target: `${desired.role.name} ${arn}`,
      send: () => ports.iam.attachRolePolicy({ RoleName: desired.role.name, PolicyArn: arn }),
    });
  },
};

const s3: Partial<Record<OpName, Handler>> = {
  's3:CreateBucket': async ({ ports, desired, call }) => {
    const Bucket = desired.bucket.name;
    await call({
      target: Bucket,
      send: () =>
        ports.s3.createBucket({
          Bucket,
          ObjectOwnership: 'BucketOwnerEnforced',
          ...(desired.region === 'us-east-1'
            ? {}
            : { CreateBucketConfiguration: { LocationConstraint: desired.region as never } }),
        }),
      // Our own earlier attempt (this run's journal intent) made it.
      alreadyDone: (e) => isAwsErrorNamed(e, 'BucketAlreadyOwnedByYou'),
    });
  },
  's3:PutPublicAccessBlock': async ({ ports, desired, call }) => {
    await call({
      target: desired.bucket.name,
      send: () =>
        ports.s3.putPublicAccessBlock({
          Bucket: desired.bucket.name,
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            IgnorePublicAcls: true,
            BlockPublicPolicy: true,
            RestrictPublicBuckets: true,
          },
        }),
    });
  },
  's3:PutBucketOwnershipControls': async ({ ports, desired, call }) => {
    await call({
      target: desired.bucket.name,
      send: () =>
        ports.s3.putBucketOwnershipControls({
          Bucket: desired.bucket.name,
          OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        }),
    });
  },
  's3:PutBucketVersioning': async ({ ports, desired, op, call }) => {
    const status = data<'Enabled' | 'Suspended'>(op, 'status') ?? 'Enabled';
    await call({
      target: desired.bucket.name,
      send: () =>
        ports.s3.putBucketVersioning({ Bucket: desired.bucket.name, VersioningConfiguration: { Status: status } }),
    });
  },
  's3:PutBucketEncryption': async ({ ports, desired, call }) => {
    await call({
      target: desired.bucket.name,
      send: () =>
        ports.s3.putBucketEncryption({
          Bucket: desired.bucket.name,
          ServerSideEncryptionConfiguration: {
            Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
          },
        }),
    });
  },
  's3:PutBucketTagging': async ({ ports, desired, op, call }) => {
    await call({
      target: desired.bucket.name,
      send: () =>
        ports.s3.putBucketTagging({
          Bucket: desired.bucket.name,
          Tagging: { TagSet: toTagList(requireValue(data<TagRecord>(op, 'tags'), 'tags')) },
        }),
    });
  },
  's3:PutBucketPolicy': async ({ ports, desired, state, op, call }) => {
    const policy = requireValue(data<PolicyDocument>(op, 'policy'), 'the bucket policy');
    await call({
      target: desired.bucket.name,
      send: () => ports.s3.putBucketPolicy({ Bucket: desired.bucket.name, Policy: JSON.stringify(policy) }),
      propagation: 'the role to be a valid principal',
    });
    state.policies.bucket = policy;
  },
};

const kms: Partial<Record<OpName, Handler>> = {
  'kms:CreateKey': async (ctx) => {
    const { ports, desired, state, op, call, limit } = ctx;
    const policy = requireValue(data<PolicyDocument>(op, 'policy'), 'the key policy');
    // KMS has no ClientToken: a creation token in the description lets a later run (or a retry) find this key.
    const token = randomUUID();
    const out = await call({
      target: desired.key.alias,
      token,
      send: () =>
        ports.kms.createKey({
          Policy: JSON.stringify(policy),
          Description: keyDescription(desired.name, token),
          KeySpec: 'SYMMETRIC_DEFAULT',
          KeyUsage: 'ENCRYPT_DECRYPT',
          Origin: 'AWS_KMS',
          MultiRegion: false,
          BypassPolicyLockoutSafetyCheck: false,
          Tags: toKmsTagList(desired.tags),
        }),
      ids: (o) => ({ keyId: o.KeyMetadata?.KeyId, arn: o.KeyMetadata?.Arn }),
      recover: async () => {
        const [found] = await findKeysByToken(ports, [token], limit);
        return found === undefined ? undefined : keyOutput(found.keyId, found.arn);
      },
      // The SDK retried the call, or it was recovered after an unknown outcome: a reset after the
      // call took effect makes a second key on the retry. Until the twins are retired the intent
      // stays open, so a run that stops before then leaves the token for the next run to search.
      settle: async (created, retried) => {
        if (!retried) return created;
        const kept = await retireTwins(ctx, token, created, policy);
        return kept === undefined ? created : keyOutput(kept.keyId, kept.arn);
      },
      propagation: `role ${desired.role.name} to be a valid principal in the key policy`,
    });
    state.keyId = requireValue(out?.KeyMetadata?.KeyId, 'the new key id');
    state.keyArn = out?.KeyMetadata?.Arn;
    state.policies.key = policy;
  },
  'kms:CreateAlias': async ({ ports, desired, state, call }) => {
    const keyId = requireValue(state.keyId, 'the key id');
    await call({
      target: desired.key.alias,
      send: () => ports.kms.createAlias({ AliasName: desired.key.alias, TargetKeyId: keyId }),
      alreadyDone: async (e) => {
        if (!isAwsErrorNamed(e, 'AlreadyExistsException')) return false;
        const target = (await orAbsent(() => ports.kms.describeKey({ KeyId: desired.key.alias })))?.KeyMetadata?.KeyId;
        if (target !== keyId)
          throw new CosignerError(
            'RESOURCE_NOT_OURS',
            `alias ${desired.key.alias} was pointed at another key (${target ?? '?'}) meanwhile`,
            { hint: 'run the command again to see a fresh plan' },
          );
        return true;
      },
    });
  },
  'kms:PutKeyPolicy': async ({ ports, desired, state, op, call }) => {
    const policy = requireValue(data<PolicyDocument>(op, 'policy'), 'the key policy');
    // Another key (a duplicate being retired) when the op names one.
    const other = data<string>(op, 'keyId');
    const keyId = requireValue(other ?? state.keyId, 'the key id');
    await call({
      target: other ?? state.keyArn ?? keyId,
      send: () =>
        ports.kms.putKeyPolicy({
          KeyId: keyId,
          PolicyName: 'default',
          Policy: JSON.stringify(policy),
          BypassPolicyLockoutSafetyCheck: false,
        }),
      propagation: `role ${desired.role.name} to be a valid principal in the key policy`,
    });
    if (other === undefined) state.policies.key = policy;
  },
  'kms:ScheduleKeyDeletion': async ({ ports, state, op, call }) => {
    const keyId = requireValue(data<string>(op, 'keyId'), 'the key id');
    await call({
      target: keyId,
      send: () =>
        ports.kms.scheduleKeyDeletion({
          KeyId: keyId,
          PendingWindowInDays: data<number>(op, 'pendingWindowInDays') ?? 7,
        }),
      alreadyDone: isPendingDeletion,
    });
    state.retiredKeys.push(keyId);
  },
  'kms:EnableKeyRotation': async ({ ports, state, call }) => {
    const keyId = requireValue(state.keyId, 'the key id');
    await call({ target: state.keyArn ?? keyId, send: () => ports.kms.enableKeyRotation({ KeyId: keyId }) });
  },
  'kms:TagResource': async ({ ports, state, op, call }) => {
    const keyId = requireValue(state.keyId, 'the key id');
    await call({
      target: state.keyArn ?? keyId,
      send: () =>
        ports.kms.tagResource({ KeyId: keyId, Tags: toKmsTagList(requireValue(data<TagRecord>(op, 'tags'), 'tags')) }),
    });
  },
};

/** The group a rule operation is about: the host's, or the managed network's endpoints' group. */
const groupOf = (ctx: OpContext) =>
  ctx.node === 'network' ? partId(ctx, 'endpoint-sg') : requireValue(ctx.state.groupId, 'the security group id');

/**
 * Revoke egress rules: those the op names, or (`keep`) every rule the group has but those, read
 * from the group itself, so a new group's IPv6 default goes too.
 */
async function revokeEgress(ctx: OpContext): Promise<void> {
  const groupId = groupOf(ctx);
  const keep = data<AtomicRule[]>(ctx.op, 'keep');
  let rules = data<AtomicRule[]>(ctx.op, 'rules') ?? [];
  if (keep !== undefined) {
    const group = (await ctx.ports.ec2.describeSecurityGroups({ GroupIds: [groupId] })).SecurityGroups?.[0];
    rules = atomicRules(rulesOf(group?.IpPermissionsEgress)).filter((r) => !keep.some((k) => sameRule(k, r)));
    if (rules.length === 0) return;
  }
  await ctx.call({
    target: groupId,
    send: () => ctx.ports.ec2.revokeSecurityGroupEgress({ GroupId: groupId, IpPermissions: permissions(rules) }),
    alreadyDone: (e) => isAwsErrorNamed(e, 'InvalidPermission.NotFound'),
  });
}

const ec2: Partial<Record<OpName, Handler>> = {
  'ec2:CreateSecurityGroup': async (ctx) => {
    if (ctx.node === 'network') return createEndpointGroup(ctx);
    const { ports, desired, state, call } = ctx;
    const vpcId = requireValue(state.vpcId, 'the VPC');
    const name = desired.securityGroup.name;
    const find = async () =>
      (
        await ports.ec2.describeSecurityGroups({
          Filters: [
            { Name: 'group-name', Values: [name] },
            { Name: 'vpc-id', Values: [vpcId] },
          ],
        })
      ).SecurityGroups?.[0];
    let groupId: string | undefined;
    const out = await call({
      target: `${vpcId}/${name}`,
      send: () =>
        ports.ec2.createSecurityGroup({
          GroupName: name,
          Description: desired.securityGroup.description,
          VpcId: vpcId,
          TagSpecifications: [{ ResourceType: 'security-group', Tags: ec2Tags(desired, name) }],
        }),
      // A managed VPC made a moment ago may not be visible yet.
      ...(desired.network.mode === 'managed' ? visibleInEc2(vpcId) : {}),
      ids: (o) => ({ groupId: o.GroupId }),
      alreadyDone: async (e) => {
        if (!isAwsErrorNamed(e, 'InvalidGroup.Duplicate')) return false;
        const group = await find();
        const ours = await oursOrRefuse(`security group ${name}`, desired.name, () =>
          Promise.resolve(group === undefined ? undefined : tagsOf(group.Tags)),
        );
        groupId = group?.GroupId;
        return ours;
      },
    });
    state.groupId = requireValue(out?.GroupId ?? groupId, 'the security group id');
  },
  'ec2:RevokeSecurityGroupEgress': revokeEgress,
  'ec2:AuthorizeSecurityGroupEgress': async (ctx) => {
    const groupId = groupOf(ctx);
    await ctx.call({
      target: groupId,
      send: () =>
        ctx.ports.ec2.authorizeSecurityGroupEgress({
          GroupId: groupId,
          IpPermissions: permissions(data<AtomicRule[]>(ctx.op, 'rules') ?? []),
        }),
      alreadyDone: (e) => isAwsErrorNamed(e, 'InvalidPermission.Duplicate'),
    });
  },
  'ec2:AuthorizeSecurityGroupIngress': async (ctx) => {
    const groupId = groupOf(ctx);
    await ctx.call({
      target: groupId,
      send: () =>
        ctx.ports.ec2.authorizeSecurityGroupIngress({
          GroupId: groupId,
          IpPermissions: permissions(data<AtomicRule[]>(ctx.op, 'rules') ?? []),
        }),
      alreadyDone: (e) => isAwsErrorNamed(e, 'InvalidPermission.Duplicate'),
    });
  },
  'ec2:RevokeSecurityGroupIngress': async (ctx) => {
    const groupId = groupOf(ctx);
    await ctx.call({
      target: groupId,
      send: () =>
        ctx.ports.ec2.revokeSecurityGroupIngress({
          GroupId: groupId,
          IpPermissions: permissions(data<AtomicRule[]>(ctx.op, 'rules') ?? []),
        }),
      alreadyDone: (e) => isAwsErrorNamed(e, 'InvalidPermission.NotFound'),
    });
  },
  'ec2:CreateTags': async ({ ports, state, node, op, call }) => {
    const id = requireValue(node === 'instance' ? state.instanceId : state.groupId, 'the resource id');
    await call({
      target: id,
      send: () =>
        ports.ec2.createTags({ Resources: [id], Tags: toTagList(requireValue(data<TagRecord>(op, 'tags'), 'tags')) }),
    });
  },
  'ec2:RunInstances': async ({ ports, desired, state, journal, call }) => {
    // Reuse the ClientToken of a launch whose outcome is unknown: EC2 then returns that instance.
    let token = journal.pending({ node: 'instance', op: 'ec2:RunInstances' }).at(-1)?.token ?? randomUUID();
    const name = desired.instance.name;
    const run = () =>
      ports.ec2.runInstances({
        ClientToken: token,
        ImageId: requireValue(state.imageId, 'the AMI'),
        InstanceType: desired.instance.type as never,
        MinCount: 1,
        MaxCount: 1,
        IamInstanceProfile: { Arn: state.instanceProfileArn },
        EnclaveOptions: { Enabled: true },
        MetadataOptions: {
          HttpTokens: 'required',
          HttpPutResponseHopLimit: desired.instance.metadata.hopLimit,
          HttpEndpoint: 'enabled',
        },
        BlockDeviceMappings: [
          {
            DeviceName: state.rootDeviceName ?? '/dev/xvda',
            Ebs: {
              VolumeSize: desired.instance.rootVolumeGiB,
              VolumeType: 'gp3',
              Encrypted: true,
              DeleteOnTermination: true,
            },
          },
        ],
        NetworkInterfaces: [
          {
            DeviceIndex: 0,
            SubnetId: requireValue(state.subnetId, 'the subnet'),
            Groups: [requireValue(state.groupId, 'the security group id')],
            AssociatePublicIpAddress: desired.instance.publicIp,
            DeleteOnTermination: true,
          },
        ],
        UserData: Buffer.from(desired.instance.userData, 'utf8').toString('base64'),
        TagSpecifications: [
          { ResourceType: 'instance', Tags: ec2Tags(desired, name) },
          { ResourceType: 'volume', Tags: ec2Tags(desired, `${name}-root`) },
        ],
      });
    const out = await call({
      target: name,
      token,
      send: async () => {
        try {
          return await run();
        } catch (error) {
          // The old token went with other parameters (the config changed): that launch made nothing.
          if (!isAwsErrorNamed(error, 'IdempotentParameterMismatch')) throw error;
          token = randomUUID();
          return run();
        }
      },
      ids: (o) => ({ instanceId: o.Instances?.[0]?.InstanceId }),
      propagation: `instance profile ${desired.instanceProfile.name} to be usable by EC2`,
      // And, in a managed network made this run, its subnet and the group to be visible to EC2.
      retryable: (e) => isIamPropagationError(e) || (desired.network.mode === 'managed' && isEc2NotYetVisible(e)),
    });
    state.instanceId = requireValue(out?.Instances?.[0]?.InstanceId, 'the new instance id');
  },
};

export const HANDLERS: Partial<Record<OpName, Handler>> = { ...iam, ...s3, ...kms, ...ec2, ...NETWORK_HANDLERS };

type CreateKeyOutput = Awaited<ReturnType<AwsPorts['kms']['createKey']>>;

const keyOutput = (keyId: string, arn: string): CreateKeyOutput =>
  ({ KeyMetadata: { KeyId: keyId, Arn: arn } }) as CreateKeyOutput;

/**
 * The keys one creation token made: the oldest is kept (the one observation picks on a later run,
 * so a run that stops half-way never changes the choice), every other is retired. Returns the key
 * kept, or undefined when the listing shows no key of the token.
 */
async function retireTwins(
  ctx: OpContext,
  token: string,
  created: CreateKeyOutput,
  policy: PolicyDocument,
): Promise<{ keyId: string; arn: string } | undefined> {
  const found = await findKeysByToken(ctx.ports, [token], ctx.limit);
  const createdId = created.KeyMetadata?.KeyId;
  const createdArn = created.KeyMetadata?.Arn;
  // The key the call returned is a candidate even if the listing does not show it yet (it is the newest).
  const keys: { keyId: string; arn: string; policy?: PolicyDocument | undefined }[] = [...found];
  if (createdId !== undefined && createdArn !== undefined && !found.some((k) => k.keyId === createdId))
    keys.push({ keyId: createdId, arn: createdArn });
  const [kept, ...twins] = keys;
  for (const twin of twins) {
    ctx.warn(`a retried CreateKey made a second key ${twin.keyId}; it never held data and is scheduled for deletion`);
    await retireKey(ctx, twin.keyId, twin.arn, twin.policy ?? policy);
    ctx.state.retiredKeys.push(twin.keyId);
  }
  return kept;
}

/**
 * Retire a key that never held data (a twin of a retried CreateKey): add the teardown statement
 * to its policy, then schedule its deletion with the shortest waiting period.
 */
async function retireKey(ctx: OpContext, keyId: string, keyArn: string, current: PolicyDocument): Promise<void> {
  const { ports, desired } = ctx;
  const policy = teardownKeyPolicy(current, {
    accountId: desired.accountId,
    partition: desired.partition,
    keyArn,
    roleArn: desired.role.arn,
    adminArns: desired.key.policyInput.adminArns ?? [],
    callerArn: ctx.callerArn,
    pcr8: [desired.key.pcr8.value],
  });
  if (policy !== undefined) {
    await ctx.callAs('kms:PutKeyPolicy', {
      target: keyArn,
      send: () =>
        ports.kms.putKeyPolicy({
          KeyId: keyId,
          PolicyName: 'default',
          Policy: JSON.stringify(policy),
          BypassPolicyLockoutSafetyCheck: false,
        }),
    });
  }
  await ctx.callAs('kms:ScheduleKeyDeletion', {
    target: keyArn,
    send: () => ports.kms.scheduleKeyDeletion({ KeyId: keyId, PendingWindowInDays: 7 }),
    alreadyDone: isPendingDeletion,
  });
}
