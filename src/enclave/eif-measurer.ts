// Incremental EIF measurement: feed the file in chunks of any size; one pass computes the CRC,
// PCR0, PCR1 and PCR2 and validates the structure (spec §1.5, §2.1, §2.2). Section data is
// streamed into the hashers, never collected, so a multi-GiB ramdisk costs no memory; only the
// metadata and signature sections are buffered, and only after their size passed a fixed cap.
// Sizes from the file are checked against the known file size (and 2^53) before anything else.
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { CosignerError, fail } from '../errors.js';
import { concatBytes } from './bytes.js';
import {
  EIF_CRC_OFFSET,
  EIF_HEADER_SIZE,
  EIF_METADATA_MAX_SIZE,
  EIF_SECTION_HEADER_SIZE,
  EIF_SIGNATURE_MAX_SIZE,
  parseEifHeader,
  parseEifSectionHeader,
  type EifHeader,
  type EifSectionType,
} from './eif-format.js';
import { extendPCR } from './pcr.js';

/** A SHA-384 stream. The default runs node:crypto in this thread; callers may supply others. */
export interface DigestSink {
  update(data: Uint8Array): void;
  digest(): Uint8Array;
}

export interface EifMeasurerOptions {
  /** The image size, when known: a section running past it fails before any of it is hashed. */
  totalSize?: number;
  /**
   * SHA-384 stream for the content digest of PCR0, PCR1 or PCR2; returning undefined picks the
   * default. @default node:crypto in this thread
   */
  createDigest?: (register: 0 | 1 | 2) => DigestSink | undefined;
}

export interface EifSection {
  /** Position in file order (= table slot). */
  readonly index: number;
  readonly type: EifSectionType;
  readonly flags: number;
  /** Offset of the section header. */
  readonly offset: number;
  /** Data bytes. */
  readonly size: number;
}

export interface EifMeasurement {
  readonly header: EifHeader;
  readonly sections: readonly EifSection[];
  /** Bytes consumed: the image size. */
  readonly size: number;
  /** 96 lowercase hex each (spec §2.2). */
  readonly pcrs: { readonly PCR0: string; readonly PCR1: string; readonly PCR2: string };
  /** CRC-32 computed over the bytes nitro-cli covers; equal to `header.crc32`. */
  readonly crc32: number;
  /** Metadata section data (v4), if present. */
  readonly metadata: Uint8Array | undefined;
  /** Signature section data, if present. */
  readonly signature: Uint8Array | undefined;
}

export interface EifMeasurer {
  /** Feed the next bytes of the image. Throws a coded EIF_* error as soon as the structure is wrong. */
  update(chunk: Uint8Array): void;
  /** End of input: final structural checks and the CRC; returns the measurements. */
  finish(): EifMeasurement;
}

const HINT_DAMAGED = 'the image is damaged or was not built by nitro-cli';

function nodeDigest(): DigestSink {
  const hash = createHash('sha384');
  return {
    update: (data) => void hash.update(data),
    digest: () => new Uint8Array(hash.digest()),
  };
}

/** Create an incremental measurer. */
export function createEifMeasurer(options: EifMeasurerOptions = {}): EifMeasurer {
  const createDigest = (register: 0 | 1 | 2): DigestSink => options.createDigest?.(register) ?? nodeDigest();
  const totalSize = options.totalSize;
  // PCR0 = image (all boot sections), PCR1 = kernel + cmdline + first ramdisk, PCR2 = later ramdisks.
  const image = createDigest(0);
  const bootstrap = createDigest(1);
  const app = createDigest(2);

  let state: 'header' | 'section-header' | 'section-data' | 'done' = 'header';
  let failure: CosignerError | undefined;
  let offset = 0;
  let crc = 0;
  let header: EifHeader | undefined;
  const pending = new Uint8Array(EIF_HEADER_SIZE);
  let pendingLength = 0;
  const sections: EifSection[] = [];
  let current: EifSection | undefined;
  let remaining = 0;
  let ramdisks = 0;
  let buffered: Uint8Array[] = [];
  let metadata: Uint8Array | undefined;
  let signature: Uint8Array | undefined;

  // Collect exactly `needed` bytes of a fixed-size structure into `pending`; returns bytes taken.
  const gather = (chunk: Uint8Array, at: number, needed: number): number => {
    const take = Math.min(needed - pendingLength, chunk.length - at);
    pending.set(chunk.subarray(at, at + take), pendingLength);
    pendingLength += take;
    return take;
  };

  const startSection = (h: EifHeader): void => {
    const sectionHeader = parseEifSectionHeader(
      pending.subarray(0, EIF_SECTION_HEADER_SIZE),
      offset - EIF_SECTION_HEADER_SIZE,
    );
    const start = offset - EIF_SECTION_HEADER_SIZE;
    const index = sections.length;
    if (index >= h.numSections)
      fail(
        'EIF_SECTION_COUNT',
        `the image holds more sections than the ${h.numSections} its header declares`,
        HINT_DAMAGED,
      );
    // Out of file: past the known size, or beyond any possible file (2^53).
    const end = BigInt(offset) + sectionHeader.size;
    if (end > BigInt(totalSize ?? Number.MAX_SAFE_INTEGER)) {
      fail(
        'EIF_SECTION_OUT_OF_BOUNDS',
        `section ${index} (${sectionHeader.type}) at offset ${start} declares ${sectionHeader.size} bytes, past the end of the file`,
        'the file is incomplete or damaged; copy it again',
      );
    }
    const size = Number(sectionHeader.size);
    // The header's table must describe the walked layout exactly (spec §1.5).
    if (h.sectionOffsets[index] !== BigInt(start) || h.sectionSizes[index] !== sectionHeader.size) {
      fail(
        'EIF_SECTION_TABLE_MISMATCH',
        `section table slot ${index} says offset ${h.sectionOffsets[index]} size ${h.sectionSizes[index]}, the section is at ${start} with ${size} bytes`,
        HINT_DAMAGED,
      );
    }
    const type = sectionHeader.type;
    if (type !== 'ramdisk' && sections.some((s) => s.type === type))
      fail('EIF_SECTION_DUPLICATE', `more than one ${type} section`, HINT_DAMAGED);
    if (type === 'ramdisk' && !sections.some((s) => s.type === 'kernel'))
      fail('EIF_SECTION_ORDER', 'a ramdisk section comes before the kernel', HINT_DAMAGED);
    if (type === 'signature' && size > EIF_SIGNATURE_MAX_SIZE)
      fail(
        'EIF_SIGNATURE_INVALID',
        `the signature section is ${size} bytes, more than ${EIF_SIGNATURE_MAX_SIZE}`,
        HINT_DAMAGED,
      );
    if (type === 'metadata' && size > EIF_METADATA_MAX_SIZE)
      fail(
        'EIF_METADATA_INVALID',
        `the metadata section is ${size} bytes, more than ${EIF_METADATA_MAX_SIZE}`,
        HINT_DAMAGED,
      );
    current = { index, type, flags: sectionHeader.flags, offset: start, size };
    sections.push(current);
    remaining = size;
    if (type === 'ramdisk') ramdisks++;
  };

  const endSection = (section: EifSection): void => {
    if (section.type === 'metadata') metadata = concatBytes(...buffered);
    if (section.type === 'signature') signature = concatBytes(...buffered);
    buffered = [];
    state = 'section-header';
  };

  // Route section data: boot sections feed PCR0 and PCR1 (first ramdisk) or PCR2 (later ones);
  // metadata and signature are kept; neither is measured (spec §2.2).
  const consumeData = (section: EifSection, data: Uint8Array): void => {
    switch (section.type) {
      case 'metadata':
      case 'signature':
        buffered.push(data.slice());
        return;
      case 'ramdisk':
        image.update(data);
        (ramdisks === 1 ? bootstrap : app).update(data);
        return;
      default:
        image.update(data);
        bootstrap.update(data);
    }
  };

  const update = (chunk: Uint8Array): void => {
    if (state === 'done') fail('INTERNAL', 'EIF measurer used after finish()');
    if (totalSize !== undefined && offset + chunk.length > totalSize)
      fail('INTERNAL', `EIF measurer fed more than the declared ${totalSize} bytes`);
    let at = 0;
    while (at < chunk.length) {
      if (state === 'header') {
        at += gather(chunk, at, EIF_HEADER_SIZE);
        if (pendingLength < EIF_HEADER_SIZE) break;
        header = parseEifHeader(pending);
        // CRC covers [0, 544): everything but the CRC field itself.
        crc = crc32(pending.subarray(0, EIF_CRC_OFFSET), crc);
        offset = EIF_HEADER_SIZE;
        pendingLength = 0;
        state = 'section-header';
      } else if (state === 'section-header') {
        const took = gather(chunk, at, EIF_SECTION_HEADER_SIZE);
        crc = crc32(chunk.subarray(at, at + took), crc);
        at += took;
        offset += took;
        if (pendingLength < EIF_SECTION_HEADER_SIZE) break;
        pendingLength = 0;
        startSection(header as EifHeader);
        state = 'section-data';
        if (remaining === 0) endSection(current as EifSection);
      } else {
        const take = Math.min(remaining, chunk.length - at);
        const data = chunk.subarray(at, at + take);
        crc = crc32(data, crc);
        consumeData(current as EifSection, data);
        at += take;
        offset += take;
        remaining -= take;
        if (remaining === 0) endSection(current as EifSection);
      }
    }
  };

  const finish = (): EifMeasurement => {
    if (state === 'done') fail('INTERNAL', 'EIF measurer finished twice');
    if (state === 'header')
      fail(
        'EIF_TRUNCATED',
        `the file is ${pendingLength} bytes, shorter than the ${EIF_HEADER_SIZE}-byte EIF header`,
        'the file is incomplete or not an EIF',
      );
    const h = header as EifHeader;
    if (state === 'section-data') {
      const section = current as EifSection;
      fail(
        'EIF_SECTION_OUT_OF_BOUNDS',
        `section ${section.index} (${section.type}) runs past the end of the file: ${remaining} of ${section.size} bytes missing`,
        'the file is incomplete or damaged; copy it again',
      );
    }
    if (pendingLength > 0)
      fail('EIF_TRAILING_BYTES', `${pendingLength} stray bytes after the last section`, HINT_DAMAGED);
    if (sections.length !== h.numSections)
      fail(
        'EIF_SECTION_COUNT',
        `the header declares ${h.numSections} sections, the image holds ${sections.length}`,
        HINT_DAMAGED,
      );
    const required: EifSectionType[] =
      h.version >= 4 ? ['kernel', 'cmdline', 'ramdisk', 'metadata'] : ['kernel', 'cmdline', 'ramdisk'];
    const missing = required.filter((t) => !sections.some((s) => s.type === t));
    if (missing.length > 0)
      fail('EIF_SECTION_MISSING', `the image has no ${missing.join(', no ')} section`, HINT_DAMAGED);
    // CRC-32/ISO-HDLC as zlib computes it (spec §1.1).
    if (crc !== h.crc32) {
      fail(
        'EIF_CRC_MISMATCH',
        `CRC mismatch: header says ${h.crc32.toString(16).padStart(8, '0')}, contents give ${crc.toString(16).padStart(8, '0')}`,
        'the file was altered or damaged after it was built; copy it again',
      );
    }
    state = 'done';
    return {
      header: h,
      sections,
      size: offset,
      pcrs: { PCR0: extendPCR(image.digest()), PCR1: extendPCR(bootstrap.digest()), PCR2: extendPCR(app.digest()) },
      crc32: crc,
      metadata,
      signature,
    };
  };

  // Once a call failed, every later call fails the same way: a half-read image has no measurement.
  const guard =
    <A extends unknown[], R>(fn: (...args: A) => R) =>
    (...args: A): R => {
      if (failure !== undefined) throw failure;
      try {
        return fn(...args);
      } catch (error) {
        if (error instanceof CosignerError && error.code !== 'INTERNAL') failure = error;
        throw error;
      }
    };
  return { update: guard(update), finish: guard(finish) };
}

/** Measure an image from an (async) iterable of chunks. */
export async function measureEifChunks(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: EifMeasurerOptions = {},
): Promise<EifMeasurement> {
  const measurer = createEifMeasurer(options);
  for await (const chunk of chunks) measurer.update(chunk);
  return measurer.finish();
}

/** Measure a whole in-memory image. */
export function measureEIF(bytes: Uint8Array, options: Omit<EifMeasurerOptions, 'totalSize'> = {}): EifMeasurement {
  const measurer = createEifMeasurer({ ...options, totalSize: bytes.length });
  measurer.update(bytes);
  return measurer.finish();
}
