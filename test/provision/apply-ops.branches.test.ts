// Apply's IAM, S3 and KMS operations, one at a time, on a sandbox account: the "already done"
// answers (a create retried after it had in fact succeeded) accepted only for what carries our
// tags or is ours, and refused for what someone else made meanwhile; the values each operation
// takes from the plan or from earlier operations, and the internal error when one is missing;
// the twin keys of a CreateKey the SDK retried, retired.
import { describe, expect, it } from 'vitest';
import type { SandboxPorts } from '../../src/aws/sandbox/index.js';
import { TAGS } from '../../src/config/names.js';
import { CosignerError } from '../../src/errors.js';
import { isPendingDeletion } from '../../src/engine/aws-util.js';
import { keyMarker } from '../../src/engine/ownership.js';
import { EC2_TRUST, harness } from './apply-harness.js';

const ourTags = (h: { desired: { tags: Record<string, string> } }) =>
  Object.entries(h.desired.tags).map(([Key, Value]) => ({ Key, Value }));

describe('IAM operations', () => {
  it('CreateRole: a role that exists already is ours only with our tags; otherwise refused', async () => {
    const h = await harness({ iam: { permissionsBoundaryArn: 'arn:aws:iam::111122223333:policy/boundary' } });
    await h.run('iam:CreateRole');
    const role = (await h.ports.iam.getRole({ RoleName: h.desired.role.name })).Role!;
    expect([h.state.roleArn, role.PermissionsBoundary?.PermissionsBoundaryArn]).toEqual([
      role.Arn,
      'arn:aws:iam::111122223333:policy/boundary',
    ]);
    // Run again (a retry after a lost answer): EntityAlreadyExists, and the role is ours.
    await h.run('iam:CreateRole');
    expect(h.journaled('iam:CreateRole')).toEqual([
      ['intent', undefined],
      ['done', undefined],
      ['intent', undefined],
      ['done', undefined],
    ]);
    const untagged = await harness();
    await untagged.ports.iam.createRole({ RoleName: h.desired.role.name, AssumeRolePolicyDocument: EC2_TRUST });
    await expect(untagged.run('iam:CreateRole')).rejects.toMatchObject({
      code: 'RESOURCE_NOT_OURS',
      message: `role ${h.desired.role.name} was created by someone else meanwhile and is not tagged as managed by cosigner-cli`,
    });
  });

  it('CreateInstanceProfile: one of another co-signer is refused, naming it', async () => {
    const h = await harness();
    await h.ports.iam.createInstanceProfile({
      InstanceProfileName: h.desired.instanceProfile.name,
      Tags: [
        { Key: TAGS.name, Value: 'other' },
        { Key: TAGS.managedBy, Value: 'cosigner-cli' },
      ],
    });
    await expect(h.run('iam:CreateInstanceProfile', undefined, 'instanceProfile')).rejects.toMatchObject({
      code: 'RESOURCE_NOT_OURS',
      message: expect.stringContaining('belongs to co-signer "other"') as string,
    });
    const ours = await harness();
    await ours.ports.iam.createInstanceProfile({
      InstanceProfileName: ours.desired.instanceProfile.name,
      Tags: ourTags(ours),
    });
    await ours.run('iam:CreateInstanceProfile', undefined, 'instanceProfile');
    expect(ours.journaled('iam:CreateInstanceProfile').at(-1)).toEqual(['done', undefined]);
  });

  it('AddRoleToInstanceProfile: "limit exceeded" is done when our role is in, a failure when another is', async () => {
    const h = await harness();
    const profile = h.desired.instanceProfile.name;
    await h.ports.iam.createInstanceProfile({ InstanceProfileName: profile });
    for (const name of [h.desired.role.name, 'someone-else'])
      await h.ports.iam.createRole({ RoleName: name, AssumeRolePolicyDocument: EC2_TRUST });
    await h.ports.iam.addRoleToInstanceProfile({ InstanceProfileName: profile, RoleName: h.desired.role.name });
    await h.run('iam:AddRoleToInstanceProfile', undefined, 'instanceProfile');
    expect(h.journaled('iam:AddRoleToInstanceProfile')).toEqual([
      ['intent', undefined],
      ['done', undefined],
    ]);
    await h.run('iam:RemoveRoleFromInstanceProfile', { roleName: h.desired.role.name }, 'instanceProfile');
    // Removing it again: NoSuchEntity is "already done".
    await h.run('iam:RemoveRoleFromInstanceProfile', { roleName: h.desired.role.name }, 'instanceProfile');
    await h.ports.iam.addRoleToInstanceProfile({ InstanceProfileName: profile, RoleName: 'someone-else' });
    await expect(h.run('iam:AddRoleToInstanceProfile', undefined, 'instanceProfile')).rejects.toBeInstanceOf(
      CosignerError,
    );
    // Not recorded as done: the next run looks again.
    expect(h.journaled('iam:AddRoleToInstanceProfile').at(-1)?.[0]).not.toBe('done');
  });

  it('tags role and profile with the tags the plan names, and fails internally without them', async () => {
    const h = await harness();
    await h.ports.iam.createRole({ RoleName: h.desired.role.name, AssumeRolePolicyDocument: EC2_TRUST });
    await h.ports.iam.createInstanceProfile({ InstanceProfileName: h.desired.instanceProfile.name });
    await h.run('iam:TagRole', { tags: { team: 'custody' } });
    await h.run('iam:TagInstanceProfile', { tags: { team: 'custody' } }, 'instanceProfile');
    expect((await h.ports.iam.getRole({ RoleName: h.desired.role.name })).Role?.Tags).toEqual([
      { Key: 'team', Value: 'custody' },
    ]);
    const profile = await h.ports.iam.getInstanceProfile({ InstanceProfileName: h.desired.instanceProfile.name });
    expect(profile.InstanceProfile?.Tags).toEqual([{ Key: 'team', Value: 'custody' }]);
    await expect(h.run('iam:TagRole')).toThrowCosignerError('INTERNAL');
    // The inline policy names the key: without a key ARN from an earlier step there is none to write.
    await expect(h.run('iam:PutRolePolicy', undefined, 'rolePolicy')).rejects.toMatchObject({
      code: 'INTERNAL',
      message: 'apply needs the key ARN, which no earlier step produced',
    });
  });
});

describe('S3 operations', () => {
  it('CreateBucket in us-east-1 (no location), and a bucket we own already is done', async () => {
    const h = await harness({ aws: { region: 'us-east-1' } });
    await h.run('s3:CreateBucket');
    expect((await h.ports.s3.getBucketLocation({ Bucket: h.desired.bucket.name })).LocationConstraint).toBeUndefined();
    const eu = await harness();
    await eu.run('s3:CreateBucket');
    await eu.run('s3:CreateBucket');
    expect(eu.journaled('s3:CreateBucket').map(([phase]) => phase)).toEqual(['intent', 'done', 'intent', 'done']);
  });

  it('sets versioning to what the plan says, Enabled unless told', async () => {
    const h = await harness();
    await h.run('s3:CreateBucket');
    const status = async () => (await h.ports.s3.getBucketVersioning({ Bucket: h.desired.bucket.name })).Status;
    await h.run('s3:PutBucketVersioning');
    expect(await status()).toBe('Enabled');
    await h.run('s3:PutBucketVersioning', { status: 'Suspended' });
    expect(await status()).toBe('Suspended');
  });
});

/** Ports whose CreateKey is retried by the "SDK" after its first answer was lost: two keys. */
const lostAnswer = (ports: SandboxPorts): SandboxPorts => {
  const createKey = ports.kms.createKey.bind(ports.kms);
  ports.kms.createKey = async (input) => {
    await createKey(input);
    const second = await createKey(input);
    return { ...second, $metadata: { ...second.$metadata, attempts: 2 } };
  };
  return ports;
};

/** Ports whose next CreateKey loses its connection: after the key was made, or before it was sent. */
const resetOnce =
  (after: boolean) =>
  (ports: SandboxPorts): SandboxPorts => {
    const createKey = ports.kms.createKey.bind(ports.kms);
    let reset = false;
    ports.kms.createKey = async (input) => {
      if (reset) return createKey(input);
      reset = true;
      if (after) await createKey(input);
      throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    };
    return ports;
  };

describe('KMS operations', () => {
  it('CreateKey whose answer was lost finds the key it made by its token, or sends again when it made none', async () => {
    for (const after of [true, false]) {
      const h = await harness({}, resetOnce(after));
      await h.run('iam:CreateRole');
      await h.run('kms:CreateKey', { policy: h.desired.key.policy });
      const keys = (await h.ports.kms.listKeys({})).Keys ?? [];
      expect(
        keys.map((k) => k.KeyId),
        `reset ${after ? 'after' : 'before'} the call`,
      ).toEqual([h.state.keyId]);
      expect(h.journaled('kms:CreateKey')).toEqual([
        ['intent', undefined],
        ['done', undefined],
      ]);
    }
  });

  it('CreateAlias fails with the error of a key that does not exist', async () => {
    const h = await harness();
    h.state.keyId = '00000000-0000-0000-0000-000000000000';
    await expect(h.run('kms:CreateAlias')).rejects.toMatchObject({ code: 'AWS_NOT_FOUND' });
    expect(h.journaled('kms:CreateAlias').at(-1)).toEqual(['failed', 'NotFoundException']);
  });

  it('CreateKey retried by the SDK: the twin is found by its token, warned about and retired', async () => {
    const h = await harness({}, lostAnswer);
    await h.run('iam:CreateRole');
    await h.run('kms:CreateKey', { policy: h.desired.key.policy });
    const keys = await Promise.all(
      ((await h.ports.kms.listKeys({})).Keys ?? []).map(
        async (k) => (await h.ports.kms.describeKey({ KeyId: k.KeyId })).KeyMetadata,
      ),
    );
    const twin = keys.find((k) => k.KeyId !== h.state.keyId)!;
    expect(keys.map((k) => keyMarker(k.Description)?.token)).toEqual([expect.any(String), expect.any(String)]);
    expect([twin.KeyState, h.state.retiredKeys]).toEqual(['PendingDeletion', [twin.KeyId]]);
    expect(h.warnings).toEqual([
      `a retried CreateKey made a second key ${twin.KeyId}; it never held data and is scheduled for deletion`,
    ]);
    expect(h.journaled('kms:ScheduleKeyDeletion')).toEqual([
      ['intent', undefined],
      ['done', undefined],
    ]);
  });

  it('CreateAlias: an alias on our key is done, one on another key is refused, naming it', async () => {
    const h = await harness();
    await h.run('iam:CreateRole');
    await h.run('kms:CreateKey', { policy: h.desired.key.policy });
    await h.run('kms:CreateAlias');
    await h.run('kms:CreateAlias');
    expect(h.journaled('kms:CreateAlias').map(([phase]) => phase)).toEqual(['intent', 'done', 'intent', 'done']);
    // Someone points the alias at their key between the plan and the call.
    const raced = await harness();
    await raced.run('iam:CreateRole');
    await raced.run('kms:CreateKey', { policy: raced.desired.key.policy });
    const other = (await raced.ports.kms.createKey({})).KeyMetadata.KeyId!;
    await raced.ports.kms.createAlias({ AliasName: raced.desired.key.alias, TargetKeyId: other });
    await expect(raced.run('kms:CreateAlias')).rejects.toMatchObject({
      code: 'RESOURCE_NOT_OURS',
      message: `alias ${raced.desired.key.alias} was pointed at another key (${other}) meanwhile`,
    });
  });

  it('PutKeyPolicy on another key (a twin being retired) leaves the policy in effect as it was', async () => {
    const h = await harness();
    await h.run('iam:CreateRole');
    await h.run('kms:CreateKey', { policy: h.desired.key.policy });
    const twin = (await h.ports.kms.createKey({ Policy: JSON.stringify(h.desired.key.policy) })).KeyMetadata.KeyId!;
    const before = h.state.policies.key;
    await h.run('kms:PutKeyPolicy', { policy: h.desired.key.policy, keyId: twin });
    expect(h.state.policies.key).toBe(before);
    const intents = (op: string) => h.journal.entries.filter((e) => e.op === op && e.phase === 'intent');
    expect(intents('kms:PutKeyPolicy').map((e) => e.target)).toEqual([twin]);
    // On our key, known by id only (no ARN from an earlier step): the policy in effect is the new one.
    delete h.state.keyArn;
    await h.run('kms:PutKeyPolicy', { policy: h.desired.key.policy });
    await h.run('kms:EnableKeyRotation');
    expect([...intents('kms:PutKeyPolicy'), ...intents('kms:EnableKeyRotation')].map((e) => e.target)).toEqual([
      twin,
      h.state.keyId,
      h.state.keyId,
    ]);
    expect(h.state.policies.key).toEqual(h.desired.key.policy);
    // An adopted key whose policy lets the caller tag it gets the tags the plan names.
    const adopted = (await h.ports.kms.createKey({})).KeyMetadata.KeyId!;
    h.state.keyId = adopted;
    await h.run('kms:TagResource', { tags: { team: 'custody' } });
    expect((await h.ports.kms.listResourceTags({ KeyId: adopted })).Tags).toEqual([
      { TagKey: 'team', TagValue: 'custody' },
    ]);
    expect(intents('kms:TagResource').map((e) => e.target)).toEqual([adopted]);
  });

  it('ScheduleKeyDeletion: 7 days unless the plan says, and a key pending deletion or gone is done', async () => {
    const h = await harness();
    const key = async () => (await h.ports.kms.createKey({})).KeyMetadata.KeyId!;
    const [a, b] = [await key(), await key()];
    await h.run('kms:ScheduleKeyDeletion', { keyId: a });
    await h.run('kms:ScheduleKeyDeletion', { keyId: b, pendingWindowInDays: 30 });
    await h.run('kms:ScheduleKeyDeletion', { keyId: a });
    const window = async (id: string) =>
      Object.values((await h.ports.readState()).regions['eu-west-1']!.kms.keys).find((k) => k.id === id)
        ?.pendingDeletion?.windowDays;
    expect([await window(a), await window(b), h.state.retiredKeys]).toEqual([7, 30, [a, b, a]]);
    expect(h.journaled('kms:ScheduleKeyDeletion').map(([phase]) => phase)).toEqual([
      'intent',
      'done',
      'intent',
      'done',
      'intent',
      'done',
    ]);
    const named = (name: string, message: string) => Object.assign(new Error(message), { name });
    expect(isPendingDeletion(named('NotFoundException', 'no such key'))).toBe(true);
    expect(isPendingDeletion(named('KMSInvalidStateException', 'key is pending import'))).toBe(false);
    expect(isPendingDeletion(named('AccessDeniedException', 'pending deletion'))).toBe(false);
  });
});
