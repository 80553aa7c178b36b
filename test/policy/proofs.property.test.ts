// Lockout and bypass properties over generated configurations and hostile existing policies. When
// the proofs accept a policy, concrete requests are checked against the independent oracle
// (@cloud-copilot/iam-simulate, test-only): the proofs must never accept what the oracle shows to
// be a lockout or a way to the key without an attestation.
import { runSimulation } from '@cloud-copilot/iam-simulate';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OWNED_KEY_POLICY_SIDS, KEY_DATA_ACTIONS } from '../../src/policy/constants.js';
import { buildKeyPolicy } from '../../src/policy/key-policy.js';
import { mergeBySid } from '../../src/policy/merge.js';
import { proveKeyPolicy } from '../../src/policy/proofs.js';
import type { PolicyDocument } from '../../src/policy/types.js';
import { ACCOUNT, contextKeys, KEY, OTHER_ACCOUNT, PCRS, principals, ROLE, statement } from './arbitraries.js';

const ALLOW_ALL = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
const hex96 = fc.stringMatching(/^[0-9a-f]{96}$/).filter((value) => value !== '0'.repeat(96));
const admins = [
  `arn:aws:iam::${ACCOUNT}:role/admin`,
  `arn:aws:iam::${ACCOUNT}:user/alice`,
  `arn:aws:iam::${ACCOUNT}:root`,
];

const config = fc.record({
  pcr8: fc.uniqueArray(fc.oneof(fc.constantFrom(PCRS[0] as string, PCRS[1] as string), hex96), {
    minLength: 1,
    maxLength: 3,
  }),
  adminArns: fc.subarray(admins, { minLength: 1 }),
  pcr3RoleBinding: fc.boolean(),
  allowRotation: fc.boolean(),
});

async function oracle(
  policy: PolicyDocument,
  principal: string,
  action: string,
  context: Record<string, string>,
): Promise<string | undefined> {
  const account = principal.split(':')[4] ?? ACCOUNT;
  const result = await runSimulation(
    {
      request: {
        principal,
        action,
        resource: { resource: KEY, accountId: ACCOUNT },
        contextVariables: {
          'aws:PrincipalArn': principal,
          'aws:PrincipalAccount': account,
          'aws:SecureTransport': 'true',
          'kms:CallerAccount': account,
          ...context,
        },
      },
      identityPolicies: [{ name: 'all', policy: ALLOW_ALL }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: policy,
    },
    {},
  );
  return result.resultType === 'single' ? result.overallResult : undefined;
}

describe('proofs over generated configurations', () => {
  it('accept every hardened policy built from a valid configuration', () => {
    fc.assert(
      fc.property(config, (c) => {
        const policy = buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, ...c });
        const report = proveKeyPolicy(policy, { keyArn: KEY, roleArn: ROLE, pcr8: c.pcr8, adminArns: c.adminArns });
        expect(report.findings.filter((f) => f.severity !== 'info')).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  it('never accept a lockout or a bypass that the oracle can exhibit (hostile existing policies)', async () => {
    let accepted = 0;
    let refused = 0;
    const otherPrincipals = [...principals.filter((p) => !p.endsWith(':root')), `arn:aws:iam::${OTHER_ACCOUNT}:role/x`];
    await fc.assert(
      fc.asyncProperty(
        config,
        fc.array(statement({ sids: fc.constant(undefined) }), { maxLength: 4 }),
        fc.constantFrom(...KEY_DATA_ACTIONS),
        fc.constantFrom(...otherPrincipals),
        fc.record({
          'aws:SourceVpce': fc.constantFrom(...contextKeys['aws:SourceVpce']),
          'aws:PrincipalTag/team': fc.constantFrom(...contextKeys['aws:PrincipalTag/team']),
          'aws:SourceIp': fc.constantFrom(...contextKeys['aws:SourceIp']),
        }),
        async (c, foreign, action, principal, ambient) => {
          const desired = buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, ...c });
          const { policy } = mergeBySid({ Version: '2012-10-17', Statement: foreign }, desired, {
            ownedSids: OWNED_KEY_POLICY_SIDS,
          });
          const report = proveKeyPolicy(policy, { keyArn: KEY, roleArn: ROLE, pcr8: c.pcr8, adminArns: c.adminArns });
          if (!report.ok) {
            refused += 1;
            return;
          }
          accepted += 1;
          // No lockout: every (non-root) administrator can still call PutKeyPolicy.
          for (const admin of c.adminArns.filter((a) => !a.endsWith(':root'))) {
            expect(await oracle(policy, admin, 'kms:PutKeyPolicy', ambient)).toBe('Allowed');
          }
          // No bypass: nobody gets a sensitive action without an attestation.
          expect(await oracle(policy, principal, action, ambient)).not.toBe('Allowed');
          // The role cannot use another PCR8.
          expect(
            await oracle(policy, ROLE, 'kms:Decrypt', {
              ...ambient,
              'kms:RecipientAttestation:PCR8': 'e'.repeat(96),
              'kms:RecipientAttestation:ImageSha384': 'ab'.repeat(48),
            }),
          ).not.toBe('Allowed');
          // Nor a debug enclave with an accepted PCR8.
          expect(
            await oracle(policy, ROLE, 'kms:Decrypt', {
              ...ambient,
              'kms:RecipientAttestation:PCR8': c.pcr8[0] as string,
              'kms:RecipientAttestation:ImageSha384': '0'.repeat(96),
              'kms:RecipientAttestation:PCR0': '0'.repeat(96),
            }),
          ).not.toBe('Allowed');
        },
      ),
      { numRuns: 400 },
    );
    // Both outcomes must occur, or the generator is not hostile enough (or too hostile).
    expect(accepted).toBeGreaterThan(40);
    expect(refused).toBeGreaterThan(40);
  }, 120_000);
});
