/**
 * Host configuration as one transaction: the allocator's reservation and the vsock-proxy allowlist.
 * Each file that changes is backed up beside itself, replaced atomically, and its service restarted;
 * the allocator's reservation is then read back from the kernel (hugepages, ne_cpus). Any failure
 * after the first write restores every file written, restarts the services again, and reports
 * HOST_CONFIG_FAILED naming what was restored: nothing is left half-configured. A second run with
 * the same needs writes nothing. A later step that fails (the pairing token, the installer) undoes
 * an applied configuration with {@link restoreHostConfig}, from the backups written here.
 */
import { CosignerError, isCosignerError } from '../errors.js';
import {
  planAllocator,
  readReservation,
  type AllocatorNeeds,
  type AllocatorPlan,
  type Reservation,
} from './allocator.js';
import { ALLOCATOR_UNIT, HOST_PATHS, VSOCK_PROXY_UNIT, type HostFsPort, type ServiceManagerPort } from './ports.js';
import { kmsEndpoint, planVsockProxy, type VsockProxyPlan } from './vsock-proxy.js';

export interface HostConfigPlan {
  allocator: AllocatorPlan;
  vsockProxy: VsockProxyPlan;
}

export interface HostConfigDeps {
  fs: HostFsPort;
  services: ServiceManagerPort;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  /** How long to wait for the kernel to show the reservation after a restart. @default 20000 */
  reservationWaitMs?: number;
  /** Progress lines. */
  onStep?: (text: string) => void;
}

export interface HostConfigResult {
  allocator: 'unchanged' | 'written';
  vsockProxy: 'unchanged' | 'written';
  /** Backups written beside the changed files. */
  backups: string[];
  reservation: Reservation;
}

const CONFIG_MAX = 64 * 1024;

/** Read both files and plan the change (nothing written). Throws HOST_CONFIG_UNPARSEABLE. */
export async function planHostConfig(fs: HostFsPort, needs: AllocatorNeeds, region: string): Promise<HostConfigPlan> {
  const [allocator, vsock] = await Promise.all([
    fs.readText(HOST_PATHS.allocatorConfig, CONFIG_MAX),
    fs.readText(HOST_PATHS.vsockProxyConfig, CONFIG_MAX),
  ]);
  return { allocator: planAllocator(allocator, needs), vsockProxy: planVsockProxy(vsock, kmsEndpoint(region)) };
}

function stamp(now: Date): string {
  return now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

interface Written {
  path: string;
  before: string | undefined;
  unit: string;
}

/** Wait until the kernel shows at least `needs` reserved; the last reading otherwise. */
async function awaitReservation(deps: HostConfigDeps, needs: AllocatorNeeds): Promise<Reservation> {
  const deadline = Date.now() + (deps.reservationWaitMs ?? 20_000);
  for (;;) {
    const reservation = await readReservation(deps.fs);
    if (reservation.memoryMiB >= needs.memoryMiB && reservation.cpus >= needs.cpuCount) return reservation;
    if (Date.now() >= deadline) return reservation;
    await deps.sleep(500);
  }
}

function insufficient(reservation: Reservation, needs: AllocatorNeeds): CosignerError {
  return new CosignerError(
    'HOST_ALLOCATOR_INSUFFICIENT',
    `the allocator reserved ${reservation.memoryMiB} MiB and ${reservation.cpus} vCPUs, the enclave needs ${needs.memoryMiB} MiB and ${needs.cpuCount}`,
    {
      hint: 'check `journalctl -u nitro-enclaves-allocator` (error 206: not enough free memory for the hugepages; stop other memory users or use a larger instance) and that the instance has enough vCPUs',
      context: { reserved: reservation, needs },
    },
  );
}

/** Apply a plan; on failure restore what was written and throw HOST_CONFIG_FAILED. */
export async function applyHostConfig(plan: HostConfigPlan, deps: HostConfigDeps): Promise<HostConfigResult> {
  const written: Written[] = [];
  const backups: string[] = [];
  const suffix = `.cosigner-cli-${stamp(deps.now())}.bak`;
  const write = async (path: string, before: string | undefined, after: string, unit: string) => {
    if (before !== undefined) {
      await deps.fs.writeAtomic(`${path}${suffix}`, before, 0o644);
      backups.push(`${path}${suffix}`);
    } else {
      await deps.fs.mkdir(path.slice(0, path.lastIndexOf('/')), 0o755);
    }
    written.push({ path, before, unit });
    await deps.fs.writeAtomic(path, after, 0o644);
  };
  try {
    const needs = plan.allocator.needs;
    if (plan.allocator.after !== undefined) {
      deps.onStep?.(`writing ${HOST_PATHS.allocatorConfig} (${needs.memoryMiB} MiB, ${needs.cpuCount} vCPUs)`);
      await write(HOST_PATHS.allocatorConfig, plan.allocator.before, plan.allocator.after, ALLOCATOR_UNIT);
      await deps.services.restart(ALLOCATOR_UNIT);
    } else if ((await readReservation(deps.fs)).memoryMiB < needs.memoryMiB) {
      // The file says enough but the kernel holds less: the allocator has not run since.
      await deps.services.restart(ALLOCATOR_UNIT);
    }
    const reservation = await awaitReservation(deps, needs);
    if (reservation.memoryMiB < needs.memoryMiB || reservation.cpus < needs.cpuCount)
      throw insufficient(reservation, needs);

    if (plan.vsockProxy.after !== undefined) {
      deps.onStep?.(`adding ${plan.vsockProxy.endpoint.address}:443 to ${HOST_PATHS.vsockProxyConfig}`);
      await write(HOST_PATHS.vsockProxyConfig, plan.vsockProxy.before, plan.vsockProxy.after, VSOCK_PROXY_UNIT);
      // The proxy reads its allowlist at start-up: restart it when it runs.
      const state = await deps.services.state(VSOCK_PROXY_UNIT);
      if (state.active === 'active' || state.active === 'activating') {
        await deps.services.restart(VSOCK_PROXY_UNIT);
        const after = await deps.services.state(VSOCK_PROXY_UNIT);
        if (after.active !== 'active')
          throw new CosignerError('HOST_SERVICE_FAILED', `${VSOCK_PROXY_UNIT} is ${after.active} after the restart`, {
            hint: 'see `journalctl -eu nitro-enclaves-vsock-proxy`',
          });
      }
    }
    return {
      allocator: plan.allocator.after === undefined ? 'unchanged' : 'written',
      vsockProxy: plan.vsockProxy.after === undefined ? 'unchanged' : 'written',
      backups,
      reservation,
    };
  } catch (error) {
    if (written.length === 0) throw error;
    const restored = await rollback(written, deps);
    const reason = isCosignerError(error) ? error.message : String((error as Error | undefined)?.message ?? error);
    throw new CosignerError(
      'HOST_CONFIG_FAILED',
      `configuring the host failed (${reason}); ${restored.join(' and ')} restored`,
      {
        hint:
          isCosignerError(error) && error.hint ? error.hint : 'see the journal of the named services, then run again',
        cause: error,
        context: { restored, ...(isCosignerError(error) ? { reason: error.code } : {}) },
      },
    );
  }
}

export interface HostConfigRestore {
  /** Files put back as they were before the run (or removed, when the run created them). */
  restored: string[];
  /** Files changed by something else since the run wrote them (the installer): left as they are. */
  kept: string[];
}

/**
 * Undo an applied configuration after a later step failed: each file the run wrote goes back to
 * the backup written beside it (removed when the run created it), and its service is restarted.
 * A file whose content is no longer what the run wrote (Fireblocks' installer edits the allowlist
 * itself) is kept and named: its backup stays beside it for a manual restore.
 */
export async function restoreHostConfig(
  plan: HostConfigPlan,
  applied: HostConfigResult,
  deps: Pick<HostConfigDeps, 'fs' | 'services'>,
): Promise<HostConfigRestore> {
  const candidates: { path: string; before: string | undefined; after: string; unit: string }[] = [];
  if (applied.allocator === 'written' && plan.allocator.after !== undefined)
    candidates.push({
      path: HOST_PATHS.allocatorConfig,
      before: plan.allocator.before,
      after: plan.allocator.after,
      unit: ALLOCATOR_UNIT,
    });
  if (applied.vsockProxy === 'written' && plan.vsockProxy.after !== undefined)
    candidates.push({
      path: HOST_PATHS.vsockProxyConfig,
      before: plan.vsockProxy.before,
      after: plan.vsockProxy.after,
      unit: VSOCK_PROXY_UNIT,
    });
  const toRestore: Written[] = [];
  const kept: string[] = [];
  for (const file of candidates) {
    const now = await deps.fs.readText(file.path, CONFIG_MAX).catch(() => undefined);
    if (now !== file.after) {
      kept.push(file.path);
      continue;
    }
    // The backup is what a manual restore would use; the plan's copy is the same text.
    const backup = applied.backups.find((path) => path.startsWith(`${file.path}.cosigner-cli-`));
    const saved = backup === undefined ? undefined : await deps.fs.readText(backup, CONFIG_MAX).catch(() => undefined);
    toRestore.push({ path: file.path, before: saved ?? file.before, unit: file.unit });
  }
  const restored = toRestore.length === 0 ? [] : await rollback(toRestore, deps);
  return { restored, kept };
}

/** Put every written file back (or remove a file that did not exist) and restart its service. */
async function rollback(written: Written[], deps: Pick<HostConfigDeps, 'fs' | 'services'>): Promise<string[]> {
  const restored: string[] = [];
  for (const file of [...written].reverse()) {
    try {
      if (file.before === undefined) await deps.fs.remove(file.path);
      else await deps.fs.writeAtomic(file.path, file.before, 0o644);
      restored.push(file.path);
    } catch {
      // Keep going: the backup beside the file is still there for a manual restore.
    }
  }
  for (const unit of new Set(written.map((f) => f.unit))) {
    const state = await deps.services.state(unit).catch(() => undefined);
    if (unit === ALLOCATOR_UNIT || state?.active === 'active' || state?.active === 'failed')
      await deps.services.restart(unit).catch(() => undefined);
  }
  return restored;
}
