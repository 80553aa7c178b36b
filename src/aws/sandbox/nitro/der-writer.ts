// The one DER writer (ITU-T X.690 §10) of the simulated Nitro side: certificates of the fake
// attestation issuer and of EIF signers (x509-build.ts), and the CMS envelopes the simulated KMS
// returns (cms.ts). node:crypto can sign but cannot issue certificates or write CMS, so the
// structures are assembled here. The strict reader is src/enclave/der.ts.
import { concatBytes, utf8 } from '../../../enclave/bytes.js';
import { DER_TAG } from '../../../enclave/der.js';

/** Encode a TLV with a definite, minimal length (X.690 §8.1.3, §10.1). */
export function derTlv(tag: number, content: Uint8Array): Uint8Array {
  const length = content.length;
  let header: number[];
  if (length < 0x80) {
    header = [tag, length];
  } else {
    const lengthBytes: number[] = [];
    for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) lengthBytes.unshift(rest % 256);
    header = [tag, 0x80 | lengthBytes.length, ...lengthBytes];
  }
  return concatBytes(Uint8Array.from(header), content);
}

export const derSequence = (...items: Uint8Array[]): Uint8Array => derTlv(DER_TAG.SEQUENCE, concatBytes(...items));
export const derSet = (...items: Uint8Array[]): Uint8Array => derTlv(DER_TAG.SET, concatBytes(...items));
export const derOctetString = (bytes: Uint8Array): Uint8Array => derTlv(DER_TAG.OCTET_STRING, bytes);
export const derUtf8String = (text: string): Uint8Array => derTlv(DER_TAG.UTF8_STRING, utf8(text));
export const derPrintableString = (text: string): Uint8Array => derTlv(DER_TAG.PRINTABLE_STRING, utf8(text));
export const derBoolean = (value: boolean): Uint8Array => derTlv(DER_TAG.BOOLEAN, Uint8Array.of(value ? 0xff : 0x00));
/** A whole-byte BIT STRING (0 unused bits). */
export const derBitString = (bytes: Uint8Array): Uint8Array =>
  derTlv(DER_TAG.BIT_STRING, concatBytes(Uint8Array.of(0), bytes));
/** A context-specific constructed (EXPLICIT) tag [n]. */
export const derExplicit = (n: number, content: Uint8Array): Uint8Array => derTlv(0xa0 | n, content);
/** A context-specific primitive (IMPLICIT) tag [n] over raw content bytes. */
export const derImplicit = (n: number, content: Uint8Array): Uint8Array => derTlv(0x80 | n, content);

/** A non-negative INTEGER from big-endian magnitude bytes, minimal (X.690 §8.3.2). */
export function derUnsignedInteger(magnitude: Uint8Array): Uint8Array {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.length === 0 ? Uint8Array.of(0) : magnitude.subarray(start);
  // A set high bit would read as negative: prefix a zero byte.
  const content = ((trimmed[0] as number) & 0x80) !== 0 ? concatBytes(Uint8Array.of(0), trimmed) : trimmed;
  return derTlv(DER_TAG.INTEGER, content);
}

/** An OBJECT IDENTIFIER from dotted form (X.690 §8.19). */
export function derOid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number);
  const [a = 0, b = 0, ...rest] = arcs;
  const out: number[] = [];
  for (const arc of [a * 40 + b, ...rest]) {
    const chunk: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f));
    out.push(...chunk);
  }
  return derTlv(DER_TAG.OID, Uint8Array.from(out));
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
export function derTime(date: Date): Uint8Array {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const compact = iso.slice(0, 19).replace(/[-T:]/g, '') + 'Z';
  const year = date.getUTCFullYear();
  return year >= 1950 && year < 2050
    ? derTlv(DER_TAG.UTC_TIME, utf8(compact.slice(2)))
    : derTlv(DER_TAG.GENERALIZED_TIME, utf8(compact));
}
