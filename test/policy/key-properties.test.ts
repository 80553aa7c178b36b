// The key-properties check: each property of a key the policy can protect, and grants refused
// unless each is accepted by id.
import { describe, expect, it } from 'vitest';
import {
  assertKeyProperties,
  carriesAttestedStatement,
  checkKeyProperties,
  keyPolicyHistory,
  type KeyGrant,
  type KeyPropertiesInput,
} from '../../src/policy/key-properties.js';
import { buildKeyPolicy } from '../../src/policy/key-policy.js';

const ACCOUNT = '111122223333';
const KEY_ARN = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/cosigner-cli/demo-cosigner`;
const PCR8 = 'da1d9eca20ce98ab4fdbc51f8e5a2307fd4c61829b7d8bff40976cd6676862c8f3476ff4bdd0f65ecf4a48d6eb3099a8';
const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

const SOUND = { Origin: 'AWS_KMS', MultiRegion: false, KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT' };

function input(patch: Partial<KeyPropertiesInput> = {}): KeyPropertiesInput {
  return {
    keyArn: KEY_ARN,
    metadata: SOUND,
    grants: { listed: true, grants: [] },
    acceptedGrantIds: [],
    history: 'foreign',
    ...patch,
  };
}

function grant(id: string, patch: Partial<KeyGrant> = {}): KeyGrant {
  return {
    GrantId: id,
    GranteePrincipal: `arn:aws:iam::${ACCOUNT}:role/backup`,
    Operations: ['Decrypt', 'GenerateDataKey'],
    ...patch,
  };
}

const errors = (i: KeyPropertiesInput) => checkKeyProperties(i).findings.filter((f) => f.severity === 'error');

describe('checkKeyProperties: the key', () => {
  it('passes a single-Region symmetric encryption key with KMS-generated material and no grants', () => {
    expect(checkKeyProperties(input())).toEqual({ ok: true, findings: [], acceptedGrants: [], grantsListed: true });
    expect(() => assertKeyProperties(checkKeyProperties(input()))).not.toThrow();
  });

  it.each([
    [
      'imported material',
      { Origin: 'EXTERNAL' },
      'origin',
      /imported key material \(Origin EXTERNAL\).*exists outside KMS/,
    ],
    [
      'a CloudHSM key store',
      { Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: 'cks-1234567890abcdef0' },
      'origin',
      /custom key store \(Origin AWS_CLOUDHSM\).*CloudHSM cluster/,
    ],
    ['an external key store', { Origin: 'EXTERNAL_KEY_STORE' }, 'origin', /external key manager \(XKS\)/],
    ['an origin KMS may add later', { Origin: 'SOMETHING_NEW' }, 'origin', /Origin SOMETHING_NEW, not AWS_KMS/],
    [
      'a custom key store id',
      { CustomKeyStoreId: 'cks-1234567890abcdef0' },
      'custom-key-store',
      /custom key store cks-1234567890abcdef0.*external HSM/,
    ],
    ['multi-Region', { MultiRegion: true }, 'multi-region', /multi-Region key: each replica has its own key policy/],
    ['asymmetric', { KeySpec: 'RSA_2048' }, 'key-spec', /RSA_2048, not a symmetric encryption key/],
    ['an HMAC key', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }, 'key-spec', /HMAC_256/],
    ['for signing', { KeyUsage: 'SIGN_VERIFY' }, 'key-usage', /key usage SIGN_VERIFY, not ENCRYPT_DECRYPT/],
  ])('refuses %s (KEY_UNPROTECTABLE) and says why', (_name, metadata, check, message) => {
    const found = errors(input({ metadata: { ...SOUND, ...metadata } }));
    expect(found.map((f) => f.check)).toContain(check);
    const finding = found.find((f) => f.check === check)!;
    expect(finding).toMatchObject({ code: 'KEY_UNPROTECTABLE', severity: 'error' });
    expect(finding.message).toMatch(message);
    expect(finding.hint).toContain('run provision without kms.keyId');
  });

  it.each([
    ['Origin', 'origin'],
    ['MultiRegion', 'multi-Region flag'],
    ['KeySpec', 'key spec'],
    ['KeyUsage', 'key usage'],
  ] as const)('refuses a key described without %s rather than assuming the safe value', (field, words) => {
    const metadata: Record<string, unknown> = { ...SOUND };
    delete metadata[field];
    const [finding] = errors(input({ metadata }));
    expect(finding?.code).toBe('KEY_UNPROTECTABLE');
    expect(finding?.message).toContain(`did not report the ${words}`);
  });

  it('reports every failing property; the error names the first and counts the rest', () => {
    const report = checkKeyProperties(input({ metadata: { ...SOUND, Origin: 'EXTERNAL', MultiRegion: true } }));
    expect(report.ok).toBe(false);
    expect(report.findings.map((f) => f.check)).toEqual(['origin', 'multi-region']);
    expect(() => assertKeyProperties(report)).toThrowCosignerError('KEY_UNPROTECTABLE');
    try {
      assertKeyProperties(report);
    } catch (error) {
      expect((error as Error).message).toMatch(/Origin EXTERNAL.*\(and 1 more: .*multi-Region/);
      expect((error as { exitCode: number }).exitCode).toBe(5);
      expect((error as { context: unknown }).context).toEqual({
        findings: [
          { check: 'origin', code: 'KEY_UNPROTECTABLE' },
          { check: 'multi-region', code: 'KEY_UNPROTECTABLE' },
        ],
      });
    }
  });
});

describe('checkKeyProperties: grants', () => {
  it('refuses a grant that is not accepted, naming grantee and operations, with the revoke command', () => {
    const report = checkKeyProperties(input({ grants: { listed: true, grants: [grant(A, { Name: 'backup-job' })] } }));
    expect(report.ok).toBe(false);
    const [finding] = report.findings;
    expect(finding).toMatchObject({ check: 'grants', code: 'KEY_HAS_GRANTS', severity: 'error', grantId: A });
    expect(finding?.message).toContain(
      `grant ${A} (grantee arn:aws:iam::${ACCOUNT}:role/backup, operations Decrypt, GenerateDataKey, name "backup-job")`,
    );
    expect(finding?.message).toContain('without going through the key policy');
    expect(finding?.hint).toContain(`aws kms revoke-grant --key-id ${KEY_ARN} --grant-id ${A}`);
    expect(finding?.hint).toContain(`--accept-grant ${A}`);
    expect(() => assertKeyProperties(report)).toThrowCosignerError('KEY_HAS_GRANTS');
  });

  it('accepts a grant named by id, with a warning', () => {
    const report = checkKeyProperties(
      input({
        grants: { listed: true, grants: [grant(A, { Constraints: { EncryptionContextSubset: { app: 'x' } } })] },
        acceptedGrantIds: [A],
      }),
    );
    expect(report.ok).toBe(true);
    expect(report.acceptedGrants.map((g) => g.GrantId)).toEqual([A]);
    expect(report.findings).toMatchObject([{ severity: 'warning', grantId: A }]);
    expect(report.findings[0]?.message).toContain('constraints {"EncryptionContextSubset":{"app":"x"}}');
  });

  it('still refuses another grant that is not named', () => {
    const report = checkKeyProperties(
      input({
        grants: { listed: true, grants: [grant(A), grant(B, { Operations: ['DescribeKey'] })] },
        acceptedGrantIds: [A],
      }),
    );
    expect(report.ok).toBe(false);
    expect(report.findings.filter((f) => f.severity === 'error').map((f) => f.grantId)).toEqual([B]);
  });

  it('matches grant ids exactly (no prefix, no case folding)', () => {
    const report = checkKeyProperties(
      input({ grants: { listed: true, grants: [grant(A)] }, acceptedGrantIds: [A.slice(0, 63), A.toUpperCase()] }),
    );
    expect(report.ok).toBe(false);
    expect(report.findings.filter((f) => f.severity === 'warning').map((f) => f.message)).toEqual([
      `--accept-grant ${A.slice(0, 63)}: the key ${KEY_ARN} has no such grant`,
      `--accept-grant ${A.toUpperCase()}: the key ${KEY_ARN} has no such grant`,
    ]);
  });

  it('warns about an accepted grant the key does not have', () => {
    const report = checkKeyProperties(input({ acceptedGrantIds: [A] }));
    expect(report.ok).toBe(true);
    expect(report.findings).toMatchObject([{ check: 'grants', severity: 'warning', grantId: A }]);
  });

  describe('when the grants cannot be listed', () => {
    const unlisted = { listed: false as const, reason: 'kms:ListGrants was denied to the caller' };

    it('refuses (KEY_GRANTS_UNREADABLE) while the key policy is not yet the attested one', () => {
      const report = checkKeyProperties(input({ grants: unlisted }));
      expect(report).toMatchObject({ ok: false, grantsListed: false });
      expect(report.findings[0]).toMatchObject({ code: 'KEY_GRANTS_UNREADABLE', severity: 'error' });
      expect(report.findings[0]?.hint).toContain(`aws kms list-grants --key-id ${KEY_ARN}`);
    });

    it('warns when the policy is already attested: grants made before it would still work', () => {
      const report = checkKeyProperties(input({ grants: unlisted, history: 'attested' }));
      expect(report.ok).toBe(true);
      expect(report.findings).toMatchObject([{ severity: 'warning', check: 'grants' }]);
    });

    it('only notes it for a key cosigner-cli created with the attested policy', () => {
      const report = checkKeyProperties(input({ grants: unlisted, history: 'created-attested' }));
      expect(report.ok).toBe(true);
      expect(report.findings).toMatchObject([{ severity: 'info', check: 'grants' }]);
    });

    it('does not let an accepted id stand in for listing', () => {
      expect(checkKeyProperties(input({ grants: unlisted, acceptedGrantIds: [A] })).ok).toBe(false);
    });
  });
});

describe('keyPolicyHistory', () => {
  const attested = buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [PCR8] });
  const exact = buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [PCR8], profile: 'fireblocks-exact' });
  const foreign = {
    Statement: [
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow' as const,
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  };

  it('is created-attested only for a key of ours whose policy still carries the attested statement', () => {
    expect(keyPolicyHistory(true, attested)).toBe('created-attested');
    expect(keyPolicyHistory(true, foreign)).toBe('foreign');
    expect(keyPolicyHistory(false, attested)).toBe('attested');
    expect(keyPolicyHistory(false, exact)).toBe('attested');
    expect(keyPolicyHistory(false, foreign)).toBe('foreign');
    expect(keyPolicyHistory(true, undefined)).toBe('foreign');
  });

  it('recognises the attested statement of either profile by Sid', () => {
    expect(carriesAttestedStatement(attested)).toBe(true);
    expect(carriesAttestedStatement(exact)).toBe(true);
    expect(carriesAttestedStatement(foreign)).toBe(false);
  });
});
