// COSE_Sign1 (RFC 9052 §4.2) with ECDSA (RFC 9053 §2.1), as used by Nitro attestation documents
// and EIF signatures (spec §3.2, §6.1): protected header {1: alg}, raw r||s signatures. Decoding
// and verification only; the simulated signer is src/aws/sandbox/nitro/cose-sign.ts.
import { verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { Tag } from 'cbor2';
import { fail } from '../errors.js';
import { decodeCBOR, encodeCBOR } from './cbor.js';

/** COSE algorithm identifiers (RFC 9053 §2.1) with their hash, curve and signature size. */
export const COSE_ALGORITHMS = {
  [-7]: { name: 'ES256', hash: 'sha256', curve: 'prime256v1', signatureBytes: 64 },
  [-35]: { name: 'ES384', hash: 'sha384', curve: 'secp384r1', signatureBytes: 96 },
  [-36]: { name: 'ES512', hash: 'sha512', curve: 'secp521r1', signatureBytes: 132 },
} as const;
export type CoseAlgorithm = keyof typeof COSE_ALGORITHMS;

/** COSE_Sign1 tag (RFC 9052 §4.2). */
const COSE_SIGN1_TAG = 18;

export interface CoseSign1 {
  /** The protected header as the exact bytes that were signed. */
  readonly protectedBytes: Uint8Array;
  /** Header parameter 1 (alg). */
  readonly alg: number;
  readonly payload: Uint8Array;
  readonly signature: Uint8Array;
}

function invalid(what: string): never {
  return fail(
    'COSE_INVALID',
    `invalid COSE_Sign1: ${what}`,
    'the signed document is damaged or not a COSE_Sign1 structure',
  );
}

/**
 * Decode a COSE_Sign1 from CBOR bytes (a Uint8Array) or an already-decoded CBOR value. Tagged (18) and untagged
 * forms are accepted (Nitro writes untagged). Throws CBOR_INVALID or COSE_INVALID.
 */
export function decodeCoseSign1(input: unknown, what = 'COSE_Sign1'): CoseSign1 {
  let value = input instanceof Uint8Array ? decodeCBOR(input, what) : input;
  if (value instanceof Tag) {
    if (Number(value.tag) !== COSE_SIGN1_TAG) invalid(`unexpected tag ${String(value.tag)}`);
    value = value.contents;
  }
  if (!Array.isArray(value) || value.length !== 4) invalid('expected an array of 4 items');
  const [protectedBytes, unprotected, payload, signature] = value as unknown[];
  if (!(protectedBytes instanceof Uint8Array)) invalid('protected header is not a byte string');
  if (!(unprotected instanceof Map)) invalid('unprotected header is not a map');
  if (!(payload instanceof Uint8Array)) invalid('payload is not a byte string (detached payloads are not supported)');
  if (!(signature instanceof Uint8Array)) invalid('signature is not a byte string');
  const header = decodeCBOR(protectedBytes, 'COSE protected header', 'COSE_INVALID');
  if (!(header instanceof Map)) invalid('protected header is not a map');
  const alg: unknown = header.get(1);
  if (typeof alg !== 'number') invalid('protected header has no algorithm');
  return { protectedBytes, alg, payload, signature };
}

/** Sig_structure for COSE_Sign1 with empty external AAD (RFC 9052 §4.4). */
export function coseSigStructure(protectedBytes: Uint8Array, payload: Uint8Array): Uint8Array {
  return encodeCBOR(['Signature1', protectedBytes, new Uint8Array(0), payload]);
}

function algorithmOf(alg: number): (typeof COSE_ALGORITHMS)[CoseAlgorithm] | undefined {
  return alg in COSE_ALGORITHMS ? COSE_ALGORITHMS[alg as CoseAlgorithm] : undefined;
}

/**
 * True when the COSE_Sign1 signature verifies with `publicKey`. A primitive: never throws. The
 * algorithm must be an ECDSA one whose curve matches the key, and the signature the raw r||s size.
 */
export function verifyCoseSign1(cose: CoseSign1, publicKey: KeyObject): boolean {
  const algorithm = algorithmOf(cose.alg);
  if (algorithm === undefined) return false;
  if (publicKey.asymmetricKeyDetails?.namedCurve !== algorithm.curve) return false;
  if (cose.signature.length !== algorithm.signatureBytes) return false;
  try {
    return cryptoVerify(
      algorithm.hash,
      coseSigStructure(cose.protectedBytes, cose.payload),
      { key: publicKey, dsaEncoding: 'ieee-p1363' },
      cose.signature,
    );
  } catch {
    return false;
  }
}
