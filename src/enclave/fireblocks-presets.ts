// Fireblocks SaaS environments: the PCR8 each publishes for its co-signer EIF and the egress
// domains its co-signer needs. Values are pinned here, never recomputed: Fireblocks does not
// publish the signing certificate, only this hash.
//
// Source: Fireblocks' install guide (PCR8 per environment,
// https://developers.fireblocks.com/cosigners/aws/install-api-cosigner-aws, "Create KMS key")
// and its network allowlist (install guide §1.1).
import { fail } from '../errors.js';

export type FireblocksEnv = 'global' | 'eu' | 'swiss';

export const FIREBLOCKS_ENV_NAMES: readonly FireblocksEnv[] = ['global', 'eu', 'swiss'];

export interface FireblocksPreset {
  readonly env: FireblocksEnv;
  /** Human name of the SaaS environment. */
  readonly label: string;
  /** PCR8 of Fireblocks' signed co-signer EIF, 96 lowercase hex. */
  readonly pcr8: string;
  /** Fireblocks-owned hosts the co-signer dials out to (HTTPS/WebSocket, port 443). */
  readonly fireblocksDomains: readonly string[];
}

export const FIREBLOCKS_ENVIRONMENTS: Readonly<Record<FireblocksEnv, FireblocksPreset>> = {
  global: {
    env: 'global',
    label: 'Global SaaS',
    pcr8: 'da1d9eca20ce98ab4fdbc51f8e5a2307fd4c61829b7d8bff40976cd6676862c8f3476ff4bdd0f65ecf4a48d6eb3099a8',
    fireblocksDomains: ['mobile-api.fireblocks.io', 'signurl.fireblocks.io', 's3signurl.fireblocks.io'],
  },
  eu: {
    env: 'eu',
    label: 'Europe SaaS',
    pcr8: 'fffc94d68a150b49dc39b23954c793cd1a4f7972f528a1ee258dc130b6cd9454e29ae72ef66bd9697a55e774e17a2d49',
    fireblocksDomains: ['eu2-mobile-api.fireblocks.io', 'eu2-signurl.fireblocks.io', 'eu2-s3signurl.fireblocks.io'],
  },
  swiss: {
    env: 'swiss',
    label: 'Swiss SaaS',
    pcr8: '69b1fbe9fb4ea49e084fe6f9f9623d871bd22ceb5efad47b1a8d3708e6674868cad8bf088ced3976c2194360c7d58219',
    fireblocksDomains: ['eu-mobile-api.fireblocks.io', 'eu-signurl.fireblocks.io', 'eu-s3signurl.fireblocks.io'],
  },
};

/** Python package hosts the co-signer installer needs (fireblocks-aws.md §1.3). */
export const PYPI_EGRESS_DOMAINS: readonly string[] = [
  'bootstrap.pypa.io',
  'files.pythonhosted.org',
  'pypi.org',
  'pypi.python.org',
];

/** True for a known environment name. */
export function isFireblocksEnv(value: string): value is FireblocksEnv {
  return (FIREBLOCKS_ENV_NAMES as readonly string[]).includes(value);
}

/** The preset of an environment; throws INVALID_OPTION naming the valid choices. */
export function fireblocksPreset(env: string): FireblocksPreset {
  if (!isFireblocksEnv(env)) {
    fail(
      'INVALID_OPTION',
      `unknown Fireblocks environment ${JSON.stringify(env)}`,
      `use one of: ${FIREBLOCKS_ENV_NAMES.join(', ')}`,
    );
  }
  return FIREBLOCKS_ENVIRONMENTS[env];
}

/** AWS hosts the co-signer needs in `region`: S3 and KMS endpoints plus Fireblocks' certificate bucket (§1.3). */
export function awsEgressDomains(region: string): string[] {
  if (!/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(region)) {
    fail('INVALID_OPTION', `not an AWS region: ${JSON.stringify(region)}`, 'pass a region name such as us-east-1');
  }
  return [`s3.${region}.amazonaws.com`, `kms.${region}.amazonaws.com`, 'fb-certs.s3.amazonaws.com'];
}

/** Every egress host of a co-signer of `env` in `region`: Fireblocks, AWS, then PyPI. */
export function fireblocksEgressDomains(env: FireblocksEnv, region: string): string[] {
  return [...fireblocksPreset(env).fireblocksDomains, ...awsEgressDomains(region), ...PYPI_EGRESS_DOMAINS];
}
