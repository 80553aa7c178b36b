/**
 * Matching of the statement elements that name things: `*`/`?` wildcards, actions, resource ARNs
 * and principals (Principal/NotPrincipal blocks against the caller).
 */
import { isSessionOfRole, sameIamPrincipal } from './arn.js';
import { toList } from './parse.js';
import { undecided, type Scope } from './three-valued.js';
import type { PrincipalBlock, RequestContext, StringOrList } from './types.js';

// ---------------------------------------------------------------------------------------------
// Wildcards, actions, resources

/**
 * Case folding as a RegExp with the `i` flag and without `u` does it (ECMA-262 Canonicalize): one
 * UTF-16 code unit at a time, to its upper case when that is a single code unit, never from
 * non-ASCII into ASCII. Filled lazily.
 */
const FOLD = new Int32Array(0x10000).fill(-1);
function fold(unit: number): number {
  const known = FOLD[unit] ?? -1;
  if (known !== -1) return known;
  const upper = String.fromCharCode(unit).toUpperCase();
  const candidate = upper.length === 1 ? upper.charCodeAt(0) : unit;
  const folded = unit >= 0x80 && candidate < 0x80 ? unit : candidate;
  FOLD[unit] = folded;
  return folded;
}

const QUESTION = 0x3f;

/** Work done by one match: one step per candidate position tried and per code unit compared. */
export interface GlobCounter {
  steps: number;
}

/** Does `segment` (no `*`; `?` any one code unit) match `value` at `at`? The caller checks the length. */
function segmentAt(segment: string, value: string, at: number, ignoreCase: boolean, counter: GlobCounter): boolean {
  counter.steps += 1;
  for (let index = 0; index < segment.length; index += 1) {
    counter.steps += 1;
    const want = segment.charCodeAt(index);
    if (want === QUESTION) continue;
    const have = value.charCodeAt(at + index);
    if (want !== have && !(ignoreCase && fold(want) === fold(have))) return false;
  }
  return true;
}

/**
 * `*` matches any run of code units (empty, and newlines included), `?` exactly one UTF-16 code
 * unit; everything else is literal, compared per code unit (folded as above when `ignoreCase`).
 *
 * No RegExp and no backtracking: the pattern splits at its stars into segments; the first is
 * anchored at the start of the value, the last at its end, and each one between is placed at its
 * leftmost match after the previous one (a leftmost placement leaves the most room for the rest,
 * and the stars absorb whatever lies between). Each segment's search starts where the previous
 * match ended, so a value position is tried as a start at most once (plus once per segment), each
 * try costing at most the segment's length: O((value + pattern) × pattern) in the worst case and
 * O(value + pattern) for literal-heavy patterns, whatever the stars. `counter` lets tests check it.
 */
export function globMatch(
  pattern: string,
  value: string,
  ignoreCase: boolean,
  counter: GlobCounter = { steps: 0 },
): boolean {
  const segments = pattern.split('*');
  const first = segments[0] ?? '';
  if (segments.length === 1) return value.length === first.length && segmentAt(first, value, 0, ignoreCase, counter);
  const last = segments[segments.length - 1] ?? '';
  // The end anchor starts here; the middle segments must fit between the two anchors.
  const end = value.length - last.length;
  if (end < first.length) return false;
  if (!segmentAt(first, value, 0, ignoreCase, counter) || !segmentAt(last, value, end, ignoreCase, counter))
    return false;
  let cursor = first.length;
  for (const segment of segments.slice(1, -1)) {
    let at = cursor;
    while (at + segment.length <= end && !segmentAt(segment, value, at, ignoreCase, counter)) at += 1;
    if (at + segment.length > end) return false;
    cursor = at + segment.length;
  }
  return true;
}

/** Action names are case-insensitive; `kms:Gen*` and `*` are wildcards. */
export function actionMatches(pattern: string, action: string): boolean {
  return globMatch(pattern, action, true);
}

/**
 * ARN matching as in the Resource element and the Arn* operators: the first five colon-separated
 * components (arn, partition, service, region, account) are matched one by one, so a wildcard
 * never crosses a colon there; the resource part may contain colons. Case-sensitive.
 */
export function arnMatches(pattern: string, arn: string): boolean {
  if (pattern === '*') return true;
  const patternParts = splitArn(pattern);
  const arnParts = splitArn(arn);
  if (patternParts === undefined || arnParts === undefined) return globMatch(pattern, arn, false);
  return patternParts.every((part, index) => globMatch(part, arnParts[index] ?? '', false));
}

function splitArn(value: string): string[] | undefined {
  const parts = value.split(':');
  if (parts.length < 6) return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

// ---------------------------------------------------------------------------------------------
// Principals

/** How a principal entry matches the caller: the caller itself, the caller's account, or not at all. */
export type PrincipalMatch = 'direct' | 'account' | 'none' | 'maybe';

const ACCOUNT_ROOT = /^arn:aws[a-z-]*:iam::(\d{12}):root$/;
/**
 * Does a principal ARN in a policy name the caller? IAM role and user names are unique in an
 * account ignoring case, so any spelling of the caller's name names it (arn.ts
 * {@link sameIamPrincipal}). A role session (`arn:aws:sts::…:assumed-role/<name>/<session>`) is
 * matched as its role, whose ARN may carry a path the session ARN does not show: role names are
 * unique in an account, so partition, account and name decide.
 */
function namesCaller(entry: string, request: RequestContext): boolean {
  return sameIamPrincipal(entry, request.principalArn) || isSessionOfRole(request.principalArn, entry);
}

function matchPrincipalEntry(
  type: string,
  entry: string,
  request: RequestContext,
  scope: Scope,
  element: 'Principal' | 'NotPrincipal',
): PrincipalMatch {
  if (type !== 'AWS') {
    if (type === 'Service' || type === 'Federated' || type === 'CanonicalUser')
      return entry === request.principalArn ? 'direct' : 'none';
    undecided(scope, element, 'unsupported-principal', `principal type ${type}`);
    return 'maybe';
  }
  if (entry === '*') return 'direct';
  const account = /^\d{12}$/.test(entry) ? entry : ACCOUNT_ROOT.exec(entry)?.[1];
  if (account !== undefined) {
    if (account !== request.principalAccount) return 'none';
    return ACCOUNT_ROOT.test(request.principalArn) ? 'direct' : 'account';
  }
  if (entry.includes('*') || entry.includes('?') || entry.includes('${')) {
    undecided(scope, element, 'unsupported-principal', `wildcard or variable in principal ${entry}`);
    return 'maybe';
  }
  return namesCaller(entry, request) ? 'direct' : 'none';
}

/** The best match of a Principal block against the caller. */
export function matchPrincipalBlock(
  block: PrincipalBlock,
  request: RequestContext,
  scope: Scope,
  element: 'Principal' | 'NotPrincipal',
): PrincipalMatch {
  if (block === '*') return 'direct';
  const matches: PrincipalMatch[] = [];
  for (const [type, entries] of Object.entries(block)) {
    for (const entry of toList(entries as StringOrList))
      matches.push(matchPrincipalEntry(type, entry, request, scope, element));
  }
  for (const best of ['direct', 'account', 'maybe'] as const) if (matches.includes(best)) return best;
  return 'none';
}
