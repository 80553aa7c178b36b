/**
 * A sound deployment on the sandbox to audit, and the account around it as an auditor finds it: a
 * co-signer provisioned by `provision`, a logging multi-Region trail with validated files, the
 * enclave's attested traffic on the key (a data key made and opened with the expected PCR8), and
 * an auditor role with ReadOnlyAccess whose ports the audit runs on. Tests then break one thing
 * through the sandbox's ports and audit again.
 */
import { createSandboxEnclaveSession, type PrincipalSpec, type SandboxPorts } from '../../src/aws/sandbox/index.js';
import { fireblocksPreset } from '../../src/enclave/fireblocks-presets.js';
import { runAudit, type RunAuditRequest } from '../../src/verify/run.js';
import type { AuditReport, Finding } from '../../src/verify/types.js';
import { FAST_KNOBS, FAST_RETRY, makeWorld, REGION, type World } from '../e2e/world.js';

export const EXPECTED_PCR8 = fireblocksPreset('global').pcr8;
/** Measurements of the co-signer image (made up, not debug: PCR0–2 are not zero). */
export const IMAGE_PCRS = { 0: 'a0'.repeat(48), 1: 'a1'.repeat(48), 2: 'a2'.repeat(48), 8: EXPECTED_PCR8 };
export const AUDITOR: PrincipalSpec = { kind: 'role', roleName: 'auditor', sessionName: 'audit' };
export const DAY_MS = 86_400_000;

export interface AuditWorld {
  world: World;
  admin: SandboxPorts;
  keyArn: string;
  roleArn: string;
  bucketName: string;
  instanceId: string;
  /** Ports as the auditor (ReadOnlyAccess). */
  auditor(): Promise<SandboxPorts>;
  /** Attested calls on the key from a simulated enclave with these PCRs. */
  enclaveTraffic(pcrs?: Record<number, string>): Promise<void>;
  audit(request?: Partial<RunAuditRequest>, principal?: PrincipalSpec): Promise<AuditReport>;
}

export async function makeAuditWorld(configInput: Record<string, unknown> = {}): Promise<AuditWorld> {
  const world = await makeWorld(configInput);
  await world.provision();
  const admin = await world.ports();
  const key = await admin.kms.describeKey({ KeyId: `alias/${world.config.name}-cosigner` });
  const keyArn = key.KeyMetadata?.Arn ?? '';
  const role = await admin.iam.getRole({ RoleName: `${world.config.name}-cosigner` });
  const roleArn = role.Role?.Arn ?? '';
  const state = await admin.readState();
  const bucketName = Object.keys(state.s3.buckets)[0] ?? '';
  const instanceId = state.regions[REGION]?.ec2.instances[0]?.id ?? '';

  // The account's trail: multi-Region, validated, logging (into a bucket of its own).
  const trailBucket = `trail-logs-${state.accountId}`;
  await admin.s3.createBucket({ Bucket: trailBucket, CreateBucketConfiguration: { LocationConstraint: REGION } });
  await admin.cloudtrail.createTrail({
    Name: 'org-trail',
    S3BucketName: trailBucket,
    IsMultiRegionTrail: true,
    EnableLogFileValidation: true,
  });
  await admin.cloudtrail.startLogging({ Name: 'org-trail' });

  // An auditor with read-only credentials.
  await admin.iam.createRole({
    RoleName: 'auditor',
    AssumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${state.accountId}:root` }, Action: 'sts:AssumeRole' },
      ],
    }),
  });
  await admin.iam.attachRolePolicy({ RoleName: 'auditor', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' });

  const enclaveTraffic = async (pcrs: Record<number, string> = IMAGE_PCRS) => {
    const session = await createSandboxEnclaveSession({
      sandboxDir: world.sandboxDir,
      roleArn,
      pcrs,
      region: REGION,
      env: {},
      knobs: FAST_KNOBS,
    });
    const made = await session.kms.generateDataKey({ KeyId: keyArn, KeySpec: 'AES_128' });
    await session.kms.decrypt({ CiphertextBlob: made.CiphertextBlob, KeyId: keyArn });
  };
  await enclaveTraffic();

  return {
    world,
    admin,
    keyArn,
    roleArn,
    bucketName,
    instanceId,
    auditor: () => world.ports({}, AUDITOR),
    enclaveTraffic,
    async audit(request = {}, principal = AUDITOR) {
      const ports = await world.ports({}, principal);
      const now = new Date();
      const result = await runAudit(
        {
          all: false,
          config: world.config,
          configSource: 'config',
          since: new Date(now.getTime() - 90 * DAY_MS),
          ...request,
        },
        { ports, now: () => now, retry: FAST_RETRY },
      );
      if ('deployments' in result) throw new Error('expected one deployment');
      return result;
    },
  };
}

/** checkId → status. */
export function statuses(report: AuditReport): Record<string, string> {
  return Object.fromEntries(report.findings.map((f) => [f.checkId, f.status]));
}

export function finding(report: AuditReport, checkId: string): Finding {
  const found = report.findings.find((f) => f.checkId === checkId);
  if (found === undefined) throw new Error(`no finding ${checkId}`);
  return found;
}
