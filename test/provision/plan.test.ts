// The pure planner: create / update / no-op / refuse with reasons, ownership judged from tags,
// adoption only of what the config names, fingerprints and saved-plan checks.
import { describe, expect, it } from 'vitest';
import { TAGS } from '../../src/config/names.js';
import { buildKeyPolicy } from '../../src/policy/key-policy.js';
import { buildPlan, checkSavedPlan, isNoop, parsePlanFile, refusalOf } from '../../src/provision/plan.js';
import type { ObservedState } from '../../src/provision/observed.js';
import type { Plan } from '../../src/provision/plan-types.js';
import { CALLER, convergedObserved, desiredFor, emptyObserved, ourKey } from './fixtures.js';

const NOW = new Date('2026-05-01T00:00:00Z');
const plan = (desired = desiredFor(), observed: ObservedState = emptyObserved(desired), bucketAttempted = false) =>
  buildPlan({ desired, observed, bucketAttempted, callerArn: CALLER, now: NOW });
const action = (p: Plan, node: string) => p.actions.find((a) => a.node === node)!;
const ops = (p: Plan, node: string) => action(p, node).rounds.map((round) => round.map((o) => o.op));

describe('a plan for an empty account', () => {
  const p = plan();
  it("creates every resource, in rounds that respect each call's prerequisites", () => {
    expect(p.actions.map((a) => [a.node, a.kind])).toEqual([
      ['role', 'create'],
      ['bucket', 'create'],
      ['instanceProfile', 'create'],
      ['key', 'create'],
      ['rolePolicy', 'create'],
      ['network', 'noop'],
      ['securityGroup', 'create'],
      ['ami', 'noop'],
      ['instance', 'create'],
    ]);
    expect(ops(p, 'bucket')).toEqual([
      ['s3:CreateBucket'],
      [
        's3:PutPublicAccessBlock',
        's3:PutBucketOwnershipControls',
        's3:PutBucketVersioning',
        's3:PutBucketEncryption',
        's3:PutBucketTagging',
        's3:PutBucketPolicy',
      ],
    ]);
    expect(ops(p, 'key')).toEqual([['kms:CreateKey'], ['kms:CreateAlias', 'kms:EnableKeyRotation']]);
    expect(ops(p, 'instanceProfile')).toEqual([['iam:CreateInstanceProfile'], ['iam:AddRoleToInstanceProfile']]);
    expect(ops(p, 'securityGroup')).toEqual([
      ['ec2:CreateSecurityGroup'],
      ['ec2:RevokeSecurityGroupEgress', 'ec2:AuthorizeSecurityGroupEgress'],
    ]);
    expect(p.summary).toEqual({ create: 7, update: 0, noop: 2, refuse: 0, writes: 19 });
  });

  it('writes the attested key policy built by the policy engine, with the preset PCR8', () => {
    const desired = desiredFor();
    const create = action(p, 'key').rounds[0]![0]!;
    expect(create.data?.['policy']).toEqual(desired.key.policy);
    expect(JSON.stringify(create.data?.['policy'])).toContain(desired.key.pcr8.value);
    expect(p.pcr8).toEqual({
      value: desired.key.pcr8.value,
      values: [desired.key.pcr8.value],
      source: 'fireblocks-preset',
      label: 'Fireblocks Global SaaS preset',
    });
  });

  it('launches the host with the settings the issue asks for', () => {
    expect(action(p, 'instance').rounds[0]![0]!.data).toMatchObject({
      type: 'c5.xlarge',
      subnetId: 'subnet-0abc',
      publicIp: false,
      rootVolumeGiB: 30,
      metadata: { httpTokens: 'required', hopLimit: 2 },
    });
  });

  it('is stable: same inputs, same fingerprint', () => {
    expect(plan().fingerprint).toBe(p.fingerprint);
  });
});

describe('a plan for a converged account', () => {
  it('is a no-op with zero writes', () => {
    const desired = desiredFor();
    const p = plan(desired, convergedObserved(desired));
    expect(p.actions.every((a) => a.kind === 'noop')).toBe(true);
    expect(isNoop(p)).toBe(true);
  });

  it('keeps a PCR8 rotation in progress that the config records (attest --add)', () => {
    const next = 'a'.repeat(96);
    const desired = desiredFor({ fireblocks: { pcr8: [desiredFor().key.pcr8.value, next] } });
    const observed = convergedObserved(desired);
    observed.key = ourKey(desired, {
      policy: buildKeyPolicy({ ...desired.key.policyInput, pcr8: [desired.key.pcr8.value, next] }),
    });
    expect(action(plan(desired, observed), 'key').kind).toBe('noop');
  });

  it('repairs drift it can fix in place and notes what it cannot', () => {
    const desired = desiredFor();
    const observed = convergedObserved(desired);
    observed.securityGroup!.ingress = [
      { protocol: 'tcp', fromPort: 22, toPort: 22, ipv4: ['0.0.0.0/0'], ipv6: [], groups: [], prefixLists: [] },
    ];
    if (observed.bucket.status === 'present') observed.bucket.versioning = 'Suspended';
    observed.instances[0]!.httpTokens = 'optional';
    const p = plan(desired, observed);
    expect(ops(p, 'securityGroup')).toEqual([['ec2:RevokeSecurityGroupIngress']]);
    expect(ops(p, 'bucket')).toEqual([['s3:PutBucketVersioning']]);
    expect(action(p, 'instance').kind).toBe('noop');
    expect(action(p, 'instance').notes).toContain('IMDSv2 is not required (HttpTokens optional)');
  });

  it('notes that the PCR3 role binding is unconfirmed for a role with an IAM path, only when it is asked for', () => {
    expect(action(plan(), 'key').notes ?? []).not.toContainEqual(expect.stringContaining('PCR3'));
    const bound = desiredFor({ kms: { pcr3RoleBinding: true } });
    expect(action(plan(bound), 'key').notes).toContainEqual(
      expect.stringMatching(
        /PCR3 role binding is unconfirmed for a role with an IAM path \(arn:aws:iam::\d{12}:role\/cosigner-cli\//,
      ),
    );
  });

  it('finds a key by the journal and only adds what the interrupted run did not', () => {
    const desired = desiredFor();
    const observed = convergedObserved(desired);
    observed.key = ourKey(desired, { foundBy: 'token', rotation: false });
    expect(ops(plan(desired, observed), 'key')).toEqual([['kms:CreateAlias', 'kms:EnableKeyRotation']]);
  });

  it('retires twin keys of a retried CreateKey', () => {
    const desired = desiredFor();
    const observed = convergedObserved(desired);
    observed.keyDuplicates = [
      ourKey(desired, { keyId: 'twin', arn: observed.key!.arn.replace(/key\/.*/, 'key/twin'), foundBy: 'token' }),
    ];
    expect(ops(plan(desired, observed), 'key')).toEqual([['kms:PutKeyPolicy'], ['kms:ScheduleKeyDeletion']]);
  });
});

describe('refusals', () => {
  it('refuses a same-named role without our tags', () => {
    const desired = desiredFor();
    const observed = convergedObserved(desired);
    observed.role!.tags = { team: 'payments' };
    const p = plan(desired, observed);
    expect(action(p, 'role').refusal?.code).toBe('RESOURCE_NOT_OURS');
    expect(refusalOf(p)?.node).toBe('role');
  });

  it('refuses a resource of another co-signer', () => {
    const desired = desiredFor();
    const observed = convergedObserved(desired);
    observed.instanceProfile!.tags = { ...observed.instanceProfile!.tags, [TAGS.name]: 'other' };
    expect(action(plan(desired, observed), 'instanceProfile').refusal?.message).toContain(
      'belongs to co-signer "other"',
    );
  });

  it('refuses a bucket name taken by another account', () => {
    const desired = desiredFor();
    const observed = { ...emptyObserved(desired), bucket: { status: 'taken' as const } };
    expect(action(plan(desired, observed), 'bucket').refusal?.code).toBe('BUCKET_NAME_TAKEN');
  });

  it('refuses an untagged bucket, adopts it when the config names it, finishes it when the journal made it', () => {
    const desired = desiredFor();
    const observed = convergedObserved(desired);
    if (observed.bucket.status === 'present') observed.bucket.tags = {};
    expect(action(plan(desired, observed), 'bucket').refusal?.code).toBe('RESOURCE_NOT_OURS');
    const finished = action(plan(desired, observed, true), 'bucket');
    expect([finished.kind, finished.adopt, finished.reasons[0]]).toEqual([
      'update',
      undefined,
      'finish the bucket an interrupted run created',
    ]);
    const named = desiredFor({ s3: { bucketName: desired.bucket.name } });
    const adopted = action(plan(named, observed), 'bucket');
    expect([adopted.kind, adopted.adopt]).toEqual(['update', true]);
    expect(adopted.rounds[0]!.find((o) => o.op === 's3:PutBucketTagging')?.data?.['tags']).toMatchObject({
      'cosigner-cli:adopted': 'true',
    });
  });

  it('refuses an alias that points at a key that is not ours', () => {
    const desired = desiredFor();
    const observed = { ...emptyObserved(desired), key: ourKey(desired, { description: 'payments team key' }) };
    expect(action(plan(desired, observed), 'key').refusal?.code).toBe('RESOURCE_NOT_OURS');
  });

  it('refuses a key scheduled for deletion', () => {
    const desired = desiredFor();
    const observed = { ...convergedObserved(desired), key: ourKey(desired, { state: 'PendingDeletion' }) };
    expect(action(plan(desired, observed), 'key').refusal?.code).toBe('AWS_KEY_PENDING_DELETION');
  });

  it('turns network problems into a refusal of the host only', () => {
    const desired = desiredFor();
    const observed = emptyObserved(desired);
    observed.network.problems = [
      {
        code: 'INSTANCE_TYPE_UNAVAILABLE',
        message: 'c5.xlarge is not offered in eu-west-1c',
        hint: 'use another subnet',
      },
    ];
    const p = plan(desired, observed);
    expect(p.actions.filter((a) => a.kind === 'refuse').map((a) => [a.node, a.refusal?.code])).toEqual([
      ['instance', 'INSTANCE_TYPE_UNAVAILABLE'],
    ]);
  });
});

describe('saved plans', () => {
  const desired = desiredFor();
  const saved = plan(desired);
  const text = JSON.stringify(saved);

  it('round-trips, also from the --json envelope', () => {
    expect(parsePlanFile(text, 'plan.json').fingerprint).toBe(saved.fingerprint);
    const envelope = JSON.stringify({
      schemaVersion: 1,
      command: 'provision',
      ok: true,
      result: { mode: 'plan-out', plan: saved },
    });
    expect(parsePlanFile(envelope, 'out.json').fingerprint).toBe(saved.fingerprint);
  });

  it('rejects what is not a plan', () => {
    expect(() => parsePlanFile('{', 'p.json')).toThrowCosignerError('PLAN_INVALID');
    expect(() => parsePlanFile('{"kind":"other"}', 'p.json')).toThrowCosignerError('PLAN_INVALID');
    const edited = JSON.parse(text) as Plan;
    edited.actions.find((a) => a.node === 'instance')!.dependsOn = [];
    expect(() => parsePlanFile(JSON.stringify(edited), 'p.json')).toThrowCosignerError('PLAN_INVALID');
  });

  it('is stale once the account or the config changed', () => {
    const now = { ...emptyObserved(desired), role: convergedObserved(desired).role };
    expect(() => checkSavedPlan(saved, plan(desired, now), 'p.json')).toThrowCosignerError('PLAN_STALE');
    expect(() =>
      checkSavedPlan(saved, plan(desiredFor({ enclave: { memoryMiB: 5120 } })), 'p.json'),
    ).toThrowCosignerError('PLAN_STALE');
    expect(() => checkSavedPlan(saved, plan(desired), 'p.json')).not.toThrow();
  });

  it('belongs to one co-signer, account and region', () => {
    const other = { ...saved, region: 'us-east-1' };
    expect(() => checkSavedPlan(other, plan(desired), 'p.json')).toThrowCosignerError('PLAN_INVALID');
  });
});
