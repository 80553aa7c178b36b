// Nitro attestation documents: a COSE_Sign1 whose payload is a CBOR map (spec §6.1, §6.2; AWS
// "Verifying the root of trust"). This module reads the structure only; trust decisions are in
// attestation-verify.ts.
import { fail } from '../errors.js';
import { toHex } from './bytes.js';
import { decodeCBOR } from './cbor.js';
import { decodeCoseSign1, type CoseSign1 } from './cose.js';
import { PCR_BYTES } from './pcr.js';

export interface AttestationDocument {
  /** `module_id`: `i-<instance>-enc<enclave>`. */
  readonly moduleId: string;
  /** `digest`: always `SHA384` for Nitro. */
  readonly digest: 'SHA384';
  /** `timestamp`, milliseconds since the Unix epoch, as a Date. */
  readonly timestamp: Date;
  /** `pcrs`: register index → 96 lowercase hex. */
  readonly pcrs: ReadonlyMap<number, string>;
  /** `certificate`: the enclave's leaf certificate, DER. */
  readonly certificate: Uint8Array;
  /** `cabundle`: root first, then intermediates down to the leaf's issuer, DER. */
  readonly cabundle: readonly Uint8Array[];
  /** `public_key`: optional key the enclave supplied (≤ 1024 bytes). */
  readonly publicKey: Uint8Array | null;
  /** `user_data`: optional data the enclave supplied (≤ 512 bytes). */
  readonly userData: Uint8Array | null;
  /** `nonce`: optional nonce the requester supplied (≤ 512 bytes). */
  readonly nonce: Uint8Array | null;
  /** The signed envelope, for signature verification. */
  readonly cose: CoseSign1;
}

/** ES384, the only algorithm Nitro uses (spec §6.1). */
const ATTESTATION_ALG = -35;
/** Limits from the AWS attestation document specification (spec §6.2). */
export const ATTESTATION_LIMITS = { publicKey: 1024, userData: 512, nonce: 512, pcrs: 32, cabundle: 32 } as const;

const KEYS = new Set([
  'module_id',
  'digest',
  'timestamp',
  'pcrs',
  'certificate',
  'cabundle',
  'public_key',
  'user_data',
  'nonce',
]);

function malformed(what: string): never {
  return fail(
    'ATTESTATION_MALFORMED',
    `malformed attestation document: ${what}`,
    'pass the raw attestation document (CBOR COSE_Sign1) exactly as the enclave produced it',
  );
}

function optionalBytes(payload: Map<unknown, unknown>, key: string, limit: number): Uint8Array | null {
  const value = payload.get(key);
  if (value === undefined || value === null) return null;
  if (!(value instanceof Uint8Array)) malformed(`${key} is not a byte string`);
  if (value.length > limit) malformed(`${key} is longer than ${limit} bytes`);
  return value;
}

function readPcrs(value: unknown): Map<number, string> {
  if (!(value instanceof Map) || value.size === 0 || value.size > ATTESTATION_LIMITS.pcrs)
    malformed(`pcrs must map 1 to ${ATTESTATION_LIMITS.pcrs} registers`);
  const pcrs = new Map<number, string>();
  for (const [index, digest] of value as Map<unknown, unknown>) {
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= ATTESTATION_LIMITS.pcrs)
      malformed('pcr index out of range');
    if (!(digest instanceof Uint8Array) || digest.length !== PCR_BYTES)
      malformed(`pcr ${index} is not ${PCR_BYTES} bytes`);
    pcrs.set(index, toHex(digest));
  }
  return new Map([...pcrs].sort(([a], [b]) => a - b));
}

/**
 * Parse an attestation document's structure: COSE_Sign1 with ES384, and a payload with every
 * mandatory field of the right type (spec §6.3 steps 1–2). Does not verify anything.
 * Throws CBOR_INVALID, COSE_INVALID or ATTESTATION_MALFORMED.
 */
export function parseAttestationDocument(bytes: Uint8Array): AttestationDocument {
  const cose = decodeCoseSign1(bytes, 'attestation document');
  if (cose.alg !== ATTESTATION_ALG) malformed(`algorithm ${cose.alg} is not ES384 (-35)`);
  const payload = decodeCBOR(cose.payload, 'attestation payload', 'ATTESTATION_MALFORMED');
  if (!(payload instanceof Map)) malformed('payload is not a map');
  for (const key of payload.keys()) {
    if (typeof key !== 'string' || !KEYS.has(key)) malformed(`unexpected field ${JSON.stringify(String(key))}`);
  }
  const fields = payload as Map<string, unknown>;

  const moduleId = fields.get('module_id');
  if (typeof moduleId !== 'string' || moduleId.length === 0) malformed('module_id is missing or empty');
  if (fields.get('digest') !== 'SHA384') malformed('digest is not SHA384');
  const timestamp = fields.get('timestamp');
  if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp) || timestamp <= 0)
    malformed('timestamp is not a positive integer');
  const certificate = fields.get('certificate');
  if (!(certificate instanceof Uint8Array) || certificate.length === 0) malformed('certificate is not a byte string');
  const cabundle = fields.get('cabundle');
  if (!Array.isArray(cabundle) || cabundle.length === 0 || cabundle.length > ATTESTATION_LIMITS.cabundle)
    malformed('cabundle must hold 1 to 32 certificates');
  for (const entry of cabundle) {
    if (!(entry instanceof Uint8Array) || entry.length === 0) malformed('cabundle entry is not a byte string');
  }

  return {
    moduleId,
    digest: 'SHA384',
    timestamp: new Date(timestamp),
    pcrs: readPcrs(fields.get('pcrs')),
    certificate,
    cabundle: cabundle as Uint8Array[],
    publicKey: optionalBytes(fields, 'public_key', ATTESTATION_LIMITS.publicKey),
    userData: optionalBytes(fields, 'user_data', ATTESTATION_LIMITS.userData),
    nonce: optionalBytes(fields, 'nonce', ATTESTATION_LIMITS.nonce),
    cose,
  };
}
