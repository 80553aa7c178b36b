/** PCR8 values: validation of the ones that go into a key policy, and reading them out of one. */
import { fail } from '../errors.js';
import { FIREBLOCKS_SIDS, HARDENED_SIDS, ZERO_MEASUREMENT } from './constants.js';
import type { PolicyDocument } from './types.js';

/**
 * Check one PCR8 value as it will be written into the key policy: exactly 96 lower-case hex
 * characters and not all zeros. KMS documents the attestation values as lower-case hex, nitro-cli
 * prints them so, and a value typed in another case or length is almost always a copy-paste slip;
 * so it is refused with a precise hint rather than silently repaired. Throws PCR_INVALID.
 * @param source where the value came from, shown in the error (e.g. `--pcr8`).
 */
export function assertPCR8(value: string, source = 'PCR8'): string {
  const context = { source, length: value.length };
  if (value !== value.trim())
    fail(
      'PCR_INVALID',
      `${source}: the value has surrounding whitespace`,
      'remove spaces and line breaks around the value',
      { context },
    );
  if (/^0x/i.test(value))
    fail('PCR_INVALID', `${source}: the value has a 0x prefix`, 'pass the 96 hex characters without 0x', { context });
  if (!/^[0-9a-fA-F]*$/.test(value))
    fail(
      'PCR_INVALID',
      `${source}: the value contains characters other than hex digits`,
      'pass the PCR8 as 96 hex characters, as nitro-cli prints it',
      { context },
    );
  if (value.length !== 96)
    fail(
      'PCR_INVALID',
      `${source}: expected 96 hex characters (48 bytes), got ${value.length}`,
      'copy the whole PCR8 value; a SHA-384 measurement is 96 hex characters',
      { context },
    );
  if (value !== value.toLowerCase())
    fail(
      'PCR_INVALID',
      `${source}: the value is not lower case`,
      `KMS compares attestation values as lower-case hex; pass ${value.toLowerCase()}`,
      { context },
    );
  if (value === ZERO_MEASUREMENT)
    fail(
      'PCR_INVALID',
      `${source}: the value is all zeros (an unsigned or debug-mode image)`,
      'use the PCR8 of the signed Fireblocks EIF',
      { context },
    );
  return value;
}

/** Validate a list of PCR8 values: non-empty, each valid, no duplicates (order kept). */
export function assertPCR8List(values: readonly string[], source = 'PCR8'): string[] {
  if (values.length === 0)
    fail(
      'PCR_SOURCE_MISSING',
      'no PCR8 value given',
      'pass --pcr8, --eif, --build-output, --describe-eif-output or configure the Fireblocks environment',
    );
  const seen = new Set<string>();
  for (const value of values) {
    assertPCR8(value, source);
    if (seen.has(value))
      fail('PCR_INVALID', `${source}: the value ${value} is listed twice`, 'list each PCR8 value once');
    seen.add(value);
  }
  return [...values];
}

/** Our attested statement's Sid in either profile: the one statement that names the admitted PCR8. */
const ATTESTED_SIDS: readonly string[] = [HARDENED_SIDS.attested, FIREBLOCKS_SIDS.attested];

/** Operators whose values are exactly the PCR8 values admitted (no IfExists, no negation, no sets). */
const ADMITTING_OPERATORS = new Set(['stringequals', 'stringequalsignorecase']);

/**
 * The PCR8 values of a key policy: the values our attested Allow statement (either profile's Sid)
 * admits through `StringEquals` / `StringEqualsIgnoreCase` on `kms:RecipientAttestation:PCR8`,
 * lower-cased, without repeats, in the policy's order. This is the one answer `attest` (the list it
 * adds to or prunes from), `provision` (what the live key admits against the config), `status` and
 * `destroy` use. Values named by foreign statements, by a Deny, or under another operator (an
 * `IfExists`, a negation, a set operator) are not admitted values of ours and are not counted; the
 * key-policy proofs judge those statements.
 */
export function pcr8ValuesOf(policy: PolicyDocument | undefined): string[] {
  const values: string[] = [];
  for (const statement of policy?.Statement ?? []) {
    if (statement.Sid === undefined || !ATTESTED_SIDS.includes(statement.Sid) || statement.Effect !== 'Allow') continue;
    for (const [operator, block] of Object.entries(statement.Condition ?? {})) {
      if (!ADMITTING_OPERATORS.has(operator.toLowerCase())) continue;
      for (const [key, raw] of Object.entries(block)) {
        if (key.toLowerCase() !== 'kms:recipientattestation:pcr8') continue;
        for (const value of Array.isArray(raw) ? raw : [raw]) values.push(String(value).toLowerCase());
      }
    }
  }
  return [...new Set(values)];
}

/** A short form of a PCR8 value for plans and messages: `da1d9e…99a8`. */
export function shortPCR8(value: string): string {
  return value.length > 16 ? `${value.slice(0, 6)}…${value.slice(-4)}` : value;
}

/** How one PCR8 list differs from another: values only in `to` (added) and only in `from` (removed). */
export function pcr8Change(from: readonly string[], to: readonly string[]): { added: string[]; removed: string[] } {
  return { added: to.filter((v) => !from.includes(v)), removed: from.filter((v) => !to.includes(v)) };
}
