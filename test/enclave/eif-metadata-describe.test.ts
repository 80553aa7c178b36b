// The metadata section and the describe-eif view built from it.
import { describe, expect, it } from 'vitest';
import { utf8 } from '../../src/enclave/bytes.js';
import { buildEIF, createEifSigner } from '../../src/aws/sandbox/nitro/eif-build.js';
import { describeEIF, formatAsn1Time, NITRO_HASH_ALGORITHM } from '../../src/enclave/eif-describe.js';
import { parseEifMetadata } from '../../src/enclave/eif-metadata.js';
import { parseEIF } from '../../src/enclave/eif.js';
import { parseDescribeEifOutput } from '../../src/enclave/nitro-cli-output.js';
import { T0 } from './fixtures/attestation.js';
import { APP, BOOT, fixtureEif, KERNEL, METADATA } from './fixtures/eif.js';

describe('parseEifMetadata', () => {
  it('keeps unknown fields', () => {
    expect(parseEifMetadata(utf8(JSON.stringify({ ...METADATA, Extra: 1 })))).toMatchObject({
      ImageName: 'fixture',
      Extra: 1,
    });
  });

  it('throws EIF_METADATA_INVALID for bytes that are not UTF-8 or not JSON', () => {
    expect(() => parseEifMetadata(Uint8Array.of(0xff))).toThrowCosignerError('EIF_METADATA_INVALID');
    expect(() => parseEifMetadata(utf8('{"ImageName":'))).toThrowCosignerError('EIF_METADATA_INVALID');
  });

  it('throws EIF_METADATA_INVALID naming the missing or mistyped field', () => {
    const { BuildMetadata: _, ...noBuild } = METADATA;
    for (const value of [
      noBuild,
      { ...METADATA, ImageName: 1 },
      { ...METADATA, BuildMetadata: { ...METADATA.BuildMetadata, KernelVersion: undefined } },
      [],
      null,
    ]) {
      expect(() => parseEifMetadata(utf8(JSON.stringify(value)))).toThrowCosignerError('EIF_METADATA_INVALID');
    }
    try {
      parseEifMetadata(utf8(JSON.stringify({ ...METADATA, ImageVersion: 2 })));
    } catch (error) {
      expect((error as Error).message).toMatch(/ImageVersion/);
    }
    try {
      parseEifMetadata(utf8('3'));
    } catch (error) {
      expect((error as Error).message).toMatch(/\(root\)/);
    }
  });
});

describe('describeEIF', () => {
  it('prints OpenSSL-style times with a space-padded day', () => {
    expect(formatAsn1Time(new Date('2026-11-06T01:02:03Z'))).toBe('Nov  6 01:02:03 2026 GMT');
    expect(formatAsn1Time(new Date('2051-07-18T10:50:28Z'))).toBe('Jul 18 10:50:28 2051 GMT');
  });

  it('describes an unsigned v3 image without signature or metadata fields', () => {
    const described = describeEIF(parseEIF(buildEIF({ kernel: KERNEL, cmdline: 'x', ramdisks: [BOOT, APP] })));
    expect(Object.keys(described)).toEqual(['EifVersion', 'Measurements', 'IsSigned', 'CheckCRC']);
    expect(described).toMatchObject({
      EifVersion: 3,
      IsSigned: false,
      CheckCRC: true,
      Measurements: { HashAlgorithm: NITRO_HASH_ALGORITHM },
    });
    expect(described.Measurements.PCR8).toBeUndefined();
  });

  it('describes a signed image: issuer by long name, sorted, last value wins', () => {
    const signer = createEifSigner({
      now: T0,
      validityDays: 1,
      subject: [
        ['O', 'Zeta'],
        ['C', 'CH'],
        ['OU', 'a'],
        ['OU', 'b'],
        ['CN', 'signer'],
      ],
    });
    const described = describeEIF(parseEIF(fixtureEif({ signer })));
    expect(described.SigningCertificate).toMatchObject({
      IssuerName: { commonName: 'signer', countryName: 'CH', organizationName: 'Zeta', organizationalUnitName: 'b' },
      Algorithm: 'ecdsa-with-SHA384',
      NotBefore: 'Mar  1 12:00:00 2026 GMT',
      NotAfter: 'Mar  2 12:00:00 2026 GMT',
    });
    expect(Object.keys(described.SigningCertificate?.IssuerName ?? {})).toEqual([
      'commonName',
      'countryName',
      'organizationName',
      'organizationalUnitName',
    ]);
    expect(described).toMatchObject({ IsSigned: true, SignatureCheck: true });
    expect(parseDescribeEifOutput(JSON.stringify(described))).toEqual(described);
  });

  it('flattens custom metadata objects and keeps other custom values under their own name', () => {
    const withCustom = (CustomMetadata: unknown) =>
      describeEIF(parseEIF(fixtureEif({ metadata: { ...METADATA, CustomMetadata } }))).Metadata;
    expect(withCustom({ a: 1 })).toMatchObject({ a: 1 });
    expect(withCustom(null)).not.toHaveProperty('CustomMetadata');
    expect(withCustom(undefined)).not.toHaveProperty('CustomMetadata');
    expect(withCustom([1, 2])).toMatchObject({ CustomMetadata: [1, 2] });
    expect(withCustom('text')).toMatchObject({ CustomMetadata: 'text' });
    expect(Object.keys(withCustom({ z: 1 }) ?? {})).toEqual([
      'BuildTime',
      'BuildTool',
      'BuildToolVersion',
      'OperatingSystem',
      'KernelVersion',
      'DockerInfo',
      'z',
    ]);
  });
});
