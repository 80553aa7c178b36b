/**
 * Digests of plans, receipts and policies: canonical JSON and its hashes. Plans, receipts and drift
 * checks compare documents that AWS may hand back with different key order or whitespace, and
 * with a single string where we sent a one-element list; these helpers make such documents compare
 * (and hash) equal. The policy engine's own canonical forms: src/policy/canonical.ts.
 */
import { createHash } from 'node:crypto';
import { canonicalPolicyText, policiesEquivalent, sortKeys } from '../policy/canonical.js';
import type { PolicyDocument } from '../policy/types.js';

/** JSON with object keys sorted at every level; arrays keep their order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

/** `sha256:<hex>` of the canonical JSON of a value. */
export function hashOf(value: unknown): string {
  return `sha256:${createHash('sha256').update(canonicalJson(value)).digest('hex')}`;
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
