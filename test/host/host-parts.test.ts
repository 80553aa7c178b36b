// The smaller parts of `run`: the installer's prompt answers, the enclave's unit, the health
// judgement, and the preflight on a host that is not ready.
import { describe, expect, it } from 'vitest';
import { buildEnclaveUnit } from '../../src/host/enclave-unit.js';
import { judgeEnclave } from '../../src/host/health.js';
import { parseGetStatus, promptResponder, redactor } from '../../src/host/installer.js';
import { createNitroCli } from '../../src/host/nitro-cli.js';
import type { DescribedEnclave } from '../../src/enclave/nitro-cli-output.js';
import type { HostPorts } from '../../src/host/ports.js';
import { runPreflight } from '../../src/host/preflight.js';
import { createProcessPort } from '../../src/host/processes.js';
import { Secret } from '../../src/host/token.js';
import { createHostFs } from '../../src/host/host-fs.js';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const A = 'a'.repeat(96);
const B = 'b'.repeat(96);
const text = (reply: ReturnType<ReturnType<typeof promptResponder>>) =>
  reply !== undefined && 'answer' in reply ? Buffer.from(reply.answer).toString() : reply;

describe('install.sh prompts', () => {
  const answers = () => ({
    token: new Secret(Buffer.from('tok.en.x')),
    bucketName: 'bkt',
    keyArn: 'arn:aws:kms:r:1:key/k',
  });

  it('answers by subject, each once; a second ask of the same subject stops the installer', () => {
    const respond = promptResponder(answers());
    expect(text(respond('Welcome\nPlease enter the pairing token: ', false))).toBe('tok.en.x\n');
    expect(text(respond('Enter the S3 bucket name: ', false))).toBe('bkt\n');
    expect(text(respond('KMS key ARN: ', false))).toBe('arn:aws:kms:r:1:key/k\n');
    expect(text(respond('Would you like to configure a Callback Handler? [y/N]: ', false))).toBe('n\n');
    expect(respond('Invalid token. Please enter the pairing token: ', false)).toEqual({ unknown: true });
    expect(respond.answered).toEqual(['pairing token', 'bucket name', 'key ARN', 'callback handler']);
  });

  it('an unknown open question stops; plain progress waits; silence gets the next answer in order', () => {
    const respond = promptResponder(answers());
    expect(respond('Overwrite the existing installation? [y/N] ', false)).toEqual({ unknown: true });
    expect(respond('Downloading packages\n', false)).toBeUndefined();
    expect(text(respond('', true))).toBe('tok.en.x\n');
    // Its prompt showing up afterwards needs nothing more.
    expect(text(respond('Please enter the pairing token: ', false))).toBe('');
    expect(text(respond('', true))).toBe('bkt\n');
  });

  it('a callback handler is configured only when asked for', () => {
    const respond = promptResponder({ ...answers(), callback: { url: 'https://cb.example', publicKeyPath: '/k.pem' } });
    respond('token: ', false);
    expect(text(respond('Configure a Callback Handler? (y/n) ', false))).toBe('y\n');
    expect(text(respond('Callback Handler URL: ', false))).toBe('https://cb.example\n');
    expect(text(respond('Public key or certificate path: ', false))).toBe('/k.pem\n');
    expect(promptResponder(answers())('Callback Handler URL: ', false)).toEqual({ unknown: true });
  });

  it('redacts the token and every piece of it an installer could print; parses get-status', () => {
    const token = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnLXNlY3JldC1zaWduYXR1cmU';
    const redact = redactor(token);
    expect(redact(`token=${token} and ${token.slice(0, 16)}…`)).toBe('token=[redacted] and [redacted]…');
    // Its signature alone, its last characters, its middle, the two halves of a wrapped echo.
    const signature = token.split('.')[2]!;
    expect(redact(`signature: ${signature}`)).toBe('signature: [redacted]');
    expect(redact(`…${token.slice(-12)} accepted`)).toBe('…[redacted] accepted');
    expect(redact(`[${token.slice(20, 40)}]`)).toBe('[[redacted]]');
    const cut = 50;
    expect([redact(`Pairing with ${token.slice(0, cut)}`), redact(token.slice(cut))]).toEqual([
      'Pairing with [redacted]',
      '[redacted]',
    ]);
    // Ordinary output is left alone; fewer than 8 characters of the token are not a piece of it.
    expect(redact('Installation completed. Approve in the mobile app.')).toBe(
      'Installation completed. Approve in the mobile app.',
    );
    expect(redact(`sig ${signature.slice(0, 7)}`)).toBe(`sig ${signature.slice(0, 7)}`);
    expect(parseGetStatus(' Enclave State: RUNNING\n Service State: ACTIVE\n')).toEqual({
      enclaveState: 'RUNNING',
      serviceState: 'ACTIVE',
    });
  });
});

describe('the enclave unit', () => {
  const input = {
    enclaveName: 'demo',
    eifPath: '/var/lib/cosigner-cli/demo.eif',
    memoryMiB: 4096,
    cpuCount: 2,
    cosignerCli: ['/usr/bin/node', '/opt/cosigner-cli/bin/cosigner-cli.js'],
    pcr0: A,
    pcr8: B,
  };

  it('starts the enclave before its supervisor, terminates it after, restarts on failure, never debug', () => {
    const unit = buildEnclaveUnit(input);
    const lines = unit.split('\n');
    expect(lines.filter((l) => l.startsWith('Exec'))).toEqual([
      'ExecStartPre=-/usr/bin/nitro-cli terminate-enclave --enclave-name demo',
      'ExecStartPre=/usr/bin/nitro-cli run-enclave --eif-path /var/lib/cosigner-cli/demo.eif --memory 4096 --cpu-count 2 --enclave-name demo',
      `ExecStart=/usr/bin/node /opt/cosigner-cli/bin/cosigner-cli.js run supervise --enclave-name demo --expect-pcr0 ${A} --expect-pcr8 ${B}`,
      'ExecStopPost=-/usr/bin/nitro-cli terminate-enclave --enclave-name demo',
    ]);
    expect(unit).toContain('Restart=on-failure');
    expect(unit).toContain('Requires=nitro-enclaves-allocator.service');
    expect(unit).not.toContain('debug');
    const debug = buildEnclaveUnit({ ...input, debugMode: true });
    expect(debug).toContain('--enclave-name demo --debug-mode');
    // The supervisor refuses --debug-mode alone, as `run` does: the unit asks for it explicitly.
    expect(debug).toMatch(/^ExecStart=.* run supervise .* --debug-mode --insecure-debug$/m);
  });

  it('refuses names and paths that systemd would read differently', () => {
    expect(() => buildEnclaveUnit({ ...input, enclaveName: 'a b' })).toThrowCosignerError('INVALID_OPTION');
    expect(() => buildEnclaveUnit({ ...input, eifPath: '/x;rm -rf /.eif' })).toThrowCosignerError('INVALID_OPTION');
    expect(() => buildEnclaveUnit({ ...input, eifPath: '/x\nExecStartPost=/bin/evil' })).toThrowCosignerError(
      'INVALID_OPTION',
    );
  });
});

describe('the health judgement', () => {
  const enclave = (over: Partial<DescribedEnclave> = {}): DescribedEnclave => ({
    EnclaveName: 'demo',
    EnclaveID: 'i-0123456789abcdef0-enc0123456789abcdef',
    ProcessID: 1,
    EnclaveCID: 16,
    NumberOfCPUs: 2,
    CPUIDs: [1, 3],
    MemoryMiB: 4096,
    State: 'RUNNING',
    Flags: 'NONE',
    Measurements: { HashAlgorithm: 'Sha384 { ... }', PCR0: A, PCR1: A, PCR2: A, PCR8: B },
    ...over,
  });
  const expected = { enclaveName: 'demo', pcr0: A, pcr8: B, debugMode: false };

  it('RUNNING with the verified measurements is healthy; anything else is named', () => {
    expect(judgeEnclave(enclave(), expected)).toBeUndefined();
    expect(judgeEnclave(undefined, expected)?.code).toBe('ENCLAVE_NOT_RUNNING');
    expect(judgeEnclave(enclave({ Flags: 'DEBUG_MODE' }), expected)?.code).toBe('DEBUG_MODE_REFUSED');
    expect(judgeEnclave(enclave({ Measurements: { PCR0: B, PCR1: A, PCR2: A, PCR8: B } }), expected)?.code).toBe(
      'ENCLAVE_IMAGE_MISMATCH',
    );
    expect(judgeEnclave(enclave({ State: 'TERMINATING' }), expected)?.code).toBe('ENCLAVE_NOT_RUNNING');
  });
});

describe('preflight on a host that is not ready', () => {
  it('no device, no IMDS, no nitro-cli, no reservation, clock unsynchronised, not root: each fails with its fix', async () => {
    const root = await mkdtemp(join(tmpdir(), 'bare-host-'));
    const host: HostPorts = {
      fs: createHostFs(root),
      nitroCli: createNitroCli({ processes: createProcessPort(), env: { PATH: '/nonexistent' } }),
      services: {
        state: () => Promise.resolve({ loaded: false, active: 'inactive', enabled: false }),
        start: () => Promise.resolve(),
        stop: () => Promise.resolve(),
        restart: () => Promise.resolve(),
        enable: () => Promise.resolve(),
        disable: () => Promise.resolve(),
        reload: () => Promise.resolve(),
        logs: () => Promise.resolve([]),
        clockSynchronized: () => Promise.resolve(false),
      },
      imds: {
        identity: () => Promise.reject(new Error('connect ETIMEDOUT 169.254.169.254:80')),
        roleName: () => Promise.resolve(undefined),
      },
      processes: createProcessPort(),
      uid: 1000,
      sandbox: false,
      programEnv: {},
    };
    const result = await runPreflight(host, { needs: { memoryMiB: 4096, cpuCount: 2 }, diskBytesNeeded: 0 });
    expect(result.ok).toBe(false);
    const byId = Object.fromEntries(result.checks.map((c) => [c.id, c]));
    expect(byId['nitro-device']).toMatchObject({ status: 'fail', code: 'HOST_NOT_NITRO' });
    expect(byId['imds']).toMatchObject({ status: 'fail', code: 'HOST_IMDS_UNREACHABLE' });
    expect(byId['nitro-cli']).toMatchObject({ status: 'fail', code: 'NITRO_CLI_NOT_FOUND' });
    expect(byId['allocator']).toMatchObject({ status: 'fail', code: 'HOST_ALLOCATOR_INSUFFICIENT', fixable: true });
    expect(byId['clock']).toMatchObject({ status: 'fail' });
    expect(byId['root']).toMatchObject({ status: 'fail', code: 'HOST_NOT_ROOT' });
    for (const check of result.checks.filter((c) => c.status === 'fail')) expect(check.hint, check.id).toBeTruthy();
  });
});
