/**
 * The receipt of a provisioned co-signer: account, region, every resource's id and ARN, the hash of
 * every policy in effect, the PCR8 and where it came from, and the versions involved. Written
 * beside the config (atomically) and printed by `provision --json`. It holds no secret.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { CONFIG_SCHEMA_VERSION } from '../config/schema.js';
import { writeFileAtomic } from '../files/atomic-write.js';
import type { ApplyState } from './apply-ops.js';
import { canonicalJson, policyHash } from '../engine/digest.js';
import type { DesiredState } from './desired.js';
import type { Plan } from './plan-types.js';

export const RECEIPT_SCHEMA_VERSION = 1;

export interface Receipt {
  schemaVersion: typeof RECEIPT_SCHEMA_VERSION;
  kind: 'cosigner-cli/receipt';
  name: string;
  accountId: string;
  region: string;
  generatedAt: string;
  /** Who made the calls. */
  callerArn: string;
  pcr8: { value: string; source: string; label: string; env: string };
  resources: {
    role: { name: string; arn: string };
    instanceProfile: { name: string; arn: string };
    bucket: { name: string; arn: string; encryption: 'SSE-S3'; versioning: boolean };
    key: {
      id: string | null;
      arn: string | null;
      alias: string;
      policyProfile: string;
      rotation: boolean;
      adopted: boolean;
    };
    securityGroup: { id: string | null; name: string; egress: string };
    instance: {
      id: string | null;
      name: string;
      type: string;
      subnetId: string | null;
      imageId: string | null;
      enclave: { memoryMiB: number; cpuCount: number };
      publicIp: boolean;
    };
    /** How the host gets out; in mode "managed", the ids of the network provision made (absent in receipts of earlier versions). */
    network?: { mode: string; vpcId: string | null; parts: Record<string, string> };
  };
  /** `sha256:` of each policy's canonical form (statement order and formatting ignored). */
  policyHashes: {
    keyPolicy: string | null;
    bucketPolicy: string | null;
    roleInlinePolicy: string | null;
    roleTrustPolicy: string | null;
  };
  versions: { cosignerCli: string; configSchema: number; planFingerprint: string };
  /** Unused twins of the key (a retried CreateKey) that this run scheduled for deletion. */
  retiredKeys: string[];
  warnings: string[];
}

/** `<dir>/<config name>.receipt.json` beside the config. */
export function receiptPath(configPath: string): string {
  return join(dirname(configPath), `${basename(configPath, extname(configPath))}.receipt.json`);
}

export interface ReceiptInput {
  desired: DesiredState;
  plan: Plan;
  state: ApplyState;
  callerArn: string;
  now: Date;
  warnings: string[];
}

export function buildReceipt({ desired, plan, state, callerArn, now, warnings }: ReceiptInput): Receipt {
  const hash = (policy: Parameters<typeof policyHash>[0] | undefined) =>
    policy === undefined ? null : policyHash(policy);
  const keyAction = plan.actions.find((a) => a.node === 'key');
  return {
    schemaVersion: RECEIPT_SCHEMA_VERSION,
    kind: 'cosigner-cli/receipt',
    name: desired.name,
    accountId: desired.accountId,
    region: desired.region,
    generatedAt: now.toISOString(),
    callerArn,
    pcr8: {
      value: desired.key.pcr8.value,
      source: desired.key.pcr8.source,
      label: desired.key.pcr8.label,
      env: desired.key.pcr8.env,
    },
    resources: {
      role: { name: desired.role.name, arn: state.roleArn },
      instanceProfile: { name: desired.instanceProfile.name, arn: state.instanceProfileArn },
      bucket: {
        name: desired.bucket.name,
        arn: desired.bucket.arn,
        encryption: 'SSE-S3',
        versioning: desired.bucket.versioning,
      },
      key: {
        id: state.keyId ?? null,
        arn: state.keyArn ?? null,
        alias: desired.key.alias,
        policyProfile: desired.key.profile,
        rotation: desired.key.rotation,
        adopted: keyAction?.adopt === true || desired.key.adopt !== undefined,
      },
      securityGroup: {
        id: state.groupId ?? null,
        name: desired.securityGroup.name,
        egress: `tcp ${desired.securityGroup.egressPort} to 0.0.0.0/0 only; no ingress`,
      },
      instance: {
        id: state.instanceId ?? null,
        name: desired.instance.name,
        type: desired.instance.type,
        subnetId: state.subnetId ?? null,
        imageId: state.imageId ?? null,
        enclave: desired.instance.enclave,
        publicIp: desired.instance.publicIp,
      },
      network: { mode: desired.network.mode, vpcId: state.vpcId ?? null, parts: { ...(state.network ?? {}) } },
    },
    policyHashes: {
      keyPolicy: hash(state.policies.key),
      bucketPolicy: hash(state.policies.bucket),
      roleInlinePolicy: hash(state.policies.inline),
      roleTrustPolicy: hash(state.policies.trust),
    },
    versions: {
      cosignerCli: desired.toolVersion,
      configSchema: CONFIG_SCHEMA_VERSION,
      planFingerprint: plan.fingerprint,
    },
    retiredKeys: state.retiredKeys,
    warnings,
  };
}

/** Write the receipt unless the one on disk says the same (apart from its time and fingerprint). */
export async function writeReceipt(path: string, receipt: Receipt): Promise<boolean> {
  const comparable = (r: Receipt) =>
    canonicalJson({ ...r, generatedAt: undefined, versions: { ...r.versions, planFingerprint: undefined } });
  try {
    const current = JSON.parse(await readFile(path, 'utf8')) as Receipt;
    if (comparable(current) === comparable(receipt)) return false;
  } catch {
    // absent or unreadable: write it
  }
  await writeFileAtomic(path, `${JSON.stringify(receipt, null, 2)}\n`, { mode: 0o644 });
  return true;
}
