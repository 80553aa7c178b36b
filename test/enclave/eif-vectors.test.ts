// Every EIF vector of test/fixtures/testdata/eif: valid ones reproduce the manifest's PCRs byte for
// byte (whole-buffer and chunked), malformed ones fail with the code of their error kind.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/enclave/bytes.js';
import { describeEIF } from '../../src/enclave/eif-describe.js';
import { createEifMeasurer, measureEifChunks } from '../../src/enclave/eif-measurer.js';
import { inspectEIF, parseEIF } from '../../src/enclave/eif.js';
import { parseDescribeEifOutput } from '../../src/enclave/nitro-cli-output.js';
import { computePCR8 } from '../../src/enclave/pcr.js';
import { pemToDer } from '../../src/enclave/x509.js';
import type { CosignerErrorCode } from '../../src/errors.js';
import { EIF_MANIFEST, testdataBytes, testdataJson, testdataText } from './fixtures/testdata.js';

/** Spec §1.5 error kinds → our codes. */
const CODE_BY_KIND: Record<string, CosignerErrorCode> = {
  header_truncated: 'EIF_TRUNCATED',
  bad_magic: 'EIF_BAD_MAGIC',
  unsupported_version: 'EIF_UNSUPPORTED_VERSION',
  no_sections: 'EIF_SECTION_COUNT',
  section_count_invalid: 'EIF_SECTION_COUNT',
  section_header_invalid: 'EIF_SECTION_TYPE',
  section_truncated: 'EIF_SECTION_OUT_OF_BOUNDS',
  trailing_bytes: 'EIF_TRAILING_BYTES',
  section_table_mismatch: 'EIF_SECTION_TABLE_MISMATCH',
  duplicate_section: 'EIF_SECTION_DUPLICATE',
  missing_section: 'EIF_SECTION_MISSING',
  crc_mismatch: 'EIF_CRC_MISMATCH',
  metadata_invalid: 'EIF_METADATA_INVALID',
  signature_invalid: 'EIF_SIGNATURE_INVALID',
  signature_mismatch: 'EIF_SIGNATURE_MISMATCH',
};

const valid = EIF_MANIFEST.vectors.filter((v) => v.expect === 'ok');
const malformed = EIF_MANIFEST.vectors.filter((v) => v.expect === 'error');

describe('EIF test vectors', () => {
  it('covers every vector of the manifest, each file as recorded', () => {
    // Both kinds are there (the manifest is the list: adding a vector needs no change here).
    expect(valid.length).toBeGreaterThan(0);
    expect(malformed.length).toBeGreaterThan(0);
    for (const vector of EIF_MANIFEST.vectors) {
      const bytes = testdataBytes(`eif/${vector.file}`);
      expect(bytes.length, vector.file).toBe(vector.size);
      expect(toHex(new Uint8Array(createHash('sha384').update(bytes).digest())), vector.file).toBe(vector.sha384);
    }
  });

  describe.each(valid)('$file', (vector) => {
    const bytes = testdataBytes(`eif/${vector.file}`);

    it('reproduces the expected PCRs byte for byte', () => {
      expect(parseEIF(bytes).pcrs).toEqual(vector.pcrs);
    });

    it('gives the same measurements for any chunking, with or without the total size', async () => {
      for (const size of [1, 7, 12, 548, 549, 4096]) {
        const measurer = createEifMeasurer(size % 2 === 0 ? { totalSize: bytes.length } : {});
        for (let i = 0; i < bytes.length; i += size) measurer.update(bytes.subarray(i, i + size));
        expect(inspectEIF(measurer.finish()).pcrs, `chunk ${size}`).toEqual(vector.pcrs);
      }
      async function* chunks(): AsyncGenerator<Uint8Array> {
        for (let i = 0; i < bytes.length; i += 1000) yield await Promise.resolve(bytes.subarray(i, i + 1000));
      }
      expect((await measureEifChunks(chunks())).pcrs.PCR0).toBe(vector.pcrs?.PCR0);
    });

    it('reports metadata and signature as the manifest records them', () => {
      const image = parseEIF(bytes);
      expect(image.metadata !== undefined).toBe(image.header.version >= 4);
      if (vector.metadata !== undefined) expect(image.metadata).toEqual(vector.metadata);
      expect(image.signature !== undefined).toBe(vector.signing_certificate !== undefined);
    });
  });

  describe.each(malformed)('$file ($error_kind)', (vector) => {
    it(`throws ${CODE_BY_KIND[vector.error_kind ?? '']}`, () => {
      const code = CODE_BY_KIND[vector.error_kind ?? ''] as CosignerErrorCode;
      expect(code).toBeDefined();
      expect(() => parseEIF(testdataBytes(`eif/${vector.file}`))).toThrowCosignerError(code);
    });
  });

  it('computes PCR8 of the signed vectors from their certificate as nitro-cli pcr does', () => {
    const expected = testdataJson<{ PCR8: string }>('nitro-cli/pcr-signing-certificate.json').PCR8;
    expect(computePCR8(pemToDer(testdataText('eif/signing-cert.pem')))).toBe(expected);
    expect(parseEIF(testdataBytes('eif/v3-signed.eif')).signature?.pcr8).toBe(expected);
  });

  it('parses the x86_64 and aarch64 headers', () => {
    const arm = parseEIF(testdataBytes('eif/v4-arm64-flags.eif')).header;
    expect(arm).toMatchObject({
      version: 4,
      flags: 1,
      arch: 'aarch64',
      defaultMemory: 512n * 1024n * 1024n,
      defaultCpus: 4n,
      numSections: 5,
    });
    const x86 = parseEIF(testdataBytes('eif/v4-unsigned-metadata.eif')).header;
    expect(x86).toMatchObject({ flags: 0, arch: 'x86_64', defaultMemory: 1024n * 1024n * 1024n, defaultCpus: 2n });
  });

  it('lists the sections in file order with offsets and sizes', () => {
    const image = parseEIF(testdataBytes('eif/v4-signed-metadata.eif'));
    expect(image.sections.map((s) => s.type)).toEqual([
      'kernel',
      'cmdline',
      'metadata',
      'ramdisk',
      'ramdisk',
      'signature',
    ]);
    expect(image.sections[0]).toMatchObject({ index: 0, offset: 548, flags: 0 });
    for (const [i, section] of image.sections.entries()) {
      expect(BigInt(section.offset)).toBe(image.header.sectionOffsets[i]);
      expect(BigInt(section.size)).toBe(image.header.sectionSizes[i]);
    }
    expect(image.crc32).toBe(image.header.crc32);
  });

  it('describes the signed and unsigned v4 vectors with the fields of nitro-cli describe-eif', () => {
    for (const kind of ['signed', 'unsigned'] as const) {
      const sample = testdataJson<Record<string, unknown>>(`nitro-cli/describe-eif.${kind}.json`);
      const described = describeEIF(parseEIF(testdataBytes(`eif/v4-${kind}-metadata.eif`)));
      expect(Object.keys(described)).toEqual(Object.keys(sample));
      expect(parseDescribeEifOutput(described)).toEqual(described);
      const { SigningCertificate: ours, ...rest } = described;
      const { SigningCertificate: theirs, ...sampleRest } = sample;
      expect(rest).toEqual(sampleRest);
      if (kind === 'signed') {
        // The sample's dates and signature are placeholders; the issuer and algorithm are real.
        expect(ours).toMatchObject({
          IssuerName: (theirs as { IssuerName: unknown }).IssuerName,
          Algorithm: 'ecdsa-with-SHA384',
          NotBefore: 'Nov 26 10:50:28 2026 GMT',
          NotAfter: 'Jul 18 10:50:28 2051 GMT',
        });
        expect(ours?.Signature).toMatch(/^30:[0-9A-F]{2}(:[0-9A-F]{2})+$/);
      }
    }
  });
});
