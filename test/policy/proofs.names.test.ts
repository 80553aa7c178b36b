// Whether a principal is the co-signer role, an administrator or the caller: IAM role and user
// names are unique in an account ignoring case, so every proof compares them ignoring case (and
// the account and path exactly), in both directions: a spelling of the role is never an
// administrator, and a Deny naming a spelling of the role or an administrator counts.
import { describe, expect, it } from 'vitest';
import { buildBucketPolicy } from '../../src/policy/bucket-policy.js';
import { buildKeyPolicy } from '../../src/policy/key-policy.js';
import {
  assertKeyPolicyProofs,
  proveBucketPolicy,
  proveKeyPolicy,
  type KeyPolicyProofInput,
} from '../../src/policy/proofs.js';
import type { PolicyDocument, PolicyStatement } from '../../src/policy/types.js';
import { ACCOUNT, GLOBAL_PCR8, KEY_ARN, ROLE } from './golden-cases.js';

const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
const base: KeyPolicyProofInput = { keyArn: KEY_ARN, roleArn: ROLE, pcr8: [GLOBAL_PCR8], adminArns: [ROOT] };
const withStatement = (policy: PolicyDocument, ...extra: PolicyStatement[]): PolicyDocument => ({
  ...policy,
  Statement: [...policy.Statement, ...extra],
});
const errors = (policy: PolicyDocument, input: Partial<KeyPolicyProofInput> = {}) =>
  proveKeyPolicy(policy, { ...base, ...input }).findings.filter((f) => f.severity === 'error');

describe('IAM role and user names compare ignoring case (the account and the path exactly)', () => {
  // The attack review's shape: a role with a path, and an administrator ARN that differs in case only.
  const PATH_ROLE = `arn:aws:iam::${ACCOUNT}:role/cosigner-cli/demo-cosigner`;
  const VARIANT = `arn:aws:iam::${ACCOUNT}:role/cosigner-cli/Demo-Cosigner`;
  const input = (adminArns: string[]): KeyPolicyProofInput => ({ ...base, roleArn: PATH_ROLE, adminArns });
  const policyFor = (adminArns: string[]) =>
    buildKeyPolicy({ accountId: ACCOUNT, roleArn: PATH_ROLE, pcr8: [GLOBAL_PCR8], adminArns });

  it('refuses an administrator ARN that is the co-signer role spelled in another case', () => {
    const report = proveKeyPolicy(policyFor([VARIANT]), input([VARIANT]));
    expect(report.ok).toBe(false);
    expect(report.findings).toContainEqual(
      expect.objectContaining({
        check: 'key-control',
        code: 'POLICY_KEY_CONTROL',
        principal: VARIANT,
        message: expect.stringContaining('is configured as a key administrator') as unknown,
      }),
    );
    expect(() => assertKeyPolicyProofs(report)).toThrowCosignerError('POLICY_KEY_CONTROL');
  });
  it('refuses a session of the co-signer role as an administrator', () => {
    const session = `arn:aws:sts::${ACCOUNT}:assumed-role/DEMO-cosigner/i-0123456789abcdef0`;
    expect(errors(policyFor([ROOT]), { roleArn: PATH_ROLE, adminArns: [ROOT, session] })).toContainEqual(
      expect.objectContaining({ check: 'key-control', principal: session }),
    );
  });
  it('keeps the path exact: the same name under another path is another role', () => {
    const other = `arn:aws:iam::${ACCOUNT}:role/ops/demo-cosigner`;
    expect(errors(policyFor([other]), { roleArn: PATH_ROLE, adminArns: [other] })).toEqual([]);
  });
  it('keeps the account exact: the same name in another account is another role', () => {
    const foreign = 'arn:aws:iam::210987654321:role/cosigner-cli/demo-cosigner';
    expect(
      errors(policyFor([ROOT]), { roleArn: PATH_ROLE, adminArns: [ROOT, foreign] }).filter(
        (f) => f.check === 'key-control',
      ),
    ).toEqual([]);
  });
  it('refuses a control Allow to a case variant of the role even when that variant is listed as an administrator', () => {
    const policy = withStatement(policyFor([ROOT]), {
      Sid: 'Foreign',
      Effect: 'Allow',
      Principal: { AWS: VARIANT },
      Action: 'kms:PutKeyPolicy',
      Resource: '*',
    });
    const findings = errors(policy, { roleArn: PATH_ROLE, adminArns: [ROOT, VARIANT] });
    expect(findings).toContainEqual(
      expect.objectContaining({
        check: 'key-control',
        principal: `${VARIANT} (the co-signer role)`,
        statements: [{ index: policy.Statement.length - 1, sid: 'Foreign' }],
      }),
    );
  });
  it('reads a case variant of the role in an attested Allow as the role (its data access, nobody else)', () => {
    const attested: PolicyStatement = {
      Sid: 'RoleAgain',
      Effect: 'Allow',
      Principal: { AWS: VARIANT },
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: { StringEqualsIgnoreCase: { 'kms:RecipientAttestation:PCR8': GLOBAL_PCR8 } },
    };
    expect(proveKeyPolicy(withStatement(policyFor([ROOT]), attested), input([ROOT])).ok).toBe(true);
    // A user of the same name is not the role.
    const user = `arn:aws:iam::${ACCOUNT}:user/cosigner-cli/demo-cosigner`;
    const asUser = withStatement(policyFor([ROOT]), { ...attested, Principal: { AWS: user } });
    expect(errors(asUser, { roleArn: PATH_ROLE })).toContainEqual(
      expect.objectContaining({ check: 'attested-only', principal: user }),
    );
  });
  it('counts a Deny that names the role in another case as cutting it off (POLICY_ROLE_DENIED)', () => {
    const policy = withStatement(policyFor([ROOT]), {
      Sid: 'Foreign',
      Effect: 'Deny',
      Principal: { AWS: VARIANT },
      Action: 'kms:Decrypt',
      Resource: '*',
    });
    expect(errors(policy, { roleArn: PATH_ROLE })).toContainEqual(
      expect.objectContaining({ check: 'attested-access', code: 'POLICY_ROLE_DENIED' }),
    );
  });
  it("counts a Deny on a session of the role's name in another case as cutting it off", () => {
    const policy = withStatement(policyFor([ROOT]), {
      Sid: 'Foreign',
      Effect: 'Deny',
      Principal: { AWS: `arn:aws:sts::${ACCOUNT}:assumed-role/Demo-Cosigner/i-0123456789abcdef0` },
      Action: 'kms:GenerateDataKey',
      Resource: '*',
    });
    expect(errors(policy, { roleArn: PATH_ROLE })).toContainEqual(
      expect.objectContaining({ check: 'attested-access', code: 'POLICY_ROLE_DENIED' }),
    );
  });
  it('counts a Deny that names an administrator in another case as a lockout', () => {
    const admin = `arn:aws:iam::${ACCOUNT}:role/KeyAdmin`;
    const policy = withStatement(policyFor([admin]), {
      Sid: 'Foreign',
      Effect: 'Deny',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/keyadmin` },
      Action: 'kms:PutKeyPolicy',
      Resource: '*',
    });
    expect(errors(policy, { roleArn: PATH_ROLE, adminArns: [admin] })).toContainEqual(
      expect.objectContaining({ check: 'lockout', code: 'POLICY_LOCKOUT', principal: admin }),
    );
  });
  it('counts a bucket-policy Deny that names an administrator in another case as a lockout', () => {
    const BUCKET = 'cosigner-prod-123456789012';
    const admin = `arn:aws:iam::${ACCOUNT}:user/Alice`;
    const bucketInput = { bucketName: BUCKET, accountId: ACCOUNT, roleArn: ROLE, adminArns: [admin] };
    const policy = withStatement(buildBucketPolicy(bucketInput), {
      Sid: 'Foreign',
      Effect: 'Deny',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/alice` },
      Action: 's3:PutBucketPolicy',
      Resource: `arn:aws:s3:::${BUCKET}`,
    });
    expect(proveBucketPolicy(policy, bucketInput).findings.map((f) => [f.check, f.principal])).toEqual([
      ['bucket-lockout', admin],
    ]);
  });
});
