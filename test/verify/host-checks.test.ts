// The host checks over fake host facts (the shapes nitro-cli, systemd and lstat report), and the
// negative test over a fake probe: each FAIL, each ERROR when a fact cannot be read, and SKIP
// without --host / --probe.
import { describe, expect, it } from 'vitest';
import type { DescribedEnclave } from '../../src/enclave/nitro-cli-output.js';
import type { CheckContext } from '../../src/verify/check.js';
import { runCheck } from '../../src/verify/audit.js';
import { HOST_CHECKS } from '../../src/verify/checks/host.js';
import { hostFactsFromPorts, type HostFacts, type HostFileFacts } from '../../src/verify/host-facts.js';
import type { ProbeRunner } from '../../src/verify/probe.js';
import type { AuditTarget } from '../../src/verify/target.js';
import { CosignerError } from '../../src/errors.js';

const PCR8 = 'da'.repeat(48);
const KEY = 'arn:aws:kms:eu-west-1:111122223333:key/k';
const target = {
  name: 'demo',
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
}

const sound: Required<Facts> = {
  enclaves: [enclave()],
  units: {
    'nitro-enclaves-allocator.service': { loaded: true, active: 'active' },
    'nitro-enclaves-vsock-proxy.service': { loaded: true, active: 'active' },
    'cosigner.service': { loaded: true, active: 'active' },
  },
  files: { '/opt/fireblocks/env.txt': { kind: 'file', mode: 0o600, uid: 0 } },
};

function facts(over: Facts = {}): HostFacts {
  const f = { ...sound, ...over };
  return {
    describeEnclaves: () => (f.enclaves instanceof Error ? Promise.reject(f.enclaves) : Promise.resolve(f.enclaves)),
    unitState: (unit) => {
      const state = f.units[unit];
      if (state instanceof Error) return Promise.reject(state);
      return Promise.resolve(state ?? { loaded: false, active: 'inactive' });
    },
    fileStat: (path) => Promise.resolve(f.files[path]),
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

  it('reads the facts through the host ports of `run`', async () => {
    const host = hostFactsFromPorts({
      nitroCli: { describeEnclaves: () => Promise.resolve([enclave()]) },
      services: { state: (unit) => Promise.resolve({ loaded: true, active: unit === 'x' ? 'failed' : 'active' }) },
      fs: { stat: () => Promise.resolve({ kind: 'file', mode: 0o600, uid: 0 }) },
    });
    expect(await host.describeEnclaves()).toHaveLength(1);
    expect(await host.unitState('x')).toEqual({ loaded: true, active: 'failed' });
    expect(await host.fileStat('/opt/fireblocks/env.txt')).toEqual({ kind: 'file', mode: 0o600, uid: 0 });
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
