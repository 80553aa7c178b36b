// `verify --host` end to end through the CLI on the sandbox: `provision`, then `run --eif` on the
// simulated host of the co-signer's instance, then `verify --host` reads that same host (nitro-cli,
// systemd, the allocator, the vsock-proxy allowlist, the settings file): the vsock-proxy `run`
// started, and no FAIL. Then the
// host is broken one way at a time through its own ports (as an operator or an attacker on the host
// would leave it) and restored: each break fails its host check and no other host check.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxPorts } from '../../src/aws/sandbox/index.js';
import { createSandboxHost, type SandboxHost } from '../../src/aws/sandbox/host/index.js';
import { ALLOCATOR_UNIT, HOST_PATHS, VSOCK_PROXY_UNIT, enclaveUnitName } from '../../src/host/ports.js';
import { runCli, type CliRun } from '../helpers/run-cli.js';
import { makeCliWorld, type CliWorld } from '../e2e/cli-context.js';
import { FAST_KNOBS, REGION } from '../e2e/world.js';
import { buildEIF, createEifSigner } from '../../src/aws/sandbox/nitro/eif-build.js';
import { computePCR8 } from '../../src/enclave/pcr.js';

const HOST_CHECK_IDS = [
  'cosigner_host_enclave_running',
  'cosigner_host_not_debug',
  'cosigner_host_services_active',
  'cosigner_host_secrets_at_rest',
];
const ENV = {
  COSIGNER_SANDBOX_IAM_DELAY_MS: '0',
  COSIGNER_SANDBOX_LATENCY_MS: '0',
  COSIGNER_SANDBOX_RETRY_BASE_MS: '0',
};

interface Finding {
  checkId: string;
  status: string;
  evidence: Record<string, unknown>;
}

let cliWorld: CliWorld;
let host: SandboxHost;

/** A throwaway signing certificate (as the AWS guide's openssl steps make): its PCR8 is the config's custom PCR8. */
const signer = createEifSigner({ now: new Date(Date.now() - 86_400_000) });
const PCR8 = computePCR8(signer.certificateDer);

/** A small signed image. */
function image(): Uint8Array {
  const bytes = (seed: number, length: number) => Uint8Array.from({ length }, (_, i) => (i * 131 + seed) & 0xff);
  return buildEIF({
    kernel: bytes(1, 1024),
    cmdline: 'console=ttyS0',
    ramdisks: [bytes(2, 512), bytes(3, 4096)],
    metadata: {
      ImageName: 'cosigner-test',
      ImageVersion: '1.0.0',
      BuildMetadata: {
        BuildTime: '2026-03-01T12:00:00Z',
        BuildTool: 'test',
        BuildToolVersion: '1',
        OperatingSystem: 'Linux',
        KernelVersion: '6.1',
      },
      DockerInfo: { Id: 'sha256:00' },
      CustomMetadata: null,
    },
    signer,
  });
}

const cli = (...args: string[]): Promise<CliRun> =>
  runCli(['--region', REGION, ...args], { cwd: cliWorld.dir, env: { ...ENV, COSIGNER_SANDBOX: cliWorld.sandboxDir } });

const findings = (run: CliRun): Finding[] => (run.json?.result as { findings: Finding[] } | undefined)?.findings ?? [];
const hostStatuses = (run: CliRun): Record<string, string> =>
  Object.fromEntries(
    findings(run)
      .filter((f) => HOST_CHECK_IDS.includes(f.checkId))
      .map((f) => [f.checkId, f.status]),
  );

const SOUND = Object.fromEntries(HOST_CHECK_IDS.map((id) => [id, 'PASS']));

beforeAll(async () => {
  cliWorld = await makeCliWorld();
  await cliWorld.writeConfig({ name: 'demo', fireblocks: { env: 'custom', pcr8: PCR8 }, aws: { region: REGION } });

  const provision = await cli('provision', '--yes', '--json');
  expect(provision.code, provision.stdout + provision.stderr).toBe(0);

  // The account around the co-signer, as an auditor finds it: a logging, validated multi-Region trail.
  const admin = await createSandboxPorts({ dir: cliWorld.sandboxDir, region: REGION, env: {}, knobs: FAST_KNOBS });
  await admin.s3.createBucket({ Bucket: 'trail-logs-host', CreateBucketConfiguration: { LocationConstraint: REGION } });
  await admin.cloudtrail.createTrail({
    Name: 'org-trail',
    S3BucketName: 'trail-logs-host',
    IsMultiRegionTrail: true,
    EnableLogFileValidation: true,
  });
  await admin.cloudtrail.startLogging({ Name: 'org-trail' });
  // On the host, `run` needs the key by ARN (the role cannot resolve an alias), as its hint says.
  const keyArn = (await admin.kms.describeKey({ KeyId: 'alias/demo-cosigner' })).KeyMetadata?.Arn ?? '';
  admin.destroy();

  const eif = join(cliWorld.dir, 'cosigner.eif');
  await writeFile(eif, image());
  const run = await cli('run', '--eif', eif, '--kms-key-id', keyArn, '--json');
  expect(run.code, run.stdout + run.stderr).toBe(0);
  host = await createSandboxHost({
    sandboxDir: cliWorld.sandboxDir,
    name: 'demo',
    region: REGION,
    env: {},
    knobs: FAST_KNOBS,
  });
}, 120_000);
afterAll(async () => {
  await cliWorld?.cleanup();
});

describe('provision → run → verify --host on the sandbox', () => {
  it('finds the vsock-proxy started by `run --eif` (it was stopped before run), enabled', async () => {
    expect(await host.services.state(VSOCK_PROXY_UNIT)).toMatchObject({ active: 'active', enabled: true });
  });

  it('reads the host run set up: every host check PASSes with evidence, and the audit has no FAIL (exit 0)', async () => {
    const run = await cli('verify', '--host', '--json');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(findings(run).filter((f) => f.status === 'FAIL')).toEqual([]);
    expect(hostStatuses(run)).toEqual(SOUND);
    const byId = new Map(findings(run).map((f) => [f.checkId, f]));
    const enclaveEvidence = byId.get('cosigner_host_enclave_running')?.evidence;
    expect(enclaveEvidence?.['enclaves']).toMatchObject([
      { name: 'demo', state: 'RUNNING', flags: 'NONE', pcr8: PCR8 },
    ]);
    const services = byId.get('cosigner_host_services_active')?.evidence;
    expect(services).toMatchObject({
      [ALLOCATOR_UNIT]: { loaded: true, active: 'active' },
      [VSOCK_PROXY_UNIT]: { loaded: true, active: 'active' },
      [enclaveUnitName('demo')]: { loaded: true, active: 'active' },
      enclaveNeeds: { memoryMiB: 4096, cpuCount: 2 },
      allocatorReserved: { memoryMiB: 4096, cpus: 2 },
    });
    expect(services?.[HOST_PATHS.vsockProxyConfig]).toContain(`kms.${REGION}.amazonaws.com:443`);
    // Without --host the same checks are SKIP.
    const plain = await cli('verify', '--json');
    expect(Object.values(hostStatuses(plain))).toEqual(['SKIP', 'SKIP', 'SKIP', 'SKIP']);
  });

  it('--host with --all is refused (exit 2): a host belongs to one co-signer', async () => {
    const run = await cli('verify', '--host', '--all', '--json');
    expect(run.code).toBe(2);
    expect(run.json?.error?.code).toBe('INVALID_OPTION');
  });
});

/** Break the host, audit it with --host, restore it; the host checks' statuses during the break. */
async function brokenBy(breakIt: () => Promise<unknown>, restore: () => Promise<unknown>): Promise<CliRun> {
  await breakIt();
  try {
    return await cli('verify', '--host', '--json');
  } finally {
    await restore();
  }
}

describe('verify --host on a broken host', () => {
  const unit = enclaveUnitName('demo');

  it('no enclave running: cosigner_host_enclave_running FAILs (exit 3)', async () => {
    const run = await brokenBy(
      () => host.nitroCli.terminateEnclave({ enclaveName: 'demo' }),
      () => host.services.restart(unit),
    );
    expect(run.code).toBe(3);
    expect(hostStatuses(run)).toEqual({ ...SOUND, cosigner_host_enclave_running: 'FAIL' });
  });

  it('an enclave in debug mode: cosigner_host_not_debug FAILs', async () => {
    // The driver's record of the running enclave in debug mode, as `run --debug-mode --insecure-debug` leaves it
    // when the key policy admits a debug enclave.
    const flip = (debugMode: boolean) =>
      host.store.update((state) => {
        for (const e of state.enclaves) e.debugMode = debugMode;
      });
    const run = await brokenBy(
      () => flip(true),
      () => flip(false),
    );
    expect(run.code).toBe(3);
    expect(hostStatuses(run)).toEqual({ ...SOUND, cosigner_host_not_debug: 'FAIL' });
  });

  it('an allocator that reserved less than the enclave needs: cosigner_host_services_active FAILs', async () => {
    const before = (await host.fs.readText(HOST_PATHS.allocatorConfig, 64 * 1024)) ?? '';
    const run = await brokenBy(
      async () => {
        await host.fs.writeAtomic(HOST_PATHS.allocatorConfig, '---\nmemory_mib: 2048\ncpu_count: 2\n', 0o644);
        await host.services.restart(ALLOCATOR_UNIT);
      },
      async () => {
        await host.fs.writeAtomic(HOST_PATHS.allocatorConfig, before, 0o644);
        await host.services.restart(ALLOCATOR_UNIT);
      },
    );
    expect(hostStatuses(run)).toEqual({ ...SOUND, cosigner_host_services_active: 'FAIL' });
    const services = findings(run).find((f) => f.checkId === 'cosigner_host_services_active');
    expect(JSON.stringify(services?.evidence['problems'])).toContain(
      'the allocator reserved 2048 MiB and 2 vCPUs, the enclave needs 4096 MiB and 2',
    );
  });

  it("a vsock-proxy allowlist without this region's KMS, or the proxy stopped: cosigner_host_services_active FAILs", async () => {
    const before = (await host.fs.readText(HOST_PATHS.vsockProxyConfig, 64 * 1024)) ?? '';
    const other = before
      .split('\n')
      .filter((line) => !line.includes(`kms.${REGION}.`))
      .join('\n');
    const edited = await brokenBy(
      () => host.fs.writeAtomic(HOST_PATHS.vsockProxyConfig, other, 0o644),
      () => host.fs.writeAtomic(HOST_PATHS.vsockProxyConfig, before, 0o644),
    );
    expect(hostStatuses(edited)).toEqual({ ...SOUND, cosigner_host_services_active: 'FAIL' });
    expect(JSON.stringify(edited.json?.result)).toContain(`does not allow kms.${REGION}.amazonaws.com:443`);

    const stopped = await brokenBy(
      () => host.services.stop(VSOCK_PROXY_UNIT),
      () => host.services.start(VSOCK_PROXY_UNIT),
    );
    expect(hostStatuses(stopped)).toEqual({ ...SOUND, cosigner_host_services_active: 'FAIL' });
  });

  it('the co-signer settings readable by others: cosigner_host_secrets_at_rest FAILs; root-only PASSes', async () => {
    const settings = 'BUCKET_NAME=x\nKEY_ARN=y\n';
    const open = await brokenBy(
      () => host.fs.writeAtomic(HOST_PATHS.fireblocksEnvFile, settings, 0o644),
      () => host.fs.remove(HOST_PATHS.fireblocksEnvFile),
    );
    expect(hostStatuses(open)).toEqual({ ...SOUND, cosigner_host_secrets_at_rest: 'FAIL' });
    const closed = await brokenBy(
      () => host.fs.writeAtomic(HOST_PATHS.fireblocksEnvFile, settings, 0o600),
      () => host.fs.remove(HOST_PATHS.fireblocksEnvFile),
    );
    expect(hostStatuses(closed)).toEqual(SOUND);
    expect(findings(closed).find((f) => f.checkId === 'cosigner_host_secrets_at_rest')?.evidence).toEqual({
      [HOST_PATHS.fireblocksEnvFile]: { kind: 'file', mode: '0600', uid: 0 },
    });
  });

  it('after every repair the host is sound again', async () => {
    const run = await cli('verify', '--host', '--json');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(hostStatuses(run)).toEqual(SOUND);
  });
});
