/** Validation of PCR8 values that go into a key policy. */
import { fail } from '../errors.js';
import { ZERO_MEASUREMENT } from './constants.js';

/**
 * Check one PCR8 value as it will be written into the key policy: exactly 96 lower-case hex
 * characters and not all zeros. KMS documents the attestation values as lower-case hex, nitro-cli
 * prints them so, and a value typed in another case or length is almost always a copy-paste slip;
 * so it is refused with a precise hint rather than silently repaired. Throws PCR_INVALID.
 * @param source where the value came from, shown in the error (e.g. `--pcr8`).
 */
export function assertPCR8(value: string, source = 'PCR8'): string {
  const context = { source, length: value.length };
  if (value !== value.trim()) fail('PCR_INVALID', `${source}: the value has surrounding whitespace`, 'remove spaces and line breaks around the value', { context });
  if (/^0x/i.test(value)) fail('PCR_INVALID', `${source}: the value has a 0x prefix`, 'pass the 96 hex characters without 0x', { context });
  if (!/^[0-9a-fA-F]*$/.test(value)) fail('PCR_INVALID', `${source}: the value contains characters other than hex digits`, 'pass the PCR8 as 96 hex characters, as nitro-cli prints it', { context });
  if (value.length !== 96) fail('PCR_INVALID', `${source}: expected 96 hex characters (48 bytes), got ${value.length}`, 'copy the whole PCR8 value; a SHA-384 measurement is 96 hex characters', { context });
  if (value !== value.toLowerCase()) fail('PCR_INVALID', `${source}: the value is not lower case`, `KMS compares attestation values as lower-case hex; pass ${value.toLowerCase()}`, { context });
  if (value === ZERO_MEASUREMENT) fail('PCR_INVALID', `${source}: the value is all zeros (an unsigned or debug-mode image)`, 'use the PCR8 of the signed Fireblocks EIF', { context });
  return value;
}

/** Validate a list of PCR8 values: non-empty, each valid, no duplicates (order kept). */
export function assertPCR8List(values: readonly string[], source = 'PCR8'): string[] {
  if (values.length === 0) fail('PCR_SOURCE_MISSING', 'no PCR8 value given', 'pass --pcr8, --eif, --build-output, --describe-eif-output or configure the Fireblocks environment');
  const seen = new Set<string>();
  for (const value of values) {
    assertPCR8(value, source);
    if (seen.has(value)) fail('PCR_INVALID', `${source}: the value ${value} is listed twice`, 'list each PCR8 value once');
    seen.add(value);
  }
  return [...values];
}
