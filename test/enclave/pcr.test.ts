import { describe, expect, it } from 'vitest';
import { utf8 } from '../../src/enclave/bytes.js';
import {
  computePCR3,
  computePCR4,
  computePCR8,
  extendPCR,
  isZeroPCR,
  normalizePCR,
  pcrEquals,
  sha384,
  ZERO_PCR,
} from '../../src/enclave/pcr.js';
import { pemToDer } from '../../src/enclave/x509.js';
import { testdataText } from './fixtures/testdata.js';

describe('PCR measurements', () => {
  it('PCR3 of the AWS user guide example role reproduces the published value', () => {
    // AWS user guide "Where to get an enclave's measurements" (reference/fireblocks-aws.md §3.6).
    const pcr3 = computePCR3('arn:aws:iam::123456789012:role/Webserver');
    expect(pcr3).toMatch(/^78fce75d[0-9a-f]{82}6921e6$/);
    expect(pcr3).toBe(extendPCR(utf8('arn:aws:iam::123456789012:role/Webserver')));
  });

  it('PCR3 accepts role paths, assumed-role ARNs and other partitions', () => {
    for (const arn of [
      'arn:aws:iam::123456789012:role/path/to/Name',
      'arn:aws:sts::123456789012:assumed-role/Name/i-0123456789abcdef0',
      'arn:aws-us-gov:iam::123456789012:role/x',
      'arn:aws-cn:iam::123456789012:role/a+b=c,d.e@f-g_h',
    ]) {
      expect(computePCR3(arn), arn).toHaveLength(96);
    }
  });

  it('PCR3 throws PCR_INVALID for anything but a role ARN', () => {
    for (const arn of [
      '',
      'Webserver',
      'arn:aws:iam::123456789012:user/x',
      'arn:aws:iam::12345:role/x',
      ' arn:aws:iam::123456789012:role/x',
      'arn:aws:iam::123456789012:role/',
    ]) {
      expect(() => computePCR3(arn), arn).toThrowCosignerError('PCR_INVALID');
    }
  });

  it('PCR4 of the AWS user guide example instance reproduces the published value', () => {
    expect(computePCR4('i-1234567890abcdef0')).toMatch(/^08f996b5[0-9a-f]{82}e79ce0$/);
  });

  it('PCR4 of real instance ids equals the PCR4 in their attestation documents', () => {
    expect(computePCR4('i-020b6af9246d90e92')).toBe(
      '1f442c86d494a88185642086d904ed89f62fb66ee9997d7b1a4f040faab3bba4244c768a584e5778195b3afc715637c6',
    );
    expect(computePCR4('i-03ad7cdb817437eeb')).toBe(
      '615fa5b1a8838d392d8e54aacc3d9ac0db87d63cb826516c4cc94307c986fe465b29f3f54a55a2f121265528ae0aa6a7',
    );
    expect(computePCR4('i-0918f6c55e3b61d89')).toBe(
      'd0531b1400dd43288c82c226c16bf647c637dd5e4d9b4f7a8aaadc6d6760b854a06c7008cca0d15ca80094dd33a65065',
    );
    expect(computePCR4('i-12345678')).toHaveLength(96);
  });

  it('PCR4 throws PCR_INVALID for anything but an instance id', () => {
    for (const id of ['', 'i-', 'i-XYZ', 'i-0123456789ABCDEF0', 'i-0123456789abcdef', 'instance']) {
      expect(() => computePCR4(id), id).toThrowCosignerError('PCR_INVALID');
    }
  });

  it('PCR8 is the extend of the SHA-384 of the certificate DER, as nitro-cli pcr computes it', () => {
    const der = pemToDer(testdataText('eif/signing-cert.pem'));
    expect(computePCR8(der)).toBe(
      '87cbdc1714ca854c6dae284a0cc426471aae7aca035df20c719a877ffa80c19d14afc44c7dbd9a87e6393efa9f0c22c6',
    );
    expect(computePCR8(der)).toBe(extendPCR(sha384(der)));
  });

  it('PCR8 refuses PEM text or trailing bytes instead of hashing them', () => {
    expect(() => computePCR8(utf8(testdataText('eif/signing-cert.pem')))).toThrowCosignerError('CERT_INVALID');
    const der = pemToDer(testdataText('eif/signing-cert.pem'));
    expect(() => computePCR8(Uint8Array.of(...der, 0))).toThrowCosignerError('CERT_INVALID');
  });

  it('an empty measurement extends to the value nitro-cli reports for an empty ramdisk list', () => {
    expect(extendPCR(sha384(new Uint8Array(0)))).toBe(
      '21b9efbc184807662e966d34f390821309eeac6802309798826296bf3e8bec7c10edb30948c90ba67310f7b964fc500a',
    );
  });

  describe('normalizePCR', () => {
    it('lower-cases and trims a 96-character hex value', () => {
      expect(normalizePCR(`  ${'AB'.repeat(48)}\n`)).toBe('ab'.repeat(48));
    });

    it('throws PCR_INVALID with a hint for every other input', () => {
      for (const value of [
        '',
        'ab'.repeat(47),
        'ab'.repeat(49),
        `0x${'ab'.repeat(47)}`,
        'zz'.repeat(48),
        'x'.repeat(500),
      ]) {
        expect(() => normalizePCR(value), value.slice(0, 20)).toThrowCosignerError('PCR_INVALID');
      }
      try {
        normalizePCR('x'.repeat(500));
      } catch (error) {
        expect((error as Error).message).toContain('…');
        expect((error as { hint?: string }).hint).toMatch(/96 hex characters/);
      }
    });
  });

  it('compares PCRs in either case, and never equal to invalid hex', () => {
    expect(pcrEquals('ab'.repeat(48), 'AB'.repeat(48))).toBe(true);
    expect(pcrEquals('ab'.repeat(48), 'ac'.repeat(48))).toBe(false);
    expect(pcrEquals('ab'.repeat(48), 'ab'.repeat(47))).toBe(false);
    expect(pcrEquals('zz', 'zz')).toBe(false);
    expect(pcrEquals('ab', 'z')).toBe(false);
  });

  it('recognises the all-zero PCR', () => {
    expect(isZeroPCR(ZERO_PCR)).toBe(true);
    expect(isZeroPCR('ab'.repeat(48))).toBe(false);
  });
});
