import { describe, expect, it } from 'vitest';
import { buildKeyPolicy } from '../../src/policy/key-policy.js';
import { TEARDOWN_SID, teardownKeyPolicy, type TeardownPolicyInput } from '../../src/policy/teardown-policy.js';
import type { PolicyDocument } from '../../src/policy/types.js';

const ACCOUNT = '123456789012';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/cosigner-cli/demo-cosigner`;
const KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const PCR8 = 'da1d9eca20ce98ab4fdbc51f8e5a2307fd4c61829b7d8bff40976cd6676862c8f3476ff4bdd0f65ecf4a48d6eb3099a8';
const input: TeardownPolicyInput = {
  accountId: ACCOUNT,
  partition: 'aws',
  keyArn: KEY,
  roleArn: ROLE,
  adminArns: [],
  callerArn: `arn:aws:iam::${ACCOUNT}:user/admin`,
  pcr8: [PCR8],
};
const live = (): PolicyDocument =>
  buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [PCR8], allowRotation: true });

describe('teardownKeyPolicy', () => {
  it('adds one statement letting the administrators schedule deletion, keeping everything else in order', () => {
    const before = live();
    const after = teardownKeyPolicy(before, input);
    expect(after?.Statement.slice(0, before.Statement.length)).toEqual(before.Statement);
    expect(after?.Statement.at(-1)).toEqual({
      Sid: TEARDOWN_SID,
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: ['kms:ScheduleKeyDeletion', 'kms:DeleteAlias', 'kms:CancelKeyDeletion', 'kms:EnableKey'],
      Resource: '*',
    });
  });

  it('names the configured administrators', () => {
    const admins = [`arn:aws:iam::${ACCOUNT}:role/KeyAdmin`, `arn:aws:iam::${ACCOUNT}:role/BreakGlass`];
    const policy = buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [PCR8], adminArns: admins });
    expect(
      teardownKeyPolicy(policy, { ...input, adminArns: admins, callerArn: admins[0]! })?.Statement.at(-1)?.Principal,
    ).toEqual({ AWS: admins });
  });

  it('refuses when the caller is not one of the administrators (it would lose PutKeyPolicy)', () => {
    const admins = [`arn:aws:iam::${ACCOUNT}:role/KeyAdmin`];
    const policy = buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [PCR8], adminArns: admins });
    // A policy whose only grant of PutKeyPolicy names the administrators (not the account).
    policy.Statement = policy.Statement.filter((s) => s.Sid !== 'Allow policy management to root user');
    expect(() => teardownKeyPolicy(policy, { ...input, adminArns: admins })).toThrowCosignerError('POLICY_LOCKOUT');
  });

  it('is undefined when the statement is already there (a re-run writes nothing)', () => {
    const once = teardownKeyPolicy(live(), input)!;
    expect(teardownKeyPolicy(once, input)).toBeUndefined();
  });

  it('drops our statements naming a role that no longer exists, and keeps foreign ones', () => {
    const foreign = {
      Sid: 'Audit',
      Effect: 'Allow' as const,
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/Auditor` },
      Action: 'kms:DescribeKey',
      Resource: '*',
    };
    const before = { ...live(), Statement: [...live().Statement, foreign] };
    const after = teardownKeyPolicy(before, { ...input, roleGone: true })!;
    expect(JSON.stringify(after)).not.toContain(ROLE);
    expect(after.Statement).toContainEqual(foreign);
    expect(after.Statement.map((s) => s.Sid)).toContain(TEARDOWN_SID);
  });

  it('refuses a policy whose administrators could no longer change it (lockout)', () => {
    const lockedOut: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [{ Sid: 'Deny', Effect: 'Deny', Principal: '*', Action: 'kms:PutKeyPolicy', Resource: '*' }],
    };
    expect(() => teardownKeyPolicy(lockedOut, input)).toThrowCosignerError('POLICY_LOCKOUT');
  });
});
