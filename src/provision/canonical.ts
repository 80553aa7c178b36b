/**
 * Canonical JSON and hashes. Plans, receipts and drift checks compare documents that AWS may hand
 * back with different key order or whitespace, and with a single string where we sent a
 * one-element list; these helpers make such documents compare (and hash) equal.
 */
import { createHash } from 'node:crypto';
import { canonicalPolicyText, policiesEquivalent } from '../policy/canonical.js';
import type { PolicyDocument } from '../policy/types.js';

/** JSON with object keys sorted at every level; arrays keep their order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const member = (value as Record<string, unknown>)[key];
      if (member !== undefined) out[key] = sortKeys(member);
    }
    return out;
  }
  return value;
}

/** `sha256:<hex>` of the canonical JSON of a value. */
export function hashOf(value: unknown): string {
  return `sha256:${createHash('sha256').update(canonicalJson(value)).digest('hex')}`;
}

/** A short id derived from a hash, for display. */
export function shortHash(hash: string): string {
  return hash.replace(/^sha256:/, '').slice(0, 12);
}

/** True when two policies mean the same (the policy engine's semantic comparison). */
export function samePolicy(a: PolicyDocument | undefined, b: PolicyDocument | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return policiesEquivalent(a, b);
}

/** The hash a receipt records for a policy: of its canonical text, so AWS's reformatting does not change it. */
export function policyHash(policy: PolicyDocument): string {
  return `sha256:${createHash('sha256').update(canonicalPolicyText(policy)).digest('hex')}`;
}
