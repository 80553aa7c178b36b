// PCR measurements as nitro-cli and the Nitro hypervisor compute them
// (docs/eif-and-attestation.md §2). Every value is 96 lowercase hex characters.
import { createHash } from 'node:crypto';
import { fail } from '../errors.js';
import { bytesEqual, fromHex, toHex, utf8 } from './bytes.js';
import { DER_TAG, readDer } from './der.js';

/** Bytes in a SHA-384 PCR. */
export const PCR_BYTES = 48;
/** Hex characters in a SHA-384 PCR. */
export const PCR_HEX_LENGTH = 96;
/** An all-zero PCR: not measured, or (PCR0/1/2) a debug-mode enclave (spec §2.5). */
export const ZERO_PCR = '0'.repeat(PCR_HEX_LENGTH);

const ZERO_REGISTER = new Uint8Array(PCR_BYTES);

/** SHA-384 of `data`. */
export function sha384(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha384').update(data).digest());
}

/** One TPM-style extend of an all-zero register: SHA384(Z48 || value) (spec §2.1). */
export function extendPCR(value: Uint8Array): string {
  return toHex(new Uint8Array(createHash('sha384').update(ZERO_REGISTER).update(value).digest()));
}

/**
 * PCR3: the parent instance's IAM role ARN, extended raw (not pre-hashed) (spec §2.4, AWS user
 * guide "Where to get an enclave's measurements"). Which ARN form the hypervisor uses (role or
 * assumed-role) is unconfirmed, so both are accepted; callers should show the input they hashed.
 */
export function computePCR3(roleArn: string): string {
  if (!/^arn:aws(-[a-z]+)*:(iam::\d{12}:role\/|sts::\d{12}:assumed-role\/)[\w+=,.@/-]+$/.test(roleArn)) {
    fail(
      'PCR_INVALID',
      `not an IAM role ARN: ${JSON.stringify(roleArn)}`,
      'pass the role ARN, e.g. arn:aws:iam::123456789012:role/cosigner',
    );
  }
  return extendPCR(utf8(roleArn));
}

/** PCR4: the parent EC2 instance id, extended raw (spec §2.4; confirmed on real documents). */
export function computePCR4(instanceId: string): string {
  if (!/^i-([0-9a-f]{8}|[0-9a-f]{17})$/.test(instanceId)) {
    fail(
      'PCR_INVALID',
      `not an EC2 instance id: ${JSON.stringify(instanceId)}`,
      'pass the instance id, e.g. i-0123456789abcdef0',
    );
  }
  return extendPCR(utf8(instanceId));
}

/**
 * PCR8: SHA384(Z48 || SHA384(DER of the EIF signing certificate)) (spec §2.3). Takes DER, not PEM:
 * hashing the PEM text would give a plausible but wrong value, so the input must be one DER
 * SEQUENCE spanning every byte.
 */
export function computePCR8(certificateDer: Uint8Array): string {
  readDer(certificateDer, DER_TAG.SEQUENCE);
  return extendPCR(sha384(certificateDer));
}

/**
 * Validate and canonicalise a PCR given by a user or another tool: exactly 96 hex characters
 * (surrounding whitespace ignored), returned lower-cased. Throws PCR_INVALID.
 */
export function normalizePCR(hex: string): string {
  const trimmed = hex.trim();
  if (trimmed.length !== PCR_HEX_LENGTH || fromHex(trimmed) === undefined) {
    const shown = trimmed.length > 120 ? `${trimmed.slice(0, 120)}…` : trimmed;
    fail(
      'PCR_INVALID',
      `invalid PCR value ${JSON.stringify(shown)}: expected ${PCR_HEX_LENGTH} hex characters, got ${trimmed.length}`,
      'pass the 48-byte SHA-384 measurement as 96 hex characters, as nitro-cli prints it',
    );
  }
  return trimmed.toLowerCase();
}

/** True when a (normalised) PCR is all zeros. */
export function isZeroPCR(hex: string): boolean {
  return hex === ZERO_PCR;
}

/** Constant-time comparison of two PCR hex strings (either case). */
export function pcrEquals(a: string, b: string): boolean {
  const x = fromHex(a);
  const y = fromHex(b);
  return x !== undefined && y !== undefined && bytesEqual(x, y);
}
