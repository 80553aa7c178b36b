/**
 * A structural diff of two policy documents, statement by statement: the same data feeds the
 * coloured terminal view and the JSON result. Statements are paired by Sid; statements without a
 * Sid are paired by semantic equality, in order.
 */
import { statementsEquivalent } from './canonical.js';
import type { PolicyDocument, PolicyStatement } from './types.js';

export interface FieldChange {
  /** Path inside the statement (or document), e.g. `Condition.StringEqualsIgnoreCase.kms:RecipientAttestation:PCR8`. */
  path: string;
  before?: unknown;
  after?: unknown;
  /** For lists of strings: the values added and removed. */
  added?: string[];
  removed?: string[];
}

export type StatementChangeKind = 'added' | 'removed' | 'changed' | 'unchanged';

export interface StatementChange {
  kind: StatementChangeKind;
  /** The Sid, or `#<index>` (in `after`, else `before`) for a statement without one. */
  key: string;
  sid?: string;
  owner: 'ours' | 'foreign';
  beforeIndex?: number;
  afterIndex?: number;
  before?: PolicyStatement;
  after?: PolicyStatement;
  fields?: FieldChange[];
}

export interface PolicyDiff {
  /** False when the two documents are semantically equal statement by statement. */
  changed: boolean;
  document: FieldChange[];
  statements: StatementChange[];
  summary: Record<StatementChangeKind, number>;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

/** Leaf-level differences between two JSON values. */
function diffValues(before: unknown, after: unknown, path: string, out: FieldChange[]): void {
  if (deepEqual(before, after)) return;
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    for (const key of keys) diffValues(before[key], after[key], path === '' ? key : `${path}.${key}`, out);
    return;
  }
  const change: FieldChange = { path };
  if (before !== undefined) change.before = before;
  if (after !== undefined) change.after = after;
  const listOfStrings = (value: unknown) =>
    value !== undefined && !isPlainObject(value) && asList(value).every((item) => typeof item === 'string');
  if (listOfStrings(before) && listOfStrings(after)) {
    const b = asList(before) as string[];
    const a = asList(after) as string[];
    change.added = a.filter((value) => !b.includes(value));
    change.removed = b.filter((value) => !a.includes(value));
  }
  out.push(change);
}

/**
 * Diff `before` → `after`. `ownedSids` marks which statements are ours (for display and JSON).
 */
export function diffPolicies(
  before: PolicyDocument | undefined,
  after: PolicyDocument,
  ownedSids: readonly string[] = [],
): PolicyDiff {
  const owned = new Set(ownedSids);
  const owner = (statement: PolicyStatement): 'ours' | 'foreign' =>
    statement.Sid !== undefined && owned.has(statement.Sid) ? 'ours' : 'foreign';
  const document: FieldChange[] = [];
  diffValues(before?.Version, after.Version, 'Version', document);
  diffValues(before?.Id, after.Id, 'Id', document);

  const old = before?.Statement ?? [];
  const used = new Set<number>();
  const statements: StatementChange[] = [];

  after.Statement.forEach((statement, afterIndex) => {
    const beforeIndex =
      statement.Sid !== undefined && statement.Sid !== ''
        ? old.findIndex((candidate, index) => !used.has(index) && candidate.Sid === statement.Sid)
        : old.findIndex(
            (candidate, index) =>
              !used.has(index) &&
              (candidate.Sid === undefined || candidate.Sid === '') &&
              statementsEquivalent(candidate, statement),
          );
    const key = statement.Sid !== undefined && statement.Sid !== '' ? statement.Sid : `#${afterIndex}`;
    const base = {
      key,
      owner: owner(statement),
      afterIndex,
      after: statement,
      ...(statement.Sid === undefined ? {} : { sid: statement.Sid }),
    };
    if (beforeIndex === -1) {
      statements.push({ kind: 'added', ...base });
      return;
    }
    used.add(beforeIndex);
    const previous = old[beforeIndex] as PolicyStatement;
    if (statementsEquivalent(previous, statement)) {
      statements.push({ kind: 'unchanged', ...base, beforeIndex, before: previous });
      return;
    }
    const fields: FieldChange[] = [];
    diffValues(previous, statement, '', fields);
    statements.push({ kind: 'changed', ...base, beforeIndex, before: previous, fields });
  });
  old.forEach((statement, beforeIndex) => {
    if (used.has(beforeIndex)) return;
    const key = statement.Sid !== undefined && statement.Sid !== '' ? statement.Sid : `#${beforeIndex}`;
    statements.push({
      kind: 'removed',
      key,
      owner: owner(statement),
      beforeIndex,
      before: statement,
      ...(statement.Sid === undefined ? {} : { sid: statement.Sid }),
    });
  });

  const summary: Record<StatementChangeKind, number> = { added: 0, removed: 0, changed: 0, unchanged: 0 };
  for (const change of statements) summary[change.kind] += 1;
  const changed = document.length > 0 || summary.added + summary.removed + summary.changed > 0;
  return { changed, document, statements, summary };
}

/** Colouring for {@link renderPolicyDiff}; identity functions give plain text. */
export interface DiffStyle {
  added(text: string): string;
  removed(text: string): string;
  changed(text: string): string;
  dim(text: string): string;
}

const PLAIN_DIFF_STYLE: DiffStyle = { added: (t) => t, removed: (t) => t, changed: (t) => t, dim: (t) => t };

function jsonLines(value: unknown): string[] {
  return JSON.stringify(value, null, 2).split('\n');
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A human-readable diff, one line per change, for a terminal. */
export function renderPolicyDiff(diff: PolicyDiff, style: DiffStyle = PLAIN_DIFF_STYLE): string {
  const lines: string[] = [];
  if (!diff.changed) return style.dim('no changes: the policy already matches');
  for (const field of diff.document) {
    lines.push(style.changed(`~ ${field.path}: ${show(field.before ?? '(none)')} → ${show(field.after ?? '(none)')}`));
  }
  let unchangedForeign = 0;
  let unchangedOurs = 0;
  for (const change of diff.statements) {
    const label = `${change.key}${change.owner === 'foreign' ? ' (foreign)' : ''}`;
    switch (change.kind) {
      case 'unchanged':
        if (change.owner === 'foreign') unchangedForeign += 1;
        else unchangedOurs += 1;
        break;
      case 'added':
        lines.push(style.added(`+ ${label}`));
        for (const line of jsonLines(change.after)) lines.push(style.added(`+   ${line}`));
        break;
      case 'removed':
        lines.push(style.removed(`- ${label}`));
        for (const line of jsonLines(change.before)) lines.push(style.removed(`-   ${line}`));
        break;
      case 'changed':
        lines.push(style.changed(`~ ${label}`));
        for (const field of change.fields ?? []) {
          if (field.added !== undefined && field.removed !== undefined) {
            lines.push(style.dim(`    ${field.path}`));
            for (const value of field.removed) lines.push(style.removed(`      - ${value}`));
            for (const value of field.added) lines.push(style.added(`      + ${value}`));
            if (field.added.length === 0 && field.removed.length === 0)
              lines.push(style.changed(`      ${show(field.before)} → ${show(field.after)}`));
          } else {
            lines.push(style.dim(`    ${field.path}`));
            if (field.before !== undefined) lines.push(style.removed(`      - ${show(field.before)}`));
            if (field.after !== undefined) lines.push(style.added(`      + ${show(field.after)}`));
          }
        }
        break;
    }
  }
  if (unchangedOurs > 0) lines.push(style.dim(`  ${unchangedOurs} managed statement(s) unchanged`));
  if (unchangedForeign > 0) lines.push(style.dim(`  ${unchangedForeign} foreign statement(s) kept unchanged`));
  return lines.join('\n');
}
