// The wildcard matcher behind actions, resources, StringLike and ArnLike: the same answers as the
// RegExp it replaced, without its backtracking.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { actionMatches, arnMatches, globMatch, type GlobCounter } from '../../src/policy/match.js';
import { filterValueMatches } from '../../src/aws/sandbox/util.js';

/** The former matcher, kept here as the reference: `*` → `.*`, `?` → `.`, dotAll, `i` without `u`. */
function referenceMatch(pattern: string, value: string, ignoreCase: boolean): boolean {
  const body = pattern.replace(/[.+^${}()|[\]\\*?]/g, (char) =>
    char === '*' ? '.*' : char === '?' ? '.' : `\\${char}`,
  );
  return new RegExp(`^${body}$`, ignoreCase ? 'is' : 's').test(value);
}

// Small alphabets that make stars, question marks, case folding, newlines and surrogates meet often.
const UNITS = [
  'a',
  'b',
  'A',
  'B',
  'e',
  'E',
  '\n',
  'é',
  'É',
  'ſ',
  'S',
  's',
  '\u212a',
  'k',
  'K',
  '\ud83d',
  '\ude00',
  ':',
  '.',
  '\\',
  '[',
  '$',
];
const unit = fc.constantFrom(...UNITS);
const value = fc.array(unit, { maxLength: 12 }).map((units) => units.join(''));
const pattern = fc
  .array(fc.oneof(unit, fc.constantFrom('*', '?', '*', '?')), { maxLength: 10 })
  .map((units) => units.join(''));

/** Steps the matcher may take: each value position tried once per segment, each try ≤ the pattern. */
function bound(patternText: string, valueText: string): number {
  return (valueText.length + patternText.length + 2) * (patternText.length + 1);
}

describe('globMatch', () => {
  it('agrees with the RegExp reference on random small patterns and values (both case modes)', () => {
    fc.assert(
      fc.property(pattern, value, fc.boolean(), (p, v, ignoreCase) => {
        const counter: GlobCounter = { steps: 0 };
        expect(globMatch(p, v, ignoreCase, counter), JSON.stringify({ p, v, ignoreCase })).toBe(
          referenceMatch(p, v, ignoreCase),
        );
        expect(counter.steps).toBeLessThanOrEqual(bound(p, v));
      }),
      { numRuns: 20_000, verbose: true },
    );
  });

  it('agrees with the reference on values built from the pattern (mostly matches)', () => {
    // Fill each wildcard with random text, then perturb sometimes: random pairs rarely match.
    const filled = fc
      .tuple(pattern, fc.array(value, { minLength: 10, maxLength: 10 }), fc.boolean(), fc.nat(20))
      .map(([p, fills, ignoreCase, cut]) => {
        let index = 0;
        const v = [...p]
          .map((char) =>
            char === '*'
              ? (fills[index++ % 10] ?? '')
              : char === '?'
                ? (fills[index++ % 10]?.[0] ?? 'x')
                : ignoreCase
                  ? char.toUpperCase()
                  : char,
          )
          .join('');
        return { p, v: cut === 0 ? v.slice(1) : v, ignoreCase };
      });
    let matched = 0;
    fc.assert(
      fc.property(filled, ({ p, v, ignoreCase }) => {
        const expected = referenceMatch(p, v, ignoreCase);
        if (expected) matched += 1;
        expect(globMatch(p, v, ignoreCase), JSON.stringify({ p, v, ignoreCase })).toBe(expected);
      }),
      { numRuns: 10_000, verbose: true },
    );
    expect(matched).toBeGreaterThan(3_000);
  });

  it('keeps the documented semantics', () => {
    expect(globMatch('a*b', 'a\n\nb', false)).toBe(true); // `*` crosses newlines
    expect(globMatch('a?b', 'a\nb', false)).toBe(true); // `?` is any one code unit, a newline too
    expect(globMatch('a?b', 'a\ud83d\ude00b', false)).toBe(false); // an astral character is two code units
    expect(globMatch('a??b', 'a\ud83d\ude00b', false)).toBe(true);
    expect(globMatch('*', '', false)).toBe(true);
    expect(globMatch('', '', false)).toBe(true);
    expect(globMatch('?', '', false)).toBe(false);
    expect(globMatch('a.c', 'abc', false)).toBe(false); // regex metacharacters are literal
    expect(globMatch('ab*ba', 'aba', false)).toBe(false); // prefix and suffix may not overlap
    expect(globMatch('ab*ba', 'abba', false)).toBe(true);
    expect(globMatch('KMS:Decrypt', 'kms:decrypt', false)).toBe(false);
    expect(actionMatches('KMS:De?ry*', 'kms:decrypt')).toBe(true);
    expect(actionMatches('kms:Decrypt', 'KMS:DECRYPT')).toBe(true);
  });

  it('stays within O((value + pattern) × pattern) steps on patterns that make a RegExp backtrack', () => {
    // A cheap call first: on a matcher without the counter this fails here instead of hanging below.
    const warmup: GlobCounter = { steps: 0 };
    expect(globMatch('*e*f', 'eeef', false, warmup)).toBe(true);
    expect(warmup.steps).toBeGreaterThan(0);

    const long = 'e'.repeat(5000);
    const cases: [string, string, boolean][] = [
      ['*e'.repeat(20) + 'f', long, false],
      ['*e'.repeat(20) + 'f', long, true],
      ['?*'.repeat(20) + 'f', long, false],
      ['*?'.repeat(20) + 'f', long, false],
      ['*?e'.repeat(20) + '*f', long, false],
      ['*e*e*e*e*e*e*e*e*f', long, false],
      ['*' + 'e'.repeat(40) + 'f*', long, false], // the worst case: every position tries the whole segment
      ['*' + 'e?'.repeat(20) + 'f*' + 'e*'.repeat(10), long, true],
      ['arn:aws:kms:*:*:key/' + '*e'.repeat(20) + 'f', 'arn:aws:kms:eu-west-1:111122223333:key/' + long, false],
    ];
    for (const [p, v, ignoreCase] of cases) {
      const counter: GlobCounter = { steps: 0 };
      expect(globMatch(p, v, ignoreCase, counter), p).toBe(false);
      expect(counter.steps, p).toBeLessThanOrEqual(bound(p, v));
    }
    // The star-heavy patterns cost a few passes over the value, not a product of star counts.
    const starry: GlobCounter = { steps: 0 };
    globMatch('*e'.repeat(20) + 'f', long, false, starry);
    expect(starry.steps).toBeLessThan(100);
    const mixed: GlobCounter = { steps: 0 };
    globMatch('*?e'.repeat(20) + '*ef', long + 'e', false, mixed);
    expect(mixed.steps).toBeLessThan(200);
  });
});

describe('arnMatches', () => {
  it('matches the first five components one by one, the resource part as a whole', () => {
    expect(arnMatches('arn:aws:kms:*:111122223333:key/*', 'arn:aws:kms:eu-west-1:111122223333:key/abc')).toBe(true);
    expect(arnMatches('arn:aws:kms:*:111122223333:key/*', 'arn:aws:kms:eu:west:111122223333:key/abc')).toBe(false);
    expect(arnMatches('arn:aws:s3:::bucket/*', 'arn:aws:s3:::bucket/a:b:c')).toBe(true);
    expect(arnMatches('arn:aws:*', 'arn:aws:kms:eu-west-1:111122223333:key/abc')).toBe(true); // too few parts: whole-string glob
    expect(arnMatches('ARN:aws:kms:*:*:*', 'arn:aws:kms:r:1:k')).toBe(false); // case-sensitive
  });
});

describe('sandbox EC2 filter values', () => {
  it('use the same matcher (no RegExp built from the filter text)', () => {
    expect(filterValueMatches('cosigner-a', ['cosigner-*'])).toBe(true);
    expect(filterValueMatches('cosigner-a', ['cosigner-?'])).toBe(true);
    expect(filterValueMatches('cosigner-ab', ['cosigner-?'])).toBe(false);
    expect(filterValueMatches('a(b', ['a(*'])).toBe(true);
    expect(filterValueMatches(undefined, ['*'])).toBe(false);
    // `*` crosses newlines here as everywhere else (the former RegExp lacked the dotAll flag).
    expect(filterValueMatches('line one\nline two', ['line*two'])).toBe(true);
    // Would backtrack for minutes as a RegExp.
    expect(filterValueMatches('e'.repeat(5000), ['*e'.repeat(20) + 'f'])).toBe(false);
  });
});
