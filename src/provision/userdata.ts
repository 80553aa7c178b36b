/**
 * The EC2 user data of the co-signer host: a shell script that installs nitro-cli, Docker and
 * Node.js on Amazon Linux 2023, writes the enclave allocator's reservation (memory and vCPUs from
 * the config) and enables the allocator and Docker. Pure: the same inputs give the same bytes. It
 * holds no secret: the pairing token is supplied on the host at `run` time, never here.
 *
 * It leaves the vsock-proxy alone: the nitro-cli package ships `/etc/nitro_enclaves/vsock-proxy.yaml`
 * with the KMS endpoints of every region it knows, and Fireblocks' installer runs its own networking
 * service; the host-side `run` adds this region's KMS endpoint only if it is missing
 * (aws-nitro-enclaves-cli `vsock_proxy/configs/config.yaml`, `service/nitro-enclaves-vsock-proxy.service`).
 * Install steps: AWS Nitro Enclaves User Guide, "Install the Nitro Enclaves CLI on Linux"
 * (https://docs.aws.amazon.com/enclaves/latest/user/nitro-enclave-cli-install.html); Node.js
 * packages: "Node.js in AL2023" (https://docs.aws.amazon.com/linux/al2023/ug/nodejs.html).
 */
import { fail } from '../errors.js';

export interface UserDataInput {
  /** Co-signer name (already validated: a-z, 0-9, "-"). */
  name: string;
  region: string;
  /** Memory reserved for enclaves, MiB. */
  enclaveMemoryMiB: number;
  /** vCPUs reserved for enclaves. */
  enclaveCpuCount: number;
  /** Non-secret deployment facts the host-side `run` reads. */
  bucketName: string;
  keyAlias: string;
  fireblocksEnv: string;
  toolVersion: string;
}

// EC2 refuses user data above 16 KiB (before base64).
const MAX_USER_DATA_BYTES = 16 * 1024;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const SAFE = /^[A-Za-z0-9._/:@+-]+$/;

function safe(field: string, value: string): string {
  // Every value lands inside a quoted heredoc, but a value with shell or YAML syntax in it would
  // still be a bug upstream: refuse it rather than escape it.
  if (!SAFE.test(value))
    fail('INTERNAL', `user data field ${field} has unexpected characters: ${JSON.stringify(value)}`, undefined, {
      source: 'internal',
    });
  return value;
}

/** The allocator.yaml body: the trivial parser ignores everything before `---` (§3.2). */
export function allocatorYaml(memoryMiB: number, cpuCount: number): string {
  if (!Number.isInteger(memoryMiB) || memoryMiB < 64)
    fail(
      'INVALID_OPTION',
      `enclave memory must be a whole number of at least 64 MiB, got ${memoryMiB}`,
      'set --enclave-memory-mib',
    );
  if (!Number.isInteger(cpuCount) || cpuCount < 2 || cpuCount % 2 !== 0)
    fail('INVALID_OPTION', `enclave vCPUs must be an even number of at least 2, got ${cpuCount}`, 'set --enclave-cpus');
  return `---\nmemory_mib: ${memoryMiB}\ncpu_count: ${cpuCount}\n`;
}

/** A region name as AWS spells them (the only region-shaped field of the user data). */
function assertRegion(region: string): string {
  if (!REGION.test(region))
    fail('INVALID_OPTION', `not an AWS region: ${JSON.stringify(region)}`, 'pass a region such as eu-west-1');
  return region;
}

/** The user data script (plain text; the port base64-encodes nothing, the caller does). */
export function buildUserData(input: UserDataInput): string {
  const host = JSON.stringify(
    {
      name: safe('name', input.name),
      region: safe('region', assertRegion(input.region)),
      bucketName: safe('bucketName', input.bucketName),
      keyAlias: safe('keyAlias', input.keyAlias),
      fireblocksEnv: safe('fireblocksEnv', input.fireblocksEnv),
      provisionedBy: `cosigner-cli ${safe('toolVersion', input.toolVersion)}`,
    },
    null,
    2,
  );
  const script = [
    '#!/bin/bash',
    '# Written by cosigner-cli provision. Nothing confidential here: pairing happens on the host.',
    'set -euo pipefail',
    '',
    '# Nitro Enclaves CLI and allocator, Docker (to build enclave images), Node.js 22 (cosigner-cli run).',
    'dnf install -y aws-nitro-enclaves-cli aws-nitro-enclaves-cli-devel docker nodejs22 nodejs22-npm',
    'alternatives --set node /usr/bin/node-22',
    'usermod -aG ne ec2-user',
    'usermod -aG docker ec2-user',
    'install -d -m 0755 /etc/nitro_enclaves /etc/cosigner-cli',
    '',
    '# Resources reserved for the co-signer enclave. The vsock-proxy allowlist is left as the package',
    "# ships it: `cosigner-cli run` adds this region's KMS endpoint if it is missing.",
    "cat > /etc/nitro_enclaves/allocator.yaml <<'ALLOCATOR'",
    allocatorYaml(input.enclaveMemoryMiB, input.enclaveCpuCount).trimEnd(),
    'ALLOCATOR',
    '',
    '# Public facts about this deployment for `cosigner-cli run` on this host.',
    "cat > /etc/cosigner-cli/host.json <<'HOST'",
    host,
    'HOST',
    '',
    'systemctl enable --now nitro-enclaves-allocator.service',
    'systemctl enable --now docker',
    '',
  ].join('\n');
  if (Buffer.byteLength(script, 'utf8') > MAX_USER_DATA_BYTES)
    fail('INTERNAL', 'user data exceeds 16 KiB', undefined, { source: 'internal' });
  return script;
}
