// Differential tests: our evaluator against @cloud-copilot/iam-simulate (AGPL, test-only oracle).
// Notes on the oracle: it drops context keys that are not valid for the action (we drop the same
// ones, from its `ignoredContextKeys`), and it does not fill aws:PrincipalArn / aws:PrincipalAccount
// itself (we pass them, as AWS always sets them). It also treats the account root user like an IAM
// principal without identity policies, whereas AWS lets the root user in wherever a key policy
// names its account; root-user requests are therefore left out of the generated comparison.
import { runSimulation } from '@cloud-copilot/iam-simulate';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateKeyPolicy } from '../../src/policy/evaluate.js';
import type { Decision, PolicyDocument, RequestContext } from '../../src/policy/types.js';
import { ACCOUNT, KEY, request, statement } from './arbitraries.js';

const ORACLE: Record<string, Decision> = {
  Allowed: 'Allow',
  ExplicitlyDenied: 'ExplicitDeny',
  ImplicitlyDenied: 'ImplicitDeny',
};

interface Compared {
  ours: Decision;
  oracle: Decision | undefined;
  /** False when our evaluator itself says the case is undecidable (never compared). */
  certain: boolean;
}

async function compare(
  keyPolicy: PolicyDocument,
  identity: PolicyDocument | undefined,
  req: RequestContext,
): Promise<Compared> {
  const contextVariables: Record<string, string> = {
    'aws:PrincipalArn': req.principalArn,
    'aws:PrincipalAccount': req.principalAccount,
  };
  for (const [key, value] of Object.entries(req.context))
    if (value !== undefined) contextVariables[key] = String(value);
  const simulation = await runSimulation(
    {
      request: {
        principal: req.principalArn,
        action: req.action,
        resource: { resource: req.resource, accountId: ACCOUNT },
        contextVariables,
      },
      identityPolicies: identity === undefined ? [] : [{ name: 'identity', policy: identity }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: keyPolicy,
    },
    {},
  );
  if (simulation.resultType !== 'single') return { ours: 'ImplicitDeny', oracle: undefined, certain: false };
  const ignored = new Set((simulation.result.ignoredContextKeys ?? []).map((key: string) => key.toLowerCase()));
  const context = Object.fromEntries(Object.entries(req.context).filter(([key]) => !ignored.has(key.toLowerCase())));
  const ours = evaluateKeyPolicy(keyPolicy, { ...req, context }, identity === undefined ? [] : [identity]);
  return { ours: ours.decision, oracle: ORACLE[simulation.overallResult], certain: ours.certain };
}

const identityPolicy: fc.Arbitrary<PolicyDocument | undefined> = fc.option(
  fc.array(statement(), { minLength: 1, maxLength: 3 }).map((statements) => ({
    Version: '2012-10-17',
    // Identity policies have no Principal.
    Statement: statements.map(({ Principal: _p, NotPrincipal: _n, ...rest }) => rest),
  })),
  { nil: undefined },
);

describe('evaluator agrees with iam-simulate', () => {
  it('on generated key policies, identity policies and requests', async () => {
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(statement(), { minLength: 1, maxLength: 4 }),
        identityPolicy,
        request.filter((r) => !r.principalArn.endsWith(':root')),
        async (statements, identity, req) => {
          const result = await compare({ Version: '2012-10-17', Statement: statements }, identity, req);
          // Skip what the oracle rejects as invalid, and what we report as undecided (fail closed).
          if (result.oracle === undefined || !result.certain) return;
          compared += 1;
          expect(result.ours).toBe(result.oracle);
        },
      ),
      { numRuns: 1500 },
    );
    // Most generated cases must be comparable, or the property proves little.
    expect(compared).toBeGreaterThan(750);
  }, 120_000);

  it.each<[string, PolicyDocument, Partial<RequestContext>]>([
    [
      'an attested Decrypt',
      {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/cosigner` },
            Action: 'kms:Decrypt',
            Resource: '*',
            Condition: { StringEqualsIgnoreCase: { 'kms:RecipientAttestation:PCR8': 'AB'.repeat(48) } },
          },
        ],
      },
      { context: { 'kms:RecipientAttestation:PCR8': 'ab'.repeat(48) } },
    ],
    [
      'the attestation key on an action that never carries it',
      {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/cosigner` },
            Action: 'kms:Encrypt',
            Resource: '*',
            Condition: { StringEqualsIgnoreCase: { 'kms:RecipientAttestation:PCR8': 'ab'.repeat(48) } },
          },
        ],
      },
      { action: 'kms:Encrypt', context: { 'kms:RecipientAttestation:PCR8': 'ab'.repeat(48) } },
    ],
    [
      'delegation to IAM without an identity policy',
      {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
        ],
      },
      { action: 'kms:PutKeyPolicy' },
    ],
  ])('on %s', async (_name, policy, patch) => {
    const req: RequestContext = {
      principalArn: `arn:aws:iam::${ACCOUNT}:role/cosigner`,
      principalAccount: ACCOUNT,
      action: 'kms:Decrypt',
      resource: KEY,
      context: {},
      ...patch,
    };
    const result = await compare(policy, undefined, req);
    expect(result.oracle).toBeDefined();
    expect(result.certain).toBe(true);
    expect(result.ours).toBe(result.oracle);
  });
});
