// Strict CBOR (RFC 8949) decoding over cbor2 for untrusted input: definite lengths only, no
// duplicate map keys, bounded nesting, no trailing bytes, no tag interpretation. Any failure of
// the decoder (including its own RangeErrors on hostile lengths) becomes one coded error.
import { decode, encode } from 'cbor2';
import { CosignerError, type CosignerErrorCode } from '../errors.js';

const DECODE_OPTIONS = {
  // Maps always decode as Map, so integer and text keys keep their types.
  preferMap: true,
  rejectDuplicateKeys: true,
  rejectStreaming: true,
  // Tags (e.g. COSE tag 18) stay as Tag objects; no date or bignum conversion behind our back.
  ignoreGlobalTags: true,
  // The deepest structure read here (EIF signature → entry → array) is 3 levels.
  maxDepth: 16,
} as const;

/** Decode one CBOR item spanning all of `bytes`; throws `code` (CBOR_INVALID by default). */
export function decodeCBOR(bytes: Uint8Array, what: string, code: CosignerErrorCode = 'CBOR_INVALID'): unknown {
  try {
    return decode(bytes, DECODE_OPTIONS);
  } catch (error) {
    throw new CosignerError(code, `${what} is not valid CBOR (${String(error)})`, {
      hint: 'the file is damaged or not the expected format',
      cause: error,
    });
  }
}

/** Encode a value as CBOR in preferred (shortest) form. */
export function encodeCBOR(value: unknown): Uint8Array {
  return encode(value);
}
