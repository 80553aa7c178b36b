import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CosignerError } from '../src/errors.js';
import { report, type MainIo, type RunState } from '../src/main.js';

function io(): { io: MainIo; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  return { io: { argv: [], env: {}, cwd: '/', stdin: {}, stdout, stderr }, out: () => out, err: () => err };
}

const state = (over: Partial<RunState> = {}): RunState => ({
  command: 'status',
  json: false,
  debug: false,
  color: false,
  ...over,
});
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('report', () => {
  it('turns an unexpected error into exit 1 with a one-line "please report" and no stack', async () => {
    const t = io();
    const bug = new TypeError(
      `cannot read properties of undefined (reading 'x') at ${process.env.HOME ?? '/root'}/project/file.js`,
    );
    expect(await report(bug, state(), t.io)).toBe(1);
    await tick();
    const lines = t.err().trim().split('\n');
    expect(lines[0]).toMatch(/^✖ unexpected error: cannot read properties of undefined/);
    expect(lines[1]).toContain('please report');
    expect(lines).toHaveLength(2);
    expect(t.err()).not.toContain('    at ');
    expect(t.out()).toBe('');
  });

  it('prints the stack only with --debug, with the home directory scrubbed', async () => {
    const t = io();
    const bug = new Error('boom');
    bug.stack = `Error: boom\n    at f (${process.env.HOME ?? '/root'}/project/src/x.ts:1:1)`;
    await report(bug, state({ debug: true }), t.io);
    await tick();
    expect(t.err()).toContain('    at f (~/project/src/x.ts:1:1)');
  });

  it('writes the error envelope on stdout in JSON mode, once', async () => {
    const t = io();
    expect(
      await report(new CosignerError('AWS_ACCESS_DENIED', 'no', { hint: 'grant it' }), state({ json: true }), t.io),
    ).toBe(4);
    await tick();
    expect(JSON.parse(t.out())).toEqual({
      schemaVersion: 1,
      command: 'status',
      ok: false,
      error: { code: 'AWS_ACCESS_DENIED', message: 'no', hint: 'grant it' },
    });
    const again = io();
    await report(new CosignerError('VERIFY_FAILED', 'x'), state({ json: true, reported: true }), again.io);
    await tick();
    expect(again.out()).toBe('');
  });
});
