// Does the key policy let the caller make a call, whatever its IAM policies say? Direct grants,
// the account's delegation to IAM, an explicit Deny, a role session (whose ARN has no path), and
// a condition the request does not pin (left open: not a refusal).
import { describe, expect, it } from 'vitest';
import { keyPolicyRefusesCaller } from '../../src/policy/caller-access.js';
import type { PolicyDocument } from '../../src/policy/types.js';

const KEY = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const ADMIN_ROLE = 'arn:aws:iam::111122223333:role/ops/key-admin';
const OTHER = 'arn:aws:iam::111122223333:user/alice';

const policy = (...Statement: PolicyDocument['Statement']): PolicyDocument => ({ Version: '2012-10-17', Statement });

describe('keyPolicyRefusesCaller', () => {
  const doc = policy(
    {
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::111122223333:root' },
      Action: 'kms:PutKeyPolicy',
      Resource: '*',
    },
    { Effect: 'Allow', Principal: { AWS: ADMIN_ROLE }, Action: 'kms:EnableKeyRotation', Resource: '*' },
    { Effect: 'Deny', Principal: '*', Action: 'kms:ScheduleKeyDeletion', Resource: '*' },
  );

  it('admits a call the policy grants the caller, or delegates to its account', () => {
    expect(keyPolicyRefusesCaller(doc, KEY, ADMIN_ROLE, 'kms:EnableKeyRotation')).toBe(false);
    expect(keyPolicyRefusesCaller(doc, KEY, OTHER, 'kms:PutKeyPolicy')).toBe(false);
  });

  it('refuses a call granted only to someone else, one nobody is granted, and an explicit Deny', () => {
    expect(keyPolicyRefusesCaller(doc, KEY, OTHER, 'kms:EnableKeyRotation')).toBe(true);
    expect(keyPolicyRefusesCaller(doc, KEY, ADMIN_ROLE, 'kms:TagResource')).toBe(true);
    expect(keyPolicyRefusesCaller(doc, KEY, ADMIN_ROLE, 'kms:ScheduleKeyDeletion')).toBe(true);
  });

  it("reads a role session as its role, path included from the policy's principal", () => {
    const session = 'arn:aws:sts::111122223333:assumed-role/key-admin/ops-session';
    expect(keyPolicyRefusesCaller(doc, KEY, session, 'kms:EnableKeyRotation')).toBe(false);
    const stranger = 'arn:aws:sts::111122223333:assumed-role/someone/s';
    expect(keyPolicyRefusesCaller(doc, KEY, stranger, 'kms:EnableKeyRotation')).toBe(true);
    expect(keyPolicyRefusesCaller(doc, KEY, stranger, 'kms:PutKeyPolicy')).toBe(false);
  });

  it('does not call refused what a condition on an unpinned key might allow', () => {
    const conditional = policy({
      Effect: 'Allow',
      Principal: { AWS: OTHER },
      Action: 'kms:EnableKeyRotation',
      Resource: '*',
      Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } },
    });
    expect(keyPolicyRefusesCaller(conditional, KEY, OTHER, 'kms:EnableKeyRotation')).toBe(false);
  });

  it('another account is refused unless the policy names it', () => {
    expect(keyPolicyRefusesCaller(doc, KEY, 'arn:aws:iam::444455556666:user/bob', 'kms:PutKeyPolicy')).toBe(true);
  });
});
