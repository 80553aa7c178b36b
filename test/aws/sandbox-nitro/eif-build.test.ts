import { describe, expect, it } from 'vitest';
import { utf8 } from '../../../src/enclave/bytes.js';
import { buildEIF, createEifSigner } from '../../../src/aws/sandbox/nitro/eif-build.js';
import { parseEIF } from '../../../src/enclave/eif.js';
import { parseCertificate } from '../../../src/enclave/x509.js';
import { T0 } from '../../enclave/fixtures/attestation.js';
import { APP, BOOT, KERNEL, METADATA } from '../../enclave/fixtures/eif.js';

describe('buildEIF', () => {
  it('lays images out with nitro-cli defaults: v3 without metadata, v4 with, x86_64, 1 GiB, 2 CPUs', () => {
    const v3 = parseEIF(buildEIF({ kernel: KERNEL, cmdline: utf8('c'), ramdisks: [BOOT] }));
    expect(v3.header).toMatchObject({ version: 3, flags: 0, defaultMemory: 1073741824n, defaultCpus: 2n });
    const v4 = parseEIF(
      buildEIF({
        kernel: KERNEL,
        cmdline: 'c',
        ramdisks: [BOOT, APP],
        metadata: METADATA,
        flags: 1,
        defaultMemory: 5n,
        defaultCpus: 7n,
        version: 4,
      }),
    );
    expect(v4.header).toMatchObject({ version: 4, arch: 'aarch64', defaultMemory: 5n, defaultCpus: 7n });
    expect(v4.sections.map((s) => s.type)).toEqual(['kernel', 'cmdline', 'metadata', 'ramdisk', 'ramdisk']);
  });

  it('takes raw metadata bytes', () => {
    const image = parseEIF(
      buildEIF({ kernel: KERNEL, cmdline: 'c', ramdisks: [BOOT], metadata: utf8(JSON.stringify(METADATA)) }),
    );
    expect(image.metadata?.ImageName).toBe('fixture');
  });

  it('refuses images nitro-cli cannot build', () => {
    expect(() => buildEIF({ kernel: KERNEL, cmdline: 'c', ramdisks: [] })).toThrowCosignerError('INTERNAL');
    expect(() =>
      buildEIF({ kernel: KERNEL, cmdline: 'c', ramdisks: Array.from({ length: 31 }, () => BOOT) }),
    ).toThrowCosignerError('INTERNAL');
  });
});

describe('createEifSigner', () => {
  it('makes a self-signed P-384 certificate valid for a year by default', () => {
    const signer = createEifSigner({ now: T0 });
    const certificate = parseCertificate(signer.certificateDer);
    expect(certificate.curve).toBe('P-384');
    expect(certificate.notAfter.getTime() - certificate.notBefore.getTime()).toBe(365 * 86_400_000);
    expect(signer.certificatePem).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
  });
});
