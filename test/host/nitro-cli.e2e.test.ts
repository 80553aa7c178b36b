// The real NitroCli port over execa against a fake `nitro-cli` executable on PATH that replays
// recorded outputs and error codes; each call's exact argv and environment are asserted.
import { afterEach, describe, expect, it } from 'vitest';
import { CosignerError } from '../../src/errors.js';
import { createNitroCli, nitroCliEnv } from '../../src/host/nitro-cli.js';
import { MAPPED_NITRO_CLI_CODES, nitroCliError } from '../../src/host/nitro-cli-errors.js';
import { createProcessPort } from '../../src/host/processes.js';
import {
  createFakeNitroCli,
  recordedErrors,
  recordedOutput,
  type FakeNitroCli,
  type FakeStep,
} from '../helpers/fake-nitro-cli.js';

let fake: FakeNitroCli | undefined;
afterEach(async () => {
  await fake?.cleanup();
  fake = undefined;
});

async function withFake(steps: FakeStep[]) {
  fake = await createFakeNitroCli(steps);
  const nitro = createNitroCli({ processes: createProcessPort(), env: { PATH: fake.path, HOME: '/root' } });
  return { nitro, fake };
}

const EIF = '/var/lib/cosigner-cli/cosigner.eif';

describe('NitroCli port', () => {
  it('describe-eif: exact argv, parsed output', async () => {
    const { nitro, fake } = await withFake([
      { argv: ['describe-eif', '--eif-path', EIF], stdout: await recordedOutput('describe-eif.signed.json') },
    ]);
    const described = await nitro.describeEif(EIF);
    expect(described.Measurements.PCR8).toBe(
      '87cbdc1714ca854c6dae284a0cc426471aae7aca035df20c719a877ffa80c19d14afc44c7dbd9a87e6393efa9f0c22c6',
    );
    expect(described.IsSigned).toBe(true);
    expect((await fake.calls()).map((c) => c.argv)).toEqual([['describe-eif', '--eif-path', EIF]]);
  });

  it('run-enclave: inline flags, never --debug-mode unless asked, never --attach-console', async () => {
    const run = await recordedOutput('run-enclave.json');
    const { nitro, fake } = await withFake([
      {
        argv: ['run-enclave', '--eif-path', EIF, '--memory', '4096', '--cpu-count', '2', '--enclave-name', 'cosigner'],
        stdout: `Start allocating memory...\nStarted enclave with enclave-cid: 16, memory: 4096 MiB, cpu-ids: [1, 3]\n${run}`,
      },
      {
        argv: [
          'run-enclave',
          '--eif-path',
          EIF,
          '--memory',
          '4096',
          '--cpu-count',
          '2',
          '--enclave-name',
          'dbg',
          '--debug-mode',
        ],
        stdout: run,
      },
    ]);
    const started = await nitro.runEnclave({
      eifPath: EIF,
      memoryMiB: 4096,
      cpuCount: 2,
      enclaveName: 'cosigner',
      debugMode: false,
    });
    expect(started.EnclaveID).toBe('i-0123456789abcdef0-enc0123456789abcdef');
    expect(started.MemoryMiB).toBe(4096);
    await nitro.runEnclave({ eifPath: EIF, memoryMiB: 4096, cpuCount: 2, enclaveName: 'dbg', debugMode: true });
    const calls = await fake.calls();
    expect(calls).toHaveLength(2);
    expect(calls.flatMap((c) => c.argv)).not.toContain('--attach-console');
    expect(await fake.remaining()).toEqual([]);
  });

  it('describe-enclaves, terminate-enclave by id and by name, build-enclave, console, --version', async () => {
    const { nitro, fake } = await withFake([
      { argv: ['describe-enclaves'], stdout: await recordedOutput('describe-enclaves.json') },
      {
        argv: ['terminate-enclave', '--enclave-id', 'i-0123456789abcdef0-enc0123456789abcdef'],
        stdout: await recordedOutput('terminate-enclave.json'),
      },
      {
        argv: ['terminate-enclave', '--enclave-name', 'cosigner'],
        stdout: await recordedOutput('terminate-enclave.json'),
      },
      {
        argv: [
          'build-enclave',
          '--docker-uri',
          'cosigner:latest',
          '--output-file',
          '/tmp/out.eif',
          '--signing-certificate',
          '/keys/cert.pem',
          '--private-key',
          '/keys/key.pem',
        ],
        stdout: `Enclave Image successfully created.\n${await recordedOutput('build-enclave.signed.json')}`,
      },
      {
        argv: ['console', '--enclave-name', 'dbg', '--disconnect-timeout', '5'],
        stdout: 'Connecting to the console for enclave 16...\nhello\n',
      },
      { argv: ['--version'], stdout: 'Nitro CLI 1.4.2\n' },
    ]);
    const enclaves = await nitro.describeEnclaves();
    expect(enclaves[0]).toMatchObject({ State: 'RUNNING', Flags: 'NONE', EnclaveName: 'cosigner' });
    expect((await nitro.terminateEnclave({ enclaveId: 'i-0123456789abcdef0-enc0123456789abcdef' })).Terminated).toBe(
      true,
    );
    expect((await nitro.terminateEnclave({ enclaveName: 'cosigner' })).Terminated).toBe(true);
    const built = await nitro.buildEnclave({
      dockerUri: 'cosigner:latest',
      outputFile: '/tmp/out.eif',
      signingCertificate: '/keys/cert.pem',
      privateKey: '/keys/key.pem',
    });
    expect(built.Measurements.PCR8).toMatch(/^87cbdc/);
    expect(await nitro.console({ enclaveName: 'dbg' }, 5)).toContain('hello');
    expect(await nitro.version()).toBe('1.4.2');
    expect(await fake.remaining()).toEqual([]);
  });

  it('passes only the explicit environment (nothing of the caller, no token)', async () => {
    process.env.COSIGNER_TEST_SECRET = 'eyJhbGciOiJIUzI1NiJ9.leak.check';
    try {
      fake = await createFakeNitroCli([{ argv: ['describe-enclaves'], stdout: '[]' }]);
      const nitro = createNitroCli({
        processes: createProcessPort(),
        env: nitroCliEnv({ ...process.env, PATH: fake.path }),
      });
      expect(await nitro.describeEnclaves()).toEqual([]);
      const [call] = await fake.calls();
      expect(
        call?.envNames.filter((n) => !['PATH', 'HOME', 'LANG', 'LC_ALL', 'PWD', 'SHLVL', '_'].includes(n)),
      ).toEqual([]);
      expect(JSON.stringify(call?.env)).not.toContain('leak.check');
    } finally {
      delete process.env.COSIGNER_TEST_SECRET;
    }
  });

  it('nitro-cli missing → NITRO_CLI_NOT_FOUND with the install hint', async () => {
    const nitro = createNitroCli({ processes: createProcessPort(), env: { PATH: '/nonexistent-dir' } });
    const error = await nitro.describeEnclaves().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CosignerError);
    expect((error as CosignerError).code).toBe('NITRO_CLI_NOT_FOUND');
    expect((error as CosignerError).hint).toContain('dnf install');
  });

  it('output that is not what nitro-cli prints → NITRO_CLI_OUTPUT_INVALID', async () => {
    const { nitro } = await withFake([{ argv: ['describe-enclaves'], stdout: '[{"EnclaveID":"nope"}]' }]);
    await expect(nitro.describeEnclaves()).toThrowCosignerError('NITRO_CLI_OUTPUT_INVALID');
  });

  it('a call that outlives its timeout → NITRO_CLI_TIMEOUT', async () => {
    fake = await createFakeNitroCli([]);
    // A nitro-cli that never answers.
    const { writeFile } = await import('node:fs/promises');
    await writeFile(`${fake.dir}/nitro-cli`, `#!${process.execPath}\nsetTimeout(() => {}, 60000);\n`);
    const nitro = createNitroCli({
      processes: createProcessPort(),
      env: { PATH: fake.path },
      timeoutsMs: { other: 300 },
    });
    await expect(nitro.describeEnclaves()).toThrowCosignerError('NITRO_CLI_TIMEOUT');
  });
});

describe('nitro-cli error codes (recorded stderr)', () => {
  const expected: Record<string, string> = {
    E19: 'NITRO_CLI_FILE_ERROR',
    E22: 'NITRO_CLI_CPU_POOL',
    E26: 'NITRO_CLI_MEMORY_TOO_SMALL',
    E27: 'NITRO_CLI_POOL_MEMORY',
    E35: 'NITRO_CLI_EIF_INVALID',
    E36: 'NITRO_CLI_BOOT_FAILED',
    E39: 'NITRO_CLI_NO_ENCLAVE_PROCESS',
    E50: 'NITRO_CLI_BUILD_FAILED',
    E58: 'NITRO_CLI_ENCLAVE_NAME',
    E59: 'NITRO_CLI_SIGNATURE',
  };

  it('every recorded error has an expectation', async () => {
    expect(Object.keys(await recordedErrors()).sort()).toEqual(Object.keys(expected).sort());
  });

  for (const [nitroCode, code] of Object.entries(expected)) {
    it(`${nitroCode} → ${code}, with a hint and nitro-cli's code in the context`, async () => {
      const recorded = (await recordedErrors())[nitroCode]!;
      const argvFor: Record<string, string[]> = {
        'run-enclave': [
          'run-enclave',
          '--eif-path',
          EIF,
          '--memory',
          '4096',
          '--cpu-count',
          '2',
          '--enclave-name',
          'cosigner',
        ],
        'describe-enclaves': ['describe-enclaves'],
        'terminate-enclave': ['terminate-enclave', '--enclave-name', 'cosigner'],
        'build-enclave': [
          'build-enclave',
          '--docker-uri',
          'x:1',
          '--output-file',
          '/tmp/o.eif',
          '--signing-certificate',
          '/c.pem',
          '--private-key',
          '/k.pem',
        ],
      };
      const { nitro } = await withFake([
        { argv: argvFor[recorded.subcommand]!, exitCode: recorded.exitCode, stderr: recorded.stderr },
      ]);
      const calls: Record<string, () => Promise<unknown>> = {
        'run-enclave': () =>
          nitro.runEnclave({ eifPath: EIF, memoryMiB: 4096, cpuCount: 2, enclaveName: 'cosigner', debugMode: false }),
        'describe-enclaves': () => nitro.describeEnclaves(),
        'terminate-enclave': () => nitro.terminateEnclave({ enclaveName: 'cosigner' }),
        'build-enclave': () =>
          nitro.buildEnclave({
            dockerUri: 'x:1',
            outputFile: '/tmp/o.eif',
            signingCertificate: '/c.pem',
            privateKey: '/k.pem',
          }),
      };
      const error = (await calls[recorded.subcommand]!().catch((e: unknown) => e)) as CosignerError;
      expect(error).toBeInstanceOf(CosignerError);
      expect(error.code).toBe(code);
      expect(error.hint).toBeTruthy();
      expect(error.context).toMatchObject({ nitroCode, subcommand: recorded.subcommand });
      expect(error.message).toContain(nitroCode);
    });
  }

  it('an unmapped code is NITRO_CLI_FAILED pointing at nitro-cli explain; terminal controls are escaped', () => {
    const error = nitroCliError('run-enclave', 1, '[ E53 ] Clock skew error.\x1b[2J');
    expect(error.code).toBe('NITRO_CLI_FAILED');
    expect(error.hint).toContain('nitro-cli explain --error-code E53');
    expect(error.message).not.toContain('\x1b');
    expect(nitroCliError('x', 3, 'no code here').message).toContain('exit 3');
    expect(MAPPED_NITRO_CLI_CODES).toEqual(expect.arrayContaining(['E19', 'E26', 'E27', 'E36', 'E39']));
  });
});
