/**
 * `run --package`: install the Fireblocks co-signer package. In order:
 * 1. preflight (root among the checks: install.sh needs it);
 * 2. the package's SHA-256 (required) and its safe unpacking (./package-file.ts, ./tar.ts);
 * 3. its enclave image through the same gate as any image (./image-gate.ts): measured, signed,
 *    the configured environment's PCR8, admitted by the live key policy;
 * 4. the pairing token, read from its source and validated whole (file mode and owner, SSM
 *    parameter type, stdin not a terminal, size, expiry; ./token.ts) before the host is touched;
 * 5. the host configuration (./host-config.ts);
 * 6. install.sh with its prompts answered over stdin (./installer.ts), the token's expiry checked
 *    again first. If the installer fails (or the token expired meanwhile), allocator.yaml and the
 *    vsock-proxy allowlist are restored from their backups and the services restarted
 *    (restoreHostConfig); the error says so;
 * 7. afterwards: the `cosigner` service active, `cosigner get-status` (enclave RUNNING, service
 *    ACTIVE), the running enclave's measurements those of the verified image, no enclave in debug
 *    mode, and the permissions of the settings file that holds the token in clear (a warning).
 * The token is wiped when the installer is done, and its SSM parameter deleted if asked.
 */
import type { KMSPort } from '../aws/kms.js';
import type { DescribeEnclavesOutput } from '../enclave/nitro-cli-output.js';
import type { SSMPort } from '../aws/ssm.js';
import { CosignerError } from '../errors.js';
import { log, type IoHost } from '../io/io-host.js';
import { judgeEnclave } from './health.js';
import { beforeInstall, shutDownInstalled, undoHostConfig, type BeforeInstall } from './install-undo.js';
import { applyHostConfig, planHostConfig, type HostConfigResult } from './host-config.js';
import { verifyImage, type VerifiedImage } from './image-gate.js';
import { parseGetStatus, runInstaller, type CosignerGetStatus } from './installer.js';
import { assertPreflight } from './launch.js';
import { fireblocksSettingsFinding } from './operations.js';
import { unpackPackage, type UnpackedPackage } from './package-file.js';
import { FIREBLOCKS_UNIT, type HostPorts } from './ports.js';
import { runPreflight, type HostCheck } from './preflight.js';
import { readToken, validateToken, type Secret, type TokenSource } from './token.js';

export interface InstallPackageOptions {
  source: string;
  sourceSize: number;
  sha256: string;
  memoryMiB: number;
  cpuCount: number;
  keyArn: string;
  bucketName: string;
  configured: { values: readonly string[]; label: string };
  token: TokenSource;
  callback?: { url: string; publicKeyPath: string };
  installerTimeoutMs: number;
  healthTimeoutMs: number;
  pollMs: number;
}

export interface InstallPackageDeps {
  host: HostPorts;
  kms: Pick<KMSPort, 'getKeyPolicy'>;
  ssm: Pick<SSMPort, 'getParameter' | 'deleteParameter'>;
  io: IoHost;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** The user running the tool (a token file must be theirs). */
  uid: number;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  region: string;
  promptQuietMs?: number;
}

export interface InstallPackageResult {
  package: Pick<UnpackedPackage, 'sha256' | 'dir' | 'entries'>;
  image: Omit<VerifiedImage, 'timings'>;
  hostConfig: HostConfigResult;
  installer: { answered: string[] };
  status: CosignerGetStatus & { enclaveId: string | undefined };
  /** Warnings worth acting on (the settings file's permissions). */
  warnings: string[];
  tokenParameterDeleted: boolean | undefined;
  preflight: HostCheck[];
  /** The Owner approves the new key share in the mobile app within this many hours. */
  ownerApprovalHours: number;
}

async function cosignerStatus(deps: InstallPackageDeps, unpacked: UnpackedPackage): Promise<CosignerGetStatus> {
  if (unpacked.maintenance === undefined) return { enclaveState: undefined, serviceState: undefined };
  const result = await deps.host.processes.run(deps.host.fs.resolve(unpacked.maintenance), ['get-status'], {
    cwd: deps.host.fs.resolve(unpacked.dir),
    env: {
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      LANG: 'C.UTF-8',
      ...deps.host.programEnv,
    },
    timeoutMs: 60_000,
  });
  return parseGetStatus(`${result.stdout}\n${result.stderr}`);
}

/** Run install.sh with the token, checked once more for expiry (it may have lapsed since it was read). */
async function install(
  options: InstallPackageOptions,
  deps: InstallPackageDeps,
  unpacked: UnpackedPackage,
  token: Secret,
): Promise<string[]> {
  validateToken(token.reveal(), deps.now()).fill(0);
  const run = await runInstaller(
    deps.host,
    unpacked.installer,
    {
      token,
      bucketName: options.bucketName,
      keyArn: options.keyArn,
      ...(options.callback === undefined ? {} : { callback: options.callback }),
    },
    {
      timeoutMs: options.installerTimeoutMs,
      onLine: (line) =>
        deps.io.notify({ level: 'debug', code: 'RUN_INSTALLER_OUTPUT', message: `install.sh: ${line}` }),
      ...(deps.promptQuietMs === undefined ? {} : { promptQuietMs: deps.promptQuietMs }),
    },
  );
  return run.answered;
}

/** The checks after install.sh: the service, get-status, no debug enclave, the gated image running. */
async function checkInstalled(
  options: InstallPackageOptions,
  deps: InstallPackageDeps,
  unpacked: UnpackedPackage,
  verified: VerifiedImage,
): Promise<{ status: CosignerGetStatus; enclave: DescribeEnclavesOutput[number] | undefined }> {
  const deadline = Date.now() + options.healthTimeoutMs;
  let status: CosignerGetStatus;
  let unitActive: boolean;
  let enclave;
  for (;;) {
    unitActive = (await deps.host.services.state(FIREBLOCKS_UNIT)).active === 'active';
    status = await cosignerStatus(deps, unpacked);
    enclave = (await deps.host.nitroCli.describeEnclaves()).find((e) => e.EnclaveName === 'cosigner');
    const statusOk =
      unpacked.maintenance === undefined || (status.enclaveState === 'RUNNING' && status.serviceState === 'ACTIVE');
    if (unitActive && statusOk && enclave !== undefined) break;
    if (Date.now() >= deadline) {
      const logs = await deps.host.services.logs(FIREBLOCKS_UNIT, 15).catch(() => []);
      throw new CosignerError(
        'COSIGNER_UNHEALTHY',
        `the co-signer did not come up: service ${unitActive ? 'active' : 'not active'}, get-status enclave ${status.enclaveState ?? 'unknown'}, service ${status.serviceState ?? 'unknown'}, ${enclave === undefined ? 'no enclave running' : 'enclave running'}`,
        {
          hint: 'see `cosigner-cli run logs --enclave-name cosigner` and `./fireblocks/cosigner logs` in the package directory',
          context: { journal: logs },
        },
      );
    }
    await deps.sleep(options.pollMs);
  }
  const debug = (await deps.host.nitroCli.describeEnclaves()).filter((e) => e.Flags === 'DEBUG_MODE');
  if (debug.length > 0)
    throw new CosignerError(
      'DEBUG_MODE_REFUSED',
      `enclaves run in debug mode: ${debug.map((e) => e.EnclaveName ?? e.EnclaveID).join(', ')}`,
      {
        hint: 'stop them (`cosigner-cli run stop --enclave-name <name>`): a debug enclave exposes its console to the host',
      },
    );
  const problem = judgeEnclave(enclave, {
    enclaveName: 'cosigner',
    pcr0: verified.pcrs.PCR0,
    pcr8: verified.pcrs.PCR8,
    debugMode: false,
  });
  if (problem !== undefined) throw problem;

  return { status, enclave };
}

export async function installPackage(
  options: InstallPackageOptions,
  deps: InstallPackageDeps,
): Promise<InstallPackageResult> {
  const { host, io } = deps;
  const preflight = await runPreflight(host, {
    needs: { memoryMiB: options.memoryMiB, cpuCount: options.cpuCount },
    diskBytesNeeded: options.sourceSize * 4,
  });
  assertPreflight(preflight.checks);

  const unpacked = await unpackPackage(host.fs, options.source, options.sha256);
  log.info(
    io,
    'RUN_PACKAGE_UNPACKED',
    `package ${options.sha256.slice(0, 16)}… verified and unpacked (${unpacked.entries} entries)`,
  );
  const verified = await verifyImage(
    { eifPath: host.fs.resolve(unpacked.eif), keyArn: options.keyArn, configured: options.configured },
    { kms: deps.kms, now: deps.now },
  );
  log.info(
    io,
    'RUN_IMAGE_VERIFIED',
    `package image verified: PCR8 ${verified.pcrs.PCR8} is admitted by the key policy`,
  );

  // The token before the host: a wrong source (a file others can read, a String parameter, an
  // expired token, Ctrl-C at the prompt) stops the run with nothing changed.
  const token = await readToken(options.token, {
    io,
    stdin: deps.stdin,
    ssm: deps.ssm,
    uid: deps.uid,
    now: deps.now,
  });
  let hostConfig: HostConfigResult;
  let answered: string[];
  let before: BeforeInstall | undefined;
  try {
    const plan = await planHostConfig(
      host.fs,
      { memoryMiB: options.memoryMiB, cpuCount: options.cpuCount },
      deps.region,
    );
    hostConfig = await applyHostConfig(plan, {
      fs: host.fs,
      services: host.services,
      now: deps.now,
      sleep: deps.sleep,
      onStep: (text) => log.info(io, 'RUN_HOST_CONFIG', text),
    });
    try {
      before = await beforeInstall(host);
      answered = await install(options, deps, unpacked, token);
    } catch (error) {
      // An installer that failed after starting something: stopped first (an allocator restart
      // would fail with an enclave running), then the host configuration restored.
      const stopped = before === undefined ? error : await shutDownInstalled(error, before, deps, true);
      throw await undoHostConfig(stopped, plan, hostConfig, deps);
    }
  } finally {
    token.wipe();
  }

  let tokenParameterDeleted: boolean | undefined;
  const warnings: string[] = [];
  if (options.token.kind === 'ssm' && options.token.deleteAfterUse) {
    try {
      await deps.ssm.deleteParameter({ Name: options.token.name });
      tokenParameterDeleted = true;
    } catch (error) {
      tokenParameterDeleted = false;
      warnings.push(
        `the token parameter ${options.token.name} was not deleted (${(error as { name?: string }).name ?? 'error'}): delete it by hand (the role may lack ssm:DeleteParameter)`,
      );
    }
  }

  // Afterwards: the service, get-status, the running enclave. A refusal stops and disables the
  // service and terminates what install.sh started: a refused enclave is not left running.
  let checked: Awaited<ReturnType<typeof checkInstalled>>;
  try {
    checked = await checkInstalled(options, deps, unpacked, verified);
  } catch (error) {
    throw await shutDownInstalled(error, before ?? { enclaveIds: new Set(), unitActive: false }, deps);
  }
  const { status, enclave } = checked;

  const settings = await fireblocksSettingsFinding(host);
  if (settings !== undefined) warnings.push(settings);
  for (const warning of warnings) log.warn(io, 'RUN_WARNING', warning);
  io.notify({
    level: 'info',
    code: 'RUN_OWNER_APPROVAL',
    message:
      'next: the workspace Owner approves the new co-signer key share in the Fireblocks mobile app within 120 hours (for an Admin or Signer API user)',
  });
  const { timings: _timings, ...image } = verified;
  return {
    package: { sha256: unpacked.sha256, dir: unpacked.dir, entries: unpacked.entries },
    image,
    hostConfig,
    installer: { answered },
    status: { ...status, enclaveId: enclave?.EnclaveID },
    warnings,
    tokenParameterDeleted,
    preflight: preflight.checks,
    ownerApprovalHours: 120,
  };
}
