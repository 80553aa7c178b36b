import { describe, expect, it } from 'vitest';
import { fitWidth, oneLine, textWidth, wrapWords } from '../../src/io/text-width.js';

describe('fitWidth', () => {
  it('keeps text that fits and cuts the rest with an ellipsis', () => {
    expect(fitWidth('short', 10)).toBe('short');
    expect(fitWidth('exactly 10', 10)).toBe('exactly 10');
    expect(fitWidth('one more than ten', 10)).toBe('one more …');
    expect(textWidth(fitWidth('x'.repeat(500), 119))).toBe(119);
  });

  it('paints after cutting, so colour codes never count as columns', () => {
    expect(fitWidth('abcdefghij', 5, (t) => `<${t}>`)).toBe('<abcd…>');
  });

  it('counts wide characters as two columns', () => {
    expect(textWidth('漢字ab')).toBe(6);
    expect(fitWidth('漢字漢字', 5)).toBe('漢字…');
  });

  it('neutralises escape sequences and newlines coming from data', () => {
    expect(oneLine('bucket\u001b[2Jname\nnext')).toBe('bucket [2Jname next');
    expect([...fitWidth('a\u001b]0;title\u0007b', 40)].filter((c) => c.charCodeAt(0) < 0x20)).toEqual([]);
  });
});

describe('wrapWords', () => {
  it('wraps at spaces with an indent and splits a word longer than a line', () => {
    expect(wrapWords('short line', 40)).toEqual(['short line']);
    expect(wrapWords('the host needs a NAT gateway or VPC endpoints to reach Fireblocks', 24)).toEqual([
      'the host needs a NAT',
      '  gateway or VPC',
      '  endpoints to reach',
      '  Fireblocks',
    ]);
    const long = wrapWords(`see ${'x'.repeat(50)} end`, 20);
    expect(long.every((l) => textWidth(l) <= 20)).toBe(true);
    expect(long.join('').replace(/ /g, '')).toBe(`see${'x'.repeat(50)}end`);
  });

  it("keeps the line's own indent and indents what follows under it", () => {
    expect(
      wrapWords('  = keep   S3 bucket b  (kept: it holds the database (pass --delete-bucket to delete it))', 40),
    ).toEqual([
      '  = keep   S3 bucket b  (kept: it holds',
      '    the database (pass --delete-bucket',
      '    to delete it))',
    ]);
  });

  it('leaves lines with escape codes alone', () => {
    const coloured = `\u001b[31m${'word '.repeat(30)}\u001b[39m`;
    expect(wrapWords(coloured, 40)).toEqual([coloured]);
  });
});
