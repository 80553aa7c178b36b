// Encoders for the EIF container (docs/eif-and-attestation.md §1, §3; aws-nitro-enclaves-image-format
// src/defs/mod.rs): the header, section headers and the signature section, as nitro-cli writes them.
// For building images in the simulated account and in tests; src/enclave parses and measures them.
import { encodeCBOR } from '../../../enclave/cbor.js';
import {
  EIF_CRC_OFFSET,
  EIF_HEADER_SIZE,
  EIF_MAGIC,
  EIF_SECTION_HEADER_SIZE,
  EIF_SECTION_TYPES,
  type EifSectionType,
} from '../../../enclave/eif-format.js';

export interface EifHeaderFields {
  version: number;
  flags: number;
  defaultMemory: bigint;
  defaultCpus: bigint;
  sections: readonly { offset: number; size: number }[];
  crc32: number;
}

/** Encode an EifHeader (for building images). */
export function encodeEifHeader(fields: EifHeaderFields): Uint8Array {
  const bytes = new Uint8Array(EIF_HEADER_SIZE);
  const view = new DataView(bytes.buffer);
  bytes.set(EIF_MAGIC, 0);
  view.setUint16(4, fields.version);
  view.setUint16(6, fields.flags);
  view.setBigUint64(8, fields.defaultMemory);
  view.setBigUint64(16, fields.defaultCpus);
  view.setUint16(26, fields.sections.length);
  fields.sections.forEach((section, i) => {
    view.setBigUint64(28 + 8 * i, BigInt(section.offset));
    view.setBigUint64(284 + 8 * i, BigInt(section.size));
  });
  view.setUint32(EIF_CRC_OFFSET, fields.crc32);
  return bytes;
}

/** Encode a section header (for building images). */
export function encodeEifSectionHeader(type: EifSectionType, size: number): Uint8Array {
  const bytes = new Uint8Array(EIF_SECTION_HEADER_SIZE);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, EIF_SECTION_TYPES[type]);
  view.setBigUint64(4, BigInt(size));
  return bytes;
}

/** The signature section's body for one signer (for building signed images). */
export function encodeEifSignatureSection(certificatePem: string, coseSign1: Uint8Array): Uint8Array {
  return encodeCBOR([
    new Map<string, unknown>([
      ['signing_certificate', Array.from(new TextEncoder().encode(certificatePem))],
      ['signature', Array.from(coseSign1)],
    ]),
  ]);
}
