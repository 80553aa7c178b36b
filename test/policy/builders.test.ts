import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bucketNameProblem, buildBucketPolicy } from '../../src/policy/bucket-policy.js';
import { buildRoleInlinePolicy } from '../../src/policy/iam-policies.js';
import { buildKeyPolicy } from '../../src/policy/key-policy.js';
import { computePCR3 } from '../../src/enclave/pcr.js';
import type { KeyPolicyInput } from '../../src/policy/key-policy.js';
import type { PolicyDocument } from '../../src/policy/types.js';
import { ACCOUNT, ADMIN, BREAK_GLASS, GLOBAL_PCR8, GOLDEN_CASES, ROLE } from './golden-cases.js';

function golden(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./golden/${name}`, import.meta.url), 'utf8'));
}

describe('golden policies', () => {
  it.each(Object.keys(GOLDEN_CASES))('%s', (name) => {
    expect(GOLDEN_CASES[name]?.()).toEqual(golden(name));
  });
});

describe('buildKeyPolicy', () => {
  it("binds PCR3 to the role ARN measurement with a Deny beside Fireblocks' statement", () => {
    const policy = buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [GLOBAL_PCR8], pcr3RoleBinding: true });
    const bind = policy.Statement.find((s) => s.Sid === 'CosignerBindParentRole');
    expect(bind).toMatchObject({
      Effect: 'Deny',
      Principal: '*',
      Condition: { StringNotEqualsIgnoreCase: { 'kms:RecipientAttestation:PCR3': computePCR3(ROLE) } },
    });
    expect(JSON.stringify(policy.Statement[0])).not.toContain('PCR3');
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
    [
      'fireblocks-exact with other admins',
      { profile: 'fireblocks-exact', adminArns: [`arn:aws:iam::${ACCOUNT}:role/Admin`] },
      'POLICY_INVALID',
    ],
    ['an unknown profile', { profile: 'strict' }, 'POLICY_INVALID'],
  ] as const)('refuses %s', (_name, patch, code) => {
    expect(() =>
      buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [GLOBAL_PCR8], ...(patch as object) }),
    ).toThrowCosignerError(code);
  });
});

describe('other builders', () => {
  it('refuses a bad bucket name and a bad key ARN', () => {
    expect(() => buildBucketPolicy({ bucketName: 'Bad_Name', accountId: ACCOUNT, roleArn: ROLE })).toThrowCosignerError(
      'POLICY_INVALID',
    );
    expect(() => buildRoleInlinePolicy({ bucketName: 'b-1', keyArn: 'alias/x' })).toThrowCosignerError(
      'POLICY_INVALID',
    );
  });
  it('uses the key ARN partition for the bucket ARN', () => {
    const policy = buildRoleInlinePolicy({
      bucketName: 'bucket-1',
      keyArn: `arn:aws-cn:kms:cn-north-1:${ACCOUNT}:key/abc`,
    });
    expect(policy.Statement[1]?.Resource).toBe('arn:aws-cn:s3:::bucket-1');
  });
});

describe("Fireblocks' documented key policy", () => {
  const documented = readFileSync(
    new URL('../fixtures/fireblocks/key-policy.documented.json', import.meta.url),
    'utf8',
  );
  const filled = (pcr8: string) =>
    JSON.parse(
      documented
        .replaceAll('{ACCOUNT-ID}', ACCOUNT)
        .replaceAll('{ROLE-NAME}', ROLE.split('/').pop() ?? '')
        .replaceAll('{PCR8-VALUE}', pcr8),
    ) as PolicyDocument;

  it('fireblocks-exact is the documented policy, byte for byte once serialised', () => {
    const built = buildKeyPolicy({
      accountId: ACCOUNT,
      roleArn: ROLE,
      pcr8: [GLOBAL_PCR8],
      profile: 'fireblocks-exact',
    });
    expect(JSON.stringify(built)).toBe(JSON.stringify(filled(GLOBAL_PCR8)));
  });

  it.each<[string, Partial<KeyPolicyInput>]>([
    ['the defaults', {}],
    ['every option', { adminArns: [ADMIN, BREAK_GLASS], pcr3RoleBinding: true, allowRotation: true }],
    ['the debug Deny off', { denyDebug: false }],
  ])(
    'hardened with %s keeps every documented statement unchanged, first and in order, and only adds',
    (_name, options) => {
      const exact = buildKeyPolicy({
        accountId: ACCOUNT,
        roleArn: ROLE,
        pcr8: [GLOBAL_PCR8],
        profile: 'fireblocks-exact',
      });
      const hardened = buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [GLOBAL_PCR8], ...options });
      expect(hardened.Id).toBe(exact.Id);
      expect(hardened.Statement.slice(0, 3).map((s) => JSON.stringify(s))).toEqual(
        exact.Statement.map((s) => JSON.stringify(s)),
      );
      const exactSids = new Set(exact.Statement.map((s) => s.Sid));
      expect(
        hardened.Statement.slice(3).every((s) => s.Sid?.startsWith('Cosigner') === true && !exactSids.has(s.Sid)),
      ).toBe(true);
    },
  );

  it('our own statements never name the actions that are inert in a key policy', () => {
    const hardened = buildKeyPolicy({
      accountId: ACCOUNT,
      roleArn: ROLE,
      pcr8: [GLOBAL_PCR8],
      adminArns: [ADMIN],
      pcr3RoleBinding: true,
      allowRotation: true,
    });
    const ours = JSON.stringify(hardened.Statement.slice(3));
    for (const inert of ['kms:GenerateRandom', 'kms:Encrypt', 'WithoutPlaintext']) expect(ours).not.toContain(inert);
  });

  it('hardened lets the administrators undo a scheduled deletion', () => {
    const hardened = buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [GLOBAL_PCR8], adminArns: [ADMIN] });
    expect(hardened.Statement.find((s) => s.Sid === 'CosignerKeyRecovery')).toMatchObject({
      Effect: 'Allow',
      Principal: { AWS: ADMIN },
      Action: ['kms:CancelKeyDeletion', 'kms:EnableKey', 'kms:ListGrants'],
    });
  });
});

describe('bucketNameProblem', () => {
  it.each([
    ['ab', 'must be 3 to 63'],
    ['a'.repeat(64), 'must be 3 to 63'],
    ['cosigner.prod.bucket', 'must not contain dots'],
    ['192.168.5.4', 'must not contain dots'],
    ['Cosigner-prod', 'only lower-case'],
    ['cosigner_prod', 'only lower-case'],
    ['-cosigner', 'begin and end'],
    ['cosigner-', 'begin and end'],
    ['xn--cosigner', '"xn--"'],
    ['sthree-cosigner', '"sthree-"'],
    ['amzn-s3-demo-cosigner', '"amzn-s3-demo-"'],
    ['cosigner-s3alias', '"-s3alias"'],
    ['cosigner--ol-s3', '"--ol-s3"'],
    ['cosigner--x-s3', '"--x-s3"'],
    ['cosigner--table-s3', '"--table-s3"'],
  ])('%s: %s', (name, reason) => {
    expect(bucketNameProblem(name)).toContain(reason);
    expect(() => buildBucketPolicy({ bucketName: name, accountId: ACCOUNT, roleArn: ROLE })).toThrowCosignerError(
      'POLICY_INVALID',
    );
  });
  it.each(['abc', 'cosigner-prod-123456789012-eu-west-1', '1-2-3', 'a'.repeat(63)])('accepts %s', (name) => {
    expect(bucketNameProblem(name)).toBeUndefined();
  });
});
