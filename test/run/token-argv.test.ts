// A pairing token typed where others can read it (argv, the environment) is refused, and the
// refusal never quotes it: not in the JSON envelope, not on stderr. Each case is a way an
// operator could paste it: an option no one defined, the value of another token option, a
// setting's environment variable.
import { describe, expect, it } from 'vitest';
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
});
