/**
 * Undoing what `run --package` did when a later step fails, so that nothing is left
 * half-configured or running unverified:
 * - the token or the installer failed after the host configuration: allocator.yaml and the
 *   vsock-proxy allowlist go back to their backups and the services restart (restoreHostConfig);
 * - install.sh ran but a check after it refused the result (the enclave is not the verified image,
 *   runs in debug mode, or never came up): the `cosigner` service is stopped and disabled (it would
 *   restart the enclave at every boot), and every enclave started since install.sh began is
 *   terminated.
 * Either way the original error is returned with what was undone in its message, hint and context.
 */
import { CosignerError, isCosignerError } from '../errors.js';
import { log, type IoHost } from '../io/io-host.js';
import { restoreHostConfig, type HostConfigPlan, type HostConfigResult } from './host-config.js';
import { FIREBLOCKS_UNIT, type HostPorts } from './ports.js';

/** The error with `note` (what was undone) added to its message and hint, and `extra` to its context. */
function withNote(error: unknown, note: string, extra: Record<string, unknown>, hint?: string): unknown {
  if (!isCosignerError(error)) return error;
  const hints = [error.hint, hint].filter((h): h is string => h !== undefined && h !== '');
  return new CosignerError(error.code, `${error.message}; ${note}`, {
    ...(hints.length === 0 ? {} : { hint: hints.join('; ') }),
    cause: error,
    context: { ...error.context, ...extra },
    source: error.source,
    interruption: error.interruption,
  });
}

/**
 * After the token or the installer failed: put allocator.yaml and the vsock-proxy allowlist back
 * from their backups, restart the services, and return the failure saying what was restored.
 */
export async function undoHostConfig(
  error: unknown,
  plan: HostConfigPlan,
  applied: HostConfigResult,
  deps: { host: HostPorts; io: IoHost },
): Promise<unknown> {
  if (applied.allocator === 'unchanged' && applied.vsockProxy === 'unchanged') return error;
  const { restored, kept } = await restoreHostConfig(plan, applied, deps.host);
  const parts = [
    ...(restored.length > 0 ? [`the host configuration was restored (${restored.join(', ')})`] : []),
    ...(kept.length > 0 ? [`${kept.join(', ')} changed since and kept (backups beside them)`] : []),
  ];
  const note = parts.join('; ');
  log.info(deps.io, 'RUN_HOST_CONFIG', note);
  return withNote(error, note, { hostRestored: restored, hostKept: kept });
}

/** What ran before install.sh: the enclaves not to touch, and whether the service was running. */
export interface BeforeInstall {
  enclaveIds: ReadonlySet<string>;
  unitActive: boolean;
}

export async function beforeInstall(host: HostPorts): Promise<BeforeInstall> {
  const enclaves = await host.nitroCli.describeEnclaves();
  const unit = await host.services.state(FIREBLOCKS_UNIT).catch(() => undefined);
  return {
    enclaveIds: new Set(enclaves.map((e) => e.EnclaveID)),
    unitActive: unit?.active === 'active' || unit?.active === 'activating',
  };
}

/**
 * A check after install.sh refused the result (or install.sh itself failed, when `onlyIfNew`):
 * stop and disable the `cosigner` service and terminate every enclave started since install.sh
 * began, then return the failure saying so. With `onlyIfNew` the service is left alone when it was
 * already running before (install.sh failed before replacing it).
 */
export async function shutDownInstalled(
  error: unknown,
  before: BeforeInstall,
  deps: { host: HostPorts; io: IoHost },
  onlyIfNew = false,
): Promise<unknown> {
  const { host } = deps;
  const failures: string[] = [];
  const started = async (): Promise<string[]> =>
    (
      await host.nitroCli.describeEnclaves().catch(() => {
        failures.push('describe-enclaves');
        return [];
      })
    )
      .map((e) => e.EnclaveID)
      .filter((id) => !before.enclaveIds.has(id));
  const startedBefore = await started();
  const unit = await host.services.state(FIREBLOCKS_UNIT).catch(() => undefined);
  const unitRuns = unit !== undefined && unit.loaded && (unit.active !== 'inactive' || unit.enabled);
  let unitStopped = false;
  if (unitRuns && !(onlyIfNew && before.unitActive)) {
    // Stopping runs the unit's ExecStop (nitro-cli terminate-enclave); disabling keeps it from
    // starting the enclave again at boot.
    await host.services.stop(FIREBLOCKS_UNIT).catch(() => failures.push(`stop ${FIREBLOCKS_UNIT}`));
    await host.services.disable(FIREBLOCKS_UNIT).catch(() => failures.push(`disable ${FIREBLOCKS_UNIT}`));
    unitStopped = true;
  }
  // What the service's stop did not end is terminated here, by id.
  const seen = new Set(startedBefore);
  for (const id of await started()) {
    seen.add(id);
    await host.nitroCli.terminateEnclave({ enclaveId: id }).catch(() => failures.push(`terminate-enclave ${id}`));
  }
  const left = new Set(await started());
  const terminated = [...seen].filter((id) => !left.has(id));
  for (const id of left)
    if (!failures.includes(`terminate-enclave ${id}`)) failures.push(`enclave ${id} still running`);
  if (!unitStopped && terminated.length === 0 && failures.length === 0) return error;
  const done = [
    ...(unitStopped ? [`the ${FIREBLOCKS_UNIT} service was stopped and disabled`] : []),
    ...(terminated.length > 0 ? [`enclave ${terminated.join(', ')} terminated`] : []),
  ];
  const note =
    failures.length === 0
      ? `${done.join(' and ')}: nothing the package started is left running`
      : `${done.length > 0 ? `${done.join(' and ')}, but ` : ''}these failed: ${failures.join(', ')}`;
  log.warn(deps.io, 'RUN_WARNING', note);
  const hint =
    failures.length === 0
      ? `fix the cause and run again (\`systemctl enable --now ${FIREBLOCKS_UNIT}\` would start the refused enclave again)`
      : `stop them by hand: \`systemctl disable --now ${FIREBLOCKS_UNIT}\` and \`nitro-cli terminate-enclave --all\``;
  return withNote(
    error,
    note,
    {
      serviceStopped: unitStopped ? FIREBLOCKS_UNIT : undefined,
      enclavesTerminated: terminated,
      cleanupFailed: failures,
    },
    hint,
  );
}
