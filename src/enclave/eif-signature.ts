// The EIF signature section (spec §3; aws-nitro-enclaves-image-format `PcrSignature`, `PcrInfo`,
// `PcrSignatureChecker`): a CBOR array of {signing_certificate, signature} entries whose byte
// fields are serde `Vec<u8>`, i.e. CBOR arrays of small unsigned integers, not byte strings.
import { CosignerError, fail } from '../errors.js';
import { fromUtf8 } from './bytes.js';
import { decodeCBOR, encodeCBOR } from './cbor.js';
import { COSE_ALGORITHMS, decodeCoseSign1, verifyCoseSign1, type CoseAlgorithm } from './cose.js';
import { computePCR8 } from './pcr.js';
import { parseCertificate, pemToDer, type Certificate } from './x509.js';

export interface EifSignatureEntry {
  /** `signing_certificate`: the PEM file's bytes (spec §3.1). */
  readonly signingCertificate: Uint8Array;
  /** `signature`: an untagged COSE_Sign1 (spec §3.2). */
  readonly signature: Uint8Array;
}

export interface EifSignature {
  /** The first entry's certificate, DER, and its parsed form. */
  readonly certificateDer: Uint8Array;
  readonly certificate: Certificate;
  /** SHA384(Z48 || SHA384(DER)) (spec §2.3). */
  readonly pcr8: string;
  /** COSE algorithm name, e.g. ES384. */
  readonly algorithm: string;
}

/** nitro-cli writes one entry; a few more are tolerated, an absurd count is not. */
const MAX_ENTRIES = 8;
const HINT_INVALID =
  'the signature section is damaged or was not written by nitro-cli sign-eif / build-enclave --signing-certificate';

function invalid(what: string, cause?: unknown): never {
  throw new CosignerError('EIF_SIGNATURE_INVALID', `invalid EIF signature section: ${what}`, {
    hint: HINT_INVALID,
    cause,
  });
}

/** A serde `Vec<u8>`: a CBOR array of integers 0..255. */
function byteArray(value: unknown, field: string): Uint8Array {
  if (!Array.isArray(value)) invalid(`${field} is not an array of bytes (byte strings are not what nitro-cli writes)`);
  const bytes = new Uint8Array(value.length);
  value.forEach((item: unknown, i) => {
    if (typeof item !== 'number' || !Number.isInteger(item) || item < 0 || item > 255)
      invalid(`${field}[${i}] is not a byte`);
    bytes[i] = item;
  });
  return bytes;
}

/** Decode the section's CBOR into entries (spec §3.1). Throws EIF_SIGNATURE_INVALID. */
export function decodeEifSignatureSection(bytes: Uint8Array): EifSignatureEntry[] {
  const value = decodeCBOR(bytes, 'EIF signature section', 'EIF_SIGNATURE_INVALID');
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_ENTRIES)
    invalid(`expected an array of 1 to ${MAX_ENTRIES} entries`);
  return value.map((entry: unknown) => {
    if (!(entry instanceof Map) || entry.size !== 2 || !entry.has('signing_certificate') || !entry.has('signature')) {
      invalid('an entry is not a map of signing_certificate and signature');
    }
    return {
      signingCertificate: byteArray(entry.get('signing_certificate'), 'signing_certificate'),
      signature: byteArray(entry.get('signature'), 'signature'),
    };
  });
}

/** serde_cbor of `PcrInfo { register_index, register_value }`: the payload nitro-cli signs (spec §3.2). */
export function encodePcrInfo(registerIndex: number, registerValue: Uint8Array): Uint8Array {
  return encodeCBOR(
    new Map<string, unknown>([
      ['register_index', registerIndex],
      ['register_value', Array.from(registerValue)],
    ]),
  );
}

/**
 * Check the first entry as nitro-cli does, both ways (spec §3.3): the COSE_Sign1 verifies with
 * the certificate's key, and its payload is exactly PcrInfo(0, PCR0) of the measured image.
 * Throws EIF_SIGNATURE_INVALID (unreadable) or EIF_SIGNATURE_MISMATCH (does not match the image).
 */
export function verifyEifSignature(sectionBytes: Uint8Array, pcr0: Uint8Array): EifSignature {
  const [entry] = decodeEifSignatureSection(sectionBytes) as [EifSignatureEntry];
  const pem = fromUtf8(entry.signingCertificate) ?? invalid('signing_certificate is not text');
  let certificateDer: Uint8Array;
  let certificate: Certificate;
  try {
    certificateDer = pemToDer(pem);
    certificate = parseCertificate(certificateDer);
  } catch (error) {
    return invalid('signing_certificate is not a readable PEM certificate', error);
  }
  let cose;
  try {
    cose = decodeCoseSign1(entry.signature, 'EIF signature');
  } catch (error) {
    return invalid('signature is not a COSE_Sign1', error);
  }
  const algorithm =
    cose.alg in COSE_ALGORITHMS
      ? COSE_ALGORITHMS[cose.alg as CoseAlgorithm].name
      : invalid(`unsupported COSE algorithm ${cose.alg}`);
  if (!verifyCoseSign1(cose, certificate.publicKey)) {
    fail(
      'EIF_SIGNATURE_MISMATCH',
      'the EIF signature does not verify with its signing certificate',
      'the image or its signature was altered; rebuild and re-sign it',
    );
  }
  const expected = encodePcrInfo(0, pcr0);
  if (expected.length !== cose.payload.length || !expected.every((b, i) => b === cose.payload[i])) {
    fail(
      'EIF_SIGNATURE_MISMATCH',
      'the EIF signature was made for a different PCR0 than this image has',
      'the image was altered after it was signed; rebuild and re-sign it',
    );
  }
  return { certificateDer, certificate, pcr8: computePCR8(certificateDer), algorithm };
}
