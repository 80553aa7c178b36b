// A pairing token typed where others can read it (argv, the environment) is refused, and the
// refusal never quotes it: not in the JSON envelope, not on stderr. Each case is a way an
// operator could paste it: an option no one defined, the value of another token option, a
// setting's environment variable.
import { describe, expect, it } from 'vitest';
import { validateToken } from '../../src/host/token.js';
import { hideTokens, looksLikeToken } from '../../src/io/safe-text.js';
import { fakeToken } from '../host/fake-package.js';
import { runCli } from '../helpers/run-cli.js';

const TOKEN = fakeToken('argv-leak');
const [, PAYLOAD, SIGNATURE] = TOKEN.split('.') as [string, string, string];

function expectUnseen(run: { stdout: string; stderr: string }): void {
  for (const part of [PAYLOAD, SIGNATURE]) {
    expect(run.stdout).not.toContain(part);
    expect(run.stderr).not.toContain(part);
  }
}

describe('a token in argv or the environment', () => {
  it('an option no one defined (--pairing-token=<token>): UNKNOWN_OPTION, the token not quoted', async () => {
    const run = await runCli(['run', `--pairing-token=${TOKEN}`, '--json']);
    expect(run.code).toBe(2);
    expect(run.json?.error?.code).toBe('UNKNOWN_OPTION');
    expect(run.json?.error?.message).toContain('--pairing-token=[redacted]');
    expectUnseen(run);
  });

  it.each([
    ['--token-file', '--token-file'],
    ['--token-ssm', '--token-ssm'],
    ['--callback-url', '--callback-url'],
  ])('pasted as the value of %s: SECRET_INSECURE_SOURCE (exit 5) naming the option only', async (flag, named) => {
    const run = await runCli(['run', '--package', 'p.tar.gz', '--package-sha256', 'ab'.repeat(32), flag, TOKEN]);
    expect(run.code).toBe(5);
    expect(run.json?.error?.code).toBe('SECRET_INSECURE_SOURCE');
    expect(run.json?.error?.message).toContain(named);
    expectUnseen(run);
  });

  it('--token <value> itself: refused, not echoed', async () => {
    const run = await runCli(['run', '--token', TOKEN]);
    expect(run.json?.error?.code).toBe('SECRET_INSECURE_SOURCE');
    expectUnseen(run);
  });

  it('in a setting variable (COSIGNER_KMS_KEY_ID=<token>) or a token variable: refused by name', async () => {
    const setting = await runCli(['run', '--check'], { env: { COSIGNER_KMS_KEY_ID: TOKEN } });
    expect(setting.json?.error?.code).toBe('SECRET_INSECURE_SOURCE');
    expect(setting.json?.error?.message).toContain('COSIGNER_KMS_KEY_ID');
    expectUnseen(setting);
    const named = await runCli(['run', '--check'], { env: { FIREBLOCKS_PAIRING_TOKEN: TOKEN } });
    expect(named.json?.error?.code).toBe('SECRET_INSECURE_SOURCE');
    expectUnseen(named);
  });

  it('what counts as token-shaped: JWTs, not ARNs, bucket names with dots, paths or digests', () => {
    expect(looksLikeToken(TOKEN)).toBe(true);
    expect(looksLikeToken(`x=${TOKEN};`)).toBe(true);
    for (const value of [
      'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      'company-cosigner.production-eu.backup-bucket',
      '/home/ops/token.txt',
      'ab'.repeat(32),
      'https://callback.example.com:8443/v2/cosigner',
    ])
      expect(looksLikeToken(value), value).toBe(false);
    expect(hideTokens(`a ${TOKEN} b ${TOKEN}`)).toBe('a [redacted] b [redacted]');
  });

  // JWTs whose header does not encode to `eyJ`: other JSON spacing, a newline or a BOM first.
  const b64 = (text: string) => Buffer.from(text).toString('base64url');
  const payload = b64(JSON.stringify({ sub: 'other-shape', exp: Math.floor(Date.now() / 1000) + 3600 }));
  const OTHER_SHAPES = [
    `${b64('{ "alg": "ES256", "typ": "JWT" }')}.${payload}.${b64('sig')}`,
    `${b64('\n{"alg":"ES256"}')}.${payload}.${b64('sig')}`,
    `${b64('\ufeff{"alg":"ES256"}')}.${payload}.`,
  ];

  it('any JWT-shaped value validateToken accepts counts as token-shaped, whatever its header encodes to', () => {
    for (const token of OTHER_SHAPES) {
      expect(token.startsWith('eyJ'), token).toBe(false);
      // validateToken takes it as a pairing token…
      expect(() => validateToken(Buffer.from(token), new Date())).not.toThrow();
      // …so it is refused in argv and hidden in messages.
      expect(looksLikeToken(token), token).toBe(true);
      expect(looksLikeToken(`x=${token};`), token).toBe(true);
      expect(hideTokens(`a ${token} b`)).toBe('a [redacted] b');
    }
    // A dotted word that only holds a token in its middle keeps the rest.
    expect(hideTokens(`prefix.${OTHER_SHAPES[0]!}`)).toBe('prefix.[redacted]');
    // Three base64url parts whose first does not decode to a JSON object are not a token.
    for (const value of [`${b64('1')}.${payload}.x`, `${b64('[1]')}.${payload}.x`, 'a.b.c', 'v1.2.3'])
      expect(looksLikeToken(value), value).toBe(false);
  });

  it('such a token pasted as an option value is refused and not echoed', async () => {
    const token = OTHER_SHAPES[0]!;
    const run = await runCli([
      'run',
      '--package',
      'p.tar.gz',
      '--package-sha256',
      'ab'.repeat(32),
      '--token-ssm',
      token,
    ]);
    expect(run.code).toBe(5);
    expect(run.json?.error?.code).toBe('SECRET_INSECURE_SOURCE');
    expect(run.stdout + run.stderr).not.toContain(token.split('.')[1]!);
  });
});
