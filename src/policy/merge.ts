/**
 * Sid-scoped merge: our statements are found by Sid and replaced in place; every other statement
 * (a "foreign" statement: no Sid, or a Sid we do not own) is kept exactly as it was, in its order.
 * Our statements that are no longer wanted are removed; new ones are appended in the desired order.
 */
import { fail } from '../errors.js';
import type { PolicyDocument, PolicyStatement } from './types.js';

export interface MergeOptions {
  /** The Sids this tool owns in this kind of policy (e.g. OWNED_KEY_POLICY_SIDS). */
  ownedSids: readonly string[];
  /**
   * Foreign statements the user explicitly asked to remove, by Sid. A Sid that is not in the policy
   * is reported in `notFound` (so a re-run stays idempotent, and a typo is still visible).
   */
  removeSids?: readonly string[];
}

export interface MergeReport {
  /** Our Sids whose statement was replaced in place. */
  replaced: string[];
  /** Our Sids appended. */
  added: string[];
  /** Our Sids removed (no longer wanted, or duplicates), and foreign Sids removed on request. */
  removed: string[];
  /** Indexes (in the result) of the foreign statements kept. */
  foreign: number[];
  /** Sids asked to be removed that are not in the policy. */
  notFound: string[];
}

export interface MergeResult {
  policy: PolicyDocument;
  report: MergeReport;
}

/**
 * Merge `desired` (our statements, each with an owned Sid) into `existing`. `Version` comes from
 * `desired`; an existing `Id` is kept.
 */
export function mergeBySid(existing: PolicyDocument, desired: PolicyDocument, options: MergeOptions): MergeResult {
  const owned = new Set(options.ownedSids);
  const removeSids = new Set(options.removeSids ?? []);
  for (const statement of desired.Statement) {
    if (statement.Sid === undefined || !owned.has(statement.Sid)) {
      fail('INTERNAL', `desired statement ${JSON.stringify(statement.Sid)} has no owned Sid`, undefined, {
        source: 'internal',
      });
    }
  }
  for (const sid of removeSids) {
    if (owned.has(sid))
      fail(
        'POLICY_INVALID',
        `statement ${JSON.stringify(sid)} is managed by cosigner-cli and cannot be removed this way`,
        'change the configuration instead',
      );
  }

  const wanted = new Map<string, PolicyStatement>(
    desired.Statement.map((statement) => [statement.Sid as string, statement]),
  );
  const placed = new Set<string>();
  const report: MergeReport = {
    replaced: [],
    added: [],
    removed: [],
    foreign: [],
    notFound: [...removeSids].filter((sid) => !existing.Statement.some((statement) => statement.Sid === sid)),
  };
  const statements: PolicyStatement[] = [];

  for (const statement of existing.Statement) {
    const sid = statement.Sid;
    if (sid !== undefined && removeSids.has(sid)) {
      report.removed.push(sid);
      continue;
    }
    if (sid === undefined || !owned.has(sid)) {
      report.foreign.push(statements.length);
      statements.push(structuredClone(statement));
      continue;
    }
    const replacement = wanted.get(sid);
    if (replacement === undefined || placed.has(sid)) {
      report.removed.push(sid);
      continue;
    }
    placed.add(sid);
    report.replaced.push(sid);
    statements.push(structuredClone(replacement));
  }
  for (const statement of desired.Statement) {
    const sid = statement.Sid as string;
    if (placed.has(sid)) continue;
    placed.add(sid);
    report.added.push(sid);
    statements.push(structuredClone(statement));
  }

  // Member order as AWS returns it: Version, Id, Statement.
  const version = desired.Version ?? existing.Version;
  const id = existing.Id ?? desired.Id;
  const policy: PolicyDocument = {
    ...(version === undefined ? {} : { Version: version }),
    ...(id === undefined ? {} : { Id: id }),
    Statement: statements,
  };
  return { policy, report };
}

/** The statements of a policy that are not ours. */
export function foreignStatements(
  policy: PolicyDocument,
  ownedSids: readonly string[],
): { index: number; statement: PolicyStatement }[] {
  const owned = new Set(ownedSids);
  return policy.Statement.flatMap((statement, index) =>
    statement.Sid !== undefined && owned.has(statement.Sid) ? [] : [{ index, statement }],
  );
}
