/**
 * Matching of the statement elements that name things: `*`/`?` wildcards, actions, resource ARNs
 * and principals (Principal/NotPrincipal blocks against the caller).
 */
import { toList } from './parse.js';
import { undecided, type Scope } from './three-valued.js';
import type { PrincipalBlock, RequestContext, StringOrList } from './types.js';

// ---------------------------------------------------------------------------------------------
// Wildcards, actions, resources

const regexCache = new Map<string, RegExp>();

/** `*` matches any run of characters, `?` any single character; everything else is literal. */
export function globToRegExp(pattern: string, ignoreCase: boolean): RegExp {
  const cacheKey = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let regex = regexCache.get(cacheKey);
  if (regex === undefined) {
    const body = pattern.replace(/[.+^${}()|[\]\\*?]/g, (char) => (char === '*' ? '.*' : char === '?' ? '.' : `\\${char}`));
    regex = new RegExp(`^${body}$`, ignoreCase ? 'is' : 's');
    if (regexCache.size > 5000) regexCache.clear();
    regexCache.set(cacheKey, regex);
  }
  return regex;
}

export function globMatch(pattern: string, value: string, ignoreCase: boolean): boolean {
  if (pattern === '*') return true;
  if (!pattern.includes('*') && !pattern.includes('?')) return ignoreCase ? pattern.toLowerCase() === value.toLowerCase() : pattern === value;
  return globToRegExp(pattern, ignoreCase).test(value);
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
const ASSUMED_ROLE = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/;

const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/;

/**
 * Does a principal ARN in a policy name the caller? A role session
 * (`arn:aws:sts::…:assumed-role/<name>/<session>`) is matched as its role, whose ARN may carry a
 * path the session ARN does not show: role names are unique in an account, so partition, account
 * and name decide.
 */
function namesCaller(entry: string, request: RequestContext): boolean {
  if (entry === request.principalArn) return true;
  const session = ASSUMED_ROLE.exec(request.principalArn);
  const role = ROLE_ARN.exec(entry);
  return session !== null && role !== null && session[1] === role[1] && session[2] === role[2] && session[3] === role[3];
}

function matchPrincipalEntry(type: string, entry: string, request: RequestContext, scope: Scope, element: 'Principal' | 'NotPrincipal'): PrincipalMatch {
  if (type !== 'AWS') {
    if (type === 'Service' || type === 'Federated' || type === 'CanonicalUser') return entry === request.principalArn ? 'direct' : 'none';
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
export function matchPrincipalBlock(block: PrincipalBlock, request: RequestContext, scope: Scope, element: 'Principal' | 'NotPrincipal'): PrincipalMatch {
  if (block === '*') return 'direct';
  const matches: PrincipalMatch[] = [];
  for (const [type, entries] of Object.entries(block)) {
    for (const entry of toList(entries as StringOrList)) matches.push(matchPrincipalEntry(type, entry, request, scope, element));
  }
  for (const best of ['direct', 'account', 'maybe'] as const) if (matches.includes(best)) return best;
  return 'none';
}
