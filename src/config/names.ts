/**
 * Deterministic resource names derived from the co-signer name. Provision finds what exists by
 * these names plus the `cosigner-cli:*` tags, never by guessing.
 */
import { createHash } from 'node:crypto';
import type { CosignerConfig } from './schema.js';

/** Tag keys written on every resource (reserved prefix, rejected in user tags). */
export const TAGS = {
  name: 'cosigner-cli:name',
  managedBy: 'cosigner-cli:managed-by',
  version: 'cosigner-cli:version',
  /**
   * On the global resources (IAM role and instance profile) only: the region of the co-signer that
   * created them. IAM is global, so `<name>-cosigner` in two regions would be one role; the tag
   * lets provision and destroy in another region leave it alone.
   */
  region: 'cosigner-cli:region',
} as const;

/** IAM path that holds every role and instance profile this tool creates. */
export const IAM_PATH = '/cosigner-cli/';

export interface ResourceNames {
  roleName: string;
  instanceProfileName: string;
  inlinePolicyName: string;
  bucketName: string;
  keyAlias: string;
  securityGroupName: string;
  instanceName: string;
}

/**
 * Names for one co-signer. The bucket name embeds account and region so it is globally unique
 * and stable across re-runs; an explicit name in the config always wins.
 */
export function resourceNames(config: CosignerConfig, where: { accountId: string; region: string }): ResourceNames {
  const base = `${config.name}-cosigner`;
  return {
    roleName: config.iam.roleName ?? base,
    instanceProfileName: config.iam.roleName ?? base,
    inlinePolicyName: 'cosigner-access',
    bucketName: config.s3.bucketName ?? derivedBucketName(base, where),
    keyAlias: config.kms.alias ?? `alias/${base}`,
    securityGroupName: `${base}-host`,
    instanceName: `${base}-host`,
  };
}

/** S3's limit on a bucket name's length. */
const BUCKET_NAME_MAX = 63;

/**
 * `<name>-cosigner-<account>-<region>`. When that is longer than S3 allows, the name part is
 * shortened, never the account or the region (a truncated region would make one co-signer name in
 * two regions derive overlapping names), and a short hash of the full name part keeps two long
 * names with a common prefix apart.
 */
function derivedBucketName(base: string, where: { accountId: string; region: string }): string {
  const suffix = `-${where.accountId}-${where.region}`;
  if (base.length + suffix.length <= BUCKET_NAME_MAX) return `${base}${suffix}`;
  const hash = createHash('sha256').update(base).digest('hex').slice(0, 6);
  const room = BUCKET_NAME_MAX - suffix.length - hash.length - 1;
  return `${base.slice(0, room).replace(/-+$/, '')}-${hash}${suffix}`;
}

/**
 * The bucket name earlier versions of cosigner-cli derived for this co-signer, before long names
 * were shortened with a hash: the whole `<name>-cosigner-<account>-<region>` cut at 63 characters (which could cut
 * into the region). Undefined when it is the name derived today, or the config names the bucket.
 * Provision looks for a bucket of this name, in this region and tagged for this co-signer, so a
 * deployment made then keeps its database instead of getting a new, empty bucket.
 */
export function earlierDerivedBucketName(
  config: CosignerConfig,
  where: { accountId: string; region: string },
): string | undefined {
  if (config.s3.bucketName !== undefined) return undefined;
  const base = `${config.name}-cosigner`;
  const earlier = `${base}-${where.accountId}-${where.region}`.slice(0, BUCKET_NAME_MAX).replace(/-+$/, '');
  return earlier === derivedBucketName(base, where) ? undefined : earlier;
}

/** The tags every resource of this co-signer carries. */
export function resourceTags(config: CosignerConfig, toolVersion: string): Record<string, string> {
  return { ...config.tags, [TAGS.name]: config.name, [TAGS.managedBy]: 'cosigner-cli', [TAGS.version]: toolVersion };
}
