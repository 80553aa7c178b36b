import { describe, expect, it } from 'vitest';
import {
  evaluateAccess,
  evaluateKeyPolicy,
  evaluatePolicy,
  parseOperator,
  parsePolicyDocument,
  toPolicyDocument,
} from '../../src/policy/evaluate.js';
import { findDuplicateMember } from '../../src/policy/parse.js';
import type { PolicyDocument, PolicyStatement, RequestContext } from '../../src/policy/types.js';

const ACCOUNT = '123456789012';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/cosigner`;
const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
const KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const PCR8 = 'da1d9eca20ce98ab4fdbc51f8e5a2307fd4c61829b7d8bff40976cd6676862c8f3476ff4bdd0f65ecf4a48d6eb3099a8';

function doc(...Statement: PolicyStatement[]): PolicyDocument {
  return { Version: '2012-10-17', Statement };
}
function req(partial: Partial<RequestContext> = {}): RequestContext {
  return {
    principalArn: ROLE,
    principalAccount: ACCOUNT,
    action: 'kms:Decrypt',
    resource: KEY,
    context: {},
    ...partial,
  };
}
const attested: PolicyStatement = {
  Sid: 'Attested',
  Effect: 'Allow',
  Principal: { AWS: ROLE },
  Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
  Resource: '*',
  Condition: { StringEqualsIgnoreCase: { 'kms:RecipientAttestation:PCR8': PCR8 } },
};

describe('parsePolicyDocument', () => {
  it('normalises a single statement object to an array and keeps foreign shapes', () => {
    const parsed = parsePolicyDocument(
      JSON.stringify({
        Version: '2012-10-17',
        Statement: { Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*' },
      }),
    );
    expect(parsed).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*' }],
    });
  });
  it.each([
    ['not JSON', '{'],
    ['not an object', '[]'],
    ['no Statement', '{"Version":"2012-10-17"}'],
    ['bad Effect', '{"Statement":[{"Effect":"allow","Action":"kms:*"}]}'],
    ['Action and NotAction', '{"Statement":[{"Effect":"Allow","Action":"a:b","NotAction":"a:c"}]}'],
    ['no Action', '{"Statement":[{"Effect":"Allow","Resource":"*"}]}'],
    ['unknown element', '{"Statement":[{"Effect":"Allow","Action":"a:b","Actions":"x"}]}'],
    ['unknown principal type', '{"Statement":[{"Effect":"Allow","Action":"a:b","Principal":{"Aws":"*"}}]}'],
    ['empty action list', '{"Statement":[{"Effect":"Allow","Action":[]}]}'],
    [
      'condition value object',
      '{"Statement":[{"Effect":"Allow","Action":"a:b","Condition":{"Bool":{"aws:SecureTransport":{"x":1}}}}]}',
    ],
    ['unknown top-level member', '{"Statement":[],"Statements":[]}'],
  ])('throws POLICY_MALFORMED for %s', (_name, json) => {
    expect(() => parsePolicyDocument(json)).toThrowCosignerError('POLICY_MALFORMED');
  });
  it('does not share structure with its input', () => {
    const input = { Statement: [{ Effect: 'Allow', Action: ['a:b'] }] };
    const parsed = toPolicyDocument(input);
    (input.Statement[0] as { Action: string[] }).Action.push('a:c');
    expect(parsed.Statement[0]?.Action).toEqual(['a:b']);
  });
});

describe('parseOperator', () => {
  it.each([
    ['StringEqualsIgnoreCase', { set: undefined, base: 'stringequalsignorecase', ifExists: false }],
    ['ForAnyValue:StringLikeIfExists', { set: 'ForAnyValue', base: 'stringlike', ifExists: true }],
    ['forallvalues:arnlike', { set: 'ForAllValues', base: 'arnlike', ifExists: false }],
    ['Null', { set: undefined, base: 'null', ifExists: false }],
  ])('parses %s', (name, expected) => expect(parseOperator(name)).toEqual(expected));
  it.each([
    'StringEqualsIgnorecase2',
    'NullIfExists',
    'ForSomeValues:StringEquals',
    'ForAnyValue:Null',
    'StringMatches',
  ])('rejects %s', (name) => {
    expect(parseOperator(name)).toBeUndefined();
  });
});

describe('evaluatePolicy', () => {
  it('allows an attested request with the right PCR8, case-insensitively', () => {
    const result = evaluatePolicy(
      doc(attested),
      req({ context: { 'kms:RecipientAttestation:PCR8': PCR8.toUpperCase() } }),
    );
    expect(result).toMatchObject({
      decision: 'Allow',
      matchedStatements: [0],
      certain: true,
      possibleDecisions: ['Allow'],
    });
  });
  it('denies implicitly without attestation or with another PCR8', () => {
    expect(evaluatePolicy(doc(attested), req()).decision).toBe('ImplicitDeny');
    expect(
      evaluatePolicy(doc(attested), req({ context: { 'kms:RecipientAttestation:PCR8': '0'.repeat(96) } })).decision,
    ).toBe('ImplicitDeny');
  });
  it('matches condition key names case-insensitively', () => {
    expect(evaluatePolicy(doc(attested), req({ context: { 'KMS:recipientattestation:pcr8': PCR8 } })).decision).toBe(
      'Allow',
    );
  });
  it('lets an explicit Deny win', () => {
    const deny: PolicyStatement = {
      Effect: 'Deny',
      Principal: '*',
      Action: 'kms:*',
      Resource: '*',
      Condition: { StringEquals: { 'kms:RecipientAttestation:ImageSha384': '0'.repeat(96) } },
    };
    const context = { 'kms:RecipientAttestation:PCR8': PCR8, 'kms:RecipientAttestation:ImageSha384': '0'.repeat(96) };
    expect(evaluatePolicy(doc(attested, deny), req({ context }))).toMatchObject({
      decision: 'ExplicitDeny',
      matchedStatements: [0, 1],
    });
  });
  it('matches actions with wildcards and NotAction', () => {
    expect(
      evaluatePolicy(
        doc({ Effect: 'Allow', Principal: '*', Action: 'KMS:gen*', Resource: '*' }),
        req({ action: 'kms:GenerateDataKey' }),
      ).decision,
    ).toBe('Allow');
    expect(
      evaluatePolicy(
        doc({ Effect: 'Allow', Principal: '*', Action: 'kms:Generate?ataKey', Resource: '*' }),
        req({ action: 'kms:GenerateDataKey' }),
      ).decision,
    ).toBe('Allow');
    expect(
      evaluatePolicy(doc({ Effect: 'Allow', Principal: '*', NotAction: 'kms:Decrypt', Resource: '*' }), req()).decision,
    ).toBe('ImplicitDeny');
    expect(
      evaluatePolicy(doc({ Effect: 'Allow', Principal: '*', NotAction: 'kms:Encrypt', Resource: '*' }), req()).decision,
    ).toBe('Allow');
  });
  it('matches resources component by component', () => {
    const allow = (Resource: string) =>
      evaluatePolicy(doc({ Effect: 'Allow', Principal: '*', Action: '*', Resource }), req()).decision;
    expect(allow('arn:aws:kms:*:123456789012:key/*')).toBe('Allow');
    expect(allow('arn:aws:kms:*:*:key/1234abcd-*')).toBe('Allow');
    expect(allow('arn:aws:kms:eu-west-1:111111111111:key/*')).toBe('ImplicitDeny');
    expect(allow('arn:aws:kms:eu-*-1:123456789012:*')).toBe('Allow');
    expect(allow('arn:aws:s3:::*')).toBe('ImplicitDeny');
    expect(
      evaluatePolicy(doc({ Effect: 'Allow', Principal: '*', Action: '*', NotResource: KEY }), req()).decision,
    ).toBe('ImplicitDeny');
  });
  it('matches principals: ARN, account id, root ARN, NotPrincipal', () => {
    const allow = (Principal: NonNullable<PolicyStatement['Principal']>, principalArn = ROLE) =>
      evaluatePolicy(doc({ Effect: 'Allow', Principal, Action: '*', Resource: '*' }), req({ principalArn })).decision;
    expect(allow({ AWS: ROLE })).toBe('Allow');
    expect(allow({ AWS: [`arn:aws:iam::${ACCOUNT}:role/other`] })).toBe('ImplicitDeny');
    expect(allow({ AWS: ACCOUNT })).toBe('Allow');
    expect(allow({ AWS: ROOT })).toBe('Allow');
    expect(allow({ AWS: 'arn:aws:iam::111111111111:root' })).toBe('ImplicitDeny');
    expect(allow({ AWS: ROLE }, `arn:aws:sts::${ACCOUNT}:assumed-role/cosigner/i-0abc`)).toBe('Allow');
    expect(
      allow(
        { AWS: `arn:aws:iam::${ACCOUNT}:role/cosigner-cli/cosigner` },
        `arn:aws:sts::${ACCOUNT}:assumed-role/cosigner/i-0abc`,
      ),
    ).toBe('Allow');
    expect(
      allow({ AWS: `arn:aws:iam::111111111111:role/cosigner` }, `arn:aws:sts::${ACCOUNT}:assumed-role/cosigner/i-0abc`),
    ).toBe('ImplicitDeny');
    expect(
      allow({ AWS: `arn:aws:iam::${ACCOUNT}:role/cosigner2` }, `arn:aws:sts::${ACCOUNT}:assumed-role/cosigner/i-0abc`),
    ).toBe('ImplicitDeny');
    expect(allow({ Service: 'ec2.amazonaws.com' })).toBe('ImplicitDeny');
    const notPrincipal = (NotPrincipal: NonNullable<PolicyStatement['NotPrincipal']>) =>
      evaluatePolicy(doc({ Effect: 'Deny', NotPrincipal, Action: '*', Resource: '*' }), req()).decision;
    expect(notPrincipal({ AWS: ROLE })).toBe('ImplicitDeny');
    expect(notPrincipal({ AWS: `arn:aws:iam::${ACCOUNT}:role/other` })).toBe('ExplicitDeny');
  });

  describe('conditions', () => {
    const allowWith = (Condition: NonNullable<PolicyStatement['Condition']>, context: RequestContext['context'] = {}) =>
      evaluatePolicy(doc({ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*', Condition }), req({ context }))
        .decision === 'Allow';

    it('treats an absent key as false for positive and true for negated operators', () => {
      expect(allowWith({ StringEquals: { 'aws:SourceVpc': 'vpc-1' } })).toBe(false);
      expect(allowWith({ StringNotEquals: { 'aws:SourceVpc': 'vpc-1' } })).toBe(true);
      expect(allowWith({ StringEqualsIfExists: { 'aws:SourceVpc': 'vpc-1' } })).toBe(true);
      expect(allowWith({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': 'a' } })).toBe(false);
      expect(allowWith({ 'ForAllValues:StringEquals': { 'aws:TagKeys': 'a' } })).toBe(true);
    });
    it('tests presence with Null', () => {
      expect(allowWith({ Null: { 'kms:RecipientAttestation:PCR8': 'true' } })).toBe(true);
      expect(
        allowWith({ Null: { 'kms:RecipientAttestation:PCR8': true } }, { 'kms:RecipientAttestation:PCR8': PCR8 }),
      ).toBe(false);
      expect(
        allowWith({ Null: { 'kms:RecipientAttestation:PCR8': 'false' } }, { 'kms:RecipientAttestation:PCR8': PCR8 }),
      ).toBe(true);
    });
    it('ORs values and ANDs keys and operators', () => {
      expect(allowWith({ StringEquals: { 'aws:SourceVpc': ['vpc-1', 'vpc-2'] } }, { 'aws:SourceVpc': 'vpc-2' })).toBe(
        true,
      );
      expect(
        allowWith({ StringNotEquals: { 'aws:SourceVpc': ['vpc-1', 'vpc-2'] } }, { 'aws:SourceVpc': 'vpc-2' }),
      ).toBe(false);
      expect(
        allowWith(
          { StringEquals: { 'aws:SourceVpc': 'vpc-1', 'aws:SourceVpce': 'vpce-1' } },
          { 'aws:SourceVpc': 'vpc-1' },
        ),
      ).toBe(false);
      expect(
        allowWith(
          { StringEquals: { 'aws:SourceVpc': 'vpc-1' }, Bool: { 'aws:SecureTransport': 'true' } },
          { 'aws:SourceVpc': 'vpc-1', 'aws:SecureTransport': true },
        ),
      ).toBe(true);
    });
    it('handles set operators over multi-valued keys', () => {
      const tags = { 'aws:TagKeys': ['a', 'b'] };
      expect(allowWith({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': 'a' } }, tags)).toBe(true);
      expect(allowWith({ 'ForAllValues:StringEquals': { 'aws:TagKeys': 'a' } }, tags)).toBe(false);
      expect(allowWith({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['a', 'b', 'c'] } }, tags)).toBe(true);
      expect(allowWith({ StringEquals: { 'aws:TagKeys': 'a' } }, tags)).toBe(false);
      expect(allowWith({ 'ForAllValues:StringNotEquals': { 'aws:TagKeys': 'c' } }, tags)).toBe(true);
    });
    it('supports the other operator families', () => {
      expect(allowWith({ StringLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/cosig*' } })).toBe(true);
      expect(allowWith({ StringNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/x*' } })).toBe(true);
      expect(allowWith({ ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/*' } })).toBe(true);
      expect(allowWith({ ArnEquals: { 'aws:PrincipalArn': 'arn:aws:iam::*:user/*' } })).toBe(false);
      expect(allowWith({ ArnNotEquals: { 'aws:PrincipalArn': ROLE } })).toBe(false);
      expect(
        allowWith({ NumericLessThan: { 'kms:RotationPeriodInDays': '100' } }, { 'kms:RotationPeriodInDays': 90 }),
      ).toBe(true);
      expect(
        allowWith(
          { NumericGreaterThanEquals: { 'kms:RotationPeriodInDays': 100 } },
          { 'kms:RotationPeriodInDays': '90' },
        ),
      ).toBe(false);
      expect(
        allowWith(
          { DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } },
          { 'aws:CurrentTime': '2026-11-26T11:00:00Z' },
        ),
      ).toBe(true);
      expect(
        allowWith({ DateGreaterThan: { 'aws:EpochTime': '2030-01-01T00:00:00Z' } }, { 'aws:EpochTime': 1764154800 }),
      ).toBe(false);
      expect(allowWith({ Bool: { 'aws:SecureTransport': 'false' } }, { 'aws:SecureTransport': true })).toBe(false);
      expect(allowWith({ Bool: { 'aws:SecureTransport': 'TRUE' } }, { 'aws:SecureTransport': 'true' })).toBe(true);
      expect(allowWith({ BinaryEquals: { 'aws:userid': 'QUJD' } }, { 'aws:userid': 'QUJD' })).toBe(true);
      expect(allowWith({ IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }, { 'aws:SourceIp': '203.0.113.7' })).toBe(
        true,
      );
      expect(allowWith({ IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }, { 'aws:SourceIp': '203.0.114.7' })).toBe(
        false,
      );
      expect(allowWith({ NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }, { 'aws:SourceIp': '203.0.114.7' })).toBe(
        true,
      );
      expect(allowWith({ IpAddress: { 'aws:SourceIp': '2001:db8::/32' } }, { 'aws:SourceIp': '2001:db8:0:1::5' })).toBe(
        true,
      );
      expect(allowWith({ IpAddress: { 'aws:SourceIp': '2001:db8::/32' } }, { 'aws:SourceIp': '2001:db9::1' })).toBe(
        false,
      );
      expect(
        allowWith({ IpAddress: { 'aws:SourceIp': '::ffff:10.0.0.0/120' } }, { 'aws:SourceIp': '::ffff:10.0.0.9' }),
      ).toBe(true);
    });
  });

  describe('fails closed on what it does not understand', () => {
    it('reports an unknown operator as undecided; an Allow on it does not apply', () => {
      const policy = doc({
        Effect: 'Allow',
        Principal: '*',
        Action: '*',
        Resource: '*',
        Condition: { StringEqualsIgnorecase2: { 'aws:SourceVpc': 'x' } },
      });
      const result = evaluatePolicy(policy, req());
      expect(result.decision).toBe('ImplicitDeny');
      expect(result.certain).toBe(false);
      expect(result.possibleDecisions).toEqual(['Allow', 'ImplicitDeny']);
      expect(result.undecided).toEqual([
        { statement: 0, element: 'Condition', reason: 'unknown-operator', detail: 'StringEqualsIgnorecase2' },
      ]);
    });
    it('applies a Deny on an unknown operator for `decision`', () => {
      const policy = doc(
        { Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' },
        { Effect: 'Deny', Principal: '*', Action: '*', Resource: '*', Condition: { Bogus: { 'aws:SourceVpc': 'x' } } },
      );
      expect(evaluatePolicy(policy, req())).toMatchObject({
        decision: 'ExplicitDeny',
        possibleDecisions: ['ExplicitDeny', 'Allow'],
      });
    });
    it('treats a misspelled key as absent for `decision` but undecided for proofs', () => {
      const policy = doc(
        {
          Effect: 'Deny',
          Principal: '*',
          Action: '*',
          Resource: '*',
          Condition: { StringEquals: { 'kms:RecipientAttestation:PCR08': 'x' } },
        },
        { Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' },
      );
      const result = evaluatePolicy(policy, req());
      expect(result.decision).toBe('Allow');
      expect(result.possibleDecisions).toEqual(['ExplicitDeny', 'Allow']);
      expect(result.undecided[0]).toMatchObject({
        reason: 'unrecognised-condition-key',
        detail: 'kms:RecipientAttestation:PCR08',
      });
    });
    it('leaves unpinned keys open in an open-world request', () => {
      const policy = doc({
        Effect: 'Allow',
        Principal: '*',
        Action: '*',
        Resource: '*',
        Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
      });
      expect(evaluatePolicy(policy, req({ openWorld: true })).possibleDecisions).toEqual(['Allow', 'ImplicitDeny']);
      expect(
        evaluatePolicy(policy, req({ openWorld: true, context: { 'aws:SourceIp': undefined } })).possibleDecisions,
      ).toEqual(['ImplicitDeny']);
    });
    it('does not substitute policy variables', () => {
      const policy = doc({
        Effect: 'Allow',
        Principal: '*',
        Action: '*',
        Resource: '*',
        Condition: { StringEquals: { 'aws:username': '${aws:userid}' } },
      });
      expect(evaluatePolicy(policy, req()).undecided[0]?.reason).toBe('policy-variable');
    });
    it('does not match partial wildcard principals', () => {
      const policy = doc({
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::123456789012:role/*' },
        Action: '*',
        Resource: '*',
      });
      expect(evaluatePolicy(policy, req())).toMatchObject({
        decision: 'ImplicitDeny',
        possibleDecisions: ['Allow', 'ImplicitDeny'],
      });
    });
    it('does not report conditions of statements that cannot apply', () => {
      const policy = doc({
        Effect: 'Allow',
        Principal: '*',
        Action: 's3:*',
        Resource: '*',
        Condition: { Bogus: { x: 'y' } },
      });
      expect(evaluatePolicy(policy, req())).toMatchObject({ certain: true, undecided: [] });
    });
  });
});

describe('evaluateAccess (resource policy + identity policies)', () => {
  const admin = `arn:aws:iam::${ACCOUNT}:role/Admin`;
  const rootDelegation = doc({ Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' });
  const iamAllow = doc({ Effect: 'Allow', Action: 'kms:PutKeyPolicy', Resource: KEY });

  it('KMS: an account principal delegates to IAM, which must allow', () => {
    const request = req({ principalArn: admin, action: 'kms:PutKeyPolicy' });
    expect(evaluateKeyPolicy(rootDelegation, request).decision).toBe('ImplicitDeny');
    expect(evaluateKeyPolicy(rootDelegation, request, [iamAllow])).toMatchObject({
      decision: 'Allow',
      allowedBy: 'delegation',
      matchedIdentityStatements: [[0, 0]],
    });
  });
  it('KMS: an identity policy alone does not open the key', () => {
    const onlyRole = doc({ Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'kms:*', Resource: '*' });
    expect(
      evaluateKeyPolicy(onlyRole, req({ principalArn: admin, action: 'kms:PutKeyPolicy' }), [iamAllow]).decision,
    ).toBe('ImplicitDeny');
  });
  it('KMS: the root user is matched directly by the root principal', () => {
    expect(evaluateKeyPolicy(rootDelegation, req({ principalArn: ROOT, action: 'kms:PutKeyPolicy' }))).toMatchObject({
      decision: 'Allow',
      allowedBy: 'resource-policy',
    });
  });
  it('generic: either side allows in the same account; both are needed across accounts', () => {
    const bucket = doc({
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:GetObject',
      Resource: 'arn:aws:s3:::b/*',
      Condition: { ArnNotEquals: { 'aws:PrincipalArn': ROLE } },
    });
    const identity = doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' });
    const s3 = (principalArn: string, principalAccount = ACCOUNT) =>
      evaluateAccess(
        bucket,
        req({ principalArn, principalAccount, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' }),
        [identity],
        { service: 'generic', resourceAccount: ACCOUNT },
      ).decision;
    expect(s3(ROLE)).toBe('Allow');
    expect(s3(admin)).toBe('ExplicitDeny');
    const open = doc({
      Effect: 'Allow',
      Principal: { AWS: '111111111111' },
      Action: 's3:GetObject',
      Resource: 'arn:aws:s3:::b/*',
    });
    expect(
      evaluateAccess(
        open,
        req({
          principalArn: 'arn:aws:iam::111111111111:role/x',
          principalAccount: '111111111111',
          action: 's3:GetObject',
          resource: 'arn:aws:s3:::b/k',
        }),
        [],
        { service: 'generic', resourceAccount: ACCOUNT },
      ).decision,
    ).toBe('ImplicitDeny');
    expect(
      evaluateAccess(
        open,
        req({
          principalArn: 'arn:aws:iam::111111111111:role/x',
          principalAccount: '111111111111',
          action: 's3:GetObject',
          resource: 'arn:aws:s3:::b/k',
        }),
        [identity],
        { service: 'generic', resourceAccount: ACCOUNT },
      ).decision,
    ).toBe('Allow');
  });
  it('an identity Deny wins over a key policy Allow', () => {
    const deny = doc({ Effect: 'Deny', Action: 'kms:*', Resource: '*' });
    expect(
      evaluateKeyPolicy(rootDelegation, req({ principalArn: ROOT, action: 'kms:PutKeyPolicy' }), [deny]).decision,
    ).toBe('ExplicitDeny');
  });
});

describe('parsePolicyDocument refuses duplicate member names', () => {
  it.each([
    [
      'two Condition members',
      '{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"a":"b"}},"Condition":{}}]}',
      'Condition',
    ],
    [
      'the same name, one escaped',
      '{"Statement":[{"Effect":"Deny","Effect":"Allow","Action":"*","Resource":"*","Principal":"*"}]}',
      'Effect',
    ],
    [
      'a unicode escape',
      '{"Statement":{"Effect":"Allow","\\u0045ffect":"Deny","Action":"*","Principal":"*"}}',
      'Effect',
    ],
    [
      'two condition keys',
      '{"Statement":{"Effect":"Allow","Action":"*","Principal":"*","Condition":{"StringEquals":{"k":"1","k":"2"}}}}',
      'k',
    ],
  ])('%s', (_name, json, name) => {
    expect(() => parsePolicyDocument(json)).toThrowCosignerError('POLICY_MALFORMED');
    expect(findDuplicateMember(json)).toBe(name);
  });
  it('accepts the same name in different objects and inside strings', () => {
    const json =
      '{"Statement":[{"Sid":"a\\"Sid","Effect":"Allow","Action":"*","Principal":"*","Resource":"*"},{"Sid":"Sid","Effect":"Deny","Action":"*","Principal":"*","Resource":"*"}]}';
    expect(findDuplicateMember(json)).toBeUndefined();
    expect(parsePolicyDocument(json).Statement).toHaveLength(2);
  });
});
