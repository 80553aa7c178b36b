// The sandbox's parsed-policy cache (src/aws/sandbox/policy-cache.ts): a text parses once to a
// frozen document; one the evaluator cannot read is remembered as such; past its bound it still
// answers right.
import { describe, expect, it } from 'vitest';
import { parsePolicyDocument } from '../../src/policy/evaluate.js';
import { parsedPolicy } from '../../src/aws/sandbox/policy-cache.js';

const policy = (sid: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: sid, Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
  });

describe('parsed policies', () => {
  it('parses a text once, to the document parsePolicyDocument gives, frozen', () => {
    const text = policy('Once');
    const first = parsedPolicy(text);
    expect(first).toEqual(parsePolicyDocument(text));
    expect(parsedPolicy(text)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first?.Statement[0])).toBe(true);
  });

  it('answers undefined for a text that is not a policy, every time', () => {
    expect(parsedPolicy('{"Statement": 3')).toBeUndefined();
    expect(parsedPolicy('{"Statement": 3')).toBeUndefined();
  });

  it('keeps answering right past its bound', () => {
    const texts = Array.from({ length: 2500 }, (_, i) => policy(`S${i}`));
    for (const text of texts) parsedPolicy(text);
    for (const i of [0, 999, 1000, 2499]) expect(parsedPolicy(texts[i]!)?.Statement[0]?.Sid).toBe(`S${i}`);
  });
});
