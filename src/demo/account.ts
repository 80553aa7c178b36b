/**
 * The demo's simulated world around the commands: the account's own CloudTrail trail (which a
 * well-run account has and cosigner-cli never manages), the signing certificates of the sample
 * images, what the bucket holds, and the host's nitro-cli as an attacker with root would use it.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createEifSigner } from '../aws/sandbox/nitro/eif-build.js';
import { createSandboxPorts } from '../aws/sandbox/index.js';
import { createSandboxHost, DATABASE_OBJECT, WRAPPED_KEY_OBJECT } from '../aws/sandbox/host/index.js';

/** The sandbox account's trail: multi-Region, validated, logging into a bucket of its own. */
export async function prepareAccount(
  sandboxDir: string,
  region: string,
  env: NodeJS.ProcessEnv,
): Promise<{ accountId: string; trail: string }> {
  const admin = await createSandboxPorts({ dir: sandboxDir, region, env });
  try {
    const { accountId } = await admin.readState();
    const bucket = `account-trail-logs-${accountId}`;
    await admin.s3.createBucket({
      Bucket: bucket,
      ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as never } }),
    });
    const trail = 'account-trail';
    await admin.cloudtrail.createTrail({
      Name: trail,
      S3BucketName: bucket,
      IsMultiRegionTrail: true,
      EnableLogFileValidation: true,
    });
    await admin.cloudtrail.startLogging({ Name: trail });
    return { accountId, trail };
  } finally {
    admin.destroy();
  }
}

/**
 * A P-384 signing certificate and key for enclave images (as the AWS guide's openssl steps make),
 * written with mode 0600; the demo signs its sample image with one and the attacker's with another.
 */
export async function writeSigner(dir: string, name: string): Promise<{ certificate: string; privateKey: string }> {
  // Valid from yesterday, as a certificate made earlier is: the host's clock check passes.
  const signer = createEifSigner({ now: new Date(Date.now() - 86_400_000), subject: [['CN', name]] });
  const certificate = join(dir, `${name}.crt.pem`);
  const privateKey = join(dir, `${name}.key.pem`);
  await writeFile(certificate, signer.certificatePem, { mode: 0o600 });
  await writeFile(privateKey, signer.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  return { certificate, privateKey };
}

/** The co-signer's database objects in its bucket: key → ETag (empty when there are none). */
export async function databaseObjects(
  sandboxDir: string,
  region: string,
  env: NodeJS.ProcessEnv,
  bucketName: string,
): Promise<Record<string, string>> {
  const admin = await createSandboxPorts({ dir: sandboxDir, region, env });
  try {
    const bucket = (await admin.readState()).s3.buckets[bucketName];
    const found: Record<string, string> = {};
    for (const key of [WRAPPED_KEY_OBJECT, DATABASE_OBJECT]) {
      const latest = bucket?.objects[key]?.at(-1);
      if (latest !== undefined && !latest.deleteMarker) found[key] = latest.etag;
    }
    return found;
  } finally {
    admin.destroy();
  }
}

export interface RogueLaunch {
  /** nitro-cli started the enclave (the host does not check PCR8; only KMS does). */
  started: boolean;
  /** What the co-signer application inside reported: the KMS error that stopped it. */
  detail: string;
  /** The enclave is still running afterwards. */
  running: boolean;
}

/**
 * Start an image with the host's nitro-cli directly, as root on the host could, past every check
 * of `run`: the enclave boots and its co-signer asks KMS for the database key with its attestation.
 */
export async function launchPastRun(
  options: { sandboxDir: string; name: string; region: string; env: NodeJS.ProcessEnv },
  image: { path: string; memoryMiB: number; cpuCount: number },
): Promise<RogueLaunch> {
  const host = await createSandboxHost({
    sandboxDir: options.sandboxDir,
    name: options.name,
    region: options.region,
    env: options.env,
  });
  const eifPath = '/tmp/rogue.eif';
  await host.fs.copyIn(image.path, eifPath, 0o600);
  try {
    const launched = await host.nitroCli.runEnclave({
      eifPath,
      enclaveName: 'rogue',
      memoryMiB: image.memoryMiB,
      cpuCount: image.cpuCount,
      debugMode: false,
    });
    const state = await host.store.read();
    const running = state.enclaves.find((e) => e.id === launched.EnclaveID);
    const journal = state.journal['enclave rogue'] ?? [];
    if (running !== undefined) await host.nitroCli.terminateEnclave({ enclaveId: launched.EnclaveID });
    return { started: true, detail: (journal.at(-1) ?? '').replace(/^\S+ enclave rogue: /, ''), running: !!running };
  } finally {
    await host.fs.remove(eifPath);
  }
}
