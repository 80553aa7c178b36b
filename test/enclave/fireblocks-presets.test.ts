// The presets are pinned values, checked here against the published table (reference/fireblocks-aws.md
// §1.6, hex and base64 columns) and never recomputed from anything.
import { describe, expect, it } from 'vitest';
import {
  awsEgressDomains,
  fireblocksEgressDomains,
  fireblocksPreset,
  FIREBLOCKS_ENV_NAMES,
  FIREBLOCKS_ENVIRONMENTS,
  isFireblocksEnv,
  PYPI_EGRESS_DOMAINS,
} from '../../src/enclave/fireblocks-presets.js';
import { normalizePCR } from '../../src/enclave/pcr.js';

// fireblocks-aws.md §1.6, the base64 column (computed independently from the hex column).
const PUBLISHED_BASE64 = {
  global: '2h2eyiDOmKtP28UfjlojB/1MYYKbfYv/QJds1mdoYsjzR2/0vdD2Xs9KSNbrMJmo',
  eu: '//yU1ooVC0ncObI5VMeTzRpPeXL1KKHuJY3BMLbNlFTimucu9mvZaXpV53Thei1J',
  swiss: 'abH76ftOpJ4IT+b5+WI9hxvSLOte+tR7Go03COZnSGjK2L8IjO05dsIZQ2DH1YIZ',
} as const;

describe('Fireblocks presets', () => {
  it('pins the published PCR8 of each environment', () => {
    expect(FIREBLOCKS_ENVIRONMENTS.global.pcr8).toBe(
      'da1d9eca20ce98ab4fdbc51f8e5a2307fd4c61829b7d8bff40976cd6676862c8f3476ff4bdd0f65ecf4a48d6eb3099a8',
    );
    expect(FIREBLOCKS_ENVIRONMENTS.eu.pcr8).toBe(
      'fffc94d68a150b49dc39b23954c793cd1a4f7972f528a1ee258dc130b6cd9454e29ae72ef66bd9697a55e774e17a2d49',
    );
    expect(FIREBLOCKS_ENVIRONMENTS.swiss.pcr8).toBe(
      '69b1fbe9fb4ea49e084fe6f9f9623d871bd22ceb5efad47b1a8d3708e6674868cad8bf088ced3976c2194360c7d58219',
    );
  });

  it.each(FIREBLOCKS_ENV_NAMES)('%s: PCR8 is canonical and agrees with the published base64', (env) => {
    const preset = FIREBLOCKS_ENVIRONMENTS[env];
    expect(preset.env).toBe(env);
    expect(normalizePCR(preset.pcr8)).toBe(preset.pcr8);
    expect(Buffer.from(preset.pcr8, 'hex').toString('base64')).toBe(PUBLISHED_BASE64[env]);
  });

  it('lists the Fireblocks-owned egress hosts per environment', () => {
    expect(FIREBLOCKS_ENVIRONMENTS.global.fireblocksDomains).toEqual([
      'mobile-api.fireblocks.io',
      'signurl.fireblocks.io',
      's3signurl.fireblocks.io',
    ]);
    expect(FIREBLOCKS_ENVIRONMENTS.eu.fireblocksDomains).toEqual([
      'eu2-mobile-api.fireblocks.io',
      'eu2-signurl.fireblocks.io',
      'eu2-s3signurl.fireblocks.io',
    ]);
    expect(FIREBLOCKS_ENVIRONMENTS.swiss.fireblocksDomains).toEqual([
      'eu-mobile-api.fireblocks.io',
      'eu-signurl.fireblocks.io',
      'eu-s3signurl.fireblocks.io',
    ]);
  });

  it('adds the regional AWS endpoints and PyPI hosts', () => {
    expect(awsEgressDomains('eu-west-1')).toEqual([
      's3.eu-west-1.amazonaws.com',
      'kms.eu-west-1.amazonaws.com',
      'fb-certs.s3.amazonaws.com',
    ]);
    expect(fireblocksEgressDomains('eu', 'eu-central-2')).toEqual([
      'eu2-mobile-api.fireblocks.io',
      'eu2-signurl.fireblocks.io',
      'eu2-s3signurl.fireblocks.io',
      's3.eu-central-2.amazonaws.com',
      'kms.eu-central-2.amazonaws.com',
      'fb-certs.s3.amazonaws.com',
      ...PYPI_EGRESS_DOMAINS,
    ]);
    expect(PYPI_EGRESS_DOMAINS).toEqual(['bootstrap.pypa.io', 'files.pythonhosted.org', 'pypi.org', 'pypi.python.org']);
    expect(awsEgressDomains('us-gov-west-1')[0]).toBe('s3.us-gov-west-1.amazonaws.com');
  });

  it('throws INVALID_OPTION for an unknown environment or region', () => {
    expect(() => fireblocksPreset('us')).toThrowCosignerError('INVALID_OPTION');
    expect(() => awsEgressDomains('Europe')).toThrowCosignerError('INVALID_OPTION');
    expect(() => awsEgressDomains('eu-west-1.evil.com')).toThrowCosignerError('INVALID_OPTION');
  });

  it('narrows environment names', () => {
    expect(isFireblocksEnv('swiss')).toBe(true);
    expect(isFireblocksEnv('custom')).toBe(false);
    expect(fireblocksPreset('global')).toBe(FIREBLOCKS_ENVIRONMENTS.global);
  });
});
