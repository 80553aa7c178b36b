// `run` through the CLI on the simulated host of a provisioned sandbox: a verified image starts
// under its unit and stores its database; stop, start again and it reads the database back; every
// bad image is refused before anything starts; debug mode is refused, and with --insecure-debug
// the key policy's debug Deny keeps KMS closed.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_OBJECT, WRAPPED_KEY_OBJECT } from '../../src/aws/sandbox/host/index.js';
import { HOST_PATHS, enclaveUnitName } from '../../src/host/ports.js';
import { runCli } from '../helpers/run-cli.js';
import { REGION } from '../e2e/world.js';
import { makeHostWorld, type HostWorld } from './host-world.js';

let w: HostWorld;
let keyArn: string;
const env = {
  COSIGNER_SANDBOX_IAM_DELAY_MS: '0',
  COSIGNER_SANDBOX_LATENCY_MS: '0',
  COSIGNER_SANDBOX_RETRY_BASE_MS: '0',
};

beforeAll(async () => {
  w = await makeHostWorld();
  const state = await w.world.state();
  const region = state.regions[REGION]!;
  keyArn = region.kms.keys[region.kms.aliases['alias/demo-cosigner']!.keyId]!.arn;
}, 60_000);
afterAll(() => w.cleanup());

function cli(...args: string[]) {
  return runCli(
    [
      '--sandbox',
      w.world.sandboxDir,
      '--region',
      REGION,
      ...args,
      '--name',
      'demo',
      '--fb-env',
      'custom',
      '--pcr8',
      w.pcr8,
      '--json',
    ],
    { cwd: w.world.dir, env },
  );
}

async function file(name: string, bytes: Uint8Array): Promise<string> {
  const path = join(w.world.dir, name);
  await writeFile(path, bytes);
  return path;
}

async function objects(): Promise<string[]> {
  const bucket = Object.values((await w.world.state()).s3.buckets)[0];
  return Object.keys(bucket?.objects ?? {}).sort();
}

describe('run --eif on the simulated host', () => {
  it('run --check passes on the provisioned host', async () => {
    const run = await runCli(
      ['--sandbox', w.world.sandboxDir, '--region', REGION, 'run', '--check', '--name', 'demo', '--json'],
      {
        cwd: w.world.dir,
        env,
      },
    );
    expect(run.json?.ok, run.stdout + run.stderr).toBe(true);
    const checks = (run.json?.result as { checks: { id: string; status: string }[] }).checks;
    expect(checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(checks.map((c) => c.id)).toEqual(
      expect.arrayContaining([
        'nitro-device',
        'imds',
        'nitro-cli',
        'allocator',
        'vsock-proxy',
        'clock',
        'disk',
        'root',
      ]),
    );
  });

  it('starts the verified image under its unit; its enclave creates the database; a restart reads it back', async () => {
    const eif = await file('good.eif', w.image('good'));
    const run = await cli('run', '--eif', eif, '--kms-key-id', keyArn);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const result = run.json?.result as { image: { pcrs: { PCR8: string } }; timings: Record<string, number> };
    expect(result).toMatchObject({ mode: 'start', kind: 'eif', enclaveName: 'demo', alreadyRunning: false });
    expect(result.image.pcrs.PCR8).toBe(w.pcr8);
    expect(Object.keys(result.timings).sort()).toEqual(['checksMs', 'copyMs', 'launchMs', 'measureMs']);
    expect(await objects()).toEqual([WRAPPED_KEY_OBJECT, DATABASE_OBJECT].sort());

    const host = await w.host();
    const unit = (await host.fs.readText(`${HOST_PATHS.unitDir}/${enclaveUnitName('demo')}`, 10_000))!;
    expect(unit).toContain('Restart=on-failure');
    expect(unit).toContain(
      `run-enclave --eif-path ${HOST_PATHS.imageDir}/demo.eif --memory 4096 --cpu-count 2 --enclave-name demo`,
    );
    expect(unit).not.toContain('--debug-mode');
    expect((await host.store.read()).enclaves[0]?.application).toMatchObject({ database: 'created' });

    // Idempotent: the same image already runs.
    const again = await cli('run', '--eif', eif, '--kms-key-id', keyArn);
    expect((again.json?.result as { alreadyRunning: boolean }).alreadyRunning).toBe(true);

    const status = await cli('run', 'status');
    expect(status.code, status.stdout + status.stderr).toBe(0);
    expect((status.json?.result as { enclaves: { name: string; debugMode: boolean }[] }).enclaves).toMatchObject([
      { name: 'demo', debugMode: false },
    ]);

    const stop = await cli('run', 'stop', '--yes');
    expect(stop.json?.result).toMatchObject({ via: 'unit' });
    expect((await host.store.read()).enclaves).toEqual([]);

    const restart = await cli('run', 'restart-is-not-a-command');
    expect(restart.code).toBe(2);
    const back = await cli('run', '--eif', eif, '--kms-key-id', keyArn);
    expect(back.code, back.stderr).toBe(0);
    expect((await host.store.read()).enclaves[0]?.application).toMatchObject({ database: 'restored' });
    const logs = await cli('run', 'logs');
    expect((logs.json?.result as { lines: string[] }).lines.join('\n')).toContain('database restored');
    expect((await cli('run', 'stop', '--yes')).code).toBe(0);
  });

  it.each([
    ['an image signed by another certificate', 'PCR8_NOT_CONFIGURED', 3, () => w.image('other', w.otherSigner)],
    ['an unsigned image', 'EIF_UNSIGNED', 3, () => w.image('unsigned', null)],
    [
      'a corrupt image',
      'EIF_CRC_MISMATCH',
      3,
      () => {
        const bytes = w.image('corrupt');
        bytes[bytes.length - 200] = (bytes[bytes.length - 200] ?? 0) ^ 0xff;
        return bytes;
      },
    ],
  ])('refuses %s (%s) before anything starts', async (_what, code, exit, make) => {
    const eif = await file(`bad-${code}.eif`, make());
    const run = await cli('run', '--eif', eif, '--kms-key-id', keyArn);
    expect(run.code, run.stderr).toBe(exit);
    expect(run.json?.error?.code).toBe(code);
    const host = await w.host();
    expect((await host.store.read()).enclaves).toEqual([]);
    expect(await host.fs.stat(`${HOST_PATHS.imageDir}/demo.eif.staged`)).toBeUndefined();
    expect((await host.services.state(enclaveUnitName('demo'))).active).not.toBe('active');
  });

  it('a PCR8 the config admits but the live key policy does not: PCR8_NOT_IN_POLICY (exit 3)', async () => {
    const eif = await file('other.eif', w.image('other', w.otherSigner));
    const run = await runCli(
      [
        '--sandbox',
        w.world.sandboxDir,
        '--region',
        REGION,
        'run',
        '--eif',
        eif,
        '--kms-key-id',
        keyArn,
        '--name',
        'demo',
        '--fb-env',
        'custom',
        '--pcr8',
        w.otherPcr8,
        '--json',
      ],
      { cwd: w.world.dir, env },
    );
    expect(run.code).toBe(3);
    expect(run.json?.error?.code).toBe('PCR8_NOT_IN_POLICY');
    expect(run.json?.error?.hint).toContain(`attest --add ${w.otherPcr8}`);
    expect((await (await w.host()).store.read()).enclaves).toEqual([]);
  });

  it('--debug-mode alone is refused (exit 5); with --insecure-debug the key policy denies the debug enclave and the unit is removed', async () => {
    const eif = await file('good.eif', w.image('good'));
    const refused = await cli('run', '--eif', eif, '--kms-key-id', keyArn, '--debug-mode');
    expect(refused.code).toBe(5);
    expect(refused.json?.error?.code).toBe('DEBUG_MODE_REFUSED');

    const debug = await cli(
      'run',
      '--eif',
      eif,
      '--kms-key-id',
      keyArn,
      '--debug-mode',
      '--insecure-debug',
      '--health-timeout',
      '2',
    );
    expect(debug.stderr).toContain('INSECURE');
    expect(debug.json?.error?.code).toBe('ENCLAVE_NOT_RUNNING');
    const journal = (debug.json?.error as { context?: { journal?: string[] } }).context?.journal?.join('\n') ?? '';
    expect(journal).toMatch(/AccessDenied/);
    const host = await w.host();
    expect(await host.fs.stat(`${HOST_PATHS.unitDir}/${enclaveUnitName('demo')}`)).toBeUndefined();
    expect((await host.store.read()).enclaves).toEqual([]);
  });

  it('a token on the command line is refused without echoing it', async () => {
    const run = await cli(
      'run',
      '--package',
      'x.tgz',
      '--package-sha256',
      'ab'.repeat(32),
      '--token',
      'eyJhbGciOi.SECRETVALUE.sig',
    );
    expect(run.code).toBe(5);
    expect(run.json?.error?.code).toBe('SECRET_INSECURE_SOURCE');
    expect(run.stdout + run.stderr).not.toContain('SECRETVALUE');
  });

  it('run build: a signed image from a Docker image, PCRs cross-checked in-process, the output saved for attest; the supervisor watches it', async () => {
    const cert = join(w.world.dir, 'cert.pem');
    const key = join(w.world.dir, 'key.pem');
    await writeFile(cert, w.signer.certificatePem);
    await writeFile(key, w.signer.privateKey.export({ format: 'pem', type: 'pkcs8' }));
    const out = join(w.world.dir, 'built.eif');
    const build = await cli(
      'run',
      'build',
      '--docker-uri',
      'cosigner:1.0',
      '--output',
      out,
      '--signing-certificate',
      cert,
      '--private-key',
      key,
    );
    expect(build.code, build.stderr).toBe(0);
    expect(build.json?.result).toMatchObject({ crossChecked: true, measurements: { PCR8: w.pcr8 } });
    const saved = JSON.parse(await readFile(`${out}.build.json`, 'utf8')) as {
      Measurements: { PCR8: string; PCR0: string };
    };
    expect(saved.Measurements.PCR8).toBe(w.pcr8);

    const started = await cli('run', '--eif', out, '--kms-key-id', keyArn);
    expect(started.code, started.stderr).toBe(0);
    const supervise = (...more: string[]) =>
      runCli(
        [
          '--sandbox',
          w.world.sandboxDir,
          '--region',
          REGION,
          'run',
          'supervise',
          '--name',
          'demo',
          '--expect-pcr0',
          saved.Measurements.PCR0,
          '--expect-pcr8',
          w.pcr8,
          '--once',
          '--json',
          ...more,
        ],
        { cwd: w.world.dir, env },
      );
    const healthy = await supervise();
    expect(healthy.json?.result, healthy.stdout + healthy.stderr).toMatchObject({ healthy: true });
    // Accepting a debug-mode enclave needs --insecure-debug, as starting one does.
    const debugAlone = await supervise('--debug-mode');
    expect(debugAlone.code).toBe(5);
    expect(debugAlone.json?.error?.code).toBe('DEBUG_MODE_REFUSED');
    expect(debugAlone.json?.error?.hint).toContain('--insecure-debug');
    const debugAsked = await supervise('--debug-mode', '--insecure-debug');
    expect(debugAsked.json?.result, debugAsked.stdout + debugAsked.stderr).toMatchObject({ healthy: true });
    expect(debugAsked.stderr).toContain('INSECURE');
    // Held to other measurements, the supervisor fails (systemd then restarts the unit).
    const wrong = await runCli(
      [
        '--sandbox',
        w.world.sandboxDir,
        '--region',
        REGION,
        'run',
        'supervise',
        '--name',
        'demo',
        '--expect-pcr0',
        w.pcr8,
        '--expect-pcr8',
        w.pcr8,
        '--once',
        '--json',
      ],
      { cwd: w.world.dir, env },
    );
    expect(wrong.json?.error?.code).toBe('ENCLAVE_IMAGE_MISMATCH');
    await cli('run', 'stop', '--yes');
    const gone = await supervise();
    expect(gone.code).toBe(4);
    expect(gone.json?.error?.code).toBe('ENCLAVE_NOT_RUNNING');
  });

  it('doctor on the host shows the preflight as one check', async () => {
    const { hostProbe } = await import('../../src/commands/doctor.js');
    const check = await hostProbe(() => w.host())(w.world.config);
    expect(check).toMatchObject({ id: 'host', status: 'pass' });
    const host = await w.host();
    await host.fs.remove(HOST_PATHS.nitroDevice);
    const failed = await hostProbe(() => Promise.resolve(host))(w.world.config);
    expect(failed).toMatchObject({ id: 'host', status: 'fail', code: 'HOST_NOT_NITRO' });
    await host.fs.writeAtomic(HOST_PATHS.nitroDevice, '', 0o660);
  });
});
