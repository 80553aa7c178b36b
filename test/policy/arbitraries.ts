// fast-check generators of policy statements and requests, shared by the property tests.
import fc from 'fast-check';
import type { ConditionBlock, PolicyStatement, RequestContext } from '../../src/policy/types.js';

export const ACCOUNT = '123456789012';
export const OTHER_ACCOUNT = '111111111111';
export const KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
export const ROLE = `arn:aws:iam::${ACCOUNT}:role/cosigner`;

export const PCRS = [
  'da1d9eca20ce98ab4fdbc51f8e5a2307fd4c61829b7d8bff40976cd6676862c8f3476ff4bdd0f65ecf4a48d6eb3099a8',
  'fffc94d68a150b49dc39b23954c793cd1a4f7972f528a1ee258dc130b6cd9454e29ae72ef66bd9697a55e774e17a2d49',
  '0'.repeat(96),
];

export const principals = [
  ROLE,
  `arn:aws:iam::${ACCOUNT}:role/admin`,
  `arn:aws:iam::${ACCOUNT}:user/alice`,
  `arn:aws:iam::${ACCOUNT}:root`,
  `arn:aws:iam::${OTHER_ACCOUNT}:role/x`,
];
const actions = [
  'kms:Decrypt',
  'kms:GenerateDataKey',
  'kms:Encrypt',
  'kms:PutKeyPolicy',
  'kms:CreateGrant',
  'kms:GetKeyPolicy',
  'kms:ReEncryptFrom',
];
const actionPatterns = [...actions, 'kms:*', 'kms:Gen*', 'kms:*Key*', '*', 'kms:Re*', 'KMS:decrypt'];
const resources = [
  '*',
  KEY,
  `arn:aws:kms:*:${ACCOUNT}:key/*`,
  `arn:aws:kms:us-east-1:${ACCOUNT}:key/*`,
  'arn:aws:kms:eu-west-1:*:key/1234*',
];

export const contextKeys = {
  'kms:RecipientAttestation:PCR8': PCRS,
  'kms:RecipientAttestation:ImageSha384': PCRS,
  'kms:RecipientAttestation:PCR0': PCRS,
  'aws:SourceVpce': ['vpce-1', 'vpce-2'],
  'aws:PrincipalTag/team': ['ops', 'dev', 'Ops'],
  'aws:SecureTransport': ['true', 'false'],
  'aws:SourceIp': ['10.0.0.5', '192.168.1.1'],
  'aws:PrincipalArn': principals,
  'kms:CallerAccount': [ACCOUNT, OTHER_ACCOUNT],
} as const satisfies Record<string, readonly string[]>;
type Key = keyof typeof contextKeys;
const keyNames = Object.keys(contextKeys) as Key[];

const stringOperators = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
];

/** One condition operator with values fitting its key. */
const clause: fc.Arbitrary<[string, string, string | string[]]> = fc.constantFrom(...keyNames).chain((key) => {
  const values = contextKeys[key] as readonly string[];
  let operators: string[];
  let pool: readonly string[] = values;
  if (key === 'aws:SecureTransport') operators = ['Bool'];
  else if (key === 'aws:SourceIp') {
    operators = ['IpAddress', 'NotIpAddress'];
    pool = ['10.0.0.0/8', '192.168.0.0/16', '10.0.0.5/32'];
  } else if (key === 'aws:PrincipalArn') {
    operators = ['ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike', 'StringEquals'];
    pool = [...values, `arn:aws:iam::${ACCOUNT}:role/*`, 'arn:aws:iam::*:user/*'];
  } else operators = stringOperators;
  const operator = fc
    .tuple(
      fc.constantFrom(...operators),
      fc.constantFrom('', 'IfExists'),
      fc.constantFrom('', '', '', 'ForAnyValue:', 'ForAllValues:'),
    )
    .map(([op, suffix, set]) => `${set}${op}${suffix}`);
  const nullClause = fc.constantFrom('true', 'false').map((v): [string, string, string] => ['Null', key, v]);
  const value = fc.oneof(
    fc.constantFrom(...pool),
    fc.uniqueArray(fc.constantFrom(...pool), { minLength: 1, maxLength: 2 }),
  );
  return fc.oneof(
    { weight: 5, arbitrary: fc.tuple(operator, fc.constant(key), value) },
    { weight: 1, arbitrary: nullClause },
  );
});

const condition: fc.Arbitrary<ConditionBlock | undefined> = fc.option(
  fc.array(clause, { minLength: 1, maxLength: 3 }).map((clauses) => {
    const block: ConditionBlock = {};
    for (const [operator, key, value] of clauses) (block[operator] ??= {})[key] = value;
    return block;
  }),
  { nil: undefined },
);

const oneOrMany = <T>(arb: fc.Arbitrary<T>) => fc.oneof(arb, fc.uniqueArray(arb, { minLength: 1, maxLength: 3 }));

const principalBlock: fc.Arbitrary<NonNullable<PolicyStatement['Principal']>> = fc.oneof(
  fc.constant('*' as const),
  oneOrMany(fc.constantFrom(...principals, ACCOUNT, '*')).map((AWS) => ({ AWS })),
);

/** A statement for a KMS key policy (always with a principal). */
export function statement(options: { sids?: fc.Arbitrary<string | undefined> } = {}): fc.Arbitrary<PolicyStatement> {
  return fc
    .record({
      sid: options.sids ?? fc.option(fc.stringMatching(/^[A-Za-z0-9]{1,12}$/), { nil: undefined }),
      effect: fc.constantFrom('Allow' as const, 'Deny' as const),
      principal: principalBlock,
      notPrincipal: fc.boolean(),
      action: oneOrMany(fc.constantFrom(...actionPatterns)),
      notAction: fc.boolean(),
      resource: oneOrMany(fc.constantFrom(...resources)),
      condition,
    })
    .map(({ sid, effect, principal, notPrincipal, action, notAction, resource, condition: cond }) => {
      const s: PolicyStatement = { Effect: effect };
      if (sid !== undefined) s.Sid = sid;
      // NotPrincipal only with Deny (AWS's guidance) and never with "*".
      if (notPrincipal && effect === 'Deny' && principal !== '*') s.NotPrincipal = principal;
      else s.Principal = principal;
      if (notAction) s.NotAction = action;
      else s.Action = action;
      s.Resource = resource;
      if (cond !== undefined) s.Condition = cond;
      return s;
    });
}

/** A request with some of the context keys set. */
export const request: fc.Arbitrary<RequestContext> = fc
  .record({
    principal: fc.constantFrom(...principals),
    action: fc.constantFrom(...actions),
    context: fc.record(
      Object.fromEntries(
        keyNames
          .filter((k) => k !== 'aws:PrincipalArn')
          .map((k) => [k, fc.option(fc.constantFrom(...(contextKeys[k] as readonly string[])), { nil: undefined })]),
      ),
    ),
  })
  .map(({ principal, action, context }) => ({
    principalArn: principal,
    principalAccount: principal.split(':')[4] ?? ACCOUNT,
    action,
    resource: KEY,
    context: Object.fromEntries(Object.entries(context).filter(([, v]) => v !== undefined)) as Record<string, string>,
  }));
