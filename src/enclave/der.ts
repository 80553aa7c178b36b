// A strict DER reader (ITU-T X.690 §8 and §10): definite lengths only, minimal length encodings,
// single-byte tags, no trailing bytes. Every failure is CERT_INVALID, because certificates (and
// the keys inside them) are the only DER this tool reads.
import { fail } from '../errors.js';

/** Universal tags used by X.509 (X.690 §8.x; RFC 5280 §4.1). */
export const DER_TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  TELETEX_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** One TLV: its tag byte, its content, and the full encoding (tag + length + content). */
export interface DerNode {
  readonly tag: number;
  readonly content: Uint8Array;
  readonly encoded: Uint8Array;
}

function invalid(what: string): never {
  return fail(
    'CERT_INVALID',
    `malformed DER: ${what}`,
    'check that the certificate is a DER or PEM X.509 certificate and was not altered',
  );
}

/** Reads consecutive TLVs from a byte range. */
export class DerReader {
  readonly #bytes: Uint8Array;
  #offset = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  get done(): boolean {
    return this.#offset === this.#bytes.length;
  }

  /** The tag of the next TLV, or undefined at the end. */
  peekTag(): number | undefined {
    return this.#bytes[this.#offset];
  }

  /** Read the next TLV; with `tag`, require that tag. */
  next(tag?: number): DerNode {
    const bytes = this.#bytes;
    const start = this.#offset;
    const tagByte = bytes[start];
    if (tagByte === undefined) invalid('unexpected end of data');
    // X.690 §8.1.2.4: tag numbers >= 31 use the multi-byte form, which X.509 never needs.
    if ((tagByte & 0x1f) === 0x1f) invalid('multi-byte tag');
    if (tag !== undefined && tagByte !== tag)
      invalid(`expected tag 0x${tag.toString(16)}, found 0x${tagByte.toString(16)}`);
    const first = bytes[start + 1];
    if (first === undefined) invalid('missing length');
    let length: number;
    let headerLength: number;
    if (first < 0x80) {
      length = first;
      headerLength = 2;
    } else {
      // X.690 §8.1.3.5 long form; §10.1 DER: definite, minimal; 0x80 (indefinite) is BER only.
      const count = first & 0x7f;
      if (count === 0) invalid('indefinite length');
      if (count > 4) invalid('length too large');
      if (start + 2 + count > bytes.length) invalid('truncated length');
      length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + (bytes[start + 2 + i] as number);
      if (bytes[start + 2] === 0 || length < 0x80) invalid('non-minimal length');
      headerLength = 2 + count;
    }
    const end = start + headerLength + length;
    if (end > bytes.length) invalid('content runs past the end');
    this.#offset = end;
    return { tag: tagByte, content: bytes.subarray(start + headerLength, end), encoded: bytes.subarray(start, end) };
  }

  /** Require that every byte was consumed. */
  end(): void {
    if (!this.done) invalid('trailing bytes');
  }
}

/** Parse exactly one TLV spanning all of `bytes`. */
export function readDer(bytes: Uint8Array, tag?: number): DerNode {
  const reader = new DerReader(bytes);
  const node = reader.next(tag);
  reader.end();
  return node;
}

/** The children of a constructed node. */
export function derChildren(node: DerNode): DerReader {
  if ((node.tag & 0x20) === 0) invalid('expected a constructed value');
  return new DerReader(node.content);
}

/** Decode an OBJECT IDENTIFIER's content into dotted form (X.690 §8.19). */
export function decodeOid(content: Uint8Array): string {
  if (content.length === 0) invalid('empty object identifier');
  const arcs: number[] = [];
  let value = 0;
  let fresh = true;
  for (const byte of content) {
    // §8.19.2: each arc is base-128, high bit = continuation, and must not start with 0x80.
    if (fresh && byte === 0x80) invalid('non-minimal object identifier');
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER) invalid('object identifier arc too large');
    fresh = (byte & 0x80) === 0;
    if (fresh) {
      arcs.push(value);
      value = 0;
    }
  }
  if (!fresh) invalid('truncated object identifier');
  const first = arcs[0] as number;
  // §8.19.4: the first subidentifier packs the first two arcs.
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...arcs.slice(1)].join('.');
}

/** A BIT STRING's bytes; only whole-byte strings (0 unused bits) are accepted (keys, signatures). */
export function decodeBitString(content: Uint8Array): Uint8Array {
  if (content[0] !== 0) invalid('bit string with unused bits');
  return content.subarray(1);
}

/** A BOOLEAN (DER: 0x00 or 0xff only, X.690 §11.1). */
export function decodeBoolean(content: Uint8Array): boolean {
  if (content.length !== 1 || (content[0] !== 0x00 && content[0] !== 0xff)) invalid('invalid boolean');
  return content[0] === 0xff;
}

/** UTCTime / GeneralizedTime in the RFC 5280 §4.1.2.5 profile: Zulu, seconds, no fractions. */
export function decodeTime(node: DerNode): Date {
  const text = String.fromCharCode(...node.content);
  let iso: string;
  if (node.tag === DER_TAG.UTC_TIME) {
    if (!/^\d{12}Z$/.test(text)) invalid('invalid UTCTime');
    // RFC 5280 §4.1.2.5.1: YY >= 50 means 19YY, otherwise 20YY.
    const century = Number(text.slice(0, 2)) >= 50 ? '19' : '20';
    iso = century + text;
  } else if (node.tag === DER_TAG.GENERALIZED_TIME) {
    if (!/^\d{14}Z$/.test(text)) invalid('invalid GeneralizedTime');
    iso = text;
  } else {
    return invalid('expected a time');
  }
  // YYYYMMDDHHMMSSZ → YYYY-MM-DDTHH:MM:SS.000Z, then require a round trip so that field overflow
  // (month 13, day 32, hour 24…) is rejected instead of rolled over.
  const formatted = `${iso.slice(0, 4)}-${iso.slice(4, 6)}-${iso.slice(6, 8)}T${iso.slice(8, 10)}:${iso.slice(10, 12)}:${iso.slice(12, 14)}.000Z`;
  const date = new Date(formatted);
  if (Number.isNaN(date.getTime()) || date.toISOString() !== formatted) invalid('time field out of range');
  return date;
}
