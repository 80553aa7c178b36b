import { describe, expect, it } from 'vitest';
import { buildBucketPolicy } from '../../src/policy/bucket-policy.js';
import { KEY_DATA_ACTIONS } from '../../src/policy/constants.js';
import { buildKeyPolicy } from '../../src/policy/key-policy.js';
import {
  assertKeyPolicyProofs,
  proveBucketPolicy,
  proveKeyPolicy,
  type KeyPolicyProofInput,
} from '../../src/policy/proofs.js';
import type { PolicyDocument, PolicyStatement } from '../../src/policy/types.js';
import { ACCOUNT, EU_PCR8, GLOBAL_PCR8, KEY_ARN, ROLE } from './golden-cases.js';

const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
const base: KeyPolicyProofInput = { keyArn: KEY_ARN, roleArn: ROLE, pcr8: [GLOBAL_PCR8], adminArns: [ROOT] };
const hardened = () => buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [GLOBAL_PCR8] });
const withStatement = (policy: PolicyDocument, ...extra: PolicyStatement[]): PolicyDocument => ({
  ...policy,
  Statement: [...policy.Statement, ...extra],
});
const errors = (policy: PolicyDocument, input: Partial<KeyPolicyProofInput> = {}) =>
  proveKeyPolicy(policy, { ...base, ...input }).findings.filter((f) => f.severity === 'error');

describe('proveKeyPolicy on our own policies', () => {
  it('proves the hardened policy', () => {
    const report = proveKeyPolicy(hardened(), base);
    expect(report.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.steps).toEqual(
      [
        'unsupported',
        'not-principal',
        'public-principal',
        'attested-only',
        'debug-enclave',
        'key-control',
        'lockout',
        'attested-access',
      ].map((step) => ({ step, ok: true })),
    );
  });
  it('proves the hardened policy with every option and two PCR8 values', () => {
    const admins = [`arn:aws:iam::${ACCOUNT}:role/KeyAdmin`, `arn:aws:iam::${ACCOUNT}:user/break-glass`];
    const policy = buildKeyPolicy({
      accountId: ACCOUNT,
      roleArn: ROLE,
      pcr8: [GLOBAL_PCR8, EU_PCR8],
      adminArns: admins,
      pcr3RoleBinding: true,
      allowRotation: true,
    });
    expect(
      proveKeyPolicy(policy, { ...base, pcr8: [GLOBAL_PCR8, EU_PCR8], adminArns: admins, callerArn: admins[0]! }).ok,
    ).toBe(true);
  });
  it('refuses the fireblocks-exact policy unless the debug-enclave risk is accepted', () => {
    const policy = buildKeyPolicy({
      accountId: ACCOUNT,
      roleArn: ROLE,
      pcr8: [GLOBAL_PCR8],
      profile: 'fireblocks-exact',
    });
    expect(errors(policy).map((f) => f.check)).toContain('debug-enclave');
    const accepted = proveKeyPolicy(policy, { ...base, debugEnclave: 'accept-risk' });
    expect(accepted.ok).toBe(true);
    expect(accepted.findings.filter((f) => f.severity === 'warning')).toHaveLength(1);
  });
  it('refuses the hardened policy without the debug Deny', () => {
    const policy = buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [GLOBAL_PCR8], denyDebug: false });
    expect(() => assertKeyPolicyProofs(proveKeyPolicy(policy, base))).toThrowCosignerError('POLICY_BYPASS');
  });
});

describe('proveKeyPolicy on hostile policies', () => {
  const allowRole = (
    Condition?: PolicyStatement['Condition'],
    Action: string | string[] = 'kms:Decrypt',
  ): PolicyStatement => ({
    Sid: 'Foreign',
    Effect: 'Allow',
    Principal: { AWS: ROLE },
    Action,
    Resource: '*',
    ...(Condition === undefined ? {} : { Condition }),
  });

  it.each<[string, PolicyStatement]>([
    [
      'the default key policy (root kms:*)',
      { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' },
    ],
    ['Principal "*"', { Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*' }],
    [
      'NotAction',
      {
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/other` },
        NotAction: 'kms:PutKeyPolicy',
        Resource: '*',
      },
    ],
    ['an unconditioned grant to the role', allowRole()],
    ['a grant behind a non-attestation condition', allowRole({ StringEquals: { 'aws:SourceVpce': 'vpce-1' } })],
    [
      'an IfExists attestation condition',
      allowRole({ StringEqualsIgnoreCaseIfExists: { 'kms:RecipientAttestation:PCR8': GLOBAL_PCR8 } }),
    ],
    ['a negated attestation condition', allowRole({ StringNotEquals: { 'kms:RecipientAttestation:PCR8': EU_PCR8 } })],
    [
      'a misspelled attestation key',
      allowRole({ StringEqualsIgnoreCase: { 'kms:RecipientAttestation:PCR08': GLOBAL_PCR8 } }),
    ],
    [
      'a PCR0-only attestation for the role',
      allowRole({ StringEqualsIgnoreCase: { 'kms:RecipientAttestation:PCR0': 'ab'.repeat(48) } }),
    ],
    ['ReEncryptFrom', allowRole(undefined, 'kms:ReEncrypt*')],
    [
      'a wildcard principal in NotPrincipal',
      { Effect: 'Allow', NotPrincipal: { AWS: ROLE }, Action: 'kms:Decrypt', Resource: '*' },
    ],
  ])('refuses %s with POLICY_BYPASS', (_name, statement) => {
    const policy = withStatement(hardened(), statement);
    const report = proveKeyPolicy(policy, base);
    expect(report.ok).toBe(false);
    // The finding names the foreign statement.
    const foreign = policy.Statement.length - 1;
    expect(
      report.findings.some((f) => f.code === 'POLICY_BYPASS' && f.statements.some((s) => s.index === foreign)),
    ).toBe(true);
    expect(() => assertKeyPolicyProofs(report)).toThrowCosignerError('POLICY_BYPASS');
  });

  it('refuses a foreign grant to another principal even behind an attestation condition', () => {
    const other = {
      Effect: 'Allow' as const,
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/other-enclave` },
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: { StringEqualsIgnoreCase: { 'kms:RecipientAttestation:PCR8': GLOBAL_PCR8 } },
    };
    expect(errors(withStatement(hardened(), other))).toMatchObject([
      { check: 'attested-only', code: 'POLICY_BYPASS', principal: `arn:aws:iam::${ACCOUNT}:role/other-enclave` },
    ]);
  });
  it('refuses root kms:* even when a Deny requires an attestation for every data action', () => {
    const policy = withStatement(
      hardened(),
      { Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' },
      {
        Effect: 'Deny',
        Principal: '*',
        Action: [...KEY_DATA_ACTIONS],
        Resource: '*',
        Condition: { Null: { 'kms:RecipientAttestation:PCR8': 'true' } },
      },
    );
    // Any PCR8 would do for an attested request through root's kms:*.
    expect(errors(policy).map((f) => f.check)).toContain('attested-only');
  });

  it('refuses dropping the administrator statement with POLICY_LOCKOUT', () => {
    const policy = hardened();
    policy.Statement = policy.Statement.filter(
      (s) => s.Sid !== 'Allow policy management to root user' && s.Sid !== 'CosignerKeyAdministration',
    );
    const report = proveKeyPolicy(policy, base);
    expect(report.findings.some((f) => f.check === 'lockout')).toBe(true);
    expect(() => assertKeyPolicyProofs(report)).toThrowCosignerError('POLICY_LOCKOUT');
  });
  it.each<[string, PolicyStatement]>([
    ['a Deny of kms:* for everyone', { Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*' }],
    [
      'a Deny of PutKeyPolicy outside an IP range',
      {
        Effect: 'Deny',
        Principal: '*',
        Action: 'kms:PutKeyPolicy',
        Resource: '*',
        Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
      },
    ],
    [
      'a Deny with an unknown operator',
      {
        Effect: 'Deny',
        Principal: '*',
        Action: 'kms:PutKeyPolicy',
        Resource: '*',
        Condition: { StringEqualz: { 'aws:PrincipalTag/team': 'x' } },
      },
    ],
  ])('refuses %s with POLICY_LOCKOUT', (_name, statement) => {
    expect(() =>
      assertKeyPolicyProofs(proveKeyPolicy(withStatement(hardened(), statement), base)),
    ).toThrowCosignerError('POLICY_LOCKOUT');
  });
  it('refuses an administrator in another account', () => {
    const admin = 'arn:aws:iam::111111111111:role/Admin';
    const policy = buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [GLOBAL_PCR8], adminArns: [admin] });
    expect(errors(policy, { adminArns: [admin] }).map((f) => f.check)).toContain('lockout');
  });
  it('refuses when the caller would lose PutKeyPolicy', () => {
    const admin = `arn:aws:iam::${ACCOUNT}:role/KeyAdmin`;
    const policy = buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [GLOBAL_PCR8], adminArns: [admin] });
    // Keeps it through the account principal (IAM) while Fireblocks' root statement is there...
    expect(errors(policy, { adminArns: [admin], callerArn: `arn:aws:iam::${ACCOUNT}:role/Deployer` })).toEqual([]);
    // ...and loses it without.
    policy.Statement = policy.Statement.filter((s) => s.Sid !== 'Allow policy management to root user');
    expect(errors(policy, { adminArns: [admin], callerArn: `arn:aws:iam::${ACCOUNT}:role/Deployer` })).toMatchObject([
      { check: 'lockout', code: 'POLICY_LOCKOUT' },
    ]);
  });
  it('reports an unknown operator as POLICY_UNSUPPORTED', () => {
    const statement: PolicyStatement = {
      Effect: 'Allow',
      Principal: { AWS: ROLE },
      Action: 'kms:DescribeKey',
      Resource: '*',
      Condition: { Bogus: { 'aws:SourceVpc': 'x' } },
    };
    expect(() =>
      assertKeyPolicyProofs(proveKeyPolicy(withStatement(hardened(), statement), base)),
    ).toThrowCosignerError('POLICY_UNSUPPORTED');
  });
  it('refuses a policy that would cut the role off with POLICY_ROLE_DENIED', () => {
    const policy = buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [GLOBAL_PCR8] });
    policy.Statement.push({
      Sid: 'DenyRole',
      Effect: 'Deny',
      Principal: { AWS: ROLE },
      Action: 'kms:Decrypt',
      Resource: '*',
    });
    expect(() => assertKeyPolicyProofs(proveKeyPolicy(policy, base))).toThrowCosignerError('POLICY_ROLE_DENIED');
  });
  it('puts every error finding into the error context', () => {
    try {
      assertKeyPolicyProofs(
        proveKeyPolicy(
          withStatement(hardened(), allowRole(), { Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*' }),
          base,
        ),
      );
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: 'POLICY_LOCKOUT' });
      const findings = (error as { context: { findings: { code: string }[] } }).context.findings;
      expect(findings.some((f) => f.code === 'POLICY_LOCKOUT')).toBe(true);
    }
  });
});

describe('proveBucketPolicy', () => {
  const input = { bucketName: 'cosigner-prod-123456789012', accountId: ACCOUNT, roleArn: ROLE };
  it('proves our bucket policy', () => {
    expect(proveBucketPolicy(buildBucketPolicy(input), input)).toMatchObject({ ok: true, findings: [] });
  });
  it('refuses a policy that denies the administrators PutBucketPolicy', () => {
    const policy = withStatement(buildBucketPolicy(input), {
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: 'arn:aws:s3:::cosigner-prod-123456789012',
      Condition: { ArnNotEquals: { 'aws:PrincipalArn': ROLE } },
    });
    const report = proveBucketPolicy(policy, input);
    expect(report.ok).toBe(false);
    expect(report.findings.map((f) => f.action)).toEqual([
      's3:GetBucketPolicy',
      's3:PutBucketPolicy',
      's3:DeleteBucketPolicy',
    ]);
  });
});

describe('the classes of foreign statement an attacker would try (each refused, naming the statement)', () => {
  const OTHER = '210987654321';
  const ATTACKER = `${'7a'.repeat(47)}30`;
  const foreign = (statement: Omit<PolicyStatement, 'Sid'>): PolicyStatement => ({ Sid: 'Foreign', ...statement });
  it.each<[string, PolicyStatement, string, string]>([
    [
      'the role with StringLike PCR8 "*0"',
      foreign({
        Effect: 'Allow',
        Principal: { AWS: ROLE },
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: { StringLike: { 'kms:RecipientAttestation:PCR8': '*0' } },
      }),
      'attested-only',
      'POLICY_BYPASS',
    ],
    [
      'the role with Null false plus StringNotEquals',
      foreign({
        Effect: 'Allow',
        Principal: { AWS: ROLE },
        Action: 'kms:GenerateDataKey',
        Resource: '*',
        Condition: {
          Null: { 'kms:RecipientAttestation:PCR8': 'false' },
          StringNotEquals: { 'kms:RecipientAttestation:PCR8': EU_PCR8 },
        },
      }),
      'attested-only',
      'POLICY_BYPASS',
    ],
    [
      "another account's root with any PCR8",
      foreign({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${OTHER}:root` },
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: { StringLike: { 'kms:RecipientAttestation:PCR8': '*' } },
      }),
      'attested-only',
      'POLICY_BYPASS',
    ],
    [
      "another role of this account with an attacker's PCR8",
      foreign({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/other` },
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: { StringEqualsIgnoreCase: { 'kms:RecipientAttestation:PCR8': ATTACKER } },
      }),
      'attested-only',
      'POLICY_BYPASS',
    ],
    [
      'the role with the configured PCR8 and an attacker PCR8',
      foreign({
        Effect: 'Allow',
        Principal: { AWS: ROLE },
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: { StringEqualsIgnoreCase: { 'kms:RecipientAttestation:PCR8': [GLOBAL_PCR8, ATTACKER] } },
      }),
      'attested-only',
      'POLICY_BYPASS',
    ],
    [
      'the role with a set operator on PCR8',
      foreign({
        Effect: 'Allow',
        Principal: { AWS: ROLE },
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: { 'ForAllValues:StringEquals': { 'kms:RecipientAttestation:PCR8': GLOBAL_PCR8 } },
      }),
      'attested-only',
      'POLICY_BYPASS',
    ],
    [
      'a data action by case variant and wildcard',
      foreign({ Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'KMS:de?RYPT*', Resource: '*' }),
      'attested-only',
      'POLICY_BYPASS',
    ],
    [
      'NotAction that leaves DeriveSharedSecret',
      foreign({
        Effect: 'Allow',
        Principal: { AWS: ROLE },
        NotAction: ['kms:Decrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*', 'kms:*Key*'],
        Resource: '*',
      }),
      'attested-only',
      'POLICY_BYPASS',
    ],
    [
      'an Allow with NotPrincipal listing this account and one more',
      foreign({ Effect: 'Allow', NotPrincipal: { AWS: [ACCOUNT, OTHER] }, Action: 'kms:Encrypt', Resource: '*' }),
      'not-principal',
      'POLICY_BYPASS',
    ],
    [
      'kms:PutKeyPolicy for Principal "*"',
      foreign({ Effect: 'Allow', Principal: '*', Action: 'kms:PutKeyPolicy', Resource: '*' }),
      'key-control',
      'POLICY_KEY_CONTROL',
    ],
    [
      'kms:PutKeyPolicy for the co-signer role',
      foreign({ Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'kms:PutKeyPolicy', Resource: '*' }),
      'key-control',
      'POLICY_KEY_CONTROL',
    ],
    [
      'CreateGrant to another account',
      foreign({ Effect: 'Allow', Principal: { AWS: OTHER }, Action: 'kms:CreateGrant', Resource: '*' }),
      'key-control',
      'POLICY_KEY_CONTROL',
    ],
    [
      'kms:*Key* (ScheduleKeyDeletion, CancelKeyDeletion) for another role',
      foreign({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/other` },
        Action: 'kms:Schedule*',
        Resource: '*',
      }),
      'key-control',
      'POLICY_KEY_CONTROL',
    ],
    [
      'UpdateKeyDescription (the ownership marker) for the co-signer role',
      foreign({ Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'kms:UpdateKeyDescription', Resource: '*' }),
      'key-control',
      'POLICY_KEY_CONTROL',
    ],
    [
      'DisableKeyRotation for the co-signer role',
      foreign({ Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'kms:DisableKeyRotation', Resource: '*' }),
      'key-control',
      'POLICY_KEY_CONTROL',
    ],
    [
      'EnableKeyRotation and RotateKeyOnDemand by wildcard for the co-signer role',
      foreign({ Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'kms:*Rotat*', Resource: '*' }),
      'key-control',
      'POLICY_KEY_CONTROL',
    ],
    [
      'TagResource and UntagResource (ABAC) by case variant and wildcard for another role',
      foreign({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/other` },
        Action: 'KMS:*tagresource',
        Resource: '*',
      }),
      'key-control',
      'POLICY_KEY_CONTROL',
    ],
    [
      'UpdateAlias, DeleteAlias and CreateAlias for the co-signer role',
      foreign({ Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'kms:*Alias', Resource: '*' }),
      'key-control',
      'POLICY_KEY_CONTROL',
    ],
    [
      'UpdatePrimaryRegion and ReplicateKey for another account',
      foreign({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${OTHER}:root` },
        Action: ['kms:UpdatePrimaryRegion', 'kms:ReplicateKey'],
        Resource: '*',
      }),
      'key-control',
      'POLICY_KEY_CONTROL',
    ],
    [
      'NotAction that leaves the role every operation but the data ones',
      foreign({
        Effect: 'Allow',
        Principal: { AWS: ROLE },
        NotAction: ['kms:Decrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*', 'kms:DeriveSharedSecret'],
        Resource: '*',
      }),
      'key-control',
      'POLICY_KEY_CONTROL',
    ],
    [
      'UpdateKeyDescription for the co-signer role spelled in another case',
      foreign({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/Cosigner-PROD` },
        Action: 'kms:UpdateKeyDescription',
        Resource: '*',
      }),
      'key-control',
      'POLICY_KEY_CONTROL',
    ],
    [
      'DisableKeyRotation for a session of the co-signer role (the instance profile: i-…)',
      foreign({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:sts::${ACCOUNT}:assumed-role/cosigner-prod/i-0123456789abcdef0` },
        Action: 'kms:DisableKeyRotation',
        Resource: '*',
      }),
      'key-control',
      'POLICY_KEY_CONTROL',
    ],
    [
      'Principal "*" for a read (DescribeKey)',
      foreign({ Effect: 'Allow', Principal: '*', Action: 'kms:DescribeKey', Resource: '*' }),
      'public-principal',
      'POLICY_BYPASS',
    ],
    [
      'Principal {"AWS": "*"} for Encrypt behind kms:CallerAccount',
      foreign({
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: 'kms:Encrypt',
        Resource: '*',
        Condition: { StringEquals: { 'kms:CallerAccount': ACCOUNT } },
      }),
      'public-principal',
      'POLICY_BYPASS',
    ],
    [
      'Principal "*" in a list beside the account root',
      foreign({ Effect: 'Allow', Principal: { AWS: [ROOT, '*'] }, Action: 'kms:GetKeyPolicy', Resource: '*' }),
      'public-principal',
      'POLICY_BYPASS',
    ],
    [
      'an operator named constructor',
      foreign({
        Effect: 'Allow',
        Principal: { AWS: ROLE },
        Action: 'kms:DescribeKey',
        Resource: '*',
        Condition: { constructor: { 'aws:SourceVpc': 'x' } },
      }),
      'unsupported',
      'POLICY_UNSUPPORTED',
    ],
    [
      'an operator named __proto__',
      foreign({
        Effect: 'Allow',
        Principal: { AWS: ROLE },
        Action: 'kms:DescribeKey',
        Resource: '*',
        Condition: JSON.parse('{"__proto__":{"aws:SourceVpc":"x"}}') as NonNullable<PolicyStatement['Condition']>,
      }),
      'unsupported',
      'POLICY_UNSUPPORTED',
    ],
  ])('%s', (_name, statement, check, code) => {
    const policy = withStatement(hardened(), statement);
    const report = proveKeyPolicy(policy, base);
    const index = policy.Statement.length - 1;
    expect(report.findings).toContainEqual(
      expect.objectContaining({ check, code, statements: [{ index, sid: 'Foreign' }] }),
    );
    expect(report.steps.find((step) => step.step === check)).toEqual({ step: check, ok: false });
    expect(() => assertKeyPolicyProofs(report)).toThrowError(/statement "Foreign"|Foreign/);
  });
  it('refuses the co-signer role configured as an administrator', () => {
    const policy = buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [GLOBAL_PCR8], adminArns: [ROLE] });
    expect(errors(policy, { adminArns: [ROLE] })).toContainEqual(
      expect.objectContaining({ check: 'key-control', code: 'POLICY_KEY_CONTROL' }),
    );
  });
  it('accepts the control operations for the administrators and the account', () => {
    const admin = `arn:aws:iam::${ACCOUNT}:role/KeyAdmin`;
    const policy = withStatement(
      buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [GLOBAL_PCR8], adminArns: [admin] }),
      foreign({
        Effect: 'Allow',
        Principal: { AWS: [admin, ROOT, ACCOUNT] },
        Action: [
          'kms:UpdateKeyDescription',
          'kms:*Tag*',
          'kms:*Alias',
          'kms:EnableKeyRotation',
          'kms:DisableKeyRotation',
          'kms:RotateKeyOnDemand',
        ],
        Resource: '*',
      }),
    );
    expect(errors(policy, { adminArns: [admin] })).toEqual([]);
  });
  it('does not count Fireblocks\' documented statements as public: none of them names "*"', () => {
    const policy = buildKeyPolicy({
      accountId: ACCOUNT,
      roleArn: ROLE,
      pcr8: [GLOBAL_PCR8],
      profile: 'fireblocks-exact',
    });
    const report = proveKeyPolicy(policy, { ...base, debugEnclave: 'accept-risk' });
    expect(report.steps.filter((step) => step.step === 'public-principal' || step.step === 'key-control')).toEqual([
      { step: 'public-principal', ok: true },
      { step: 'key-control', ok: true },
    ]);
  });
  it('accepts what only narrows: a foreign Deny of another PCR8, a foreign Allow of Encrypt to the role', () => {
    const policy = withStatement(
      hardened(),
      {
        Sid: 'NarrowDeny',
        Effect: 'Deny',
        Principal: '*',
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: { StringNotEqualsIgnoreCase: { 'kms:RecipientAttestation:PCR8': [GLOBAL_PCR8] } },
      },
      { Sid: 'RoleEncrypt', Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'kms:Encrypt', Resource: '*' },
    );
    expect(proveKeyPolicy(policy, base).ok).toBe(true);
  });
});

describe('proveBucketPolicy: every principal but the role is kept from the objects', () => {
  const BUCKET = 'cosigner-prod-123456789012';
  const input = { bucketName: BUCKET, accountId: ACCOUNT, roleArn: ROLE };
  const ours = () => buildBucketPolicy(input);
  it("refuses Fireblocks' bucket Deny alone: object versions, tags and retention stay reachable through IAM", () => {
    const policy = ours();
    policy.Statement = policy.Statement.filter((s) => s.Sid !== 'CosignerDenyObjectAccessButRole');
    const report = proveBucketPolicy(policy, input);
    expect(report.findings).toContainEqual(
      expect.objectContaining({
        check: 'bucket-objects',
        code: 'POLICY_BYPASS',
        action: expect.stringContaining('s3:GetObjectVersion') as unknown,
      }),
    );
  });
  it.each<[string, PolicyStatement]>([
    [
      'an exemption for every role of the account',
      {
        Sid: 'CosignerDenyObjectAccessButRole',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*Object*',
        Resource: `arn:aws:s3:::${BUCKET}/*`,
        Condition: { ArnNotLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/*` } },
      },
    ],
    [
      'an exemption for the role and one more',
      {
        Sid: 'CosignerDenyObjectAccessButRole',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*Object*',
        Resource: `arn:aws:s3:::${BUCKET}/*`,
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': [ROLE, `arn:aws:iam::${ACCOUNT}:user/alice`] } },
      },
    ],
    [
      'a Deny that also depends on the source IP',
      {
        Sid: 'CosignerDenyObjectAccessButRole',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*Object*',
        Resource: `arn:aws:s3:::${BUCKET}/*`,
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': ROLE }, IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
      },
    ],
    [
      'a Deny limited to one prefix',
      {
        Sid: 'CosignerDenyObjectAccessButRole',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*Object*',
        Resource: `arn:aws:s3:::${BUCKET}/db/*`,
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': ROLE } },
      },
    ],
  ])('refuses a weakened object Deny: %s', (_name, replacement) => {
    const policy = ours();
    policy.Statement = policy.Statement.map((s) => (s.Sid === replacement.Sid ? replacement : s));
    expect(proveBucketPolicy(policy, input).findings.map((f) => f.check)).toContain('bucket-objects');
  });
  it.each<[string, PolicyStatement]>([
    [
      'anyone',
      {
        Sid: 'Public',
        Effect: 'Allow',
        Principal: '*',
        Action: 's3:GetBucketLocation',
        Resource: `arn:aws:s3:::${BUCKET}`,
      },
    ],
    [
      'another account',
      {
        Sid: 'Partner',
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::210987654321:root' },
        Action: 's3:ListBucket',
        Resource: `arn:aws:s3:::${BUCKET}`,
      },
    ],
    [
      'a service',
      {
        Sid: 'Logs',
        Effect: 'Allow',
        Principal: { Service: 'logging.s3.amazonaws.com' },
        Action: 's3:PutObject',
        Resource: `arn:aws:s3:::${BUCKET}/*`,
      },
    ],
    [
      'a NotPrincipal',
      {
        Sid: 'AllBut',
        Effect: 'Allow',
        NotPrincipal: { AWS: ROLE },
        Action: 's3:GetBucketTagging',
        Resource: `arn:aws:s3:::${BUCKET}`,
      },
    ],
  ])('refuses a foreign Allow to %s', (_name, statement) => {
    const report = proveBucketPolicy(withStatement(ours(), statement), input);
    expect(report.findings).toContainEqual(
      expect.objectContaining({
        check: 'bucket-foreign',
        statements: [{ index: ours().Statement.length, sid: statement.Sid }],
      }),
    );
  });
  it('refuses a bucket policy that lets anyone set a lifecycle or replication rule (they reach the objects indirectly)', () => {
    const policy = ours();
    policy.Statement = policy.Statement.filter((s) => s.Sid !== 'CosignerDenyLifecycleAndReplication');
    expect(proveBucketPolicy(policy, input).findings).toContainEqual(
      expect.objectContaining({
        check: 'bucket-objects',
        action: 's3:PutLifecycleConfiguration, s3:PutReplicationConfiguration',
      }),
    );
  });
  it('counts InitiateReplication as an object action', () => {
    const policy = ours();
    policy.Statement = policy.Statement.map((s) =>
      s.Sid === 'CosignerDenyObjectAccessButRole' ? { ...s, Action: 's3:*Object*' } : s,
    );
    expect(
      proveBucketPolicy(policy, input)
        .findings.map((f) => f.action ?? '')
        .join(' '),
    ).toContain('s3:InitiateReplication');
  });
  it('refuses grammar it cannot read in a bucket policy', () => {
    const statement: PolicyStatement = {
      Sid: 'Odd',
      Effect: 'Allow',
      Principal: { AWS: ROLE },
      Action: 's3:GetBucketTagging',
      Resource: `arn:aws:s3:::${BUCKET}`,
      Condition: { FooBar: { 'aws:SourceVpc': 'x' } },
    };
    expect(proveBucketPolicy(withStatement(ours(), statement), input).findings).toContainEqual(
      expect.objectContaining({ check: 'unsupported', code: 'POLICY_UNSUPPORTED' }),
    );
  });
  it('checks the lockout for the caller and the configured administrators, not only the account root', () => {
    const admin = `arn:aws:iam::${ACCOUNT}:role/KeyAdmin`;
    const caller = `arn:aws:iam::${ACCOUNT}:role/Deployer`;
    const deny: PolicyStatement = {
      Sid: 'NoPolicyEdits',
      Effect: 'Deny',
      Principal: { AWS: [admin, caller] },
      Action: 's3:PutBucketPolicy',
      Resource: `arn:aws:s3:::${BUCKET}`,
    };
    const policy = withStatement(ours(), deny);
    expect(proveBucketPolicy(policy, input).ok).toBe(true);
    expect(
      proveBucketPolicy(policy, { ...input, adminArns: [admin] }).findings.map((f) => [f.check, f.principal]),
    ).toEqual([['bucket-lockout', admin]]);
    expect(
      proveBucketPolicy(policy, { ...input, callerArn: caller }).findings.map((f) => [f.check, f.principal]),
    ).toEqual([['bucket-lockout', caller]]);
  });
});

describe('review findings: the steps that evaluate requests leave open what they do not know', () => {
  const deny = (
    Condition: NonNullable<PolicyStatement['Condition']>,
    extra: Partial<PolicyStatement> = {},
  ): PolicyStatement => ({
    Sid: 'Foreign',
    Effect: 'Deny',
    Principal: '*',
    Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
    Resource: '*',
    Condition,
    ...extra,
  });
  it.each<[string, PolicyStatement]>([
    ['a Deny after a date', deny({ DateGreaterThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } })],
    ['a Deny on the principal type', deny({ StringEquals: { 'aws:PrincipalType': 'AssumedRole' } })],
    [
      "a Deny on one PCR0 value (the Fireblocks image's is not known in advance)",
      deny({ StringEquals: { 'kms:RecipientAttestation:PCR0': 'ab'.repeat(48) } }),
    ],
    [
      'a Deny unless the image is one value',
      deny({ StringNotEqualsIgnoreCase: { 'kms:RecipientAttestation:ImageSha384': 'a5'.repeat(48) } }),
    ],
    ['a Deny unless called through a VPC endpoint', deny({ StringNotEquals: { 'aws:SourceVpce': 'vpce-1234' } })],
    [
      'a Deny on a case variant of an attestation key',
      deny({ StringLike: { 'kms:recipientattestation:imagesha384': '*' } }),
    ],
    ['a Deny on Null of a case variant of PCR0', deny({ Null: { 'kms:recipientattestation:pcr0': 'false' } })],
    [
      'a Deny with NotPrincipal naming the role',
      {
        Sid: 'Foreign',
        Effect: 'Deny',
        NotPrincipal: { AWS: ROLE },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: '*',
      },
    ],
  ])('refuses %s that could cut the co-signer off its key (POLICY_ROLE_DENIED)', (_name, statement) => {
    const report = proveKeyPolicy(withStatement(hardened(), statement), base);
    expect(report.findings).toContainEqual(
      expect.objectContaining({
        check: 'attested-access',
        code: 'POLICY_ROLE_DENIED',
        statements: [{ index: hardened().Statement.length, sid: 'Foreign' }],
      }),
    );
  });
  it('accepts a Deny in another region (the key region is a fact of every request)', () => {
    const statement = deny({ StringNotEquals: { 'aws:RequestedRegion': KEY_ARN.split(':')[3] ?? '' } });
    expect(proveKeyPolicy(withStatement(hardened(), statement), base).ok).toBe(true);
  });
  it('reads the PCR8 of an attested request whatever the spelling of its key in the policy', () => {
    const policy = hardened();
    const first = policy.Statement[0] as PolicyStatement;
    first.Condition = {
      StringEqualsIgnoreCase: {
        'kms:RecipientAttestation:PCR8': GLOBAL_PCR8,
        'KMS:recipientattestation:pcr8': GLOBAL_PCR8,
      },
    };
    expect(proveKeyPolicy(policy, base).ok).toBe(true);
  });
  it.each<[string, PolicyStatement]>([
    ['a NotPrincipal Deny', { Effect: 'Deny', NotPrincipal: { AWS: ROOT }, Action: 'kms:PutKeyPolicy', Resource: '*' }],
    [
      'a Deny on one session of the admin role',
      {
        Effect: 'Deny',
        Principal: { AWS: `arn:aws:sts::${ACCOUNT}:assumed-role/KeyAdmin/alice@corp.com` },
        Action: 'kms:PutKeyPolicy',
        Resource: '*',
      },
    ],
    [
      'a Deny when the lockout-check key is absent',
      {
        Effect: 'Deny',
        Principal: '*',
        Action: 'kms:PutKeyPolicy',
        Resource: '*',
        Condition: { Null: { 'kms:BypassPolicyLockoutSafetyCheck': 'true' } },
      },
    ],
  ])('counts %s as a lockout', (_name, statement) => {
    const admin = `arn:aws:iam::${ACCOUNT}:role/KeyAdmin`;
    const policy = withStatement(
      buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [GLOBAL_PCR8], adminArns: [admin] }),
      statement,
    );
    expect(errors(policy, { adminArns: [admin] }).map((f) => f.check)).toContain('lockout');
  });
});
