import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalPolicyText, policiesEquivalent } from '../../src/policy/canonical.js';
import { OWNED_KEY_POLICY_SIDS } from '../../src/policy/constants.js';
import { diffPolicies, renderPolicyDiff } from '../../src/policy/diff.js';
import { buildKeyPolicy } from '../../src/policy/key-policy.js';
import { foreignStatements, mergeBySid } from '../../src/policy/merge.js';
import type { PolicyDocument, PolicyStatement } from '../../src/policy/types.js';
import { statement } from './arbitraries.js';
import { ACCOUNT, EU_PCR8, GLOBAL_PCR8, ROLE } from './golden-cases.js';

const desired = (pcr8 = [GLOBAL_PCR8]) => buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8 });
const fbExact = () =>
  buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [GLOBAL_PCR8], profile: 'fireblocks-exact' });
const owned = { ownedSids: OWNED_KEY_POLICY_SIDS };
const foreignSid = fc.option(
  fc.stringMatching(/^[A-Za-z0-9 ]{1,20}$/).filter((sid) => !OWNED_KEY_POLICY_SIDS.includes(sid)),
  { nil: undefined },
);

describe('mergeBySid', () => {
  it('replaces our statements in place and appends new ones', () => {
    const existing: PolicyDocument = {
      Version: '2012-10-17',
      Id: 'key-default-1',
      Statement: [
        { Sid: 'Foreign', Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'kms:Encrypt', Resource: '*' },
        ...desired([EU_PCR8]).Statement.slice(0, 2),
      ],
    };
    const { policy, report } = mergeBySid(existing, desired(), owned);
    expect(policy.Id).toBe('key-default-1');
    expect(policy.Statement.map((s) => s.Sid)).toEqual([
      'Foreign',
      'Enable enclave data processing for specific role',
      'Allow GetKeyPolicy to co-signer',
      'Allow policy management to root user',
      'CosignerKeyRecovery',
      'CosignerDenyDebugEnclave',
    ]);
    expect(report).toEqual({
      replaced: ['Enable enclave data processing for specific role', 'Allow GetKeyPolicy to co-signer'],
      added: ['Allow policy management to root user', 'CosignerKeyRecovery', 'CosignerDenyDebugEnclave'],
      removed: [],
      foreign: [0],
      notFound: [],
    });
  });
  it("keeps a Fireblocks-pasted policy's statements as they are and adds the hardening after them", () => {
    const { policy, report } = mergeBySid(fbExact(), desired(), owned);
    expect(policy.Statement.map((s) => s.Sid)).toEqual(desired().Statement.map((s) => s.Sid));
    expect(policy.Statement.slice(0, 3)).toEqual(fbExact().Statement);
    expect(report).toMatchObject({ removed: [], added: ['CosignerKeyRecovery', 'CosignerDenyDebugEnclave'] });
  });
  it('replaces the copies of Fireblocks statements that earlier releases wrote under their own Sids', () => {
    const legacy: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [
        { ...(desired().Statement[0] as PolicyStatement), Sid: 'CosignerEnclaveAttestedAccess' },
        { ...(desired().Statement[1] as PolicyStatement), Sid: 'CosignerRoleGetKeyPolicy' },
        {
          Sid: 'CosignerKeyAdministration',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
          Action: 'kms:PutKeyPolicy',
          Resource: '*',
        },
      ],
    };
    const { policy, report } = mergeBySid(legacy, desired(), owned);
    expect(policy.Statement.map((s) => s.Sid)).toEqual(desired().Statement.map((s) => s.Sid));
    expect(report.removed).toEqual([
      'CosignerEnclaveAttestedAccess',
      'CosignerRoleGetKeyPolicy',
      'CosignerKeyAdministration',
    ]);
  });
  it('drops duplicates of our Sids', () => {
    const twice = desired();
    twice.Statement.push(structuredClone(twice.Statement[0] as PolicyStatement));
    expect(mergeBySid(twice, desired(), owned).report.removed).toEqual([
      'Enable enclave data processing for specific role',
    ]);
  });
  it('removes a foreign statement only on request, reports unknown Sids, and refuses our own', () => {
    const existing = {
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
    expect(
      mergeBySid(existing, desired(), { ...owned, removeSids: ['Enable IAM User Permissions'] }).report.removed,
    ).toEqual(['Enable IAM User Permissions']);
    const typo = mergeBySid(existing, desired(), { ...owned, removeSids: ['Enable IAM user permissions'] });
    expect(typo.report.notFound).toEqual(['Enable IAM user permissions']);
    expect(typo.policy.Statement[0]).toEqual(existing.Statement[0]);
    expect(() =>
      mergeBySid(existing, desired(), { ...owned, removeSids: ['CosignerKeyAdministration'] }),
    ).toThrowCosignerError('POLICY_INVALID');
  });
  it('keeps every foreign statement unchanged and in order (property)', () => {
    fc.assert(
      fc.property(
        fc.array(statement({ sids: foreignSid }), { maxLength: 8 }),
        fc.array(fc.nat(20), { maxLength: 4 }),
        fc.boolean(),
        (foreign, positions, fb) => {
          // Interleave our (possibly stale) statements at random positions among the foreign ones.
          const ours = (fb ? fbExact() : desired([EU_PCR8])).Statement;
          const mixed: PolicyStatement[] = [...foreign];
          positions.forEach((position, i) =>
            mixed.splice(position % (mixed.length + 1), 0, structuredClone(ours[i % ours.length] as PolicyStatement)),
          );
          const before = structuredClone(mixed);
          const { policy, report } = mergeBySid({ Version: '2012-10-17', Statement: mixed }, desired(), owned);
          expect(mixed).toEqual(before); // input untouched
          expect(foreignStatements(policy, OWNED_KEY_POLICY_SIDS).map((f) => f.statement)).toEqual(foreign);
          expect(report.foreign).toHaveLength(foreign.length);
          // Our statements are exactly the desired ones.
          expect(policy.Statement.filter((s) => s.Sid !== undefined && OWNED_KEY_POLICY_SIDS.includes(s.Sid))).toEqual(
            expect.arrayContaining(desired().Statement),
          );
          expect(policy.Statement.length).toBe(foreign.length + desired().Statement.length);
          // Merging again changes nothing.
          expect(mergeBySid(policy, desired(), owned).policy).toEqual(policy);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('policiesEquivalent', () => {
  it('ignores presentation', () => {
    const a: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'A',
          Effect: 'Allow',
          Principal: '*',
          Action: ['kms:Decrypt', 'kms:Encrypt'],
          Resource: '*',
          Condition: { Bool: { 'aws:SecureTransport': true } },
        },
      ],
    };
    const b: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'A',
          Effect: 'Allow',
          Principal: { AWS: ['*'] },
          Action: ['KMS:Encrypt', 'kms:decrypt'],
          Resource: ['*'],
          Condition: { bool: { 'AWS:SecureTransport': ['true'] } },
        },
      ],
    };
    expect(policiesEquivalent(a, b)).toBe(true);
    expect(
      policiesEquivalent(a, { ...b, Statement: [{ ...(b.Statement[0] as PolicyStatement), Effect: 'Deny' }] }),
    ).toBe(false);
  });
  it('is stable under JSON round trips and statement reordering (property)', () => {
    fc.assert(
      fc.property(fc.array(statement(), { maxLength: 6 }), (statements) => {
        const policy = { Version: '2012-10-17', Statement: statements };
        const reordered = { ...policy, Statement: [...statements].reverse() };
        expect(canonicalPolicyText(JSON.parse(JSON.stringify(policy)) as PolicyDocument)).toBe(
          canonicalPolicyText(reordered),
        );
      }),
    );
  });
});

describe('diffPolicies', () => {
  it('reports a PCR8 rotation as one changed field with the added value', () => {
    const diff = diffPolicies(desired(), desired([GLOBAL_PCR8, EU_PCR8]), OWNED_KEY_POLICY_SIDS);
    expect(diff.summary).toEqual({ added: 0, removed: 0, changed: 1, unchanged: 4 });
    const change = diff.statements.find((s) => s.kind === 'changed');
    expect(change?.fields).toEqual([
      {
        path: 'Condition.StringEqualsIgnoreCase.kms:RecipientAttestation:PCR8',
        before: GLOBAL_PCR8,
        after: [GLOBAL_PCR8, EU_PCR8],
        added: [EU_PCR8],
        removed: [],
      },
    ]);
    const text = renderPolicyDiff(diff);
    expect(text).toContain('~ Enable enclave data processing for specific role');
    expect(text).toContain(`+ ${EU_PCR8}`);
    expect(text).toContain('4 managed statement(s) unchanged');
  });
  it('reports added, removed and foreign statements, and document fields', () => {
    const before: PolicyDocument = {
      Version: '2012-10-17',
      Id: 'key-default-1',
      Statement: [
        { Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*' },
        { Sid: 'Keep', Effect: 'Deny', Principal: '*', Action: 'kms:ScheduleKeyDeletion', Resource: '*' },
      ],
    };
    const after: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [before.Statement[1] as PolicyStatement, ...desired().Statement],
    };
    const diff = diffPolicies(before, after, OWNED_KEY_POLICY_SIDS);
    expect(diff.changed).toBe(true);
    expect(diff.document).toEqual([{ path: 'Id', before: 'key-default-1' }]);
    expect(diff.statements.map((s) => [s.kind, s.key, s.owner])).toEqual([
      ['unchanged', 'Keep', 'foreign'],
      ['added', 'Enable enclave data processing for specific role', 'ours'],
      ['added', 'Allow GetKeyPolicy to co-signer', 'ours'],
      ['added', 'Allow policy management to root user', 'ours'],
      ['added', 'CosignerKeyRecovery', 'ours'],
      ['added', 'CosignerDenyDebugEnclave', 'ours'],
      ['removed', '#0', 'foreign'],
    ]);
    const styled = renderPolicyDiff(diff, {
      added: (t) => `<g>${t}`,
      removed: (t) => `<r>${t}`,
      changed: (t) => `<y>${t}`,
      dim: (t) => `<d>${t}`,
    });
    expect(styled).toContain('<r>- #0 (foreign)');
    expect(styled).toContain('<g>+ CosignerDenyDebugEnclave');
    expect(styled).toContain('<d>  1 foreign statement(s) kept unchanged');
  });
  it('says so when nothing changes', () => {
    const diff = diffPolicies(desired(), JSON.parse(JSON.stringify(desired())) as PolicyDocument);
    expect(diff.changed).toBe(false);
    expect(renderPolicyDiff(diff)).toBe('no changes: the policy already matches');
  });
});
