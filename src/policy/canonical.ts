/**
 * Semantic comparison of policies. Two documents are equivalent when they grant and deny the same
 * thing regardless of presentation: a single value or a one-element list, the order of values in a
 * list, the case of action names, operator names and condition keys (case-insensitive in IAM),
 * `true` vs `"true"`, `"*"` vs `{"AWS":"*"}`, whitespace and statement order.
 */
import { toList } from './evaluate.js';
import type { ConditionBlock, PolicyDocument, PolicyStatement, PrincipalBlock } from './types.js';

type Canonical = string | Canonical[] | { [key: string]: Canonical };

function sortedUnique(values: string[]): string[] {
  return [...new Set(values)].sort();
}

function canonicalPrincipal(block: PrincipalBlock): Canonical {
  const entries = block === '*' ? { AWS: '*' } : block;
  const result: Record<string, Canonical> = {};
  for (const type of Object.keys(entries).sort()) {
    result[type] = sortedUnique(toList(entries[type as keyof typeof entries]));
  }
  return result;
}

function canonicalCondition(condition: ConditionBlock): Canonical {
  const result: Record<string, Record<string, Canonical>> = {};
  for (const [operator, block] of Object.entries(condition)) {
    const target = (result[operator.toLowerCase()] ??= {});
    for (const [key, raw] of Object.entries(block)) {
      const values = (Array.isArray(raw) ? raw : [raw]).map(String);
      const lower = key.toLowerCase();
      const previous = target[lower];
      target[lower] = sortedUnique([...(Array.isArray(previous) ? (previous as string[]) : []), ...values]);
    }
  }
  return sortKeys(result);
}

/**
 * A JSON value with the keys of every object in sorted order (members that are `undefined`
 * dropped, as JSON.stringify would); arrays keep their order. Also what src/engine/digest.ts
 * hashes plans and receipts by.
 */
export function sortKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => sortKeys(item)) as T;
  if (value === null || typeof value !== 'object') return value;
  const result: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const member = (value as Record<string, unknown>)[key];
    if (member !== undefined) result[key] = sortKeys(member);
  }
  return result as T;
}

/** The canonical form of one statement (a JSON-able object with sorted keys and lists). */
function canonicalStatement(statement: PolicyStatement): Canonical {
  const result: Record<string, Canonical> = { Effect: statement.Effect };
  if (statement.Sid !== undefined && statement.Sid !== '') result['Sid'] = statement.Sid;
  if (statement.Principal !== undefined) result['Principal'] = canonicalPrincipal(statement.Principal);
  if (statement.NotPrincipal !== undefined) result['NotPrincipal'] = canonicalPrincipal(statement.NotPrincipal);
  if (statement.Action !== undefined)
    result['Action'] = sortedUnique(toList(statement.Action).map((a) => a.toLowerCase()));
  if (statement.NotAction !== undefined)
    result['NotAction'] = sortedUnique(toList(statement.NotAction).map((a) => a.toLowerCase()));
  if (statement.Resource !== undefined) result['Resource'] = sortedUnique(toList(statement.Resource));
  if (statement.NotResource !== undefined) result['NotResource'] = sortedUnique(toList(statement.NotResource));
  if (statement.Condition !== undefined && Object.keys(statement.Condition).length > 0)
    result['Condition'] = canonicalCondition(statement.Condition);
  return sortKeys(result);
}

/** The canonical JSON text of a statement; equal texts mean equivalent statements. */
function canonicalStatementText(statement: PolicyStatement): string {
  return JSON.stringify(canonicalStatement(statement));
}

/** Canonical JSON text of a whole policy (statement order ignored). */
export function canonicalPolicyText(policy: PolicyDocument): string {
  return JSON.stringify({
    Version: policy.Version ?? '2008-10-17',
    Id: policy.Id ?? null,
    Statement: policy.Statement.map(canonicalStatementText).sort(),
  });
}

/** Are two policies semantically the same (see the module comment)? */
export function policiesEquivalent(a: PolicyDocument, b: PolicyDocument): boolean {
  return canonicalPolicyText(a) === canonicalPolicyText(b);
}

/** Are two statements semantically the same? */
export function statementsEquivalent(a: PolicyStatement, b: PolicyStatement): boolean {
  return canonicalStatementText(a) === canonicalStatementText(b);
}

/** The policy as the compact JSON text sent to AWS. */
export function serialisePolicy(policy: PolicyDocument): string {
  return JSON.stringify(policy);
}

/** The UTF-8 size of the serialised policy, as KMS counts its 32 KB quota. */
export function policySize(policy: PolicyDocument): number {
  return new TextEncoder().encode(serialisePolicy(policy)).length;
}
