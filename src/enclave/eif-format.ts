// The EIF container format: header, section headers and section types
// (docs/eif-and-attestation.md §1; aws-nitro-enclaves-image-format src/defs/mod.rs).
// All integers are big-endian.
import { fail } from '../errors.js';
import { ByteCursor } from './byte-cursor.js';

/** `.eif` (spec §1.1 offset 0). */
export const EIF_MAGIC = Uint8Array.of(0x2e, 0x65, 0x69, 0x66);
/** EifHeader size: 4+2+2+8+8+2+2+256+256+4+4 (spec §1.1). */
export const EIF_HEADER_SIZE = 548;
/** Offset of `eif_crc32`; the CRC covers header bytes [0, 544) and every section after (spec §1.1). */
export const EIF_CRC_OFFSET = 544;
/** EifSectionHeader size: type u16, flags u16, size u64 (spec §1.2). */
export const EIF_SECTION_HEADER_SIZE = 12;
/** MAX_NUM_SECTIONS: slots in the offset/size tables (spec §1.1). */
export const EIF_MAX_SECTIONS = 32;
/** SIGNATURE_MAX_SIZE (spec §1.3). */
export const EIF_SIGNATURE_MAX_SIZE = 32_768;
/**
 * Our own cap on the metadata section, which is buffered to be parsed: nitro-cli writes a few KiB
 * (custom metadata ≤ 4096 bytes plus `docker inspect` output). Not a format limit.
 */
export const EIF_METADATA_MAX_SIZE = 1_048_576;
/** Versions with a published layout: 2, 3 (+signature), 4 (+metadata) (spec §1.1). */
const EIF_SUPPORTED_VERSIONS: readonly number[] = [2, 3, 4];
/** Flags bit 0: aarch64 image (EIF_HDR_ARCH_ARM64). */
const EIF_FLAG_ARM64 = 0x1;

/** Section types (spec §1.3). 0 and ≥ 6 are invalid. */
export const EIF_SECTION_TYPES = { kernel: 1, cmdline: 2, ramdisk: 3, signature: 4, metadata: 5 } as const;
export type EifSectionType = keyof typeof EIF_SECTION_TYPES;
const SECTION_NAMES: readonly (EifSectionType | undefined)[] = [
  undefined,
  'kernel',
  'cmdline',
  'ramdisk',
  'signature',
  'metadata',
];

export interface EifHeader {
  /** `version` (offset 4). */
  readonly version: number;
  /** `flags` (offset 6); bit 0 = aarch64. */
  readonly flags: number;
  readonly arch: 'x86_64' | 'aarch64';
  /** `default_mem` in bytes (offset 8); unused by the stack. */
  readonly defaultMemory: bigint;
  /** `default_cpus` (offset 16); unused by the stack. */
  readonly defaultCpus: bigint;
  /** `num_sections` (offset 26), 1..32. */
  readonly numSections: number;
  /** `section_offsets[32]` (offset 28): absolute offset of each section header. */
  readonly sectionOffsets: readonly bigint[];
  /** `section_sizes[32]` (offset 284): data size of each section (header excluded). */
  readonly sectionSizes: readonly bigint[];
  /** `eif_crc32` (offset 544). */
  readonly crc32: number;
}

export interface EifSectionHeader {
  /** `section_type` u16 (spec §1.2). */
  readonly type: EifSectionType;
  /** `flags` u16, reserved. */
  readonly flags: number;
  /** `section_size` u64: data bytes after this header. */
  readonly size: bigint;
}

/**
 * Parse and check the 548-byte EifHeader: magic, version, num_sections in 1..32, and unused table
 * slots zero (spec §1.5 checks `bad_magic`, `unsupported_version`, `no_sections`,
 * `section_count_invalid`, `section_table_mismatch`).
 */
export function parseEifHeader(bytes: Uint8Array): EifHeader {
  const cursor = new ByteCursor(bytes, 'EIF header');
  const magic = cursor.bytes(4);
  if (!magic.every((b, i) => b === EIF_MAGIC[i])) {
    fail(
      'EIF_BAD_MAGIC',
      'not an enclave image file: the first 4 bytes are not ".eif"',
      'pass the .eif file produced by nitro-cli build-enclave',
    );
  }
  const version = cursor.u16();
  if (!EIF_SUPPORTED_VERSIONS.includes(version)) {
    fail(
      'EIF_UNSUPPORTED_VERSION',
      `unsupported EIF version ${version}`,
      'only EIF versions 2, 3 and 4 are understood; upgrade cosigner-cli or rebuild the image',
    );
  }
  const flags = cursor.u16();
  const defaultMemory = cursor.u64();
  const defaultCpus = cursor.u64();
  cursor.skip(2); // reserved
  const numSections = cursor.u16();
  if (numSections === 0)
    fail(
      'EIF_SECTION_COUNT',
      'the EIF header declares no sections',
      'the image is damaged or was not built by nitro-cli',
    );
  if (numSections > EIF_MAX_SECTIONS)
    fail(
      'EIF_SECTION_COUNT',
      `the EIF header declares ${numSections} sections, more than ${EIF_MAX_SECTIONS}`,
      'the image is damaged or was not built by nitro-cli',
    );
  const sectionOffsets = Array.from({ length: EIF_MAX_SECTIONS }, () => cursor.u64());
  const sectionSizes = Array.from({ length: EIF_MAX_SECTIONS }, () => cursor.u64());
  for (let i = numSections; i < EIF_MAX_SECTIONS; i++) {
    if (sectionOffsets[i] !== 0n || sectionSizes[i] !== 0n) {
      fail(
        'EIF_SECTION_TABLE_MISMATCH',
        `section table slot ${i} is beyond num_sections (${numSections}) but not empty`,
        'the image is damaged or was not built by nitro-cli',
      );
    }
  }
  cursor.skip(4); // unused
  const crc32 = cursor.u32();
  return {
    version,
    flags,
    arch: (flags & EIF_FLAG_ARM64) === 0 ? 'x86_64' : 'aarch64',
    defaultMemory,
    defaultCpus,
    numSections,
    sectionOffsets,
    sectionSizes,
    crc32,
  };
}

/** Parse a 12-byte section header; type 0 or ≥ 6 is EIF_SECTION_TYPE (spec §1.3 `section_header_invalid`). */
export function parseEifSectionHeader(bytes: Uint8Array, offset: number): EifSectionHeader {
  const cursor = new ByteCursor(bytes, 'EIF section header');
  const code = cursor.u16();
  const type = SECTION_NAMES[code];
  if (type === undefined) {
    fail(
      'EIF_SECTION_TYPE',
      `invalid section type ${code} at offset ${offset}`,
      'the image is damaged or was not built by nitro-cli',
    );
  }
  return { type, flags: cursor.u16(), size: cursor.u64() };
}
