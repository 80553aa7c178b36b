/**
 * `run --eif`: start a verified generic image under a systemd unit. In order:
 * 1. debug mode only with --insecure-debug (refused before anything else);
 * 2. preflight (checks `run` cannot fix stop it here);
 * 3. the image is copied into a root-owned place under a staging name, measured there and checked
 *    against the config and the live key policy (./image-gate.ts), and only then renamed to the
 *    name the unit starts: a failed check leaves a running enclave's image as it was;
 * 4. an enclave of that name already running the same measurements is left running (idempotent);
 *    one running anything else is refused;
 * 5. the host configuration (./host-config.ts, rolled back on failure);
 * 6. the unit (./enclave-unit.ts) written, enabled and started;
 * 7. the health gate (./health.ts). A failed start stops, disables and removes the unit again.
 */
import type { KMSPort } from '../aws/kms.js';
import { CosignerError } from '../errors.js';
import { log, type IoHost } from '../io/io-host.js';
import { ENCLAVE_NAME, buildEnclaveUnit } from './enclave-unit.js';
import { awaitEnclave, judgeEnclave } from './health.js';
import { applyHostConfig, planHostConfig, type HostConfigResult } from './host-config.js';
import { verifyImage, type VerifiedImage } from './image-gate.js';
import { HOST_PATHS, VSOCK_PROXY_UNIT, enclaveUnitName, type HostPorts } from './ports.js';
import { runPreflight, type HostCheck } from './preflight.js';

export interface LaunchOptions {
  /** The image on the operator's file system. */
  source: string;
  sourceSize: number;
  enclaveName: string;
  memoryMiB: number;
  cpuCount: number;
  debugMode: boolean;
  insecureDebug: boolean;
  keyArn: string;
  configured: { values: readonly string[]; label: string };
  healthTimeoutMs: number;
  settleMs: number;
  pollMs: number;
  /** argv of this CLI for the unit's supervisor. */
  cosignerCli: readonly string[];
}

export interface LaunchDeps {
  host: HostPorts;
  kms: Pick<KMSPort, 'getKeyPolicy'>;
  io: IoHost;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  region: string;
}

export interface LaunchResult {
  enclaveName: string;
  enclaveId: string;
  unit: string;
  eifPath: string;
  image: Omit<VerifiedImage, 'timings' | 'eifPath'>;
  alreadyRunning: boolean;
  debugMode: boolean;
  hostConfig: HostConfigResult | undefined;
  preflight: HostCheck[];
  /**
   * Where the time went: copying the image into place, measuring it, the checks (preflight, the
   * live policy, the host configuration), the launch up to the health gate's verdict.
   */
  timings: { copyMs: number; measureMs: number; checksMs: number; launchMs: number };
}

/** Refuse debug mode unless the operator said --insecure-debug as well (`run` and `run supervise`). */
export function refuseDebugWithoutInsecure(debugMode: boolean, insecureDebug: boolean): void {
  if (debugMode && !insecureDebug)
    throw new CosignerError(
      'DEBUG_MODE_REFUSED',
      'refusing --debug-mode: a debug-mode enclave exposes its console to the host and attests with zeroed PCRs',
      { hint: 'add --insecure-debug as well if this is a test host that will never hold real key shares' },
    );
}

/** Refuse debug mode unless the operator said --insecure-debug as well; say it loudly when they did. */
export function gateDebugMode(debugMode: boolean, insecureDebug: boolean, io: IoHost): void {
  refuseDebugWithoutInsecure(debugMode, insecureDebug);
  if (debugMode)
    io.notify({
      level: 'warn',
      code: 'RUN_INSECURE_DEBUG',
      message:
        'INSECURE: starting the enclave in DEBUG MODE. Its console is readable by root on this host and its attestation carries zeroed PCRs; never pair a production co-signer with it.',
    });
}

/** Fail on any failed check `run` cannot fix itself. */
export function assertPreflight(checks: HostCheck[]): void {
  const blocking = checks.filter((c) => c.status === 'fail' && c.fixable !== true);
  if (blocking.length === 0) return;
  const first = blocking[0] as HostCheck;
  throw new CosignerError(
    first.code ?? 'HOST_PREFLIGHT_FAILED',
    `the host is not ready: ${blocking.map((c) => `${c.id} (${c.message})`).join('; ')}`,
    { ...(first.hint ? { hint: first.hint } : {}), context: { failed: blocking.map((c) => c.id) } },
  );
}

export async function launchImage(options: LaunchOptions, deps: LaunchDeps): Promise<LaunchResult> {
  const { host, io } = deps;
  if (!ENCLAVE_NAME.test(options.enclaveName))
    throw new CosignerError('INVALID_OPTION', `invalid enclave name ${JSON.stringify(options.enclaveName)}`, {
      hint: 'use 1–63 characters of a-z, 0-9 and "-"',
    });
  gateDebugMode(options.debugMode, options.insecureDebug, io);
  const checksStarted = performance.now();

  const preflight = await runPreflight(host, {
    needs: { memoryMiB: options.memoryMiB, cpuCount: options.cpuCount },
    diskBytesNeeded: options.sourceSize * 2,
  });
  assertPreflight(preflight.checks);

  // The image, in its root-owned place under a staging name, measured and checked there.
  const eifPath = `${HOST_PATHS.imageDir}/${options.enclaveName}.eif`;
  const staged = `${eifPath}.staged`;
  await host.fs.mkdir(HOST_PATHS.imageDir, 0o755);
  const copyStarted = performance.now();
  await host.fs.copyIn(options.source, staged, 0o644);
  const copyMs = performance.now() - copyStarted;
  let verified: VerifiedImage;
  try {
    verified = await verifyImage(
      { eifPath: host.fs.resolve(staged), keyArn: options.keyArn, configured: options.configured },
      { kms: deps.kms, now: deps.now },
    );
  } catch (error) {
    await host.fs.remove(staged);
    throw error;
  }
  log.info(io, 'RUN_IMAGE_VERIFIED', `image verified: PCR8 ${verified.pcrs.PCR8} is admitted by the key policy`, {
    pcrs: verified.pcrs,
  });

  const expected = {
    enclaveName: options.enclaveName,
    pcr0: verified.pcrs.PCR0,
    pcr8: verified.pcrs.PCR8,
    debugMode: options.debugMode,
  };
  const unit = enclaveUnitName(options.enclaveName);
  const running = (await host.nitroCli.describeEnclaves()).find((e) => e.EnclaveName === options.enclaveName);
  const image = {
    size: verified.size,
    pcrs: verified.pcrs,
    certificateNotAfter: verified.certificateNotAfter,
    policyPcr8: verified.policyPcr8,
  };
  if (running !== undefined) {
    await host.fs.remove(staged);
    const problem = judgeEnclave(running, expected);
    if (problem !== undefined)
      throw new CosignerError(
        'ENCLAVE_EXISTS',
        `an enclave named ${options.enclaveName} already runs, and not this image (${problem.message})`,
        { hint: 'stop it first with `cosigner-cli run stop`, or pick another --enclave-name' },
      );
    return {
      enclaveName: options.enclaveName,
      enclaveId: running.EnclaveID,
      unit,
      eifPath,
      image,
      alreadyRunning: true,
      debugMode: options.debugMode,
      hostConfig: undefined,
      preflight: preflight.checks,
      timings: {
        copyMs,
        measureMs: verified.timings.measureMs,
        checksMs: performance.now() - checksStarted - copyMs - verified.timings.measureMs,
        launchMs: 0,
      },
    };
  }

  const hostConfig = await applyHostConfig(
    await planHostConfig(host.fs, { memoryMiB: options.memoryMiB, cpuCount: options.cpuCount }, deps.region),
    {
      fs: host.fs,
      services: host.services,
      now: deps.now,
      sleep: deps.sleep,
      onStep: (text) => log.info(io, 'RUN_HOST_CONFIG', text),
    },
  );
  await host.fs.rename(staged, eifPath);
  await ensureVsockProxy(host, io);
  const checksMs = performance.now() - checksStarted - copyMs - verified.timings.measureMs;

  const launchStarted = performance.now();
  const unitPath = `${HOST_PATHS.unitDir}/${unit}`;
  await host.fs.writeAtomic(
    unitPath,
    buildEnclaveUnit({
      enclaveName: options.enclaveName,
      eifPath,
      memoryMiB: options.memoryMiB,
      cpuCount: options.cpuCount,
      cosignerCli: options.cosignerCli,
      pcr0: verified.pcrs.PCR0,
      pcr8: verified.pcrs.PCR8,
      debugMode: options.debugMode,
    }),
    0o644,
  );
  try {
    await host.services.reload();
    await host.services.enable(unit);
    await host.services.start(unit);
    const enclave = await awaitEnclave(host.nitroCli, expected, {
      timeoutMs: options.healthTimeoutMs,
      settleMs: options.settleMs,
      pollMs: options.pollMs,
      sleep: deps.sleep,
    });
    return {
      enclaveName: options.enclaveName,
      enclaveId: enclave.EnclaveID,
      unit,
      eifPath,
      image,
      alreadyRunning: false,
      debugMode: options.debugMode,
      hostConfig,
      preflight: preflight.checks,
      timings: { copyMs, measureMs: verified.timings.measureMs, checksMs, launchMs: performance.now() - launchStarted },
    };
  } catch (error) {
    // Nothing half-started: the unit goes again (the host configuration stays: it is valid).
    const logs = await host.services.logs(unit, 20).catch(() => []);
    await host.services.stop(unit).catch(() => undefined);
    await host.services.disable(unit).catch(() => undefined);
    await host.fs.remove(unitPath).catch(() => undefined);
    await host.services.reload().catch(() => undefined);
    if (error instanceof CosignerError && logs.length > 0)
      throw new CosignerError(error.code, error.message, {
        hint: error.hint ?? 'see the journal below',
        cause: error,
        context: { ...error.context, journal: logs.slice(-10) },
      });
    throw error;
  }
}

/**
 * The enclave reaches KMS only through the vsock-proxy on the host (the allowlist names
 * kms.<region>). The RPM installs the unit without starting it and the user data leaves it alone,
 * so for a generic image `run` enables and starts it when it is not running. (The Fireblocks
 * package's installer runs its own networking service and is left to it.)
 */
async function ensureVsockProxy(host: HostPorts, io: IoHost): Promise<void> {
  const state = await host.services.state(VSOCK_PROXY_UNIT);
  if (state.active === 'active' && state.enabled) return;
  log.info(io, 'RUN_VSOCK_PROXY_STARTED', `starting ${VSOCK_PROXY_UNIT} (the enclave's way to KMS)`);
  if (!state.enabled) await host.services.enable(VSOCK_PROXY_UNIT);
  if (state.active !== 'active') await host.services.start(VSOCK_PROXY_UNIT);
}
