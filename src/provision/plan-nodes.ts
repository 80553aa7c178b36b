/**
 * Planning of the IAM, S3 and KMS nodes: for each, compare the desired resource with what was
 * observed and decide create / update / no-op / refuse, with the reasons and the exact calls.
 * Pure. Every policy written is built by the policy engine, merged by Sid into what exists (so
 * statements added by others survive) and proven (no lockout, no bypass) before it is planned.
 */
import { TAGS } from '../config/names.js';
import { isCosignerError, type CosignerErrorCode } from '../errors.js';
import { shortPCR8 } from '../policy/pcr8.js';
import { teardownKeyPolicy } from '../policy/teardown-policy.js';
import { missingTags, type TagRecord } from '../engine/aws-util.js';
import { samePolicy } from '../engine/digest.js';
import { inlinePolicyFor, ownershipTags, type DesiredState } from './desired.js';
import { DEPENDENCIES, type NodeId } from './graph.js';
import { retentionRefusal } from './bucket-retention.js';
import type { ObservedState } from './observed.js';
import {
  ADOPTED_TAG,
  globalRegionOf,
  keyOwner,
  keyRegionIn,
  ONE_NAME_PER_REGION,
  otherRegionReason,
  ownerOf,
} from '../engine/ownership.js';
import { checkKey } from './plan-key-properties.js';
import { keyPolicyUpdate, pcr8ChangeText, provenBucketPolicy, proveKey } from './plan-policies.js';
import type { PlannedAction, PlannedOp } from './plan-types.js';

export interface PlanInput {
  desired: DesiredState;
  observed: ObservedState;
  /** Some run of ours attempted CreateBucket with this name: an untagged bucket there is ours. */
  bucketAttempted: boolean;
  /** The principal that will make the calls (the lockout proof keeps its PutKeyPolicy). */
  callerArn: string;
}

type Base = Pick<PlannedAction, 'node' | 'resource' | 'dependsOn' | 'notes'>;

export function base(node: NodeId, resource: string): Base {
  return { node, resource, dependsOn: [...DEPENDENCIES[node]], notes: [] };
}

export function refuse(b: Base, code: CosignerErrorCode, message: string, hint: string, id?: string): PlannedAction {
  return {
    ...b,
    kind: 'refuse',
    reasons: [message],
    rounds: [],
    refusal: { code, message, hint },
    ...(id === undefined ? {} : { id }),
  };
}

/** An existing resource's action: update when there are calls to make, otherwise no-op. */
export function existing(
  b: Base,
  id: string,
  reasons: string[],
  rounds: PlannedOp[][],
  extra: Partial<PlannedAction> = {},
): PlannedAction {
  const nonEmpty = rounds.filter((round) => round.length > 0);
  return {
    ...b,
    id,
    kind: nonEmpty.length > 0 ? 'update' : 'noop',
    reasons: nonEmpty.length > 0 ? reasons : ['matches the config'],
    rounds: nonEmpty,
    ...extra,
  };
}

/** The tags to write on an existing resource that lacks some (with the current version). */
export function tagUpdate(
  desired: DesiredState,
  have: TagRecord,
  adopted: boolean,
  /** A global resource (role, instance profile): it carries the region too. */
  global = false,
): TagRecord | undefined {
  const want = {
    ...ownershipTags(desired),
    ...(global ? { [TAGS.region]: desired.region } : {}),
    ...(adopted ? { [ADOPTED_TAG]: 'true' } : {}),
  };
  const missing = missingTags(want, have);
  return Object.keys(missing).length === 0 ? undefined : { ...missing, [TAGS.version]: desired.toolVersion };
}

const tagNames = (tags: TagRecord) =>
  Object.keys(tags)
    .filter((k) => k !== TAGS.version)
    .join(', ');

export function planRole({ desired, observed }: PlanInput): PlannedAction {
  const b = base('role', `IAM role ${desired.role.name}`);
  const role = observed.role;
  if (role === undefined) {
    return {
      ...b,
      kind: 'create',
      reasons: ['the role does not exist'],
      rounds: [
        [
          {
            op: 'iam:CreateRole',
            detail: `create ${desired.role.path}${desired.role.name}, assumable by EC2`,
            data: {
              trustPolicy: desired.role.trustPolicy,
              ...(desired.role.permissionsBoundaryArn === undefined
                ? {}
                : { permissionsBoundaryArn: desired.role.permissionsBoundaryArn }),
            },
          },
        ],
      ],
    };
  }
  const who = ownerOf(role.tags, desired.name);
  if (who.kind === 'foreign') {
    return refuse(
      b,
      'RESOURCE_NOT_OURS',
      `IAM role ${desired.role.name} exists and ${who.reason}`,
      'choose another co-signer name (--name) or role name (--role-name); cosigner-cli never takes over a role it did not create',
      role.arn,
    );
  }
  // A role made before the region tag existed: the region of the key its inline policy names.
  const elsewhere = otherRegionReason(role.tags, desired.region, keyRegionIn(role.inlinePolicy));
  if (elsewhere !== undefined)
    return refuse(b, 'RESOURCE_NOT_OURS', `IAM role ${desired.role.name} ${elsewhere}`, ONE_NAME_PER_REGION, role.arn);
  const ops: PlannedOp[] = [];
  const reasons: string[] = [];
  if (!samePolicy(role.trustPolicy, desired.role.trustPolicy)) {
    reasons.push('the trust policy differs');
    ops.push({
      op: 'iam:UpdateAssumeRolePolicy',
      detail: 'restore the EC2 trust policy',
      data: { policy: desired.role.trustPolicy },
    });
  }
  const tags = tagUpdate(desired, role.tags, who.adopted, true);
  if (tags !== undefined) {
    reasons.push(`tags missing: ${tagNames(tags)}`);
    ops.push({ op: 'iam:TagRole', detail: 'add the missing tags', data: { tags } });
  }
  const notes: string[] = [];
  if (role.path !== desired.role.path)
    notes.push(`the role's path is ${role.path}, not ${desired.role.path} (IAM cannot move a role)`);
  if (role.permissionsBoundaryArn !== desired.role.permissionsBoundaryArn) {
    notes.push(
      `permissions boundary is ${role.permissionsBoundaryArn ?? 'none'}, the config says ${desired.role.permissionsBoundaryArn ?? 'none'}: change it in IAM`,
    );
  }
  return existing({ ...b, notes }, role.arn, reasons, [ops]);
}

export function planInstanceProfile({ desired, observed }: PlanInput): PlannedAction {
  const b = base('instanceProfile', `instance profile ${desired.instanceProfile.name}`);
  const profile = observed.instanceProfile;
  const addRole: PlannedOp = {
    op: 'iam:AddRoleToInstanceProfile',
    detail: `put role ${desired.role.name} in the profile`,
  };
  if (profile === undefined) {
    return {
      ...b,
      kind: 'create',
      reasons: ['the instance profile does not exist'],
      rounds: [
        [
          {
            op: 'iam:CreateInstanceProfile',
            detail: `create ${desired.instanceProfile.path}${desired.instanceProfile.name}`,
          },
        ],
        [addRole],
      ],
    };
  }
  const who = ownerOf(profile.tags, desired.name);
  if (who.kind === 'foreign') {
    return refuse(
      b,
      'RESOURCE_NOT_OURS',
      `instance profile ${desired.instanceProfile.name} exists and ${who.reason}`,
      'choose another co-signer name (--name) or role name (--role-name)',
      profile.arn,
    );
  }
  // A profile made before the region tag existed belongs where its role (this co-signer's) does.
  const roleRegion =
    observed.role !== undefined && profile.roleNames.includes(desired.role.name)
      ? globalRegionOf(observed.role.tags, keyRegionIn(observed.role.inlinePolicy))
      : undefined;
  const elsewhere = otherRegionReason(profile.tags, desired.region, roleRegion);
  if (elsewhere !== undefined)
    return refuse(
      b,
      'RESOURCE_NOT_OURS',
      `instance profile ${desired.instanceProfile.name} ${elsewhere}`,
      ONE_NAME_PER_REGION,
      profile.arn,
    );
  const reasons: string[] = [];
  const rounds: PlannedOp[][] = [[], []];
  const others = profile.roleNames.filter((r) => r !== desired.role.name);
  for (const other of others) {
    reasons.push(`holds role ${other} instead`);
    rounds[0]?.push({
      op: 'iam:RemoveRoleFromInstanceProfile',
      detail: `take role ${other} out`,
      data: { roleName: other },
    });
  }
  if (!profile.roleNames.includes(desired.role.name)) {
    reasons.push(`role ${desired.role.name} is not in the profile`);
    rounds[1]?.push(addRole);
  }
  const tags = tagUpdate(desired, profile.tags, who.adopted, true);
  if (tags !== undefined) {
    reasons.push(`tags missing: ${tagNames(tags)}`);
    rounds[0]?.push({ op: 'iam:TagInstanceProfile', detail: 'add the missing tags', data: { tags } });
  }
  return existing(b, profile.arn, reasons, rounds);
}

const PAB = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };

export function planBucket(input: PlanInput): PlannedAction {
  const { desired, observed } = input;
  const b = base('bucket', `S3 bucket ${desired.bucket.name}`);
  const bucket = observed.bucket;
  if (bucket.status === 'taken') {
    return refuse(
      b,
      'BUCKET_NAME_TAKEN',
      `the bucket name ${desired.bucket.name} is taken by another AWS account`,
      'bucket names are global: set another name with --bucket-name',
    );
  }
  const settings = (
    current: Extract<ObservedState['bucket'], { status: 'present' }> | undefined,
    adopted: boolean,
  ): { ops: PlannedOp[]; reasons: string[] } => {
    const ops: PlannedOp[] = [];
    const reasons: string[] = [];
    const add = (reason: string | undefined, op: PlannedOp) => {
      if (reason !== undefined) reasons.push(reason);
      ops.push(op);
    };
    const pab = current?.publicAccessBlock;
    if (current === undefined || Object.entries(PAB).some(([k, v]) => pab?.[k as keyof typeof PAB] !== v)) {
      add(current && 'public access is not fully blocked', {
        op: 's3:PutPublicAccessBlock',
        detail: 'block all public access',
        data: { configuration: PAB },
      });
    }
    if (current === undefined || current.ownership !== 'BucketOwnerEnforced') {
      add(current && `object ownership is ${current.ownership ?? 'unset'}`, {
        op: 's3:PutBucketOwnershipControls',
        detail: 'BucketOwnerEnforced (ACLs disabled)',
      });
    }
    const versioning = desired.bucket.versioning
      ? 'Enabled'
      : current?.versioning === 'Enabled'
        ? 'Suspended'
        : undefined;
    if (versioning !== undefined && current?.versioning !== versioning) {
      add(current && `versioning is ${current.versioning ?? 'off'}`, {
        op: 's3:PutBucketVersioning',
        detail: `versioning ${versioning}`,
        data: { status: versioning },
      });
    }
    // SSE-S3, never the co-signer key: S3 calls KMS without an attestation, which the key policy refuses.
    if (current === undefined || current.encryption?.algorithm !== 'AES256') {
      add(current && `default encryption is ${current.encryption?.algorithm ?? 'unset'}`, {
        op: 's3:PutBucketEncryption',
        detail: 'default encryption SSE-S3 (AES256)',
      });
    }
    const tags = current === undefined ? desired.tags : tagUpdate(desired, current.tags, adopted);
    if (tags !== undefined) {
      // PutBucketTagging replaces the whole set: keep the tags already there.
      add(current && `tags missing: ${tagNames(tags)}`, {
        op: 's3:PutBucketTagging',
        detail: current ? 'add the missing tags' : 'tag the bucket',
        data: { tags: { ...(current?.tags ?? {}), ...tags } },
      });
    }
    const policy = provenBucketPolicy(input, current?.policy);
    if (current === undefined || !samePolicy(policy, current.policy)) {
      add(current && (current.policy ? 'the bucket policy differs' : 'the bucket has no policy'), {
        op: 's3:PutBucketPolicy',
        detail: 'deny everyone but the role; TLS only',
        data: { policy },
      });
    }
    return { ops, reasons };
  };
  try {
    if (bucket.status === 'absent') {
      const { ops } = settings(undefined, false);
      return {
        ...b,
        kind: 'create',
        reasons: ['the bucket does not exist'],
        rounds: [[{ op: 's3:CreateBucket', detail: `create in ${desired.region}` }], ops],
      };
    }
    if (bucket.region !== desired.region) {
      return refuse(
        b,
        'AWS_WRONG_REGION',
        `bucket ${desired.bucket.name} is in ${bucket.region}, not in ${desired.region}`,
        `pass --region ${bucket.region}, or choose another --bucket-name`,
      );
    }
    const who = ownerOf(bucket.tags, desired.name);
    const createdByUs = who.kind === 'foreign' && input.bucketAttempted && Object.keys(bucket.tags).length === 0;
    const adoptNamed =
      who.kind === 'foreign' && !createdByUs && desired.bucket.named && bucket.tags[TAGS.name] === undefined;
    if (who.kind === 'foreign' && !createdByUs && !adoptNamed) {
      return refuse(
        b,
        'RESOURCE_NOT_OURS',
        `bucket ${desired.bucket.name} exists in this account and ${who.reason}`,
        'choose another co-signer name (--name), or name the bucket with --bucket-name to adopt it on purpose',
        desired.bucket.arn,
      );
    }
    // An expiring, archiving or replicating bucket is refused, adopted or ours: the tool never
    // removes another's configuration, and nothing in the policies stops it.
    const retention = retentionRefusal(desired.bucket.name, bucket.retention);
    if (retention !== undefined)
      return refuse(b, retention.code, retention.message, retention.hint, desired.bucket.arn);
    const adopted = adoptNamed || (who.kind === 'ours' && who.adopted);
    const { ops, reasons } = settings(bucket, adopted);
    const extra: Partial<PlannedAction> = adoptNamed ? { adopt: true } : {};
    if (adoptNamed) reasons.unshift('adopt the existing bucket named in the config');
    if (createdByUs) reasons.unshift('finish the bucket an interrupted run created');
    return existing(b, desired.bucket.arn, reasons, [ops], extra);
  } catch (error) {
    if (isCosignerError(error) && error.code.startsWith('POLICY_'))
      return refuse(b, error.code, error.message, error.hint ?? '');
    throw error;
  }
}

export function planKey(input: PlanInput): PlannedAction {
  const { desired, observed } = input;
  const b = base('key', `KMS key ${desired.key.alias}`);
  const key = observed.key;
  const adopt = desired.key.adopt;
  const aliasOp: PlannedOp = { op: 'kms:CreateAlias', detail: `point ${desired.key.alias} at the key` };
  const rotationOp: PlannedOp = { op: 'kms:EnableKeyRotation', detail: 'enable automatic rotation (yearly)' };
  const notes = [
    ...(desired.key.rotationNote === undefined ? [] : [desired.key.rotationNote]),
    ...(desired.key.pcr3Note === undefined ? [] : [desired.key.pcr3Note]),
    ...(desired.key.pcr8.presetNote === undefined ? [] : [desired.key.pcr8.presetNote]),
  ];
  if (observed.missingKeyAdmins.length > 0) {
    // KMS would refuse the policy as naming invalid principals, an answer that looks like IAM
    // propagation: said here, before any write, instead of after the propagation budget.
    return refuse(
      { ...b, notes },
      'KEY_ADMIN_NOT_FOUND',
      `the key administrators ${observed.missingKeyAdmins.join(', ')} do not exist in account ${desired.accountId}`,
      'name existing IAM roles or users in kms.adminArns (--kms-admin), with their path, or create them first',
      key?.arn,
    );
  }
  try {
    if (adopt === undefined && key === undefined) {
      const placeholder = `arn:${desired.partition}:kms:${desired.region}:${desired.accountId}:key/00000000-0000-4000-8000-000000000000`;
      proveKey(input, desired.key.policy, desired.key.pcr8.values, placeholder, true);
      return {
        ...b,
        notes,
        kind: 'create',
        reasons: ['the key does not exist'],
        rounds: [
          [
            {
              op: 'kms:CreateKey',
              detail: `symmetric key with the attested key policy (PCR8 from ${desired.key.pcr8.label})`,
              data: { policy: desired.key.policy },
            },
          ],
          [aliasOp, ...(desired.key.rotation ? [rotationOp] : [])],
        ],
      };
    }
    if (key === undefined) {
      return refuse(
        b,
        'AWS_NOT_FOUND',
        `the key ${adopt?.keyId ?? ''} named in the config does not exist in ${desired.region}`,
        'check --kms-key-id and --region',
      );
    }
    const who = keyOwner(key, desired.name);
    const adopting = adopt !== undefined && who.kind === 'foreign';
    if (who.kind === 'foreign' && !adopting) {
      return refuse(
        b,
        'RESOURCE_NOT_OURS',
        `alias ${desired.key.alias} points to key ${key.keyId}, which ${who.reason}`,
        'choose another co-signer name (--name) or alias (--kms-alias), or adopt the key on purpose with --kms-key-id',
        key.arn,
      );
    }
    if (observed.aliasTarget !== undefined) {
      return refuse(
        b,
        'RESOURCE_NOT_OURS',
        `alias ${desired.key.alias} already points to another key (${observed.aliasTarget.keyId})`,
        'choose another alias with --kms-alias',
        key.arn,
      );
    }
    // Every key must be one its key policy can protect (origin, store, Region, spec, grants),
    // adopted or carrying our marker: the marker proves nothing about how the key was made.
    const createdByUs = who.kind === 'ours' && !who.adopted;
    const keyCheck = checkKey(desired, key, createdByUs);
    if (keyCheck.refusal !== undefined)
      return refuse(
        { ...b, notes },
        keyCheck.refusal.code,
        keyCheck.refusal.message,
        keyCheck.refusal.hint ?? '',
        key.arn,
      );
    notes.push(...keyCheck.notes);
    if (key.state === 'PendingDeletion') {
      return refuse(
        b,
        'AWS_KEY_PENDING_DELETION',
        `key ${key.keyId} is scheduled for deletion`,
        "cancel the deletion (aws kms cancel-key-deletion, then enable-key) to keep the co-signer's data, or delete the alias to start over with a new key",
        key.arn,
      );
    }
    if (key.state !== 'Enabled') {
      return refuse(
        b,
        'AWS_KEY_DISABLED',
        `key ${key.keyId} is ${key.state}`,
        'enable it (aws kms enable-key) or adopt another key',
        key.arn,
      );
    }
    if (key.manager !== 'CUSTOMER' || key.spec !== 'SYMMETRIC_DEFAULT' || key.usage !== 'ENCRYPT_DECRYPT') {
      return refuse(
        b,
        'PLAN_REFUSED',
        `key ${key.keyId} is not a customer managed symmetric encryption key`,
        'adopt a symmetric ENCRYPT_DECRYPT customer managed key, or let provision create one',
        key.arn,
      );
    }
    if (key.policy === undefined) {
      return refuse(
        b,
        'AWS_ACCESS_DENIED',
        `the policy of key ${key.keyId} is not readable (kms:GetKeyPolicy denied)`,
        'grant the key administrators kms:GetKeyPolicy in the key policy; cosigner-cli never overwrites a policy it cannot read',
        key.arn,
      );
    }
    const first: PlannedOp[] = [];
    const second: PlannedOp[] = [];
    const reasons: string[] = [];
    if (adopting) reasons.push('adopt the existing key named in the config');
    if (key.foundBy === 'journal' || key.foundBy === 'token') reasons.push('finish the key an interrupted run created');
    const update = keyPolicyUpdate(input, { ...key, policy: key.policy });
    const policy = update.policy;
    notes.push(...update.notes);
    if (policy !== undefined) {
      const change = update.pcr8Change;
      reasons.push(
        change === undefined
          ? 'the key policy differs'
          : `the key policy's PCR8 list differs (${pcr8ChangeText(change)})`,
      );
      first.push({
        op: 'kms:PutKeyPolicy',
        detail:
          change === undefined
            ? 'write the attested key policy (merged by Sid)'
            : `write the attested key policy (merged by Sid) with PCR8 ${change.config.map(shortPCR8).join(', ')}`,
        data: { policy },
      });
    }
    if (key.foundBy !== 'alias') {
      reasons.push(`alias ${desired.key.alias} is missing`);
      first.push(aliasOp);
    }
    // Our key policies do not let anyone list or add key tags: only fix them where they are readable.
    const tags =
      key.tags === undefined
        ? undefined
        : tagUpdate(desired, key.tags, adopting || (who.kind === 'ours' && who.adopted));
    if (tags !== undefined && !adopting) {
      reasons.push(`tags missing: ${tagNames(tags)}`);
      first.push({ op: 'kms:TagResource', detail: 'add the missing tags', data: { tags } });
    }
    if (desired.key.rotation && (key.rotation === false || (key.rotation === undefined && policy !== undefined))) {
      reasons.push('automatic rotation is off');
      // After the policy update, which is what grants the permission to enable it.
      (policy === undefined ? first : second).push(rotationOp);
    }
    if (desired.key.rotation && key.rotation === undefined && policy === undefined)
      notes.push('rotation status is not readable with this key policy');
    // Twins of our key made by a retried CreateKey of an interrupted run: they never held data.
    for (const twin of observed.keyDuplicates) {
      reasons.push(`key ${twin.keyId} is an unused twin made by an interrupted run`);
      const teardown = teardownKeyPolicy(twin.policy ?? desired.key.policy, {
        accountId: desired.accountId,
        partition: desired.partition,
        keyArn: twin.arn,
        roleArn: desired.role.arn,
        adminArns: desired.key.policyInput.adminArns ?? [],
        callerArn: input.callerArn,
        pcr8: desired.key.pcr8.values,
      });
      if (teardown !== undefined)
        first.push({
          op: 'kms:PutKeyPolicy',
          detail: `let the administrators retire twin ${twin.keyId}`,
          data: { keyId: twin.keyId, policy: teardown },
        });
      second.push({
        op: 'kms:ScheduleKeyDeletion',
        detail: `schedule twin ${twin.keyId} for deletion (7 days)`,
        data: { keyId: twin.keyId, pendingWindowInDays: 7 },
      });
    }
    return existing({ ...b, notes }, key.arn, reasons, [first, second], {
      ...(adopting ? { adopt: true } : {}),
      ...(update.pcr8Change === undefined ? {} : { pcr8Change: update.pcr8Change }),
    });
  } catch (error) {
    if (isCosignerError(error) && (error.code.startsWith('POLICY_') || error.code.startsWith('PCR_')))
      return refuse({ ...b, notes }, error.code, error.message, error.hint ?? '', key?.arn);
    throw error;
  }
}

export function planRolePolicy(input: PlanInput, keyAction: PlannedAction): PlannedAction {
  const { desired, observed } = input;
  const b = base('rolePolicy', `role permissions (${desired.role.inlinePolicyName} + SSM)`);
  const role = observed.role;
  const keyArn = keyAction.kind === 'create' ? undefined : observed.key?.arn;
  const ops: PlannedOp[] = [];
  const reasons: string[] = [];
  const inline = keyArn === undefined ? undefined : inlinePolicyFor(desired, keyArn);
  if (inline === undefined || !samePolicy(inline, role?.inlinePolicy)) {
    if (role !== undefined)
      reasons.push(
        role.inlinePolicy === undefined
          ? `inline policy ${desired.role.inlinePolicyName} is missing`
          : `inline policy ${desired.role.inlinePolicyName} differs`,
      );
    ops.push({
      op: 'iam:PutRolePolicy',
      detail: `${desired.role.inlinePolicyName}: the bucket's objects and the key`,
      data: inline === undefined ? { keyArn: 'from kms:CreateKey' } : { policy: inline },
    });
  }
  for (const arn of desired.role.managedPolicyArns) {
    if (role?.attachedPolicyArns.includes(arn) === true) continue;
    if (role !== undefined) reasons.push(`${arn.split('/').at(-1) ?? arn} is not attached`);
    ops.push({
      op: 'iam:AttachRolePolicy',
      detail: `attach ${arn.split('/').at(-1) ?? arn}`,
      data: { policyArn: arn },
    });
  }
  const notes: string[] = [];
  const otherInline = role?.inlinePolicyNames.filter((n) => n !== desired.role.inlinePolicyName) ?? [];
  const otherAttached = role?.attachedPolicyArns.filter((a) => !desired.role.managedPolicyArns.includes(a)) ?? [];
  if (otherInline.length > 0) notes.push(`the role has other inline policies: ${otherInline.join(', ')}`);
  if (otherAttached.length > 0) notes.push(`the role has other managed policies: ${otherAttached.join(', ')}`);
  if (
    role === undefined ||
    (ops.length > 0 && role.inlinePolicy === undefined && role.attachedPolicyArns.length === 0)
  ) {
    return { ...b, notes, kind: 'create', reasons: ['the role has no permissions yet'], rounds: [ops] };
  }
  return existing({ ...b, notes }, `${role.arn}#${desired.role.inlinePolicyName}`, reasons, [ops]);
}
