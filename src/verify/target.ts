/**
 * What an audit expects of one co-signer: its deterministic resource names (as provision makes
 * them), its role ARN, the PCR8 values and administrators the key policy should admit, the key
 * policy profile, the enclave size. Built from the config (or the defaults for a co-signer known
 * only by name). Pure.
 */
import { IAM_PATH, resourceNames } from '../config/names.js';
import { configuredPcr8 } from '../config/pcr8.js';
import type { CosignerConfig } from '../config/schema.js';
import { accountRootArn, partitionForRegion } from '../policy/arn.js';
import type { KeyPolicyProfile } from '../policy/key-policy.js';

export interface AuditTarget {
  name: string;
  accountId: string;
  region: string;
  partition: string;
  /** Where the expectations came from: the config file, or the defaults for a co-signer known by name. */
  source: 'config' | 'defaults';
  profile: KeyPolicyProfile;
  roleName: string;
  /** The role ARN provision gives the role (the live one is read with iam:GetRole). */
  roleArn: string;
  /** The instance profile provision gives the host: a host carrying it acts as the co-signer. */
  instanceProfileArn: string;
  bucketName: string;
  /** How the key is found: the config's kms.keyId, else the alias. */
  keyRef: { kind: 'config' | 'alias'; value: string };
  expectedPcr8: { values: string[]; source: string };
  /** Administrators that must keep kms:PutKeyPolicy. */
  adminArns: string[];
  acceptedGrants: string[];
  /** A debug-mode enclave's access is an accepted risk (fireblocks-exact, or the Deny switched off on purpose). */
  debugEnclaveAccepted: boolean;
  enclave: { memoryMiB: number; cpuCount: number };
  /** The config asks for a public IP on purpose (network.mode public-ip). */
  publicIpIntended: boolean;
  /** The lookback window of the CloudTrail checks. */
  since: Date;
  now: Date;
}

export interface TargetInput {
  config: CosignerConfig;
  source: AuditTarget['source'];
  accountId: string;
  region: string;
  since: Date;
  now: Date;
  /** Expected PCR8 values given on the command line (win over the config's). */
  expectPcr8?: readonly string[];
}

export function auditTarget(input: TargetInput): AuditTarget {
  const { config, accountId, region } = input;
  const partition = partitionForRegion(region);
  const names = resourceNames(config, { accountId, region });
  const configured = configuredPcr8(config.fireblocks);
  const expected =
    input.expectPcr8 !== undefined && input.expectPcr8.length > 0
      ? { values: input.expectPcr8.map((v) => v.toLowerCase()), source: '--expect-pcr8' }
      : {
          values: configured.values,
          source: input.source === 'config' ? configured.label : `${configured.label} (no config for this co-signer)`,
        };
  const profile = config.kms.policyProfile;
  return {
    name: config.name,
    accountId,
    region,
    partition,
    source: input.source,
    profile,
    roleName: names.roleName,
    roleArn: `arn:${partition}:iam::${accountId}:role${IAM_PATH}${names.roleName}`,
    instanceProfileArn: `arn:${partition}:iam::${accountId}:instance-profile${IAM_PATH}${names.instanceProfileName}`,
    bucketName: names.bucketName,
    keyRef:
      config.kms.keyId !== undefined
        ? { kind: 'config', value: config.kms.keyId }
        : { kind: 'alias', value: names.keyAlias },
    expectedPcr8: expected,
    adminArns: config.kms.adminArns.length > 0 ? [...config.kms.adminArns] : [accountRootArn(accountId, partition)],
    acceptedGrants: [...config.kms.acceptedGrants],
    debugEnclaveAccepted: profile === 'fireblocks-exact' || !config.kms.denyDebugEnclaves,
    enclave: { memoryMiB: config.enclave.memoryMiB, cpuCount: config.enclave.cpuCount },
    publicIpIntended: config.network.mode === 'public-ip',
    since: input.since,
    now: input.now,
  };
}
