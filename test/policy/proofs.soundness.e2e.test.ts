// Soundness of the key-policy proofs against an independent oracle (@cloud-copilot/iam-simulate,
// test-only). Adversarial foreign statements (principals: the role, the role spelled in another
// case, one of its sessions, other roles, other accounts, bare account ids, "*", NotPrincipal;
// actions with case variants, wildcards and NotAction; every condition-operator family with
// IfExists and set-operator variants on the attestation keys) are merged into our policy. Whenever
// the proofs accept the result, every attacker request must be denied by the oracle: other PCR8
// values drawn at random, debug-mode documents, no document, other principals, and key-control
// calls (policy, grants, state, rotation, description, tags, aliases) by the role, one of its
// sessions or another account.
//
// CI runs a fixed seed. Before a release run a longer search with a fresh seed:
//   PROOF_SEED=$RANDOM PROOF_RUNS=20000 npx vitest run test/policy/proofs.soundness.e2e.test.ts
import { runSimulation } from '@cloud-copilot/iam-simulate';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  KEY_CONTROL_ACTIONS,
  KEY_DATA_ACTIONS,
  OWNED_KEY_POLICY_SIDS,
  ZERO_MEASUREMENT,
} from '../../src/policy/constants.js';
import { buildKeyPolicy } from '../../src/policy/key-policy.js';
import { mergeBySid } from '../../src/policy/merge.js';
import { proveKeyPolicy } from '../../src/policy/proofs.js';
import type { ConditionBlock, PolicyDocument, PolicyStatement } from '../../src/policy/types.js';

const SEED = Number(process.env.PROOF_SEED ?? 20261203);
const RUNS = Number(process.env.PROOF_RUNS ?? 250);

const ACCOUNT = '123456789012';
const OTHER = '210987654321';
const KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/cosigner`;
/** The role spelled in another case, and one of its sessions: both are the role. */
const ROLE_VARIANT = `arn:aws:iam::${ACCOUNT}:role/Cosigner`;
const ROLE_SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/cosigner/i-0123456789abcdef0`;
const OTHER_ROLE = `arn:aws:iam::${ACCOUNT}:role/other`;
const FOREIGN_ROLE = `arn:aws:iam::${OTHER}:role/attacker`;
const ADMIN = `arn:aws:iam::${ACCOUNT}:role/KeyAdmin`;
const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
const PCR8 = 'da1d9eca20ce98ab4fdbc51f8e5a2307fd4c61829b7d8bff40976cd6676862c8f3476ff4bdd0f65ecf4a48d6eb3099a8';
const ATTACKER_PCR8 = '7a'.repeat(47) + '30';
const ALLOW_ALL: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
};

const hex96 = fc.stringMatching(/^[0-9a-f]{96}$/).filter((value) => value !== PCR8 && value !== ZERO_MEASUREMENT);

// --- foreign statements -----------------------------------------------------------------------

const principalValues = [
  ROLE,
  ROLE_VARIANT,
  ROLE_SESSION,
  OTHER_ROLE,
  FOREIGN_ROLE,
  ADMIN,
  ROOT,
  ACCOUNT,
  OTHER,
  `arn:aws:iam::${OTHER}:root`,
  '*',
];
const principal = fc.oneof(
  { weight: 1, arbitrary: fc.constant<'*'>('*') },
  {
    weight: 6,
    arbitrary: fc
      .uniqueArray(fc.constantFrom(...principalValues), { minLength: 1, maxLength: 2 })
      .map((AWS) => ({ AWS: AWS.length === 1 ? (AWS[0] as string) : AWS })),
  },
);
const actionPatterns = [
  'kms:Decrypt',
  'KMS:decrypt',
  'kms:DECRYPT',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyPair',
  'kms:DeriveSharedSecret',
  'kms:ReEncryptFrom',
  'kms:ReEncrypt*',
  'kms:*',
  '*',
  'kms:Gen*',
  'kms:*Key*',
  'kms:?ecrypt',
  'kms:De*',
  'kms:PutKeyPolicy',
  'kms:putkeypolicy',
  'kms:Put*',
  'kms:CreateGrant',
  'kms:*Grant',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
  'kms:DisableKey',
  'kms:ImportKeyMaterial',
  'kms:ReplicateKey',
  'kms:Encrypt',
  'kms:GetKeyPolicy',
  'kms:DescribeKey',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateKeyDescription',
  'kms:Update*',
  'kms:*Alias',
  'kms:DisableKeyRotation',
  'kms:*Rotation',
];
const attestationKeys = [
  'kms:RecipientAttestation:PCR8',
  'kms:recipientattestation:pcr8',
  'kms:RecipientAttestation:ImageSha384',
  'kms:RecipientAttestation:PCR0',
];
const attestationValues = [
  PCR8,
  PCR8.toUpperCase(),
  ATTACKER_PCR8,
  '*',
  '*0',
  'da1d*',
  '?'.repeat(96),
  ZERO_MEASUREMENT,
  'ab'.repeat(48),
];
const baseOperators = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
];
const operator = fc
  .tuple(
    fc.constantFrom('', '', '', 'ForAnyValue:', 'ForAllValues:'),
    fc.constantFrom(...baseOperators),
    fc.constantFrom('', '', 'IfExists'),
  )
  .map(([set, base, suffix]) => `${set}${base}${suffix}`);
const clause: fc.Arbitrary<[string, string, string | string[]]> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.tuple(
      operator,
      fc.constantFrom(...attestationKeys),
      fc.oneof(
        fc.constantFrom(...attestationValues),
        fc.uniqueArray(fc.constantFrom(...attestationValues), { minLength: 1, maxLength: 2 }),
      ),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constant('Null'), fc.constantFrom(...attestationKeys), fc.constantFrom('true', 'false')),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(
      fc.constantFrom('StringEquals', 'StringNotEquals'),
      fc.constant('aws:SourceVpce'),
      fc.constantFrom('vpce-1', 'vpce-2'),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(
      fc.constantFrom('ArnEquals', 'ArnNotEquals', 'ArnLike'),
      fc.constant('aws:PrincipalArn'),
      fc.constantFrom(ROLE, OTHER_ROLE, `arn:aws:iam::${ACCOUNT}:role/*`),
    ),
  },
);
const condition: fc.Arbitrary<ConditionBlock | undefined> = fc.option(
  fc.array(clause, { minLength: 1, maxLength: 3 }).map((clauses) => {
    const block: ConditionBlock = {};
    for (const [op, key, value] of clauses) (block[op] ??= {})[key] = value;
    return block;
  }),
  { nil: undefined, freq: 3 },
);
const foreignStatement: fc.Arbitrary<PolicyStatement> = fc
  .record({
    effect: fc.constantFrom('Allow' as const, 'Allow' as const, 'Deny' as const),
    principal,
    notPrincipal: fc.boolean(),
    actions: fc.uniqueArray(fc.constantFrom(...actionPatterns), { minLength: 1, maxLength: 3 }),
    notAction: fc.constantFrom(false, false, false, true),
    condition,
  })
  .map(({ effect, principal: p, notPrincipal, actions, notAction, condition: c }) => {
    const statement: PolicyStatement = { Effect: effect, Resource: '*' };
    if (notPrincipal && p !== '*') statement.NotPrincipal = p;
    else statement.Principal = p;
    if (notAction) statement.NotAction = actions;
    else statement.Action = actions;
    if (c !== undefined) statement.Condition = c;
    return statement;
  });

// --- the oracle -------------------------------------------------------------------------------

async function oracle(
  policy: PolicyDocument,
  principalArn: string,
  action: string,
  context: Record<string, string>,
  identity: PolicyDocument[],
): Promise<string> {
  const account = principalArn.split(':')[4] ?? ACCOUNT;
  const result = await runSimulation(
    {
      request: {
        principal: principalArn,
        action,
        resource: { resource: KEY, accountId: ACCOUNT },
        contextVariables: {
          // A session's aws:PrincipalArn is its role's ARN.
          'aws:PrincipalArn': principalArn === ROLE_SESSION ? ROLE : principalArn,
          'aws:PrincipalAccount': account,
          'aws:SecureTransport': 'true',
          'kms:CallerAccount': account,
          ...context,
        },
      },
      identityPolicies: identity.map((policy, i) => ({ name: `p${i}`, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: policy,
    },
    {},
  );
  return result.resultType === 'single' ? result.overallResult : 'Error';
}

/**
 * Every attacker request for one accepted policy, each once: [principal, action, context, identity].
 * The attested ones are made for each of `otherPCR8s`.
 */
function attackerRequests(otherPCR8s: string[]): [string, string, Record<string, string>, PolicyDocument[]][] {
  const attested = (pcr8: string, image: string) => ({
    'kms:RecipientAttestation:PCR8': pcr8,
    'kms:RecipientAttestation:ImageSha384': image,
    'kms:RecipientAttestation:PCR0': image,
  });
  const requests: [string, string, Record<string, string>, PolicyDocument[]][] = [];
  for (const action of KEY_DATA_ACTIONS) {
    for (const who of [ROLE, OTHER_ROLE, FOREIGN_ROLE, ADMIN]) {
      requests.push([who, action, {}, [ALLOW_ALL]]);
      for (const other of otherPCR8s) requests.push([who, action, attested(other, 'ab'.repeat(48)), [ALLOW_ALL]]);
      requests.push([who, action, attested(PCR8, ZERO_MEASUREMENT), [ALLOW_ALL]]);
      if (who !== ROLE) requests.push([who, action, attested(PCR8, 'ab'.repeat(48)), [ALLOW_ALL]]);
    }
  }
  for (const action of KEY_CONTROL_ACTIONS) {
    requests.push([ROLE, action, {}, []]);
    requests.push([ROLE_SESSION, action, {}, []]);
    requests.push([FOREIGN_ROLE, action, {}, [ALLOW_ALL]]);
  }
  return requests;
}

describe('key-policy proofs are sound (oracle)', () => {
  it(`no accepted policy lets an attacker in (seed ${SEED}, ${RUNS} runs)`, async () => {
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(
        // One statement more often than several: each one more is another chance to be refused,
        // and the accepted policies are the ones the oracle checks.
        fc.oneof(
          { weight: 3, arbitrary: fc.array(foreignStatement, { minLength: 1, maxLength: 1 }) },
          { weight: 2, arbitrary: fc.array(foreignStatement, { minLength: 2, maxLength: 3 }) },
        ),
        fc.boolean(),
        hex96,
        async (foreign, adminRole, otherPCR8) => {
          const adminArns = adminRole ? [ADMIN] : [ROOT];
          const desired = buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [PCR8], adminArns });
          const { policy } = mergeBySid({ Version: '2012-10-17', Statement: foreign }, desired, {
            ownedSids: OWNED_KEY_POLICY_SIDS,
          });
          const report = proveKeyPolicy(policy, { keyArn: KEY, roleArn: ROLE, pcr8: [PCR8], adminArns });
          if (!report.ok) {
            refused += 1;
            return;
          }
          accepted += 1;
          for (const [who, action, context, identity] of attackerRequests([otherPCR8, ATTACKER_PCR8])) {
            const outcome = await oracle(policy, who, action, context, identity);
            expect(outcome, `${who} ${action} ${JSON.stringify(context)} on ${JSON.stringify(foreign)}`).not.toBe(
              'Allowed',
            );
          }
          if (adminRole) expect(await oracle(policy, ADMIN, 'kms:PutKeyPolicy', {}, [ALLOW_ALL])).toBe('Allowed');
          // The co-signer itself still works.
          const live = {
            'kms:RecipientAttestation:PCR8': PCR8,
            'kms:RecipientAttestation:ImageSha384': 'ab'.repeat(48),
            'kms:RecipientAttestation:PCR0': 'ab'.repeat(48),
          };
          expect(await oracle(policy, ROLE, 'kms:Decrypt', live, [])).toBe('Allowed');
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
    // The generator must produce both outcomes, or it proves nothing.
    expect(accepted).toBeGreaterThan(RUNS / 10);
    expect(refused).toBeGreaterThan(RUNS / 10);
  }, 300_000);
});
