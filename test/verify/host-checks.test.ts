// The host checks over fake host facts (the shapes nitro-cli, systemd, lstat, the allocator and the
// vsock-proxy report), and the negative test over a fake probe: each FAIL, each ERROR when a fact
// cannot be read, and SKIP without --host / --probe; and the facts read through the host ports of
// `run` over a directory standing for `/`.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DescribedEnclave } from '../../src/enclave/nitro-cli-output.js';
import type { CheckContext } from '../../src/verify/check.js';
import { runCheck } from '../../src/verify/audit.js';
import { HOST_CHECKS } from '../../src/verify/checks/host.js';
import {
  hostFactsFromPorts,
  type HostPortsLike,
  type AllocatorConfig,
  type AllowlistEntry,
  type HostFacts,
  type HostFileFacts,
  type Reservation,
} from '../../src/verify/host-facts.js';
import type { ProbeRunner } from '../../src/verify/probe.js';
import type { AuditTarget } from '../../src/verify/target.js';
import { CosignerError } from '../../src/errors.js';
import { createHostFs } from '../../src/host/host-fs.js';
import { HOST_PATHS } from '../../src/host/ports.js';

const PCR8 = 'da'.repeat(48);
const KEY = 'arn:aws:kms:eu-west-1:111122223333:key/k';
const target = {
  name: 'demo',
  region: 'eu-west-1',
  enclave: { memoryMiB: 4096, cpuCount: 2 },
  roleName: 'demo-cosigner',
  keyRef: { kind: 'alias', value: 'alias/demo-cosigner' },
  expectedPcr8: { values: [PCR8], source: 'test' },
} as unknown as AuditTarget;

const enclave = (over: Partial<DescribedEnclave> = {}): DescribedEnclave => ({
  EnclaveName: 'cosigner',
  EnclaveID: 'i-0123456789abcdef0-enc0123456789abcdef',
  ProcessID: 1,
  EnclaveCID: 16,
  NumberOfCPUs: 2,
  CPUIDs: [1, 3],
  MemoryMiB: 4096,
  State: 'RUNNING',
  Flags: 'NONE',
  Measurements: {
    HashAlgorithm: 'Sha384 { ... }',
    PCR0: 'a0'.repeat(48),
    PCR1: 'a1'.repeat(48),
    PCR2: 'a2'.repeat(48),
    PCR8,
  },
  ...over,
});

interface Facts {
  enclaves?: DescribedEnclave[] | Error;
  units?: Record<string, { loaded: boolean; active: string } | Error>;
  files?: Record<string, HostFileFacts | undefined>;
  allocator?: AllocatorConfig | undefined | Error;
  reserved?: Reservation | Error;
  allowlist?: AllowlistEntry[] | undefined | Error;
}

const KMS = { address: 'kms.eu-west-1.amazonaws.com', port: 443 };

const sound: Required<Facts> = {
  enclaves: [enclave()],
  units: {
    'nitro-enclaves-allocator.service': { loaded: true, active: 'active' },
    'nitro-enclaves-vsock-proxy.service': { loaded: true, active: 'active' },
    'cosigner.service': { loaded: true, active: 'active' },
  },
  files: { '/opt/fireblocks/env.txt': { kind: 'file', mode: 0o600, uid: 0 } },
  allocator: { memoryMiB: 4096, cpuCount: 2, cpuPool: undefined },
  reserved: { memoryMiB: 4096, cpus: 2 },
  allowlist: [{ address: 'kms.us-east-1.amazonaws.com', port: 443 }, KMS],
};

const answer = <T>(value: T | Error): Promise<T> =>
  value instanceof Error ? Promise.reject(value) : Promise.resolve(value);

function facts(over: Facts = {}): HostFacts {
  const f = { ...sound, ...over };
  return {
    describeEnclaves: () => answer(f.enclaves),
    unitState: (unit) => {
      const state = f.units[unit];
      if (state instanceof Error) return Promise.reject(state);
      return Promise.resolve(state ?? { loaded: false, active: 'inactive' });
    },
    fileStat: (path) => Promise.resolve(f.files[path]),
    allocatorConfig: () => answer(f.allocator),
    reservation: () => answer(f.reserved),
    vsockProxyAllowlist: () => answer(f.allowlist),
  };
}

function ctx(host?: HostFacts, probe?: ProbeRunner): CheckContext {
  return {
    target,
    reads: { key: () => Promise.resolve({ ok: true, value: { Arn: KEY } }) } as unknown as CheckContext['reads'],
    derive: (_name, compute) => compute(),
    ...(host === undefined ? {} : { host }),
    ...(probe === undefined ? {} : { probe }),
  };
}

const run = (id: string, context: CheckContext) => HOST_CHECKS.find((c) => c.id === id)!.run(context);

describe('host checks', () => {
  it('SKIP without --host, and PASS with evidence on a sound host', async () => {
    for (const check of HOST_CHECKS) expect((await check.run(ctx())).status).toBe('SKIP');
    for (const check of HOST_CHECKS.filter((c) => c.requires === 'host')) {
      const outcome = await check.run(ctx(facts()));
      expect(outcome.status, check.id).toBe('PASS');
      expect(Object.keys(outcome.evidence).length, check.id).toBeGreaterThan(0);
    }
  });

  it('fails the enclave check with no running enclave, an unexpected PCR8 or an unsigned image', async () => {
    const cases: Facts[] = [
      { enclaves: [] },
      { enclaves: [enclave({ State: 'TERMINATING' })] },
      {
        enclaves: [
          enclave({
            Measurements: {
              HashAlgorithm: 'x',
              PCR0: 'a0'.repeat(48),
              PCR1: 'a1'.repeat(48),
              PCR2: 'a2'.repeat(48),
              PCR8: 'b8'.repeat(48),
            },
          }),
        ],
      },
      {
        enclaves: [
          enclave({
            Measurements: { HashAlgorithm: 'x', PCR0: 'a0'.repeat(48), PCR1: 'a1'.repeat(48), PCR2: 'a2'.repeat(48) },
          }),
        ],
      },
    ];
    for (const c of cases) expect((await run('cosigner_host_enclave_running', ctx(facts(c)))).status).toBe('FAIL');
  });

  it('fails a running enclave in debug mode', async () => {
    const outcome = await run('cosigner_host_not_debug', ctx(facts({ enclaves: [enclave({ Flags: 'DEBUG_MODE' })] })));
    expect(outcome.status).toBe('FAIL');
    expect(JSON.stringify(outcome.evidence)).toContain('debug mode');
  });

  it('fails a service not installed or not active, naming it', async () => {
    const outcome = await run(
      'cosigner_host_services_active',
      ctx(
        facts({
          units: {
            ...sound.units,
            'cosigner.service': { loaded: true, active: 'failed' },
            'nitro-enclaves-vsock-proxy.service': { loaded: false, active: 'inactive' },
          },
        }),
      ),
    );
    expect(outcome.status).toBe('FAIL');
    expect((outcome.evidence['problems'] as { unit: string }[]).map((p) => p.unit)).toEqual([
      'nitro-enclaves-vsock-proxy.service',
      'cosigner.service',
    ]);
  });

  it('fails a settings file readable by others, owned by another user, or a link', async () => {
    for (const stat of [
      { kind: 'file', mode: 0o644, uid: 0 },
      { kind: 'file', mode: 0o600, uid: 1000 },
      { kind: 'symlink', mode: 0o777, uid: 0 },
    ] as HostFileFacts[]) {
      const outcome = await run(
        'cosigner_host_secrets_at_rest',
        ctx(facts({ files: { '/opt/fireblocks/env.txt': stat } })),
      );
      expect(outcome.status).toBe('FAIL');
    }
    const absent = await run('cosigner_host_secrets_at_rest', ctx(facts({ files: {} })));
    expect(absent).toMatchObject({ status: 'PASS', evidence: { '/opt/fireblocks/env.txt': 'absent' } });
  });

  it('reports a fact that cannot be read as ERROR naming the command, never as a PASS', async () => {
    const broken = facts({
      enclaves: new CosignerError('NITRO_CLI_NOT_FOUND', 'nitro-cli is not installed'),
      units: { ...sound.units, 'cosigner.service': new Error('systemctl failed') },
    });
    expect((await run('cosigner_host_enclave_running', ctx(broken))).evidence).toMatchObject({
      action: 'nitro-cli describe-enclaves',
      error: 'NITRO_CLI_NOT_FOUND',
    });
    expect((await run('cosigner_host_not_debug', ctx(broken))).status).toBe('ERROR');
    expect((await run('cosigner_host_services_active', ctx(broken))).evidence).toMatchObject({
      action: 'systemctl show cosigner.service',
    });
  });
});

describe('the services check: allocator, vsock-proxy, the co-signer unit', () => {
  const services = (over: Facts) => run('cosigner_host_services_active', ctx(facts(over)));
  const problems = (outcome: { evidence: Record<string, unknown> }) =>
    (outcome.evidence['problems'] ?? outcome.evidence['warnings']) as { message: string }[];

  it('fails a kernel reservation below the enclave the config asks for', async () => {
    for (const reserved of [
      { memoryMiB: 2048, cpus: 2 },
      { memoryMiB: 4096, cpus: 0 },
    ]) {
      const outcome = await services({ reserved });
      expect(outcome.status).toBe('FAIL');
      expect(problems(outcome)[0]?.message).toMatch(/the enclave needs 4096 MiB and 2/);
    }
  });

  it('fails a missing or unparseable allocator.yaml, and warns when it asks for less than the running reservation', async () => {
    expect((await services({ allocator: undefined })).status).toBe('FAIL');
    const unparseable = await services({
      allocator: new CosignerError('HOST_CONFIG_UNPARSEABLE', 'allocator.yaml is not what the allocator reads'),
    });
    expect(unparseable.status).toBe('FAIL');
    expect(problems(unparseable)[0]?.message).toMatch(/refuses it at its next start/);
    const small = await services({ allocator: { memoryMiB: 1024, cpuCount: undefined, cpuPool: '1,3' } });
    expect(small.status).toBe('WARN');
    expect(small.evidence['warnings']).toMatchObject([{ configured: { memoryMiB: 1024, cpus: 2 } }]);
  });

  it("fails an allowlist without this region's KMS endpoint (another region's, another port, none, no file)", async () => {
    for (const allowlist of [
      [{ address: 'kms.us-east-1.amazonaws.com', port: 443 }],
      [{ address: 'kms.eu-west-1.amazonaws.com', port: 8443 }],
      [],
      undefined,
    ]) {
      const outcome = await services({ allowlist });
      expect(outcome.status, JSON.stringify(allowlist)).toBe('FAIL');
    }
    const unparseable = await services({
      allowlist: new CosignerError('HOST_CONFIG_UNPARSEABLE', 'the allowlist is written inline'),
    });
    expect(unparseable.status).toBe('WARN');
  });

  it("accepts the unit `run --eif` writes as the co-signer's service, and fails when no co-signer unit is active", async () => {
    const eifUnits = {
      ...sound.units,
      'cosigner.service': { loaded: false, active: 'inactive' },
      'cosigner-enclave-demo.service': { loaded: true, active: 'active' },
    };
    expect((await services({ units: eifUnits })).status).toBe('PASS');
    // An enclave started under another name (`run --enclave-name`): its unit counts.
    const renamed = await services({
      enclaves: [enclave({ EnclaveName: 'signer' })],
      units: {
        ...sound.units,
        'cosigner.service': { loaded: false, active: 'inactive' },
        'cosigner-enclave-signer.service': { loaded: true, active: 'active' },
      },
    });
    expect(renamed.status).toBe('PASS');
    const none = await services({
      units: { ...sound.units, 'cosigner.service': { loaded: false, active: 'inactive' } },
    });
    expect(none.status).toBe('FAIL');
    expect(none.evidence['problems']).toMatchObject([
      { units: ['cosigner.service', 'cosigner-enclave-demo.service', 'cosigner-enclave-cosigner.service'] },
    ]);
    const stopped = await services({
      units: { ...eifUnits, 'cosigner-enclave-demo.service': { loaded: true, active: 'inactive' } },
    });
    expect(stopped.evidence['problems']).toMatchObject([{ unit: 'cosigner-enclave-demo.service', active: 'inactive' }]);
  });

  it('reports a reservation that cannot be read as ERROR, never as a PASS', async () => {
    const outcome = await services({ reserved: new Error('EACCES: permission denied') });
    expect(outcome.status).toBe('ERROR');
    expect(String(outcome.evidence['action'])).toMatch(/^read \/sys\/kernel\/mm\/hugepages/);
  });
});

describe('the host facts over the host ports of `run`', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'cosigner-host-facts-'));
    const fs = createHostFs(root);
    await fs.writeAtomic(HOST_PATHS.allocatorConfig, '# ignored\n---\nmemory_mib: 4096\ncpu_pool: 1,3\n', 0o644);
    await fs.writeAtomic(
      HOST_PATHS.vsockProxyConfig,
      'allowlist:\n- {address: kms.eu-west-1.amazonaws.com, port: 443}\n- address: s3.eu-west-1.amazonaws.com\n  port: 443\n',
      0o644,
    );
    await fs.writeAtomic(`${HOST_PATHS.hugepages}/hugepages-2048kB/nr_hugepages`, '2048\n', 0o644);
    await fs.writeAtomic(HOST_PATHS.neCpus, '1,3\n', 0o644);
    await fs.writeAtomic(HOST_PATHS.fireblocksEnvFile, 'BUCKET_NAME=b\n', 0o640);
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  const ports = (over: Partial<HostPortsLike> = {}): HostPortsLike => ({
    nitroCli: { describeEnclaves: () => Promise.resolve([enclave()]) },
    services: {
      state: (unit) => Promise.resolve({ loaded: true, active: unit === 'x' ? 'failed' : 'active', enabled: true }),
    },
    fs: createHostFs(root),
    uid: 0,
    ...over,
  });

  it('reads nitro-cli, systemd, the allocator, the reservation and the allowlist as `run` writes them', async () => {
    const host = hostFactsFromPorts(ports());
    expect(await host.describeEnclaves()).toHaveLength(1);
    expect(await host.unitState('x')).toEqual({ loaded: true, active: 'failed' });
    expect(await host.allocatorConfig()).toEqual({ memoryMiB: 4096, cpuCount: undefined, cpuPool: '1,3' });
    expect(await host.reservation()).toEqual({ memoryMiB: 4096, cpus: 2 });
    expect(await host.vsockProxyAllowlist()).toEqual([
      { address: 'kms.eu-west-1.amazonaws.com', port: 443 },
      { address: 's3.eu-west-1.amazonaws.com', port: 443 },
    ]);
    expect(await host.fileStat('/opt/nothing-here')).toBeUndefined();
  });

  it("reports this process's own files as the ports' user's, and anyone else's as theirs", async () => {
    const mine = process.getuid?.() ?? 4242;
    expect(await hostFactsFromPorts(ports(), mine).fileStat(HOST_PATHS.fireblocksEnvFile)).toEqual({
      kind: 'file',
      mode: 0o640,
      uid: 0,
    });
    expect((await hostFactsFromPorts(ports({ uid: 1000 }), mine).fileStat(HOST_PATHS.fireblocksEnvFile))?.uid).toBe(
      1000,
    );
    expect((await hostFactsFromPorts(ports(), mine + 1).fileStat(HOST_PATHS.fireblocksEnvFile))?.uid).toBe(mine);
  });

  it('answers undefined for absent files and HOST_CONFIG_UNPARSEABLE for files the allocator or this parser refuse', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'cosigner-host-facts-'));
    try {
      const fs = createHostFs(empty);
      const host = hostFactsFromPorts(ports({ fs }));
      expect(await host.allocatorConfig()).toBeUndefined();
      expect(await host.vsockProxyAllowlist()).toBeUndefined();
      expect(await host.reservation()).toEqual({ memoryMiB: 0, cpus: 0 });
      await fs.writeAtomic(HOST_PATHS.allocatorConfig, '---\nmemory_mib: 4096\ncpu_count: 2\ncpu_pool: 1,3\n', 0o644);
      await fs.writeAtomic(HOST_PATHS.vsockProxyConfig, 'allowlist: []\n', 0o644);
      await expect(host.allocatorConfig()).toThrowCosignerError('HOST_CONFIG_UNPARSEABLE');
      await expect(host.vsockProxyAllowlist()).toThrowCosignerError('HOST_CONFIG_UNPARSEABLE');
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe('the negative test', () => {
  const probe = (result: Awaited<ReturnType<ProbeRunner['generateDataKeyWithoutAttestation']>>): ProbeRunner => ({
    generateDataKeyWithoutAttestation: () => Promise.resolve(result),
  });

  it('PASSes only on a denial, FAILs on a data key, and ERRORs when it could not run as the role', async () => {
    const caller = 'arn:aws:sts::111122223333:assumed-role/demo-cosigner/i-0';
    expect(
      (
        await run(
          'cosigner_kms_negative_test',
          ctx(undefined, probe({ outcome: 'denied', caller, error: 'AccessDeniedException', message: 'no' })),
        )
      ).status,
    ).toBe('PASS');
    expect(
      (await run('cosigner_kms_negative_test', ctx(undefined, probe({ outcome: 'allowed', caller })))).status,
    ).toBe('FAIL');
    const inconclusive = await run(
      'cosigner_kms_negative_test',
      ctx(
        undefined,
        probe({
          outcome: 'inconclusive',
          caller: 'arn:aws:iam::111122223333:user/me',
          failure: {
            action: 'kms:GenerateDataKey',
            code: 'VERIFY_INCOMPLETE',
            message: 'the probe must run as the co-signer role',
          },
        }),
      ),
    );
    expect(inconclusive).toMatchObject({ status: 'ERROR', evidence: { action: 'kms:GenerateDataKey' } });
  });
});

describe('the check runner', () => {
  const meta = HOST_CHECKS[0]!;
  it('turns a check that throws into an ERROR finding, and a PASS without evidence into one too', async () => {
    const throwing = { ...meta, run: () => Promise.reject(new Error('boom')) };
    expect(await runCheck(throwing, ctx())).toMatchObject({
      status: 'ERROR',
      evidence: { error: 'INTERNAL', message: 'the check failed unexpectedly: boom' },
    });
    const bare = { ...meta, run: () => Promise.resolve({ status: 'PASS' as const, resource: 'r', evidence: {} }) };
    expect(await runCheck(bare, ctx())).toMatchObject({ status: 'ERROR', evidence: { error: 'INTERNAL' } });
  });
});
