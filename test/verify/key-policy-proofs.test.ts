// The key-policy analysis against the statements an attacker would write to get past it:
// wildcards, NotAction, NotPrincipal, Principal "*", IfExists and pattern operators on PCR8,
// another account's principal, a deleted role's unique id, a compensating Deny.
import { describe, expect, it } from 'vitest';
import { buildKeyPolicy } from '../../src/policy/key-policy.js';
import type { PolicyDocument, PolicyStatement } from '../../src/policy/types.js';
import { analyseKeyPolicy } from '../../src/verify/key-policy-proofs.js';

const ACCOUNT = '111122223333';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/cosigner-cli/demo-cosigner`;
const KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`;
const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
const PCR8 = 'da'.repeat(48);
const OTHER = 'b8'.repeat(48);

const sound = (): PolicyDocument => buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [PCR8] });
const withStatement = (statement: PolicyStatement, base = sound()): PolicyDocument => ({
  ...base,
  Statement: [...base.Statement, statement],
});
const analyse = (policy: PolicyDocument, debugEnclaveAccepted = false) =>
  analyseKeyPolicy(policy, {
    keyArn: KEY,
    accountId: ACCOUNT,
    roleArn: ROLE,
    expectedPcr8: [PCR8],
    adminArns: [ROOT],
    debugEnclaveAccepted,
  });

describe('analyseKeyPolicy', () => {
  it('finds nothing wrong in the hardened policy it builds', () => {
    const a = analyse(sound());
    expect(a.report.ok).toBe(true);
    expect([a.unattested, a.compensated, a.reencrypt, a.pcr8Shape, a.publicAllows]).toEqual([[], [], [], [], []]);
    expect(a.admittedPcr8).toEqual([PCR8]);
    expect(a.attestedStatements).toEqual([
      { index: 0, sid: 'Enable enclave data processing for specific role', principals: [ROLE] },
    ]);
  });

  describe('when an Allow reaches the data operations without attestation', () => {
    it.each<[string, Partial<PolicyStatement>]>([
      ['kms:*', { Action: 'kms:*' }],
      ['kms:De*', { Action: 'kms:De*' }],
      ['kms:Gen*', { Action: 'kms:Gen*' }],
      ['"*"', { Action: '*' }],
      ['NotAction kms:Encrypt', { NotAction: 'kms:Encrypt' }],
      [
        'a condition on another key',
        { Action: 'kms:Decrypt', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } },
      ],
      [
        'PCR8 under StringEqualsIfExists',
        { Action: 'kms:Decrypt', Condition: { StringEqualsIfExists: { 'kms:RecipientAttestation:PCR8': PCR8 } } },
      ],
      [
        'PCR8 under StringNotEquals',
        { Action: 'kms:Decrypt', Condition: { StringNotEquals: { 'kms:RecipientAttestation:PCR8': OTHER } } },
      ],
      [
        'a misspelled attestation key (read as not pinning anything)',
        { Action: 'kms:Decrypt', Condition: { StringEquals: { 'kms:RecipientAtestation:PCR8': PCR8 } } },
      ],
    ])('reports %s as unattested, with a witness the evaluator allows', (_name, shape) => {
      const { Action, NotAction, Condition } = shape;
      const statement: PolicyStatement = {
        Sid: 'Sneaky',
        Effect: 'Allow',
        Principal: { AWS: ROOT },
        ...(Action === undefined ? {} : { Action }),
        ...(NotAction === undefined ? {} : { NotAction }),
        Resource: '*',
        ...(Condition === undefined ? {} : { Condition }),
      };
      const a = analyse(withStatement(statement));
      expect(a.unattested).toHaveLength(1);
      expect(a.unattested[0]).toMatchObject({ index: sound().Statement.length, sid: 'Sneaky' });
      expect(a.unattested[0]?.witness?.decisions).toContain('Allow');
    });

    it('reports an Allow to Principal "*" and to NotPrincipal', () => {
      for (const principal of [{ Principal: '*' as const }, { NotPrincipal: { AWS: ROLE } }]) {
        const a = analyse(withStatement({ Effect: 'Allow', ...principal, Action: 'kms:Decrypt', Resource: '*' }));
        expect(a.unattested.map((p) => p.index)).toEqual([sound().Statement.length]);
        expect(a.publicAllows.map((p) => p.index)).toEqual([sound().Statement.length]);
      }
    });

    it('reports an Allow to another account (delegated to its IAM)', () => {
      const a = analyse(
        withStatement({ Effect: 'Allow', Principal: { AWS: '444455556666' }, Action: 'kms:Decrypt', Resource: '*' }),
      );
      expect(a.unattested[0]?.witness).toMatchObject({
        principal: 'arn:aws:iam::444455556666:root',
        action: 'kms:Decrypt',
      });
    });

    it('downgrades it when a Deny with Principal "*" takes it away from every request without attestation', () => {
      const a = analyse(
        withStatement(
          {
            Sid: 'DenyUnattested',
            Effect: 'Deny',
            Principal: '*',
            Action: 'kms:*',
            Resource: '*',
            Condition: { Null: { 'kms:RecipientAttestation:PCR8': 'true' } },
          },
          withStatement({
            Sid: 'Wide',
            Effect: 'Allow',
            Principal: { AWS: ROOT },
            Action: 'kms:Decrypt',
            Resource: '*',
          }),
        ),
      );
      expect(a.unattested).toEqual([]);
      expect(a.compensated.map((p) => p.sid)).toEqual(['Wide']);
    });

    it('does not downgrade for a Deny that holds only for some callers or some of the actions', () => {
      const wide = withStatement({
        Sid: 'Wide',
        Effect: 'Allow',
        Principal: '*',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: '*',
      });
      // Only for the witness's own account: every other account still gets through.
      const oneAccount = analyse(
        withStatement(
          {
            Effect: 'Deny',
            Principal: '*',
            Action: 'kms:*',
            Resource: '*',
            Condition: {
              Null: { 'kms:RecipientAttestation:PCR8': 'true' },
              StringEquals: { 'kms:CallerAccount': '999999999999' },
            },
          },
          wide,
        ),
      );
      expect(oneAccount.unattested.map((p) => p.sid)).toEqual(['Wide']);
      // Only Decrypt: GenerateDataKey stays open.
      const oneAction = analyse(
        withStatement(
          {
            Effect: 'Deny',
            Principal: '*',
            Action: 'kms:Decrypt',
            Resource: '*',
            Condition: { Null: { 'kms:RecipientAttestation:PCR8': 'true' } },
          },
          wide,
        ),
      );
      expect(oneAction.unattested.map((p) => p.sid)).toEqual(['Wide']);
    });

    it('does not downgrade for a Deny that only some principals meet', () => {
      const a = analyse(
        withStatement(
          {
            Effect: 'Deny',
            Principal: { AWS: ROOT },
            Action: 'kms:*',
            Resource: '*',
            Condition: { Null: { 'kms:RecipientAttestation:PCR8': 'true' } },
          },
          withStatement({ Sid: 'Wide', Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*' }),
        ),
      );
      expect(a.unattested.map((p) => p.sid)).toEqual(['Wide']);
    });
  });

  it('counts a pin on any kms:RecipientAttestation key as attested: only an attested request carries one', () => {
    const a = analyse(
      withStatement({
        Effect: 'Allow',
        Principal: { AWS: ROLE },
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: { StringEquals: { 'kms:RecipientAttestation:PCR08': PCR8 } },
      }),
    );
    expect(a.unattested).toEqual([]);
    // …but it does not pin PCR8: any signer's image with that register passes.
    expect(a.pcr8Shape).toHaveLength(1);
  });

  it('reports ReEncrypt without an attestation pin', () => {
    const a = analyse(
      withStatement({ Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'kms:ReEncrypt*', Resource: '*' }),
    );
    expect(a.reencrypt[0]?.actions).toEqual(['kms:ReEncryptFrom', 'kms:ReEncryptTo']);
    expect(a.unattested).toEqual([]);
  });

  describe('PCR8', () => {
    it('collects every value the data Allows admit, intersecting a statement’s clauses', () => {
      const policy = sound();
      policy.Statement[0]!.Condition = {
        StringEqualsIgnoreCase: { 'kms:RecipientAttestation:PCR8': [PCR8, OTHER] },
        StringEquals: { 'kms:RecipientAttestation:PCR8': [OTHER, 'cc'.repeat(48)] },
      };
      expect(analyse(policy).admittedPcr8).toEqual([OTHER]);
    });

    it('reports a pattern operator on PCR8 beside the pin', () => {
      const a = analyse(
        withStatement({
          Sid: 'Pattern',
          Effect: 'Allow',
          Principal: { AWS: ROLE },
          Action: 'kms:Decrypt',
          Resource: '*',
          Condition: {
            StringEquals: { 'kms:RecipientAttestation:ImageSha384': 'ab'.repeat(48) },
            StringLike: { 'kms:RecipientAttestation:PCR8': '*' },
          },
        }),
      );
      expect(a.pcr8Shape.map((p) => p.why)).toEqual([
        'does not pin kms:RecipientAttestation:PCR8 with StringEquals/StringEqualsIgnoreCase',
        expect.stringContaining('StringLike'),
      ]);
      // Pinned on ImageSha384, so attested: not the not-enforced check's.
      expect(a.unattested).toEqual([]);
    });

    it('lists the principals of the attested statements, a deleted role’s id among them', () => {
      const policy = sound();
      policy.Statement[0]!.Principal = { AWS: ['AROAEXAMPLEDELETED12', ROLE] };
      expect(analyse(policy).attestedStatements[0]?.principals).toEqual(['AROAEXAMPLEDELETED12', ROLE]);
    });
  });

  it.each<[string, Record<string, Record<string, string | string[]>> | undefined, boolean]>([
    ['no condition', undefined, true],
    ['StringNotEquals on one other account', { StringNotEquals: { 'kms:CallerAccount': '999999999999' } }, true],
    ['an organization', { StringEquals: { 'aws:PrincipalOrgID': 'o-abc' } }, true],
    ['this account and another', { StringEquals: { 'aws:PrincipalAccount': [ACCOUNT, '444455556666'] } }, true],
    ['ArnLike on another account', { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/x' } }, true],
    ['kms:CallerAccount of this account', { StringEquals: { 'kms:CallerAccount': ACCOUNT } }, false],
    ['aws:PrincipalAccount of this account', { StringEqualsIgnoreCase: { 'aws:PrincipalAccount': ACCOUNT } }, false],
    ['ArnLike on roles of this account', { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/*` } }, false],
  ])('an Allow to "*" with %s is public: %s', (_name, condition, isPublic) => {
    const a = analyse(
      withStatement({
        Effect: 'Allow',
        Principal: '*',
        Action: 'kms:DescribeKey',
        Resource: '*',
        ...(condition === undefined ? {} : { Condition: condition }),
      }),
    );
    expect(a.publicAllows.length > 0).toBe(isPublic);
  });

  it('does not call an Allow to "*" restricted to this account public', () => {
    const a = analyse(
      withStatement({
        Effect: 'Allow',
        Principal: '*',
        Action: 'kms:DescribeKey',
        Resource: '*',
        Condition: { StringEquals: { 'kms:CallerAccount': ACCOUNT } },
      }),
    );
    expect(a.publicAllows).toEqual([]);
  });

  it('calls an Allow to "*" pinned only on PCR8 public: any account’s enclave with that image could use it', () => {
    const policy = sound();
    policy.Statement[0]!.Principal = '*';
    expect(analyse(policy).publicAllows.map((p) => p.index)).toEqual([0]);
  });

  it('reports key control for outsiders and lockout through the proofs', () => {
    const a = analyse(
      withStatement({ Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'kms:PutKeyPolicy', Resource: '*' }),
    );
    expect(a.findings('key-control').map((f) => f.principal)).toEqual([expect.stringContaining(ROLE)]);
    expect(a.findings('lockout').map((f) => f.principal)).toEqual([]);
    const none = sound();
    none.Statement = none.Statement.filter((s) => s.Sid !== 'Allow policy management to root user');
    expect(
      analyse(none)
        .findings('lockout')
        .map((f) => f.principal),
    ).toEqual([ROOT]);
  });

  it('reports the debug guard as a warning only when the risk is accepted', () => {
    const bare = sound();
    bare.Statement = bare.Statement.filter((s) => s.Sid !== 'CosignerDenyDebugEnclave');
    expect(analyse(bare).findings('debug-enclave')[0]?.severity).toBe('error');
    expect(analyse(bare, true).findings('debug-enclave')[0]?.severity).toBe('warning');
  });
});
