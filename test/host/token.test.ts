// Pairing-token sources: only the ones others cannot read, each attack on them refused.
import { chmod, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readToken, refuseInsecureToken, Secret, validateToken, type TokenDeps } from '../../src/host/token.js';
import { TestIoHost } from '../helpers/test-io-host.js';
import { fakeToken } from './fake-package.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'token-test-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const uid = process.getuid?.() ?? 0;
function deps(over: Partial<TokenDeps> = {}): TokenDeps {
  return { io: new TestIoHost(), stdin: Readable.from([]), uid, now: () => new Date(), ...over };
}
const TOKEN = fakeToken('unit');

async function file(content: string, mode: number): Promise<string> {
  const path = join(dir, `t-${mode.toString(8)}`);
  await writeFile(path, content);
  await chmod(path, mode);
  return path;
}

describe('token sources', () => {
  it('a 0600 or 0400 file of the user: read, trailing newline dropped', async () => {
    for (const mode of [0o600, 0o400]) {
      const secret = await readToken({ kind: 'file', path: await file(`${TOKEN}\n`, mode) }, deps());
      expect(secret.text()).toBe(TOKEN);
    }
  });

  it.each([
    ['readable by the group', 0o640],
    ['readable by everyone', 0o644],
  ])('a file %s is refused (SECRET_INSECURE_SOURCE)', async (_what, mode) => {
    await expect(readToken({ kind: 'file', path: await file(TOKEN, mode) }, deps())).toThrowCosignerError(
      'SECRET_INSECURE_SOURCE',
    );
  });

  it('a symbolic link, a file of another user, a FIFO are refused', async () => {
    const real = await file(TOKEN, 0o600);
    const link = join(dir, 'link');
    await symlink(real, link);
    await expect(readToken({ kind: 'file', path: link }, deps())).toThrowCosignerError('SECRET_INSECURE_SOURCE');
    await expect(readToken({ kind: 'file', path: real }, deps({ uid: uid + 1 }))).toThrowCosignerError(
      'SECRET_INSECURE_SOURCE',
    );
    await expect(readToken({ kind: 'file', path: dir }, deps())).toThrowCosignerError('SECRET_INSECURE_SOURCE');
    await expect(readToken({ kind: 'file', path: join(dir, 'none') }, deps())).toThrowCosignerError('FILE_NOT_FOUND');
  });

  it('stdin (a pipe): read; a terminal on stdin is refused for --token-stdin', async () => {
    expect(
      (await readToken({ kind: 'stdin' }, deps({ stdin: Readable.from([Buffer.from(`${TOKEN}\n`)]) }))).text(),
    ).toBe(TOKEN);
    const tty = Object.assign(Readable.from([]), { isTTY: true });
    await expect(readToken({ kind: 'stdin' }, deps({ stdin: tty }))).toThrowCosignerError('INVALID_OPTION');
  });

  it('the prompt: hidden input on a terminal; without one INPUT_REQUIRED naming the flags', async () => {
    const io = new TestIoHost({ answers: [TOKEN] });
    expect((await readToken({ kind: 'prompt' }, deps({ io }))).text()).toBe(TOKEN);
    expect(io.prompts[0]).toMatchObject({ kind: 'secret' });
    await expect(readToken({ kind: 'prompt' }, deps())).toThrowCosignerError('INPUT_REQUIRED');
  });

  it('argv and the environment are refused with a hint to rotate the token', () => {
    expect(() => refuseInsecureToken('argv', '--token')).toThrowCosignerError('SECRET_INSECURE_SOURCE');
    try {
      refuseInsecureToken('env', 'COSIGNER_TOKEN');
    } catch (error) {
      expect((error as { hint: string }).hint).toMatch(/exposed/);
    }
  });
});

describe('the token value', () => {
  it.each([
    ['empty', ''],
    ['with a space', 'a.b c.d'],
    ['not a JWT', 'just-a-password'],
    ['with a terminal escape', `${TOKEN}\x1b[2J`],
  ])('%s is TOKEN_INVALID', (_what, value) => {
    expect(() => validateToken(Buffer.from(value), new Date())).toThrowCosignerError('TOKEN_INVALID');
  });

  it('an expired JWT is TOKEN_EXPIRED', () => {
    expect(() => validateToken(Buffer.from(fakeToken('x', -1)), new Date())).toThrowCosignerError('TOKEN_EXPIRED');
  });

  it('a Secret never prints: JSON, String, inspect; wipe zeroes it', () => {
    const secret = new Secret(Buffer.from(TOKEN));
    expect(JSON.stringify({ secret })).toBe('{"secret":"[redacted]"}');
    expect(String(secret)).toBe('[redacted]');
    expect(inspect({ secret })).not.toContain(TOKEN.slice(0, 10));
    const bytes = secret.reveal();
    secret.wipe();
    expect(bytes.every((b) => b === 0)).toBe(true);
    expect(secret.text()).toBe('');
  });
});
