/**
 * Deterministic resource names derived from the co-signer name. Provision finds what exists by
 * these names plus the `cosigner-cli:*` tags, never by guessing.
 */
import type { CosignerConfig } from './schema.js';

/** Tag keys written on every resource (reserved prefix, rejected in user tags). */
export const TAGS = {
  name: 'cosigner-cli:name',
  managedBy: 'cosigner-cli:managed-by',
  version: 'cosigner-cli:version',
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
    bucketName: config.s3.bucketName ?? `${base}-${where.accountId}-${where.region}`.slice(0, 63).replace(/-+$/, ''),
    keyAlias: config.kms.alias ?? `alias/${base}`,
    securityGroupName: `${base}-host`,
    instanceName: `${base}-host`,
  };
}

/** The tags every resource of this co-signer carries. */
export function resourceTags(config: CosignerConfig, toolVersion: string): Record<string, string> {
  return { ...config.tags, [TAGS.name]: config.name, [TAGS.managedBy]: 'cosigner-cli', [TAGS.version]: toolVersion };
}
