import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildBucketPolicy } from '../../src/policy/bucket-policy.js';
import { buildRoleInlinePolicy } from '../../src/policy/iam-policies.js';
import { buildKeyPolicy } from '../../src/policy/key-policy.js';
import { computePCR3 } from '../../src/enclave/pcr.js';
import { ACCOUNT, GLOBAL_PCR8, GOLDEN_CASES, ROLE } from './golden-cases.js';

function golden(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./golden/${name}`, import.meta.url), 'utf8'));
}

describe('golden policies', () => {
  it.each(Object.keys(GOLDEN_CASES))('%s', (name) => {
    expect(GOLDEN_CASES[name]?.()).toEqual(golden(name));
  });
});

describe('buildKeyPolicy', () => {
  it('binds PCR3 to the role ARN measurement', () => {
    const policy = buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [GLOBAL_PCR8], pcr3RoleBinding: true });
    expect(policy.Statement[0]?.Condition?.['StringEqualsIgnoreCase']?.['kms:RecipientAttestation:PCR3']).toBe(computePCR3(ROLE));
  });
  it('deduplicates administrators and defaults to the account root when none are given', () => {
    const policy = buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [GLOBAL_PCR8], adminArns: [] });
    expect(policy.Statement[2]?.Principal).toEqual({ AWS: `arn:aws:iam::${ACCOUNT}:root` });
  });
  it.each([
    ['a bad account id', { accountId: '12345' }, 'POLICY_INVALID'],
    ['a role ARN that is a user', { roleArn: `arn:aws:iam::${ACCOUNT}:user/x` }, 'POLICY_INVALID'],
    ['a bad admin ARN', { adminArns: ['admin'] }, 'POLICY_INVALID'],
    ['an empty PCR8 list', { pcr8: [] }, 'PCR_SOURCE_MISSING'],
    ['an upper-case PCR8', { pcr8: [GLOBAL_PCR8.toUpperCase()] }, 'PCR_INVALID'],
    ['a short PCR8', { pcr8: [GLOBAL_PCR8.slice(2)] }, 'PCR_INVALID'],
    ['a PCR8 with a 0x prefix', { pcr8: [`0x${GLOBAL_PCR8.slice(2)}`] }, 'PCR_INVALID'],
    ['a PCR8 with non-hex characters', { pcr8: [`${GLOBAL_PCR8.slice(1)}g`] }, 'PCR_INVALID'],
    ['a PCR8 with whitespace', { pcr8: [` ${GLOBAL_PCR8}`] }, 'PCR_INVALID'],
    ['an all-zero PCR8', { pcr8: ['0'.repeat(96)] }, 'PCR_INVALID'],
    ['a duplicate PCR8', { pcr8: [GLOBAL_PCR8, GLOBAL_PCR8] }, 'PCR_INVALID'],
    ['fireblocks-exact with a PCR3 binding', { profile: 'fireblocks-exact', pcr3RoleBinding: true }, 'POLICY_INVALID'],
    ['fireblocks-exact with other admins', { profile: 'fireblocks-exact', adminArns: [`arn:aws:iam::${ACCOUNT}:role/Admin`] }, 'POLICY_INVALID'],
    ['an unknown profile', { profile: 'strict' }, 'POLICY_INVALID'],
  ] as const)('refuses %s', (_name, patch, code) => {
    expect(() => buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [GLOBAL_PCR8], ...(patch as object) })).toThrowCosignerError(code);
  });
});

describe('other builders', () => {
  it('refuses a bad bucket name and a bad key ARN', () => {
    expect(() => buildBucketPolicy({ bucketName: 'Bad_Name', accountId: ACCOUNT, roleArn: ROLE })).toThrowCosignerError('POLICY_INVALID');
    expect(() => buildRoleInlinePolicy({ bucketName: 'b-1', keyArn: 'alias/x' })).toThrowCosignerError('POLICY_INVALID');
  });
  it('uses the key ARN partition for the bucket ARN', () => {
    const policy = buildRoleInlinePolicy({ bucketName: 'bucket-1', keyArn: `arn:aws-cn:kms:cn-north-1:${ACCOUNT}:key/abc` });
    expect(policy.Statement[1]?.Resource).toBe('arn:aws-cn:s3:::bucket-1');
  });
});
