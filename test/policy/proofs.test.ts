import { describe, expect, it } from 'vitest';
import { buildBucketPolicy } from '../../src/policy/bucket-policy.js';
import { KEY_DATA_ACTIONS } from '../../src/policy/constants.js';
import { buildKeyPolicy } from '../../src/policy/key-policy.js';
import { assertKeyPolicyProofs, proveBucketPolicy, proveKeyPolicy, type KeyPolicyProofInput } from '../../src/policy/proofs.js';
import type { PolicyDocument, PolicyStatement } from '../../src/policy/types.js';
import { ACCOUNT, EU_PCR8, GLOBAL_PCR8, KEY_ARN, ROLE } from './golden-cases.js';

const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
const base: KeyPolicyProofInput = { keyArn: KEY_ARN, roleArn: ROLE, pcr8: [GLOBAL_PCR8], adminArns: [ROOT] };
const hardened = () => buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [GLOBAL_PCR8] });
const withStatement = (policy: PolicyDocument, ...extra: PolicyStatement[]): PolicyDocument => ({ ...policy, Statement: [...policy.Statement, ...extra] });
const errors = (policy: PolicyDocument, input: Partial<KeyPolicyProofInput> = {}) =>
  proveKeyPolicy(policy, { ...base, ...input }).findings.filter((f) => f.severity === 'error');

describe('proveKeyPolicy on our own policies', () => {
  it('proves the hardened policy', () => {
    const report = proveKeyPolicy(hardened(), base);
    expect(report.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.steps).toEqual(['unsupported', 'not-principal', 'attested-only', 'debug-enclave', 'key-control', 'lockout', 'attested-access'].map((step) => ({ step, ok: true })));
  });
  it('proves the hardened policy with every option and two PCR8 values', () => {
    const admins = [`arn:aws:iam::${ACCOUNT}:role/KeyAdmin`, `arn:aws:iam::${ACCOUNT}:user/break-glass`];
    const policy = buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [GLOBAL_PCR8, EU_PCR8], adminArns: admins, pcr3RoleBinding: true, allowRotation: true });
    expect(proveKeyPolicy(policy, { ...base, pcr8: [GLOBAL_PCR8, EU_PCR8], adminArns: admins, callerArn: admins[0] }).ok).toBe(true);
  });
  it('refuses the fireblocks-exact policy unless the debug-enclave risk is accepted', () => {
    const policy = buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [GLOBAL_PCR8], profile: 'fireblocks-exact' });
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
  const allowRole = (Condition?: PolicyStatement['Condition'], Action: string | string[] = 'kms:Decrypt'): PolicyStatement => ({
    Sid: 'Foreign',
    Effect: 'Allow',
    Principal: { AWS: ROLE },
    Action,
    Resource: '*',
    ...(Condition === undefined ? {} : { Condition }),
  });

  it.each<[string, PolicyStatement]>([
    ['the default key policy (root kms:*)', { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' }],
    ['Principal "*"', { Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*' }],
    ['NotAction', { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/other` }, NotAction: 'kms:PutKeyPolicy', Resource: '*' }],
    ['an unconditioned grant to the role', allowRole()],
    ['a grant behind a non-attestation condition', allowRole({ StringEquals: { 'aws:SourceVpce': 'vpce-1' } })],
    ['an IfExists attestation condition', allowRole({ StringEqualsIgnoreCaseIfExists: { 'kms:RecipientAttestation:PCR8': GLOBAL_PCR8 } })],
    ['a negated attestation condition', allowRole({ StringNotEquals: { 'kms:RecipientAttestation:PCR8': EU_PCR8 } })],
    ['a misspelled attestation key', allowRole({ StringEqualsIgnoreCase: { 'kms:RecipientAttestation:PCR08': GLOBAL_PCR8 } })],
    ['a PCR0-only attestation for the role', allowRole({ StringEqualsIgnoreCase: { 'kms:RecipientAttestation:PCR0': 'ab'.repeat(48) } })],
    ['ReEncryptFrom', allowRole(undefined, 'kms:ReEncrypt*')],
    ['a wildcard principal in NotPrincipal', { Effect: 'Allow', NotPrincipal: { AWS: ROLE }, Action: 'kms:Decrypt', Resource: '*' }],
  ])('refuses %s with POLICY_BYPASS', (_name, statement) => {
    const policy = withStatement(hardened(), statement);
    const report = proveKeyPolicy(policy, base);
    expect(report.ok).toBe(false);
    // The finding names the foreign statement.
    const foreign = policy.Statement.length - 1;
    expect(report.findings.some((f) => f.code === 'POLICY_BYPASS' && f.statements.some((s) => s.index === foreign))).toBe(true);
    expect(() => assertKeyPolicyProofs(report)).toThrowCosignerError('POLICY_BYPASS');
  });

  it('refuses a foreign grant to another principal even behind an attestation condition', () => {
    const other = { Effect: 'Allow' as const, Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/other-enclave` }, Action: 'kms:Decrypt', Resource: '*', Condition: { StringEqualsIgnoreCase: { 'kms:RecipientAttestation:PCR8': GLOBAL_PCR8 } } };
    expect(errors(withStatement(hardened(), other))).toMatchObject([{ check: 'attested-only', code: 'POLICY_BYPASS', principal: `arn:aws:iam::${ACCOUNT}:role/other-enclave` }]);
  });
  it('refuses root kms:* even when a Deny requires an attestation for every data action', () => {
    const policy = withStatement(
      hardened(),
      { Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' },
      { Effect: 'Deny', Principal: '*', Action: [...KEY_DATA_ACTIONS], Resource: '*', Condition: { Null: { 'kms:RecipientAttestation:PCR8': 'true' } } },
    );
    // Any PCR8 would do for an attested request through root's kms:*.
    expect(errors(policy).map((f) => f.check)).toContain('attested-only');
  });

  it('refuses dropping the administrator statement with POLICY_LOCKOUT', () => {
    const policy = hardened();
    policy.Statement = policy.Statement.filter((s) => s.Sid !== 'CosignerKeyAdministration');
    const report = proveKeyPolicy(policy, base);
    expect(report.findings.some((f) => f.check === 'lockout')).toBe(true);
    expect(() => assertKeyPolicyProofs(report)).toThrowCosignerError('POLICY_LOCKOUT');
  });
  it.each<[string, PolicyStatement]>([
    ['a Deny of kms:* for everyone', { Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*' }],
    ['a Deny of PutKeyPolicy outside an IP range', { Effect: 'Deny', Principal: '*', Action: 'kms:PutKeyPolicy', Resource: '*', Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }],
    ['a Deny with an unknown operator', { Effect: 'Deny', Principal: '*', Action: 'kms:PutKeyPolicy', Resource: '*', Condition: { StringEqualz: { 'aws:PrincipalTag/team': 'x' } } }],
  ])('refuses %s with POLICY_LOCKOUT', (_name, statement) => {
    expect(() => assertKeyPolicyProofs(proveKeyPolicy(withStatement(hardened(), statement), base))).toThrowCosignerError('POLICY_LOCKOUT');
  });
  it('refuses an administrator in another account', () => {
    const admin = 'arn:aws:iam::111111111111:role/Admin';
    const policy = buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [GLOBAL_PCR8], adminArns: [admin] });
    expect(errors(policy, { adminArns: [admin] }).map((f) => f.check)).toContain('lockout');
  });
  it('refuses when the caller would lose PutKeyPolicy', () => {
    const admin = `arn:aws:iam::${ACCOUNT}:role/KeyAdmin`;
    const policy = buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [GLOBAL_PCR8], adminArns: [admin] });
    expect(errors(policy, { adminArns: [admin], callerArn: `arn:aws:iam::${ACCOUNT}:role/Deployer` })).toMatchObject([{ check: 'lockout', code: 'POLICY_LOCKOUT' }]);
  });
  it('reports an unknown operator as POLICY_UNSUPPORTED', () => {
    const statement: PolicyStatement = { Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'kms:TagResource', Resource: '*', Condition: { Bogus: { 'aws:SourceVpc': 'x' } } };
    expect(() => assertKeyPolicyProofs(proveKeyPolicy(withStatement(hardened(), statement), base))).toThrowCosignerError('POLICY_UNSUPPORTED');
  });
  it('refuses a policy that would cut the role off with POLICY_ROLE_DENIED', () => {
    const policy = buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [GLOBAL_PCR8] });
    policy.Statement.push({ Sid: 'DenyRole', Effect: 'Deny', Principal: { AWS: ROLE }, Action: 'kms:Decrypt', Resource: '*' });
    expect(() => assertKeyPolicyProofs(proveKeyPolicy(policy, base))).toThrowCosignerError('POLICY_ROLE_DENIED');
  });
  it('puts every error finding into the error context', () => {
    try {
      assertKeyPolicyProofs(proveKeyPolicy(withStatement(hardened(), allowRole(), { Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*' }), base));
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
    const policy = withStatement(buildBucketPolicy(input), { Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: 'arn:aws:s3:::cosigner-prod-123456789012', Condition: { ArnNotEquals: { 'aws:PrincipalArn': ROLE } } });
    const report = proveBucketPolicy(policy, input);
    expect(report.ok).toBe(false);
    expect(report.findings.map((f) => f.action)).toEqual(['s3:GetBucketPolicy', 's3:PutBucketPolicy', 's3:DeleteBucketPolicy']);
  });
});
