// The planned calls on a key, walked in order against the policy each point leaves: CreateKey's
// lockout check, a policy write that grants what later calls need, calls in the same round as a
// write, and the unused twins (retired under their own policy) left out.
import { describe, expect, it } from 'vitest';
import { callerRefusal, deniedKeyCall, type KeyCall } from '../../src/engine/caller-key-calls.js';
import type { PolicyDocument } from '../../src/policy/types.js';

const KEY = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const CALLER = 'arn:aws:iam::111122223333:user/alice';
const ADMIN = 'arn:aws:iam::111122223333:role/key-admin';

const grant = (principal: string, ...actions: string[]): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: principal }, Action: actions, Resource: '*' }],
});
const call = (op: string, data?: Record<string, unknown>): KeyCall => ({
  op,
  detail: op,
  ...(data === undefined ? {} : { data }),
});

describe('deniedKeyCall', () => {
  it("refuses CreateKey when the new policy would not let the caller PutKeyPolicy (KMS's lockout check)", () => {
    const create = call('kms:CreateKey', { policy: grant(ADMIN, 'kms:PutKeyPolicy') });
    expect(deniedKeyCall([[create]], undefined, KEY, CALLER)?.op).toBe(create);
    const mine = call('kms:CreateKey', { policy: grant(CALLER, 'kms:PutKeyPolicy', 'kms:CreateAlias') });
    expect(deniedKeyCall([[mine], [call('kms:CreateAlias')]], undefined, KEY, CALLER)).toBeUndefined();
  });

  it('checks the calls after a create against the created policy', () => {
    const create = call('kms:CreateKey', { policy: grant(CALLER, 'kms:PutKeyPolicy') });
    const rotation = call('kms:EnableKeyRotation');
    expect(deniedKeyCall([[create], [call('kms:CreateAlias'), rotation]], undefined, KEY, CALLER)?.op.op).toBe(
      'kms:CreateAlias',
    );
  });

  it('a policy write in an earlier round grants what later rounds need; in the same round either policy will do', () => {
    const live = grant(CALLER, 'kms:PutKeyPolicy');
    const next = grant(CALLER, 'kms:PutKeyPolicy', 'kms:EnableKeyRotation');
    const write = call('kms:PutKeyPolicy', { policy: next });
    expect(deniedKeyCall([[write], [call('kms:EnableKeyRotation')]], live, KEY, CALLER)).toBeUndefined();
    expect(deniedKeyCall([[write, call('kms:EnableKeyRotation')]], live, KEY, CALLER)).toBeUndefined();
    expect(deniedKeyCall([[write], [call('kms:DeleteAlias')]], live, KEY, CALLER)?.op.op).toBe('kms:DeleteAlias');
  });

  it('refuses a policy write the live policy does not allow, and skips the twins and calls of other services', () => {
    const live = grant(ADMIN, 'kms:PutKeyPolicy');
    expect(deniedKeyCall([[call('kms:PutKeyPolicy', { policy: live })]], live, KEY, CALLER)?.op.op).toBe(
      'kms:PutKeyPolicy',
    );
    const twin = call('kms:ScheduleKeyDeletion', { keyId: 'twin' });
    expect(deniedKeyCall([[twin, call('iam:PutRolePolicy')]], live, KEY, CALLER)).toBeUndefined();
  });
});

describe('callerRefusal', () => {
  it('names the call, the administrators, and how to run as one', () => {
    const refusal = callerRefusal('destroy', call('kms:ScheduleKeyDeletion'), CALLER, [ADMIN]);
    expect(refusal.code).toBe('KEY_CALLER_NOT_ADMIN');
    expect(refusal.message).toContain(`${CALLER} call kms:ScheduleKeyDeletion`);
    expect(refusal.message).toContain(ADMIN);
    expect(refusal.hint).toBe(`run destroy as one of kms.adminArns, or add ${CALLER} to kms.adminArns (--kms-admin)`);
    expect(callerRefusal('provision', call('kms:CreateKey'), CALLER, []).hint).toBe(
      'run provision with credentials the key policy admits',
    );
  });
});
