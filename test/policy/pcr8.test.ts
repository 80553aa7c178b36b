// pcr8ValuesOf: the one answer to "which PCR8 values does this key policy admit" that attest,
// provision, status and destroy share. Only our attested Allow (either profile's Sid) counts, through
// StringEquals/StringEqualsIgnoreCase on kms:RecipientAttestation:PCR8.
import { describe, expect, it } from 'vitest';
import { FIREBLOCKS_SIDS, HARDENED_SIDS } from '../../src/policy/constants.js';
import { buildKeyPolicy } from '../../src/policy/key-policy.js';
import { pcr8ValuesOf } from '../../src/policy/pcr8.js';
import type { PolicyDocument, PolicyStatement } from '../../src/policy/types.js';
import { ACCOUNT, EU_PCR8, GLOBAL_PCR8, ROLE } from './golden-cases.js';

const attested = (patch: Partial<PolicyStatement>): PolicyStatement => ({
  Sid: FIREBLOCKS_SIDS.attested,
  Effect: 'Allow',
  Principal: { AWS: ROLE },
  Action: 'kms:Decrypt',
  Resource: '*',
  Condition: { StringEqualsIgnoreCase: { 'kms:RecipientAttestation:PCR8': GLOBAL_PCR8 } },
  ...patch,
});
const withoutSid = ({ Sid: _sid, ...rest }: PolicyStatement): PolicyStatement => rest;
const policy = (...statements: PolicyStatement[]): PolicyDocument => ({ Version: '2012-10-17', Statement: statements });

describe('pcr8ValuesOf', () => {
  it('reads the list of both profiles, in order', () => {
    for (const profile of ['hardened', 'fireblocks-exact'] as const) {
      const built = buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [EU_PCR8, GLOBAL_PCR8], profile });
      expect(pcr8ValuesOf(built)).toEqual([EU_PCR8, GLOBAL_PCR8]);
    }
    expect(pcr8ValuesOf(undefined)).toEqual([]);
  });

  it("reads earlier releases' Sid, any spelling of the key and StringEquals; lower-cases and drops repeats", () => {
    const upper = GLOBAL_PCR8.toUpperCase();
    const statement = attested({
      Sid: HARDENED_SIDS.attested,
      Condition: {
        StringEquals: { 'KMS:RecipientAttestation:pcr8': [upper, EU_PCR8] },
        StringEqualsIgnoreCase: { 'kms:RecipientAttestation:PCR8': GLOBAL_PCR8 },
      },
    });
    expect(pcr8ValuesOf(policy(statement))).toEqual([GLOBAL_PCR8, EU_PCR8]);
  });

  it.each<[string, PolicyStatement]>([
    ['a foreign Sid', attested({ Sid: 'Foreign' })],
    ['no Sid', withoutSid(attested({}))],
    ['a Deny with our Sid', attested({ Effect: 'Deny' })],
    ['IfExists', attested({ Condition: { StringEqualsIfExists: { 'kms:RecipientAttestation:PCR8': GLOBAL_PCR8 } } })],
    ['a negation', attested({ Condition: { StringNotEquals: { 'kms:RecipientAttestation:PCR8': GLOBAL_PCR8 } } })],
    [
      'a set operator',
      attested({ Condition: { 'ForAnyValue:StringEquals': { 'kms:RecipientAttestation:PCR8': GLOBAL_PCR8 } } }),
    ],
    ['StringLike', attested({ Condition: { StringLike: { 'kms:RecipientAttestation:PCR8': `${GLOBAL_PCR8}*` } } })],
    ['another PCR', attested({ Condition: { StringEquals: { 'kms:RecipientAttestation:PCR0': GLOBAL_PCR8 } } })],
  ])('admits no value through %s', (_name, statement) => {
    expect(pcr8ValuesOf(policy(statement))).toEqual([]);
  });
});
