/**
 * Three-valued logic for the evaluator (a part applies, does not apply, or is `'maybe'`), and the
 * per-statement scope that records why a part could not be decided.
 */
import type { Undecided } from './types.js';

// ---------------------------------------------------------------------------------------------
// Three-valued logic: a statement applies, does not apply, or cannot be decided.

export type Tri = boolean | 'maybe';

export function and(values: Tri[]): Tri {
  if (values.includes(false)) return false;
  return values.includes('maybe') ? 'maybe' : true;
}
export function or(values: Tri[]): Tri {
  if (values.includes(true)) return true;
  return values.includes('maybe') ? 'maybe' : false;
}

/** Evaluation state for one statement: collects what could not be decided. */
export interface Scope {
  statement: number;
  undecided: Undecided[];
}

export function undecided(
  scope: Scope,
  element: Undecided['element'],
  reason: Undecided['reason'],
  detail: string,
): 'maybe' {
  scope.undecided.push({ statement: scope.statement, element, reason, detail });
  return 'maybe';
}
