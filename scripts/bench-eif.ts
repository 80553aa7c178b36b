/**
 * Writing a large signed EIF for the benchmarks without holding it in memory: the header (its CRC
 * filled in at the end), then every section as its chunks come, CRC-ing as it goes; flushed to
 * disk before anything is timed, so background writeback competes with neither side.
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { encodeEifHeader, encodeEifSectionHeader } from '../src/aws/sandbox/nitro/eif-encode.js';
import {
  EIF_CRC_OFFSET,
  EIF_HEADER_SIZE,
  EIF_SECTION_HEADER_SIZE,
  type EifSectionType,
} from '../src/enclave/eif-format.js';

/** A section: its type, its bytes (produced again on each call), and their total length. */
export type StreamedSection = [EifSectionType, () => Iterable<Uint8Array>, number];

const MiB = 1024 * 1024;

export function writeStreamedEif(file: string, sections: readonly StreamedSection[]): void {
  let offset = EIF_HEADER_SIZE;
  const layout = sections.map(([, , size]) => {
    const entry = { offset, size };
    offset += EIF_SECTION_HEADER_SIZE + size;
    return entry;
  });
  const header = encodeEifHeader({
    version: 4,
    flags: 0,
    defaultMemory: 1024n * BigInt(MiB),
    defaultCpus: 2n,
    sections: layout,
    crc32: 0,
  });
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, header);
    let crc = crc32(header.subarray(0, EIF_CRC_OFFSET));
    for (const [type, chunks, size] of sections) {
      const sectionHeader = encodeEifSectionHeader(type, size);
      writeSync(fd, sectionHeader);
      crc = crc32(sectionHeader, crc);
      for (const chunk of chunks()) {
        writeSync(fd, chunk);
        crc = crc32(chunk, crc);
      }
    }
    const crcBytes = new Uint8Array(4);
    new DataView(crcBytes.buffer).setUint32(0, crc);
    writeSync(fd, crcBytes, 0, 4, EIF_CRC_OFFSET);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
