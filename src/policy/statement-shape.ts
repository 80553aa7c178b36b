/**
 * What a statement says, read from its text alone, for the proofs that must hold for every
 * principal, value and request: which actions it covers (by name, wildcard or NotAction), which
 * principals it names, and whether its condition pins a key to a set of values. Each reading errs
 * on the side that makes a proof refuse: "covers" is true whenever some spelling could match.
 */
import { isAccountRootArn } from './arn.js';
import { actionMatches } from './match.js';
import { toList } from './parse.js';
import type { ConditionValues, PolicyStatement } from './types.js';

/** Could the statement's Action/NotAction match the action (case-insensitive, wildcards)? */
function coversAction(statement: PolicyStatement, action: string): boolean {
  if (statement.Action !== undefined) return toList(statement.Action).some((pattern) => actionMatches(pattern, action));
  return !toList(statement.NotAction).some((pattern) => actionMatches(pattern, action));
}

/** The actions of a list that the statement covers. */
export function coveredActions(statement: PolicyStatement, actions: readonly string[]): string[] {
  return actions.filter((action) => coversAction(statement, action));
}

/** A principal entry as written: its type (`AWS`, `Service`, …) and value. */
export interface PrincipalEntry {
  type: string;
  value: string;
}

/**
 * The principals a statement's Principal names; `'*'` for `"*"` or `{"AWS": "*"}`, `'not'` for a
 * NotPrincipal (which names everyone it does not list), `'none'` for neither.
 */
export function principalEntries(statement: PolicyStatement): PrincipalEntry[] | '*' | 'not' | 'none' {
  if (statement.NotPrincipal !== undefined) return 'not';
  const block = statement.Principal;
  if (block === undefined) return 'none';
  if (block === '*') return '*';
  const entries: PrincipalEntry[] = [];
  for (const [type, values] of Object.entries(block)) {
    for (const value of toList(values as string | string[])) {
      if (type === 'AWS' && value === '*') return '*';
      entries.push({ type, value });
    }
  }
  return entries;
}

/** `arn:…:iam::<account>:root` or a bare account id of this account: the account principal. */
export function isAccountPrincipal(value: string, accountId: string): boolean {
  if (value === accountId) return true;
  return isAccountRootArn(value) && value.split(':')[4] === accountId;
}

function asStrings(values: ConditionValues): string[] | undefined {
  const list = Array.isArray(values) ? values : [values];
  return list.every((value) => typeof value === 'string') ? list : undefined;
}

/** The operators that pin a key to the listed values: positive, single-valued, no wildcards. */
const PINNING_OPERATORS = ['StringEquals', 'StringEqualsIgnoreCase'] as const;

/**
 * The value lists of every clause in a statement's condition that pins `key` in a way that holds
 * for every request: a `StringEquals` or `StringEqualsIgnoreCase` clause on the key (any spelling
 * of the key name, as IAM compares them case-insensitively). No `IfExists` (an absent key would
 * pass), no set operator (`ForAllValues` passes an empty set), no `Like` (wildcards), no negation:
 * those spell other operator names and so never count here. The clauses of a condition all have to
 * hold, so each returned list bounds the values a request can carry on its own.
 */
export function pinningClauses(statement: PolicyStatement, key: string): string[][] {
  const condition = statement.Condition;
  if (condition === undefined) return [];
  const wanted = key.toLowerCase();
  const clauses: string[][] = [];
  for (const operator of PINNING_OPERATORS) {
    if (!Object.hasOwn(condition, operator)) continue;
    for (const [name, values] of Object.entries(condition[operator] ?? {})) {
      if (name.toLowerCase() !== wanted) continue;
      const strings = asStrings(values);
      if (strings !== undefined && strings.length > 0) clauses.push(strings);
    }
  }
  return clauses;
}

/** Statement reference for findings: its index and Sid. */
export function describeStatement(statement: PolicyStatement | undefined, index: number): string {
  const sid = statement?.Sid;
  return sid === undefined || sid === '' ? `statement #${index}` : `statement ${JSON.stringify(sid)}`;
}
