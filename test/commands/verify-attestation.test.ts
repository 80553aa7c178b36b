import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Invocation } from '../../src/command-kit.js';
import {
  decodeDocumentFile,
  execute,
  parseOptions,
  render,
  runVerifyAttestation,
} from '../../src/commands/verify-attestation.js';
import { createStyle } from '../../src/io/style.js';
import { TESTDATA, testdataJson, type AttestationExpected } from '../enclave/fixtures/testdata.js';
import { TestIoHost } from '../helpers/test-io-host.js';

const doc = (name: string, ext = 'cose'): string => resolve(TESTDATA, 'attestation', `${name}.${ext}`);
const NONDEBUG = 'evervault-nondebug-2022-10-13';
const expected = testdataJson<AttestationExpected>(`attestation/${NONDEBUG}.expected.json`);
const documentTime = new Date(expected.timestamp_ms);
const today = () => new Date('2026-11-26T12:00:00Z');
const invocation = (opts: Record<string, unknown>, cwd = '/work'): Invocation => ({
  command: 'verify',
  args: [],
  opts,
  globals: { quiet: false, verbose: false, debug: false, color: false, nonInteractive: true, yes: false },
  env: {},
  cwd,
});

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosigner-verify-att-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('verify --attestation-doc: options', () => {
  it('reads the document path, expected PCR8, environment and time', () => {
    expect(
      parseOptions(
        invocation({ attestationDoc: 'doc.cose', expectPcr8: 'AB'.repeat(48), at: '2022-10-13T09:00:00Z' }, '/tmp'),
      ),
    ).toEqual({
      documentPath: '/tmp/doc.cose',
      expectPcr8: 'ab'.repeat(48),
      at: new Date('2022-10-13T09:00:00Z'),
    });
    expect(parseOptions(invocation({ attestationDoc: '/d', fbEnv: 'eu' }))).toEqual({
      documentPath: '/d',
      fbEnv: 'eu',
    });
  });

  it('rejects missing, conflicting and malformed flags (exit 2)', () => {
    expect(() => parseOptions(invocation({}))).toThrowCosignerError('USAGE');
    expect(() =>
      parseOptions(invocation({ attestationDoc: '/d', expectPcr8: 'ab'.repeat(48), fbEnv: 'eu' })),
    ).toThrowCosignerError('INVALID_OPTION');
    expect(() => parseOptions(invocation({ attestationDoc: '/d', expectPcr8: 'abc' }))).toThrowCosignerError(
      'PCR_INVALID',
    );
    expect(() => parseOptions(invocation({ attestationDoc: '/d', fbEnv: 'us' }))).toThrowCosignerError(
      'INVALID_OPTION',
    );
    expect(() =>
      parseOptions(invocation({ attestationDoc: '/d', anyImage: true, at: 'yesterday' })),
    ).toThrowCosignerError('INVALID_OPTION');
    expect(() =>
      parseOptions(invocation({ attestationDoc: '/d', anyImage: true, at: '2022-13-45' })),
    ).toThrowCosignerError('INVALID_OPTION');
  });

  it('refuses to verify without an expected PCR8 unless --any-image says so on purpose', () => {
    expect(() => parseOptions(invocation({ attestationDoc: '/d' }))).toThrowCosignerError('INPUT_REQUIRED');
    expect(parseOptions(invocation({ attestationDoc: '/d', anyImage: true }))).toEqual({
      documentPath: '/d',
      anyImage: true,
    });
    expect(() => parseOptions(invocation({ attestationDoc: '/d', anyImage: true, fbEnv: 'eu' }))).toThrowCosignerError(
      'INVALID_OPTION',
    );
    expect(() =>
      parseOptions(invocation({ attestationDoc: '/d', expectPcr8: ['ab'.repeat(48), 'cd'.repeat(48)] })),
    ).toThrowCosignerError('INVALID_OPTION');
  });

  it('reads --nonce as hex and --max-age as a duration', () => {
    expect(parseOptions(invocation({ attestationDoc: '/d', anyImage: true, nonce: '0xA1b2', maxAge: '5m' }))).toEqual({
      documentPath: '/d',
      anyImage: true,
      nonce: Uint8Array.of(0xa1, 0xb2),
      maxAgeMs: 300_000,
    });
    for (const nonce of ['abc', 'zz', 'ab'.repeat(513)])
      expect(() => parseOptions(invocation({ attestationDoc: '/d', anyImage: true, nonce }))).toThrowCosignerError(
        'INVALID_OPTION',
      );
    for (const maxAge of ['5', '5y', '0s', '-1m'])
      expect(() => parseOptions(invocation({ attestationDoc: '/d', anyImage: true, maxAge }))).toThrowCosignerError(
        'INVALID_OPTION',
      );
  });
});

describe('verify --attestation-doc', () => {
  it('verifies a real document at its own time and reports every field', async () => {
    const io = new TestIoHost();
    const result = await runVerifyAttestation(
      { documentPath: doc(NONDEBUG), at: documentTime, expectPcr8: expected.pcrs['8']! },
      { io, now: today },
    );
    expect(result).toMatchObject({
      verified: true,
      moduleId: expected.module_id,
      debugMode: false,
      checkedAt: documentTime.toISOString(),
      timestamp: documentTime.toISOString(),
      publicKey: null,
      userData: null,
      nonce: expected.nonce,
    });
    expect(result.pcrs).toEqual(expected.pcrs);
    expect(result.expectedPcr8).toEqual({ value: expected.pcrs['8'], source: '--expect-pcr8' });
    expect(result.chain.map((c) => c.sha256)).toEqual(expected.chain.map((c) => c.sha256));
    expect(result.steps.map((s) => s.name)).toEqual(['parse', 'chain', 'signature', 'validity', 'debug-mode', 'pcrs']);
    expect(io.texts('warn')).toEqual([]);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it('reads the base64 form of a document', async () => {
    const result = await runVerifyAttestation(
      { documentPath: doc('evervault-ga-2023-09-18', 'b64'), at: new Date(1695049410860), anyImage: true },
      { io: new TestIoHost(), now: today },
    ).catch((e: unknown) => e);
    // That document is from a debug-mode enclave: decoded and verified up to the debug-mode step.
    expect(result).toMatchObject({ code: 'ATTESTATION_DEBUG_MODE' });
  });

  it('warns when no PCR8 is expected (--any-image), and refuses without it', async () => {
    const io = new TestIoHost();
    const result = await runVerifyAttestation(
      { documentPath: doc(NONDEBUG), at: documentTime, anyImage: true },
      { io, now: today },
    );
    expect(result).toMatchObject({ expectedPcr8: null, anyImage: true });
    expect(io.texts('warn')[0]).toMatch(/nothing checks which image/);
    await expect(
      runVerifyAttestation({ documentPath: doc(NONDEBUG), at: documentTime }, { io, now: today }),
    ).toThrowCosignerError('INPUT_REQUIRED');
  });

  it('checks the nonce and the document’s age when asked', async () => {
    const io = new TestIoHost();
    const nonce = new Uint8Array(Buffer.from(expected.nonce ?? '', 'hex'));
    const base = { documentPath: doc(NONDEBUG), at: documentTime, expectPcr8: expected.pcrs['8']! };
    const ok = await runVerifyAttestation({ ...base, nonce, maxAgeMs: 60_000 }, { io, now: today });
    expect(ok.steps.map((s) => s.name)).toEqual([
      'parse',
      'chain',
      'signature',
      'validity',
      'freshness',
      'debug-mode',
      'pcrs',
      'nonce',
    ]);
    await expect(
      runVerifyAttestation({ ...base, nonce: Uint8Array.of(1, 2, 3) }, { io, now: today }),
    ).toThrowCosignerError('ATTESTATION_NONCE_MISMATCH');
    await expect(
      runVerifyAttestation(
        { ...base, at: new Date(documentTime.getTime() + 120_000), maxAgeMs: 60_000 },
        { io, now: today },
      ),
    ).toThrowCosignerError('ATTESTATION_STALE');
  });

  it('calls nothing authentic before every step passed: a rejected document gets no such message', async () => {
    for (const [path, at, code] of [
      [doc(NONDEBUG), today(), 'ATTESTATION_EXPIRED'],
      [doc('evervault-debug-2022-10-12'), new Date(1665582606081), 'ATTESTATION_DEBUG_MODE'],
    ] as const) {
      const io = new TestIoHost();
      await expect(
        runVerifyAttestation({ documentPath: path, at, anyImage: true }, { io, now: today }),
      ).toThrowCosignerError(code);
      expect(io.messages.map((m) => m.message).join('\n')).not.toMatch(/authentic|verified/);
    }
  });

  it('fails with exit 3 on expiry (default time: now), a Fireblocks PCR8 mismatch, or debug mode', async () => {
    const io = new TestIoHost();
    // Each rejection is caught as the run starts, so none goes unobserved while another is awaited.
    const caught = (run: Promise<unknown>) => run.catch((e: unknown) => e);
    const failures: [Promise<unknown>, string][] = [
      [
        caught(runVerifyAttestation({ documentPath: doc(NONDEBUG), anyImage: true }, { io, now: today })),
        'ATTESTATION_EXPIRED',
      ],
      [
        caught(
          runVerifyAttestation({ documentPath: doc(NONDEBUG), at: documentTime, fbEnv: 'global' }, { io, now: today }),
        ),
        'ATTESTATION_PCR_MISMATCH',
      ],
      [
        caught(
          runVerifyAttestation(
            { documentPath: doc('evervault-debug-2022-10-12'), at: new Date(1665582606081), anyImage: true },
            { io, now: today },
          ),
        ),
        'ATTESTATION_DEBUG_MODE',
      ],
    ];
    for (const [run, code] of failures) {
      const error = (await run) as { code: string; exitCode: number };
      expect(error.code).toBe(code);
      expect(error.exitCode).toBe(3);
    }
  });

  it('fails on files that are not attestation documents', async () => {
    const text = join(dir, 'text.txt');
    await writeFile(text, 'hello world');
    await expect(
      runVerifyAttestation({ documentPath: text, anyImage: true }, { io: new TestIoHost(), now: today }),
    ).toThrowCosignerError('CBOR_INVALID');
    const big = join(dir, 'big.bin');
    await writeFile(big, new Uint8Array(70_000));
    await expect(
      runVerifyAttestation({ documentPath: big, anyImage: true }, { io: new TestIoHost(), now: today }),
    ).toThrowCosignerError('FILE_TOO_LARGE');
    await expect(
      runVerifyAttestation(
        { documentPath: join(dir, 'missing'), anyImage: true },
        { io: new TestIoHost(), now: today },
      ),
    ).toThrowCosignerError('FILE_NOT_FOUND');
  });

  it('decodes raw, tagged and base64 files', () => {
    expect(decodeDocumentFile(Uint8Array.of(0x84, 1))).toEqual(Uint8Array.of(0x84, 1));
    expect(decodeDocumentFile(Uint8Array.of(0xd2, 1))).toEqual(Uint8Array.of(0xd2, 1));
    expect(decodeDocumentFile(new TextEncoder().encode('hEA=\n'))).toEqual(Uint8Array.of(0x84, 0x40));
    expect(decodeDocumentFile(new TextEncoder().encode('not base64!'))).toEqual(
      new TextEncoder().encode('not base64!'),
    );
    expect(decodeDocumentFile(new Uint8Array(0))).toEqual(new Uint8Array(0));
  });

  it('renders the verdict, steps and PCRs', async () => {
    const result = await runVerifyAttestation(
      { documentPath: doc(NONDEBUG), at: documentTime, expectPcr8: expected.pcrs['8']! },
      { io: new TestIoHost(), now: today },
    );
    const text = render(result);
    expect(text).toMatch(/^✔ attestation document verified /);
    expect(text).toContain(`  module     ${expected.module_id}`);
    expect(text).toContain('  ✔ chain      5 certificates from the root with SHA-256 641a0321');
    expect(text).toContain(`  PCR8       ${expected.pcrs['8'] as string}`);
    expect(text).toContain('  expected PCR8 from --expect-pcr8');
    const any = render({ ...result, expectedPcr8: null, anyImage: true, pcrs: { 0: 'x' } }, createStyle(false));
    expect(any).not.toContain('expected PCR8');
    expect(any).toContain('any image (--any-image)');
  });

  it('executes with the context clock and IoHost', async () => {
    await expect(
      execute(
        { documentPath: doc(NONDEBUG), expectPcr8: expected.pcrs['8']! },
        { io: new TestIoHost(), invocation: invocation({}), now: () => documentTime, sandboxDir: undefined },
      ),
    ).resolves.toMatchObject({ verified: true });
  });
});
