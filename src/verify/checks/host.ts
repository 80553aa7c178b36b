/**
 * The host checks (`--host`, run on the EC2 host): the enclave nitro-cli reports, the services
 * (the allocator with a reservation the enclave fits in, the vsock-proxy allowing this region's KMS,
 * the co-signer's unit), the files that hold the pairing token; and the negative test (`--probe`).
 * Without the option each is SKIP.
 */
import type { DescribedEnclave } from '../../enclave/nitro-cli-output.js';
import { isCosignerError } from '../../errors.js';
import { shortPCR8 } from '../../policy/pcr8.js';
import { checkMeta } from '../catalogue.js';
import { skipped, Verdict, type CheckContext, type CheckDefinition, type CheckOutcome } from '../check.js';
import { configuredCpus } from '../../host/allocator.js';
import { HOST_PATHS } from '../../host/ports.js';
import { kmsEndpoint } from '../../host/vsock-proxy.js';
import { HOST_UNITS, SECRET_FILES, cosignerUnits, type HostFacts, type HostUnitState } from '../host-facts.js';
import type { ReadFailure } from '../reads.js';

const HOST = 'host';

function hostFailure(action: string, error: unknown): ReadFailure {
  return {
    action,
    code: isCosignerError(error) ? error.code : 'INTERNAL',
    message: error instanceof Error ? error.message : String(error),
  };
}

/** nitro-cli's enclaves, or the failure that ends the check as ERROR. */
async function enclaves(host: HostFacts, v: Verdict): Promise<DescribedEnclave[] | undefined> {
  try {
    return await host.describeEnclaves();
  } catch (error) {
    v.unreadable(hostFailure('nitro-cli describe-enclaves', error));
    return undefined;
  }
}

function hostCheck(
  id: string,
  judge: (v: Verdict, host: HostFacts, ctx: CheckContext) => Promise<void>,
): CheckDefinition {
  return {
    ...checkMeta(id),
    reads: [],
    requires: 'host',
    async run(ctx): Promise<CheckOutcome> {
      if (ctx.host === undefined) return skipped(HOST, 'host checks run only with --host, on the EC2 host');
      const v = new Verdict();
      await judge(v, ctx.host, ctx);
      return v.outcome(HOST);
    },
  };
}

function summary(e: DescribedEnclave): Record<string, unknown> {
  return {
    id: e.EnclaveID,
    name: e.EnclaveName ?? null,
    state: e.State,
    flags: e.Flags,
    pcr8: e.Measurements?.PCR8 ?? null,
  };
}

const enclaveRunning = hostCheck('cosigner_host_enclave_running', async (v, host, ctx) => {
  const list = await enclaves(host, v);
  if (list === undefined) return;
  const running = list.filter((e) => e.State === 'RUNNING');
  const expected = ctx.target.expectedPcr8.values;
  v.note('enclaves', list.map(summary)).note('expectedPcr8', expected.map(shortPCR8));
  if (running.length === 0) v.fail({ message: 'no enclave is RUNNING' });
  for (const e of running) {
    const pcr8 = e.Measurements?.PCR8?.toLowerCase();
    if (pcr8 === undefined)
      v.fail({ enclave: e.EnclaveID, message: 'the running enclave reports no PCR8 (an unsigned image)' });
    else if (!expected.includes(pcr8))
      v.fail({ enclave: e.EnclaveID, pcr8, message: `the running enclave's PCR8 ${shortPCR8(pcr8)} is not expected` });
  }
});

const notDebug = hostCheck('cosigner_host_not_debug', async (v, host) => {
  const list = await enclaves(host, v);
  if (list === undefined) return;
  const running = list.filter((e) => e.State === 'RUNNING');
  v.note('runningEnclaves', running.map(summary));
  for (const e of running)
    if (e.Flags === 'DEBUG_MODE')
      v.fail({
        enclave: e.EnclaveID,
        message: 'the enclave runs in debug mode: its memory and console are readable from the host',
      });
});

/** One unit's state into the evidence; undefined when it could not be read (the check is then ERROR). */
async function unitState(v: Verdict, host: HostFacts, unit: string): Promise<HostUnitState | undefined> {
  try {
    const state = await host.unitState(unit);
    v.note(unit, state);
    return state;
  } catch (error) {
    v.unreadable(hostFailure(`systemctl show ${unit}`, error));
    return undefined;
  }
}

/** The Nitro Enclaves allocator: active, and the kernel's reservation (and the file) at least the enclave's size. */
async function judgeAllocator(v: Verdict, host: HostFacts, needs: { memoryMiB: number; cpuCount: number }) {
  const unit = HOST_UNITS.allocator;
  const state = await unitState(v, host, unit);
  if (state !== undefined && !state.loaded) v.fail({ unit, message: `${unit} is not installed` });
  else if (state !== undefined && state.active !== 'active')
    v.fail({ unit, active: state.active, message: `${unit} is ${state.active}` });
  v.note('enclaveNeeds', needs);
  try {
    // What the kernel holds now: an enclave of the configured size cannot start on less.
    const reserved = await host.reservation();
    v.note('allocatorReserved', reserved);
    if (reserved.memoryMiB < needs.memoryMiB || reserved.cpus < needs.cpuCount)
      v.fail({
        unit,
        reserved,
        needs,
        message: `the allocator reserved ${reserved.memoryMiB} MiB and ${reserved.cpus} vCPUs, the enclave needs ${needs.memoryMiB} MiB and ${needs.cpuCount}`,
      });
  } catch (error) {
    v.unreadable(hostFailure(`read ${HOST_PATHS.hugepages}, ${HOST_PATHS.neCpus}`, error));
  }
  try {
    // What the allocator reserves at its next start (a reboot): less than needed only bites then.
    const config = await host.allocatorConfig();
    v.note(HOST_PATHS.allocatorConfig, config ?? 'absent');
    if (config === undefined)
      v.fail({ path: HOST_PATHS.allocatorConfig, message: `${HOST_PATHS.allocatorConfig} is missing` });
    else if ((config.memoryMiB ?? 0) < needs.memoryMiB || configuredCpus(config) < needs.cpuCount)
      v.warn({
        path: HOST_PATHS.allocatorConfig,
        configured: { memoryMiB: config.memoryMiB ?? 0, cpus: configuredCpus(config) },
        needs,
        message: `${HOST_PATHS.allocatorConfig} asks for less than the enclave needs: the allocator's next start (a reboot) reserves too little`,
      });
  } catch (error) {
    if (isCosignerError(error, 'HOST_CONFIG_UNPARSEABLE'))
      v.fail({
        path: HOST_PATHS.allocatorConfig,
        message: `${error.message}: the allocator refuses it at its next start`,
      });
    else v.unreadable(hostFailure(`read ${HOST_PATHS.allocatorConfig}`, error));
  }
}

/** The vsock-proxy: active, and its allowlist lets the enclave reach KMS in the deployment's region. */
async function judgeVsockProxy(v: Verdict, host: HostFacts, region: string) {
  const unit = HOST_UNITS.vsockProxy;
  const state = await unitState(v, host, unit);
  if (state !== undefined && !state.loaded) v.fail({ unit, message: `${unit} is not installed` });
  else if (state !== undefined && state.active !== 'active')
    v.fail({ unit, active: state.active, message: `${unit} is ${state.active}` });
  const endpoint = kmsEndpoint(region);
  const wanted = `${endpoint.address}:${endpoint.port}`;
  try {
    // The running proxy's allowlist cannot be read back: the file is the evidence (it is what the
    // proxy checks at start).
    const entries = await host.vsockProxyAllowlist();
    v.note(HOST_PATHS.vsockProxyConfig, entries?.map((e) => `${e.address}:${e.port}`) ?? 'absent');
    if (entries === undefined)
      v.fail({ path: HOST_PATHS.vsockProxyConfig, message: `${HOST_PATHS.vsockProxyConfig} is missing` });
    else if (!entries.some((e) => e.address === endpoint.address && e.port === endpoint.port))
      v.fail({
        path: HOST_PATHS.vsockProxyConfig,
        endpoint: wanted,
        message: `the vsock-proxy allowlist does not allow ${wanted}: the enclave cannot reach KMS`,
      });
  } catch (error) {
    // A file this parser cannot read may still be one the proxy reads: not provable, not failed.
    if (isCosignerError(error, 'HOST_CONFIG_UNPARSEABLE'))
      v.warn({ path: HOST_PATHS.vsockProxyConfig, endpoint: wanted, message: error.message });
    else v.unreadable(hostFailure(`read ${HOST_PATHS.vsockProxyConfig}`, error));
  }
}

/** The co-signer's own unit (Fireblocks' installer's, or the one `run --eif` writes): one of them active. */
async function judgeCosignerUnit(v: Verdict, host: HostFacts, name: string) {
  let named: string[] = [];
  try {
    named = (await host.describeEnclaves()).flatMap((e) => (e.EnclaveName === undefined ? [] : [e.EnclaveName]));
  } catch {
    // The enclave checks report nitro-cli's failure; the co-signer's own unit name is still tried.
  }
  const units = cosignerUnits(name, named);
  const states = await Promise.all(units.map((unit) => unitState(v, host, unit)));
  if (states.some((s) => s?.active === 'active')) return;
  if (states.some((s) => s === undefined)) return; // ERROR: a unit could not be read
  const loaded = units.filter((_, i) => states[i]?.loaded === true);
  if (loaded.length === 0) v.fail({ units, message: `no co-signer service is installed (${units.join(', ')})` });
  for (const unit of loaded) {
    const active = states[units.indexOf(unit)]?.active ?? 'inactive';
    v.fail({ unit, active, message: `${unit} is ${active}` });
  }
}

const servicesActive = hostCheck('cosigner_host_services_active', async (v, host, ctx) => {
  await judgeAllocator(v, host, ctx.target.enclave);
  await judgeVsockProxy(v, host, ctx.target.region);
  await judgeCosignerUnit(v, host, ctx.target.name);
});

const secretsAtRest = hostCheck('cosigner_host_secrets_at_rest', async (v, host) => {
  for (const path of SECRET_FILES) {
    try {
      const stat = await host.fileStat(path);
      if (stat === undefined) {
        v.note(path, 'absent');
        continue;
      }
      v.note(path, { kind: stat.kind, mode: `0${(stat.mode & 0o7777).toString(8)}`, uid: stat.uid });
      if (stat.kind !== 'file')
        v.fail({ path, kind: stat.kind, message: `${path} is a ${stat.kind}, not a regular file` });
      if (stat.uid !== 0) v.fail({ path, uid: stat.uid, message: `${path} is owned by uid ${stat.uid}, not root` });
      if ((stat.mode & 0o077) !== 0)
        v.fail({
          path,
          mode: `0${(stat.mode & 0o7777).toString(8)}`,
          message: `${path} is readable or writable by others than its owner`,
        });
    } catch (error) {
      v.unreadable(hostFailure(`stat ${path}`, error));
    }
  }
});

const negativeTest: CheckDefinition = {
  ...checkMeta('cosigner_kms_negative_test'),
  reads: ['key'],
  requires: 'probe',
  async run(ctx) {
    const ref = ctx.target.keyRef.value;
    if (ctx.probe === undefined) return skipped(ref, 'the negative test runs only with --probe, as the host’s role');
    const v = new Verdict();
    const key = await ctx.reads.key();
    if (!key.ok) return v.unreadable(key.failure).outcome(ref);
    if (key.value?.Arn === undefined) return skipped(ref, `no KMS key found for ${ctx.target.name}`);
    const result = await ctx.probe.generateDataKeyWithoutAttestation(key.value.Arn, ctx.target.roleName);
    v.note('caller', result.caller ?? null);
    if (result.outcome === 'denied') v.note('denied', { error: result.error, message: result.message });
    else if (result.outcome === 'allowed')
      v.fail({
        message:
          'KMS returned a data key without an attestation document: anyone with the role’s credentials (root on the host) can decrypt the co-signer’s database',
      });
    else v.unreadable(result.failure);
    return v.outcome(key.value.Arn);
  },
};

export const HOST_CHECKS: readonly CheckDefinition[] = [
  enclaveRunning,
  notDebug,
  servicesActive,
  secretsAtRest,
  negativeTest,
];
