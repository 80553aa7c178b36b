/**
 * Preflight of the co-signer host (`run --check`; `run` runs it first). Each check reads through the
 * host ports and reports pass / warn / fail with the fix; a check never throws. Read-only: the two
 * checks `run` can fix itself (the allocator's reservation, the vsock-proxy allowlist) say so.
 */
import { INSTANCE_TYPES } from '../config/schema.js';
import { isCosignerError, type CosignerErrorCode } from '../errors.js';
import { configuredCpus, parseAllocatorYaml, readReservation, type AllocatorNeeds } from './allocator.js';
import { HOST_PATHS, type HostPorts, type InstanceIdentity } from './ports.js';
import { allowsEndpoint, kmsEndpoint } from './vsock-proxy.js';

export type HostCheckStatus = 'pass' | 'warn' | 'fail';

export interface HostCheck {
  id: string;
  status: HostCheckStatus;
  message: string;
  hint?: string;
  code?: CosignerErrorCode;
  /** `run` corrects this itself (host configuration). */
  fixable?: boolean;
  data?: Record<string, unknown>;
}

export interface PreflightInput {
  needs: AllocatorNeeds;
  /** Bytes the run will write under /var/lib and /opt (image copy, package). */
  diskBytesNeeded: number;
}

export interface PreflightResult {
  ok: boolean;
  checks: HostCheck[];
  identity?: InstanceIdentity;
  nitroCliVersion?: string;
}

const GiB = 1024 ** 3;

function failed(id: string, error: unknown, fallback: CosignerErrorCode): HostCheck {
  return isCosignerError(error)
    ? { id, status: 'fail', code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) }
    : { id, status: 'fail', code: fallback, message: String((error as Error | undefined)?.message ?? error) };
}

export async function runPreflight(host: HostPorts, input: PreflightInput): Promise<PreflightResult> {
  const checks: HostCheck[] = [];
  const result: PreflightResult = { ok: true, checks };

  // The enclave device exists only on a Nitro instance launched with the enclave option.
  const device = await host.fs.stat(HOST_PATHS.nitroDevice).catch(() => undefined);
  const deviceOk = device?.kind === 'character-device' || (host.sandbox && device?.kind === 'file');
  checks.push(
    deviceOk
      ? { id: 'nitro-device', status: 'pass', message: `${HOST_PATHS.nitroDevice} present` }
      : {
          id: 'nitro-device',
          status: 'fail',
          code: 'HOST_NOT_NITRO',
          message: `${HOST_PATHS.nitroDevice} is missing: this is not a Nitro instance with enclaves enabled`,
          hint: 'launch the host with the enclave option (EnclaveOptions Enabled=true, `cosigner-cli provision` does) on c5.xlarge or c5a.xlarge',
        },
  );

  // IMDSv2: the identity document gives the instance, its type and region.
  try {
    const identity = await host.imds.identity();
    result.identity = identity;
    checks.push({
      id: 'imds',
      status: 'pass',
      message: `IMDSv2: ${identity.instanceId} (${identity.instanceType}) in ${identity.region}, account ${identity.accountId}`,
      data: { ...identity },
    });
    const supported = (INSTANCE_TYPES as readonly string[]).includes(identity.instanceType);
    checks.push(
      supported
        ? { id: 'instance-type', status: 'pass', message: `${identity.instanceType} is a type Fireblocks supports` }
        : {
            id: 'instance-type',
            status: 'warn',
            message: `${identity.instanceType} is not c5.xlarge or c5a.xlarge, the types Fireblocks supports`,
            hint: 'Fireblocks supports only c5.xlarge (c5a.xlarge where c5 is not offered)',
          },
    );
    const role = await host.imds.roleName();
    checks.push(
      role === undefined
        ? {
            id: 'role',
            status: 'fail',
            code: 'HOST_IMDS_UNREACHABLE',
            message: 'the instance has no instance profile role',
            hint: 'attach the co-signer instance profile (provision does) so the enclave can call KMS and S3',
          }
        : { id: 'role', status: 'pass', message: `instance role ${role}` },
    );
  } catch (error) {
    checks.push({
      ...failed('imds', error, 'HOST_IMDS_UNREACHABLE'),
      hint: 'this must run on the EC2 host with IMDSv2 enabled (HttpEndpoint enabled, hop limit ≥ 2)',
    });
  }

  // nitro-cli on PATH, and its version.
  try {
    result.nitroCliVersion = await host.nitroCli.version();
    checks.push({ id: 'nitro-cli', status: 'pass', message: `nitro-cli ${result.nitroCliVersion}` });
  } catch (error) {
    checks.push(failed('nitro-cli', error, 'NITRO_CLI_NOT_FOUND'));
  }

  // The allocator: what the file asks for, and what the kernel actually reserved.
  try {
    const text = await host.fs.readText(HOST_PATHS.allocatorConfig, 64 * 1024);
    const config = text === undefined ? undefined : parseAllocatorYaml(text);
    const reserved = await readReservation(host.fs);
    const data = { needs: input.needs, configured: config, reserved };
    const enough = reserved.memoryMiB >= input.needs.memoryMiB && reserved.cpus >= input.needs.cpuCount;
    const fileEnough =
      config !== undefined &&
      (config.memoryMiB ?? 0) >= input.needs.memoryMiB &&
      configuredCpus(config) >= input.needs.cpuCount;
    checks.push(
      enough
        ? {
            id: 'allocator',
            status: 'pass',
            message: `allocator reserved ${reserved.memoryMiB} MiB and ${reserved.cpus} vCPUs (enclave needs ${input.needs.memoryMiB} MiB, ${input.needs.cpuCount})`,
            data,
          }
        : {
            id: 'allocator',
            status: 'fail',
            code: 'HOST_ALLOCATOR_INSUFFICIENT',
            fixable: true,
            message: `allocator reserved ${reserved.memoryMiB} MiB and ${reserved.cpus} vCPUs, the enclave needs ${input.needs.memoryMiB} MiB and ${input.needs.cpuCount}${fileEnough ? ' (the file asks for enough: the allocator has not applied it)' : ''}`,
            hint: '`cosigner-cli run` writes the reservation and restarts the allocator; or set memory_mib/cpu_count in /etc/nitro_enclaves/allocator.yaml and `systemctl restart nitro-enclaves-allocator`',
            data,
          },
    );
  } catch (error) {
    checks.push(failed('allocator', error, 'HOST_CONFIG_UNPARSEABLE'));
  }

  // The vsock-proxy lets the enclave reach this region's KMS.
  if (result.identity !== undefined) {
    const endpoint = kmsEndpoint(result.identity.region);
    try {
      const text = (await host.fs.readText(HOST_PATHS.vsockProxyConfig, 64 * 1024)) ?? '';
      checks.push(
        allowsEndpoint(text, endpoint)
          ? { id: 'vsock-proxy', status: 'pass', message: `vsock-proxy allows ${endpoint.address}:443` }
          : {
              id: 'vsock-proxy',
              status: 'fail',
              code: 'HOST_CONFIG_FAILED',
              fixable: true,
              message: `vsock-proxy does not allow ${endpoint.address}:443`,
              hint: `\`cosigner-cli run\` adds it; or add "- {address: ${endpoint.address}, port: 443}" to ${HOST_PATHS.vsockProxyConfig}`,
            },
      );
    } catch (error) {
      checks.push(failed('vsock-proxy', error, 'HOST_CONFIG_UNPARSEABLE'));
    }
  }

  // Attestation documents and certificates are checked against the clock.
  const synced = await host.services.clockSynchronized().catch(() => undefined);
  checks.push(
    synced === true
      ? { id: 'clock', status: 'pass', message: 'the clock is synchronised (NTP)' }
      : synced === false
        ? {
            id: 'clock',
            status: 'fail',
            code: 'HOST_PREFLIGHT_FAILED',
            message: 'the clock is not synchronised',
            hint: 'enable chronyd (Amazon Time Sync Service at 169.254.169.123): systemctl enable --now chronyd',
          }
        : { id: 'clock', status: 'warn', message: 'cannot tell whether the clock is synchronised (timedatectl)' },
  );

  // Room for the image copy and the package.
  try {
    await host.fs.mkdir(HOST_PATHS.imageDir, 0o755);
    const free = await host.fs.freeBytes(HOST_PATHS.imageDir);
    const needed = input.diskBytesNeeded + GiB;
    checks.push(
      free >= needed
        ? { id: 'disk', status: 'pass', message: `${(free / GiB).toFixed(1)} GiB free under ${HOST_PATHS.imageDir}` }
        : {
            id: 'disk',
            status: 'fail',
            code: 'HOST_PREFLIGHT_FAILED',
            message: `${(free / GiB).toFixed(1)} GiB free under ${HOST_PATHS.imageDir}, ${(needed / GiB).toFixed(1)} GiB needed`,
            hint: 'free disk space or grow the root volume (instance.rootVolumeGiB)',
          },
    );
  } catch (error) {
    checks.push(failed('disk', error, 'HOST_PREFLIGHT_FAILED'));
  }

  // Root: the host configuration, systemd and the Fireblocks installer need it.
  checks.push(
    host.uid === 0
      ? { id: 'root', status: 'pass', message: 'running as root' }
      : {
          id: 'root',
          status: 'fail',
          code: 'HOST_NOT_ROOT',
          message: `running as uid ${host.uid}, not root`,
          hint: 'run with sudo (the allocator, systemd and install.sh need root)',
        },
  );

  result.ok = checks.every((c) => c.status !== 'fail');
  return result;
}
