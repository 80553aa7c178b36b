// Terminal controls in untrusted text: shown as escapes in human output, exact in JSON.
/* eslint-disable no-control-regex -- these tests look for raw control characters */
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CliIoHost } from '../../src/io/cli-io-host.js';
import { errorEnvelope, formatEnvelope, successEnvelope } from '../../src/io/envelope.js';
import { escapeControl, escapeJsonText } from '../../src/io/safe-text.js';

/** Any character a terminal acts on (or reorders by), a line feed included. */
const RAW_CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;
const RAW_CONTROL_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

const code = (char: string): string => char.charCodeAt(0).toString(16).padStart(4, '0');
const range = (from: number, to: number): string[] =>
  Array.from({ length: to - from + 1 }, (_, i) => String.fromCharCode(from + i));

describe('escapeControl', () => {
  it('shows every C0, DEL and C1 control as \\xHH (\\t, \\n, \\r as such)', () => {
    for (const char of [...range(0x00, 0x1f), ...range(0x7f, 0x9f)]) {
      const escaped = escapeControl(`a${char}b`);
      expect(escaped, code(char)).not.toMatch(RAW_CONTROL);
      const expected =
        char === '\t'
          ? '\\t'
          : char === '\n'
            ? '\\n'
            : char === '\r'
              ? '\\r'
              : `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`;
      expect(escaped, code(char)).toBe(`a${expected}b`);
    }
    expect(escapeControl('\u001b[2K\rPCR8 00')).toBe('\\x1b[2K\\rPCR8 00');
    expect(escapeControl('\u009b2J')).toBe('\\x9b2J');
  });

  it('shows bidi controls and line separators as \\uXXXX', () => {
    for (const char of ['\u061c', '\u200e', '\u200f', ...range(0x2028, 0x202e), ...range(0x2066, 0x2069)]) {
      expect(escapeControl(`x${char}y`), code(char)).toBe(`x\\u${code(char)}y`);
    }
    expect(escapeControl('cosigner\u202egol.eif')).toBe('cosigner\\u202egol.eif');
  });

  it('leaves printable text alone: ASCII, accents, CJK, emoji, backslashes', () => {
    const text = 'arn:aws:kms:eu-west-1:111122223333:key/ab-12 é 日本 😀 C:\\path {"a":1}';
    expect(escapeControl(text)).toBe(text);
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (value) => {
        const escaped = escapeControl(value);
        expect(escaped).not.toMatch(RAW_CONTROL);
        if (!RAW_CONTROL.test(value)) expect(escaped).toBe(value);
      }),
      { seed: 20_260_301, numRuns: 2000 },
    );
  });

  it('keeps line feeds only when asked, for multi-line messages the CLI assembled', () => {
    expect(escapeControl('one\ntwo\u001b[1A', { keepNewlines: true })).toBe('one\ntwo\\x1b[1A');
    expect(escapeControl('one\ntwo')).toBe('one\\ntwo');
    expect(escapeControl('a\r\nb', { keepNewlines: true })).toBe('a\\r\nb');
  });
});

describe('JSON output', () => {
  it('JSON.stringify escapes C0 controls by itself; DEL, C1 and bidi controls are escaped too', () => {
    const hostile = `name\u001b[2K\r\n\u0007\u007f\u009b2J\u202e\u2066\u2028end`;
    const text = formatEnvelope(successEnvelope('attest describe-eif', { ImageName: hostile }));
    expect(text.slice(0, -1)).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/); // raw C0 only in the layout
    expect(text).not.toMatch(RAW_CONTROL_BUT_NEWLINE);
    expect(text).toContain('\\u001b[2K\\r\\n\\u0007\\u007f\\u009b2J\\u202e\\u2066\\u2028end');
    expect((JSON.parse(text) as { result: { ImageName: string } }).result.ImageName).toBe(hostile);
    const error = formatEnvelope(
      errorEnvelope('verify', {
        code: 'FILE_NOT_FOUND',
        message: `no file ${hostile}`,
        hint: hostile,
        exitCode: 2,
      } as never),
    );
    expect(error).not.toMatch(RAW_CONTROL_BUT_NEWLINE);
    expect((JSON.parse(error) as { error: { message: string; hint: string } }).error).toMatchObject({
      message: `no file ${hostile}`,
      hint: hostile,
    });
  });

  it('round-trips every string exactly', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ unit: 'binary' }), (value, key) => {
        const document = { [key]: value, key };
        const text = escapeJsonText(JSON.stringify(document, null, 2));
        expect(text).not.toMatch(RAW_CONTROL_BUT_NEWLINE);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(document)));
      }),
      { seed: 20_260_302, numRuns: 1000 },
    );
  });
});

describe('the terminal IoHost', () => {
  async function host() {
    const stderr = new PassThrough() as PassThrough & { isTTY?: boolean };
    let text = '';
    stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const io = await CliIoHost.create({
      stdin: { isTTY: false },
      stderr,
      json: false,
      quiet: false,
      verbose: true,
      color: false,
      nonInteractive: true,
      assumeYes: false,
      ci: true,
    });
    return { io, text: () => text };
  }

  it('escapes messages and step texts; a preformatted message is printed as it is', async () => {
    const { io, text } = await host();
    io.notify({ level: 'warn', code: 'PROVISION_WARNING', message: 'bucket \u001b[2Kx\u009b\u202e\nsecond line' });
    const step = io.startStep('creating \u001b[1Arole\nfake');
    step.update('waiting \r\u0007');
    step.fail('role: AccessDenied \u001b]0;title\u0007');
    io.startStep('bucket').succeed();
    io.notify({ level: 'info', code: 'ATTEST_DIFF', message: '\u001b[32m+ added\u001b[39m', preformatted: true });
    expect(text()).toBe(
      [
        '⚠ bucket \\x1b[2Kx\\x9b\\u202e',
        'second line',
        '… creating \\x1b[1Arole\\nfake',
        '… waiting \\r\\x07',
        '✖ role: AccessDenied \\x1b]0;title\\x07',
        '… bucket',
        '✔ bucket',
        '\u001b[32m+ added\u001b[39m',
        '',
      ].join('\n'),
    );
  });

  it('escapes prompt messages and choice names on a terminal', async () => {
    const stdin = new PassThrough() as PassThrough & { isTTY?: boolean; setRawMode?: (on: boolean) => void };
    stdin.isTTY = true;
    stdin.setRawMode = () => undefined;
    const stderr = new PassThrough() as PassThrough & { isTTY?: boolean; columns?: number };
    stderr.isTTY = true;
    stderr.columns = 120;
    let text = '';
    stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const io = await CliIoHost.create({
      stdin,
      stderr,
      json: false,
      quiet: false,
      verbose: false,
      color: false,
      nonInteractive: false,
      assumeYes: false,
      ci: true,
    });
    const answer = io.request({
      kind: 'select',
      message: 'Subnet \u001b[2Kin vpc\u202e',
      flag: '--subnet-id',
      choices: [{ value: 'a', name: 'subnet-a \u009b2J' }, { value: 'b\u001b' }],
    });
    const timer = setInterval(() => {
      if (!text.includes('Subnet')) return;
      clearInterval(timer);
      stdin.write('\r');
    }, 5);
    await expect(answer).resolves.toBe('a');
    expect(text).toContain('Subnet \\x1b[2Kin vpc\\u202e');
    expect(text).toContain('subnet-a \\x9b2J');
    expect(text).toContain('b\\x1b');
    expect(text).not.toMatch(/[\u009b\u202e]|\u001b\[2Kin/);
  });
});
