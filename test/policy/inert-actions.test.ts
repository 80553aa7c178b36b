// Inert actions: what Fireblocks' attested statement lists but can never grant (calls without an
// attestation under a PCR8 condition; GenerateRandom, which takes no key). They are reported, and a
// policy that grants the role nothing else leaves the co-signer without its key, which the
// `attested-access` proof says.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { attestationKey } from '../../src/policy/condition-keys.js';
import { evaluateKeyPolicy } from '../../src/policy/evaluate.js';
import {
  inertActionsFor,
  inertActionsOf,
  KEYLESS_ACTIONS,
  NO_ATTESTATION_ACTIONS,
} from '../../src/policy/inert-actions.js';
import { buildKeyPolicy } from '../../src/policy/key-policy.js';
import { assertKeyPolicyProofs, proveKeyPolicy } from '../../src/policy/proofs.js';
import type { PolicyDocument, PolicyStatement } from '../../src/policy/types.js';
import { ACCOUNT, GLOBAL_PCR8, KEY_ARN, ROLE } from './golden-cases.js';

const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
const ATTESTED_SID = 'Enable enclave data processing for specific role';
const PCR8 = attestationKey(8);
const INERT = [...NO_ATTESTATION_ACTIONS, ...KEYLESS_ACTIONS];

const documented = JSON.parse(
  readFileSync(new URL('../fixtures/fireblocks/key-policy.documented.json', import.meta.url), 'utf8')
    .replaceAll('{ACCOUNT-ID}', ACCOUNT)
    .replaceAll('{ROLE-NAME}', 'cosigner-prod')
    .replaceAll('{PCR8-VALUE}', GLOBAL_PCR8),
) as PolicyDocument;

const admin: PolicyStatement = {
  Sid: 'Admin',
  Effect: 'Allow',
  Principal: { AWS: ROOT },
  Action: ['kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:PutKeyPolicy', 'kms:CreateAlias'],
  Resource: '*',
};

/** A policy whose only Allow for the role is `actions`, under `condition`. */
function roleOnly(actions: readonly string[], condition: PolicyStatement['Condition']): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Role',
        Effect: 'Allow',
        Principal: { AWS: ROLE },
        Action: [...actions],
        Resource: '*',
        ...(condition === undefined ? {} : { Condition: condition }),
      },
      admin,
    ],
  };
}

const pinned = { StringEqualsIgnoreCase: { [PCR8]: GLOBAL_PCR8 } };

describe('inertActionsOf', () => {
  it("finds the five inert actions of Fireblocks' documented policy, all in its attested statement", () => {
    const inert = inertActionsOf(documented);
    expect(inert.map(({ action, reason }) => [action, reason])).toEqual([
      ['kms:Encrypt', 'no-attestation'],
      ['kms:GenerateDataKeyWithoutPlaintext', 'no-attestation'],
      ['kms:GenerateDataKeyPairWithoutPlaintext', 'no-attestation'],
      ['kms:GetKeyPolicy', 'no-attestation'],
      ['kms:GenerateRandom', 'no-key'],
    ]);
    // GetKeyPolicy of the separate, unconditional statement (and the root's) does take effect.
    for (const item of inert) expect(item.statements).toEqual([{ index: 0, sid: ATTESTED_SID }]);
    expect(inert[0]?.message).toBe(
      `kms:Encrypt never carries an attestation: the attestation condition of "${ATTESTED_SID}" never matches it, so that statement does not grant it`,
    );
    expect(inert[4]?.message).toContain('takes no key');
  });

  it('finds the same in both profiles, and nothing in our own added statements', () => {
    for (const profile of ['hardened', 'fireblocks-exact'] as const) {
      const policy = buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [GLOBAL_PCR8], profile });
      const inert = inertActionsOf(policy);
      expect(inert.map((item) => item.action)).toEqual(INERT);
      expect(inert.flatMap((item) => item.statements.map((ref) => ref.sid))).toEqual(INERT.map(() => ATTESTED_SID));
    }
  });

  it('agrees with the evaluator: an attested statement never allows a reported action without an attestation', () => {
    for (const action of NO_ATTESTATION_ACTIONS) {
      const policy = roleOnly([action], { ...pinned, Bool: { 'aws:SecureTransport': 'true' } });
      expect(inertActionsOf(policy).map((item) => item.action)).toEqual([action]);
      const result = evaluateKeyPolicy(policy, {
        principalArn: ROLE,
        principalAccount: ACCOUNT,
        action,
        resource: KEY_ARN,
        context: { 'aws:SecureTransport': true },
      });
      expect(result.decision, action).toBe('ImplicitDeny');
    }
  });

  it.each<[string, PolicyStatement['Condition']]>([
    ['no condition', undefined],
    ['StringEqualsIfExists (an absent key passes)', { StringEqualsIfExists: { [PCR8]: GLOBAL_PCR8 } }],
    ['a negation (an absent key passes)', { StringNotEquals: { [PCR8]: GLOBAL_PCR8 } }],
    ['ForAllValues (an empty set passes)', { 'ForAllValues:StringEquals': { [PCR8]: GLOBAL_PCR8 } }],
    ['Null true (asks for the key to be absent)', { Null: { [PCR8]: 'true' } }],
    ['a condition on another key only', { StringEquals: { 'aws:PrincipalAccount': ACCOUNT } }],
  ])('does not call a call without attestation inert under %s', (_name, condition) => {
    const policy = roleOnly(NO_ATTESTATION_ACTIONS, condition);
    expect(inertActionsOf(policy)).toEqual([]);
  });

  it('counts actions listed by name in any case, not wildcards, and GenerateRandom in any statement', () => {
    const policy: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'KMS:encrypt', Resource: '*', Condition: pinned },
        { Sid: 'Wide', Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'kms:*', Resource: '*', Condition: pinned },
        { Sid: 'NoRandom', Effect: 'Deny', Principal: '*', Action: 'kms:GenerateRandom', Resource: '*' },
      ],
    };
    expect(inertActionsOf(policy)).toEqual([
      expect.objectContaining({ action: 'kms:Encrypt', reason: 'no-attestation', statements: [{ index: 0 }] }),
      expect.objectContaining({
        action: 'kms:GenerateRandom',
        reason: 'no-key',
        statements: [{ index: 2, sid: 'NoRandom' }],
      }),
    ]);
  });

  it('names, for a principal, only the inert actions of statements that name it (or "*")', () => {
    const other = `arn:aws:iam::${ACCOUNT}:role/other`;
    const policy: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: other }, Action: 'kms:Encrypt', Resource: '*', Condition: pinned },
        { Effect: 'Allow', Principal: '*', Action: 'kms:GenerateRandom', Resource: '*', Condition: pinned },
      ],
    };
    expect(inertActionsFor(policy, ROLE)).toEqual(['kms:GenerateRandom']);
    expect(inertActionsFor(policy, other)).toEqual(['kms:Encrypt', 'kms:GenerateRandom']);
    // IAM role names are not distinguished by case: the same role, spelled otherwise.
    expect(inertActionsFor(policy, `arn:aws:iam::${ACCOUNT}:role/OTHER`)).toEqual([
      'kms:Encrypt',
      'kms:GenerateRandom',
    ]);
  });
});

describe('the proofs never count inert actions as access', () => {
  const input = {
    keyArn: KEY_ARN,
    roleArn: ROLE,
    pcr8: [GLOBAL_PCR8],
    adminArns: [ROOT],
    debugEnclave: 'accept-risk' as const,
  };

  it('a policy whose only Allow for the role is every inert action under the PCR8 condition gives no attested access', () => {
    const policy = roleOnly(INERT, pinned);
    const report = proveKeyPolicy(policy, input);
    expect(report.ok).toBe(false);
    expect(report.steps.find((step) => step.step === 'attested-access')).toEqual({
      step: 'attested-access',
      ok: false,
    });
    const denied = report.findings.filter((finding) => finding.check === 'attested-access');
    expect(denied.map((finding) => [finding.action, finding.code, finding.severity])).toEqual([
      ['kms:Decrypt', 'POLICY_ROLE_DENIED', 'error'],
      ['kms:GenerateDataKey', 'POLICY_ROLE_DENIED', 'error'],
    ]);
    for (const finding of denied) {
      expect(finding.message).toContain('the co-signer would lose access to its key');
      expect(finding.message).toContain(`the role's ${INERT.join(', ')} in this policy are inert`);
    }
    expect(() => assertKeyPolicyProofs(report)).toThrowCosignerError('POLICY_ROLE_DENIED');
    // The evaluator agrees: an attested Decrypt is not allowed.
    const decrypt = evaluateKeyPolicy(policy, {
      principalArn: ROLE,
      principalAccount: ACCOUNT,
      action: 'kms:Decrypt',
      resource: KEY_ARN,
      context: { [PCR8]: GLOBAL_PCR8 },
    });
    expect(decrypt.decision).toBe('ImplicitDeny');
  });

  it.each(INERT)('%s alone under the PCR8 condition is no access either', (action) => {
    const report = proveKeyPolicy(roleOnly([action], pinned), input);
    const denied = report.findings.filter((finding) => finding.check === 'attested-access');
    expect(denied.map((finding) => finding.code)).toEqual(['POLICY_ROLE_DENIED', 'POLICY_ROLE_DENIED']);
    expect(denied[0]?.message).toContain(`the role's ${action} in this policy is inert`);
  });

  it('says nothing about inert actions when the role has its access', () => {
    const report = proveKeyPolicy(documented, input);
    expect(report.ok).toBe(true);
    expect(report.findings.some((finding) => finding.message.includes('inert'))).toBe(false);
  });
});
