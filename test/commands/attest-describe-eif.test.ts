import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Invocation } from '../../src/command-kit.js';
import { runDescribeEif } from '../../src/attest/describe-eif.js';
import { createEifSigner } from '../../src/aws/sandbox/nitro/eif-build.js';
import { execute, parseOptions, render } from '../../src/commands/attest-describe-eif.js';
import { createStyle } from '../../src/io/style.js';
import { T0 } from '../enclave/fixtures/attestation.js';
import { fixtureEif } from '../enclave/fixtures/eif.js';
import { TESTDATA, testdataJson } from '../enclave/fixtures/testdata.js';
import { TestIoHost } from '../helpers/test-io-host.js';

const vector = (name: string): string => resolve(TESTDATA, 'eif', name);
const invocation = (args: string[], cwd = '/work'): Invocation => ({
  command: 'attest describe-eif',
  args,
  opts: {},
  globals: { quiet: false, verbose: false, debug: false, color: false, nonInteractive: true, yes: false },
  env: {},
  cwd,
});
// The signed vectors' throwaway certificate is valid 2026-11-26 to 2051-07-18.
const now = () => new Date('2027-01-01T00:00:00Z');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosigner-describe-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('attest describe-eif', () => {
  it('parses the file argument relative to the working directory', () => {
    expect(parseOptions(invocation(['images/a.eif'], '/tmp/x'))).toEqual({ eifPath: '/tmp/x/images/a.eif' });
    expect(parseOptions(invocation(['/abs/a.eif']))).toEqual({ eifPath: '/abs/a.eif' });
    expect(() => parseOptions(invocation([]))).toThrowCosignerError('USAGE');
    expect(() => parseOptions(invocation(['']))).toThrowCosignerError('USAGE');
  });

  it('prints the same fields as nitro-cli describe-eif for the signed vector', async () => {
    const io = new TestIoHost();
    const result = await runDescribeEif({ eifPath: vector('v4-signed-metadata.eif') }, { io, now });
    const sample = testdataJson<Record<string, unknown>>('nitro-cli/describe-eif.signed.json');
    expect(Object.keys(result)).toEqual(Object.keys(sample));
    expect(result.Measurements).toEqual(sample.Measurements);
    expect(io.steps[0]).toMatchObject({ outcome: 'succeed' });
    expect(io.texts('warn')).toEqual([]);
  });

  it('warns about an unsigned image', async () => {
    const io = new TestIoHost();
    const result = await runDescribeEif({ eifPath: vector('v4-unsigned-metadata.eif') }, { io, now });
    expect(result.IsSigned).toBe(false);
    expect(io.texts('warn')[0]).toMatch(/not signed/);
  });

  it('warns when the signing certificate is expired or not yet valid at the given time', async () => {
    const path = join(dir, 'short.eif');
    await writeFile(path, fixtureEif({ signer: createEifSigner({ now: T0, validityDays: 1 }) }));
    const expired = new TestIoHost();
    await runDescribeEif({ eifPath: path }, { io: expired, now: () => new Date('2026-03-03T00:00:00Z') });
    expect(expired.texts('warn')[0]).toMatch(/expired at 2026-03-02T12:00:00.000Z: nitro-cli run-enclave will refuse/);
    const early = new TestIoHost();
    await runDescribeEif({ eifPath: path }, { io: early, now: () => new Date('2026-02-01T00:00:00Z') });
    expect(early.texts('warn')[0]).toMatch(/valid only from 2026-03-01T12:00:00.000Z/);
  });

  it('fails with the image error and a failed step (exit 3)', async () => {
    const io = new TestIoHost();
    const run = runDescribeEif({ eifPath: vector('tampered-signed.eif') }, { io, now });
    await expect(run).toThrowCosignerError('EIF_SIGNATURE_MISMATCH');
    await run.catch((error: { exitCode: number }) => expect(error.exitCode).toBe(3));
    expect(io.steps[0]?.outcome).toBe('fail');
    await expect(runDescribeEif({ eifPath: join(dir, 'missing.eif') }, { io, now })).toThrowCosignerError(
      'FILE_NOT_FOUND',
    );
  });

  it('renders a readable summary', async () => {
    const signed = await runDescribeEif({ eifPath: vector('v4-signed-metadata.eif') }, { io: new TestIoHost(), now });
    const text = render(signed);
    expect(text).toContain('PCR8            87cbdc1714ca854c');
    expect(text).toContain(
      'Signing cert    issuer commonName=throwaway-eif-signer, countryName=US, organizationName=Cosigner CLI Test',
    );
    expect(text).toContain('Signature check passed');
    expect(text).toContain('Image           cosigner-test 1.0.0');
    expect(text).toContain(
      'Built           2025-01-02T03:04:05.000000006+00:00 by reference-generator 0.1.0 (Linux 6.1.0-synthetic)',
    );
    const unsigned = await runDescribeEif(
      { eifPath: vector('v3-minimal-unsigned.eif') },
      { io: new TestIoHost(), now },
    );
    const plain = render(unsigned, createStyle(false));
    expect(plain).not.toContain('PCR8');
    expect(plain).toContain('Signed          no');
    expect(plain).not.toContain('Image');
    expect(render({ ...unsigned, CheckCRC: false, SignatureCheck: false, ImageName: 'x' })).toMatch(
      /CRC check {7}FAILED[\s\S]*Signature check FAILED[\s\S]*Image {11}x$/,
    );
  });

  it('executes with the context clock and IoHost', async () => {
    const io = new TestIoHost();
    const result = await execute(
      { eifPath: vector('v3-signed.eif') },
      { io, invocation: invocation([]), now, sandboxDir: undefined },
    );
    expect(result.Measurements.PCR8).toHaveLength(96);
  });
});
