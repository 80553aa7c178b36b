// Hostile EIFs built from a valid fixture with one defect each (CRC kept right so that exactly one
// check fires), plus inline-hex headers: only coded errors, and no allocation from size fields.
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../src/enclave/bytes.js';
import { createEifMeasurer } from '../../src/enclave/eif-measurer.js';
import { encodeEifHeader } from '../../src/aws/sandbox/nitro/eif-encode.js';
import { EIF_HEADER_SIZE, EIF_METADATA_MAX_SIZE, EIF_SIGNATURE_MAX_SIZE } from '../../src/enclave/eif-format.js';
import { parseEIF } from '../../src/enclave/eif.js';
import { createEifSigner } from '../../src/aws/sandbox/nitro/eif-build.js';
import {
  APP,
  BOOT,
  fixCrc,
  fixtureEif,
  KERNEL,
  METADATA,
  NUM_SECTIONS,
  OFFSETS,
  patched,
  SIZES,
} from './fixtures/eif.js';
import { T0 } from './fixtures/attestation.js';

const good = fixtureEif();
// Section order in the fixture: kernel, cmdline, metadata, ramdisk, ramdisk.
const sectionOffset = (bytes: Uint8Array, i: number): number =>
  Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(OFFSETS + 8 * i));
const hex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

describe('parseEIF on hostile input', () => {
  it('the unmodified fixture parses', () => {
    expect(parseEIF(good).sections).toHaveLength(5);
  });

  describe('when the header is short or foreign', () => {
    it('throws EIF_TRUNCATED for an empty or short file', () => {
      expect(() => parseEIF(new Uint8Array(0))).toThrowCosignerError('EIF_TRUNCATED');
      expect(() => parseEIF(good.subarray(0, EIF_HEADER_SIZE - 1))).toThrowCosignerError('EIF_TRUNCATED');
    });

    it('throws EIF_BAD_MAGIC for a file that does not start with .eif', () => {
      expect(() => parseEIF(concatBytes(hex('7f454c46'), good.subarray(4)))).toThrowCosignerError('EIF_BAD_MAGIC');
    });

    it('throws EIF_UNSUPPORTED_VERSION for versions 0, 1 and 5+', () => {
      for (const version of [0, 1, 5, 0xffff]) {
        expect(() => parseEIF(patched(good, (v) => v.setUint16(4, version))), String(version)).toThrowCosignerError(
          'EIF_UNSUPPORTED_VERSION',
        );
      }
    });

    it('throws EIF_SECTION_COUNT for 0 or more than 32 sections', () => {
      expect(() => parseEIF(patched(good, (v) => v.setUint16(NUM_SECTIONS, 0)))).toThrowCosignerError(
        'EIF_SECTION_COUNT',
      );
      expect(() => parseEIF(patched(good, (v) => v.setUint16(NUM_SECTIONS, 0xffff)))).toThrowCosignerError(
        'EIF_SECTION_COUNT',
      );
    });

    it('throws EIF_SECTION_TABLE_MISMATCH for a table entry beyond num_sections', () => {
      expect(() => parseEIF(patched(good, (v) => v.setBigUint64(OFFSETS + 8 * 31, 1n)))).toThrowCosignerError(
        'EIF_SECTION_TABLE_MISMATCH',
      );
      expect(() => parseEIF(patched(good, (v) => v.setBigUint64(SIZES + 8 * 5, 1n)))).toThrowCosignerError(
        'EIF_SECTION_TABLE_MISMATCH',
      );
    });
  });

  describe('when a section header lies', () => {
    it('throws EIF_SECTION_TYPE for type 0 and types beyond 5', () => {
      for (const type of [0, 6, 0xffff]) {
        expect(
          () => parseEIF(patched(good, (v) => v.setUint16(sectionOffset(good, 1), type))),
          String(type),
        ).toThrowCosignerError('EIF_SECTION_TYPE');
      }
    });

    it('throws EIF_SECTION_OUT_OF_BOUNDS for a size of 2^63 or 2^64-1, without allocating', () => {
      for (const size of [2n ** 63n, 2n ** 64n - 1n, 2n ** 53n]) {
        const bytes = patched(good, (v) => {
          v.setBigUint64(sectionOffset(good, 4) + 4, size);
          v.setBigUint64(SIZES + 8 * 4, size);
        });
        expect(() => parseEIF(bytes), String(size)).toThrowCosignerError('EIF_SECTION_OUT_OF_BOUNDS');
        // Without a known total size, the measurer still refuses sizes no file can have.
        const measurer = createEifMeasurer();
        if (size >= 2n ** 53n) expect(() => measurer.update(bytes)).toThrowCosignerError('EIF_SECTION_OUT_OF_BOUNDS');
      }
    });

    it('throws EIF_SECTION_OUT_OF_BOUNDS when the file ends inside a section', () => {
      expect(() => parseEIF(good.subarray(0, good.length - 1))).toThrowCosignerError('EIF_SECTION_OUT_OF_BOUNDS');
      const measurer = createEifMeasurer();
      measurer.update(good.subarray(0, good.length - 1));
      expect(() => measurer.finish()).toThrowCosignerError('EIF_SECTION_OUT_OF_BOUNDS');
    });

    it('throws EIF_TRAILING_BYTES for 1 to 11 stray bytes', () => {
      for (const extra of [1, 11]) {
        expect(() => parseEIF(fixCrc(concatBytes(good, new Uint8Array(extra)))), String(extra)).toThrowCosignerError(
          'EIF_TRAILING_BYTES',
        );
      }
    });

    it('throws EIF_SECTION_COUNT for a 12-byte tail (a section the header does not declare)', () => {
      expect(() => parseEIF(fixCrc(concatBytes(good, hex('0003 0000 0000000000000000'))))).toThrowCosignerError(
        'EIF_SECTION_COUNT',
      );
    });

    it('throws EIF_SECTION_COUNT when fewer sections follow than declared', () => {
      expect(() => parseEIF(patched(good, (v) => v.setUint16(NUM_SECTIONS, 6)))).toThrowCosignerError(
        'EIF_SECTION_COUNT',
      );
    });

    it('throws EIF_SECTION_TABLE_MISMATCH when a size in the table is wrong', () => {
      expect(() => parseEIF(patched(good, (v) => v.setBigUint64(SIZES + 8 * 1, 1n)))).toThrowCosignerError(
        'EIF_SECTION_TABLE_MISMATCH',
      );
    });
  });

  describe('when the section set is wrong', () => {
    const build = (sections: [number, Uint8Array][], version = 4): Uint8Array => {
      let offset = EIF_HEADER_SIZE;
      const layout = sections.map(([, data]) => {
        const entry = { offset, size: data.length };
        offset += 12 + data.length;
        return entry;
      });
      const body = concatBytes(
        ...sections.flatMap(([type, data]) => {
          const header = new Uint8Array(12);
          new DataView(header.buffer).setUint16(0, type);
          new DataView(header.buffer).setBigUint64(4, BigInt(data.length));
          return [header, data];
        }),
      );
      return fixCrc(
        concatBytes(
          encodeEifHeader({ version, flags: 0, defaultMemory: 0n, defaultCpus: 0n, sections: layout, crc32: 0 }),
          body,
        ),
      );
    };
    const meta = new TextEncoder().encode(JSON.stringify(METADATA));
    const cmd = new TextEncoder().encode('console=ttyS0');

    it('accepts the minimal v2 layout and empty sections', () => {
      expect(
        parseEIF(
          build(
            [
              [1, KERNEL],
              [2, cmd],
              [3, BOOT],
            ],
            2,
          ),
        ).header.version,
      ).toBe(2);
      expect(
        parseEIF(
          build(
            [
              [1, new Uint8Array(0)],
              [2, new Uint8Array(0)],
              [3, new Uint8Array(0)],
            ],
            3,
          ),
        ).pcrs.PCR0,
      ).toHaveLength(96);
    });

    it('throws EIF_SECTION_DUPLICATE for a second cmdline, metadata or signature', () => {
      expect(() =>
        parseEIF(
          build([
            [1, KERNEL],
            [2, cmd],
            [2, cmd],
            [3, BOOT],
            [5, meta],
          ]),
        ),
      ).toThrowCosignerError('EIF_SECTION_DUPLICATE');
      expect(() =>
        parseEIF(
          build([
            [1, KERNEL],
            [2, cmd],
            [5, meta],
            [5, meta],
            [3, BOOT],
          ]),
        ),
      ).toThrowCosignerError('EIF_SECTION_DUPLICATE');
    });

    it('throws EIF_SECTION_ORDER for a ramdisk before the kernel', () => {
      expect(() =>
        parseEIF(
          build([
            [3, BOOT],
            [1, KERNEL],
            [2, cmd],
            [5, meta],
          ]),
        ),
      ).toThrowCosignerError('EIF_SECTION_ORDER');
    });

    it('throws EIF_SECTION_MISSING without a kernel, cmdline or ramdisk', () => {
      expect(() =>
        parseEIF(
          build(
            [
              [1, KERNEL],
              [2, cmd],
            ],
            3,
          ),
        ),
      ).toThrowCosignerError('EIF_SECTION_MISSING');
      expect(() =>
        parseEIF(
          build(
            [
              [1, KERNEL],
              [3, BOOT],
            ],
            3,
          ),
        ),
      ).toThrowCosignerError('EIF_SECTION_MISSING');
      expect(() => parseEIF(build([[2, cmd]], 3))).toThrowCosignerError('EIF_SECTION_MISSING');
    });

    it('throws EIF_SECTION_MISSING for a v4 image without metadata', () => {
      expect(() =>
        parseEIF(
          build(
            [
              [1, KERNEL],
              [2, cmd],
              [3, BOOT],
              [3, APP],
            ],
            4,
          ),
        ),
      ).toThrowCosignerError('EIF_SECTION_MISSING');
    });

    it('throws EIF_SIGNATURE_INVALID for a signature section over 32768 bytes, before reading it', () => {
      const bytes = build([
        [1, KERNEL],
        [2, cmd],
        [5, meta],
        [3, BOOT],
        [4, new Uint8Array(EIF_SIGNATURE_MAX_SIZE + 1)],
      ]);
      const measurer = createEifMeasurer({ totalSize: bytes.length });
      expect(() => measurer.update(bytes.subarray(0, bytes.length - EIF_SIGNATURE_MAX_SIZE))).toThrowCosignerError(
        'EIF_SIGNATURE_INVALID',
      );
    });

    it('throws EIF_METADATA_INVALID for a metadata section over the cap', () => {
      const bytes = build([
        [1, KERNEL],
        [2, cmd],
        [5, new Uint8Array(EIF_METADATA_MAX_SIZE + 1)],
        [3, BOOT],
      ]);
      expect(() => parseEIF(bytes)).toThrowCosignerError('EIF_METADATA_INVALID');
    });
  });

  it('throws EIF_CRC_MISMATCH for one flipped data bit, and for a flipped unused header byte', () => {
    const flipped = good.slice();
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] as number) ^ 1;
    expect(() => parseEIF(flipped)).toThrowCosignerError('EIF_CRC_MISMATCH');
    const unused = good.slice();
    unused[541] = 1; // bytes 540..543 are covered by the CRC
    expect(() => parseEIF(unused)).toThrowCosignerError('EIF_CRC_MISMATCH');
  });

  describe('when the signature section is forged', () => {
    const signer = createEifSigner({ now: T0 });
    const signed = fixtureEif({ signer });

    it('throws EIF_SIGNATURE_MISMATCH when a ramdisk byte changes (CRC recomputed)', () => {
      const tampered = patched(signed, (_, b) => {
        const at = sectionOffset(signed, 4) + 12;
        b[at] = (b[at] as number) ^ 0xff;
      });
      expect(() => parseEIF(tampered)).toThrowCosignerError('EIF_SIGNATURE_MISMATCH');
    });

    it('throws EIF_SIGNATURE_MISMATCH when another image is signed with this certificate', () => {
      const other = fixtureEif({ signer, kernel: new Uint8Array(10) });
      const otherSignature = other.subarray(sectionOffset(other, 5));
      const grafted = patched(concatBytes(signed.subarray(0, sectionOffset(signed, 5)), otherSignature), (v) =>
        v.setBigUint64(SIZES + 8 * 5, BigInt(otherSignature.length - 12)),
      );
      expect(() => parseEIF(grafted)).toThrowCosignerError('EIF_SIGNATURE_MISMATCH');
    });
  });
});
