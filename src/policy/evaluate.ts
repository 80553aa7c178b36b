/**
 * A pure evaluator for the IAM policy grammar, following AWS's documented evaluation logic
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
 * an explicit Deny wins, then any Allow, else an implicit deny.
 *
 * Supported: Effect, Principal/NotPrincipal (AWS, Service, `*`, account ids and `:root` ARNs),
 * Action/NotAction and Resource/NotResource with `*` and `?` wildcards, every IAM condition
 * operator (String*, Numeric*, Date*, Bool, BinaryEquals, IpAddress/NotIpAddress, Arn*, Null) with
 * `…IfExists` and `ForAnyValue:`/`ForAllValues:`.
 *
 * Fail-closed contract: what the evaluator does not understand (an unknown operator, an
 * unrecognised or misspelled condition key, a `${…}` policy variable, a partial-wildcard principal)
 * never counts as "no effect". It is reported in `undecided`, it widens `possibleDecisions`, and
 * for `decision` an Allow that depends on it does not apply while a Deny that depends on it does.
 * Proofs read `possibleDecisions`; see {@link EvaluationResult}.
 */
import { fail } from '../errors.js';
import { isRecognisedConditionKey } from './condition-keys.js';
import type {
  ConditionScalar,
  ContextValue,
  Decision,
  EvaluationResult,
  PolicyDocument,
  PolicyStatement,
  PrincipalBlock,
  RequestContext,
  StringOrList,
  Undecided,
} from './types.js';

export type {
  ConditionBlock,
  ContextValue,
  Decision,
  EvaluationResult,
  PolicyDocument,
  PolicyStatement,
  PrincipalBlock,
  RequestContext,
  Undecided,
  UndecidedReason,
} from './types.js';

// ---------------------------------------------------------------------------------------------
// Parsing

const STATEMENT_KEYS = new Set(['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);
const DOCUMENT_KEYS = new Set(['Version', 'Id', 'Statement']);
const PRINCIPAL_TYPES = new Set(['AWS', 'Service', 'Federated', 'CanonicalUser']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function malformed(message: string, path: string): never {
  fail('POLICY_MALFORMED', `${message} (at ${path})`, 'fix the policy document so that it follows the IAM policy grammar', {
    context: { path },
  });
}

function checkStringOrList(value: unknown, path: string): void {
  if (typeof value === 'string') return;
  if (Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'string')) return;
  malformed('expected a string or a non-empty list of strings', path);
}

function checkPrincipal(value: unknown, path: string): void {
  if (value === '*') return;
  if (!isRecord(value) || Object.keys(value).length === 0) malformed('expected "*" or an object of principal types', path);
  for (const [type, entries] of Object.entries(value)) {
    if (!PRINCIPAL_TYPES.has(type)) malformed(`unknown principal type "${type}"`, `${path}.${type}`);
    checkStringOrList(entries, `${path}.${type}`);
  }
}

function checkCondition(value: unknown, path: string): void {
  if (!isRecord(value)) malformed('expected an object of condition operators', path);
  for (const [operator, block] of Object.entries(value)) {
    if (!isRecord(block) || Object.keys(block).length === 0) malformed('expected an object of condition keys', `${path}.${operator}`);
    for (const [key, values] of Object.entries(block)) {
      const scalar = (item: unknown) => typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean';
      if (scalar(values)) continue;
      if (Array.isArray(values) && values.length > 0 && values.every(scalar)) continue;
      malformed('expected a condition value or a non-empty list of values', `${path}.${operator}.${key}`);
    }
  }
}

function checkStatement(value: unknown, path: string): asserts value is PolicyStatement {
  if (!isRecord(value)) malformed('a statement must be an object', path);
  for (const key of Object.keys(value)) {
    if (!STATEMENT_KEYS.has(key)) malformed(`unknown statement element "${key}"`, `${path}.${key}`);
  }
  if (value['Sid'] !== undefined && typeof value['Sid'] !== 'string') malformed('Sid must be a string', `${path}.Sid`);
  if (value['Effect'] !== 'Allow' && value['Effect'] !== 'Deny') malformed('Effect must be "Allow" or "Deny"', `${path}.Effect`);
  const pairs: [string, string, boolean][] = [
    ['Action', 'NotAction', true],
    ['Resource', 'NotResource', false],
    ['Principal', 'NotPrincipal', false],
  ];
  for (const [positive, negative, required] of pairs) {
    const hasPositive = value[positive] !== undefined;
    const hasNegative = value[negative] !== undefined;
    if (hasPositive && hasNegative) malformed(`a statement cannot have both ${positive} and ${negative}`, path);
    if (required && !hasPositive && !hasNegative) malformed(`a statement needs ${positive} or ${negative}`, path);
  }
  for (const key of ['Action', 'NotAction', 'Resource', 'NotResource']) {
    if (value[key] !== undefined) checkStringOrList(value[key], `${path}.${key}`);
  }
  for (const key of ['Principal', 'NotPrincipal']) {
    if (value[key] !== undefined) checkPrincipal(value[key], `${path}.${key}`);
  }
  if (value['Condition'] !== undefined) checkCondition(value['Condition'], `${path}.Condition`);
}

/**
 * Validate the shape of a policy document already parsed from JSON and normalise a single
 * statement object to an array. Foreign values keep their shape (a string stays a string).
 * Throws POLICY_MALFORMED.
 */
export function toPolicyDocument(value: unknown): PolicyDocument {
  if (!isRecord(value)) malformed('a policy document must be a JSON object', '$');
  for (const key of Object.keys(value)) {
    if (!DOCUMENT_KEYS.has(key)) malformed(`unknown policy element "${key}"`, `$.${key}`);
  }
  if (value['Version'] !== undefined && typeof value['Version'] !== 'string') malformed('Version must be a string', '$.Version');
  if (value['Id'] !== undefined && typeof value['Id'] !== 'string') malformed('Id must be a string', '$.Id');
  const raw = value['Statement'];
  if (raw === undefined) malformed('a policy document needs a Statement', '$');
  const list: unknown[] = Array.isArray(raw) ? raw : [raw];
  list.forEach((statement, index) => checkStatement(statement, `$.Statement[${index}]`));
  const document: PolicyDocument = { Statement: structuredClone(list as PolicyStatement[]) };
  if (typeof value['Version'] === 'string') document.Version = value['Version'];
  if (typeof value['Id'] === 'string') document.Id = value['Id'];
  // Keep the original member order (Version, Id, Statement) as AWS returns it.
  return { ...(document.Version === undefined ? {} : { Version: document.Version }), ...(document.Id === undefined ? {} : { Id: document.Id }), Statement: document.Statement };
}

/** Parse a policy from JSON text. Throws POLICY_MALFORMED on bad JSON or a bad shape. */
export function parsePolicyDocument(json: string): PolicyDocument {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    fail('POLICY_MALFORMED', 'the policy is not valid JSON', 'check the policy text; it must be a JSON object', { cause: error });
  }
  return toPolicyDocument(value);
}

// ---------------------------------------------------------------------------------------------
// Three-valued logic: a statement applies, does not apply, or cannot be decided.

type Tri = boolean | 'maybe';

function and(values: Tri[]): Tri {
  if (values.includes(false)) return false;
  return values.includes('maybe') ? 'maybe' : true;
}
function or(values: Tri[]): Tri {
  if (values.includes(true)) return true;
  return values.includes('maybe') ? 'maybe' : false;
}
function not(value: Tri): Tri {
  return value === 'maybe' ? 'maybe' : !value;
}

export function toList(value: StringOrList | undefined): string[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : value;
}

/** Evaluation state for one statement: collects what could not be decided. */
interface Scope {
  statement: number;
  undecided: Undecided[];
}

function undecided(scope: Scope, element: Undecided['element'], reason: Undecided['reason'], detail: string): 'maybe' {
  scope.undecided.push({ statement: scope.statement, element, reason, detail });
  return 'maybe';
}

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

function globMatch(pattern: string, value: string, ignoreCase: boolean): boolean {
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
function matchPrincipalBlock(block: PrincipalBlock, request: RequestContext, scope: Scope, element: 'Principal' | 'NotPrincipal'): PrincipalMatch {
  if (block === '*') return 'direct';
  const matches: PrincipalMatch[] = [];
  for (const [type, entries] of Object.entries(block)) {
    for (const entry of toList(entries as StringOrList)) matches.push(matchPrincipalEntry(type, entry, request, scope, element));
  }
  for (const best of ['direct', 'account', 'maybe'] as const) if (matches.includes(best)) return best;
  return 'none';
}

// ---------------------------------------------------------------------------------------------
// Conditions

type BaseKind = 'string' | 'numeric' | 'date' | 'bool' | 'binary' | 'ip' | 'arn';
interface BaseOperator {
  kind: BaseKind;
  negated: boolean;
  /** Does one request value match one policy value (before negation)? */
  test: (requestValue: string, policyValue: string) => boolean | undefined;
}

const stringEquals = (a: string, b: string) => a === b;
const stringEqualsIgnoreCase = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const stringLike = (a: string, b: string) => globMatch(b, a, false);

function numeric(compare: (a: number, b: number) => boolean) {
  return (a: string, b: string) => {
    const x = parseNumber(a);
    const y = parseNumber(b);
    return x === undefined || y === undefined ? undefined : compare(x, y);
  };
}
function date(compare: (a: number, b: number) => boolean) {
  return (a: string, b: string) => {
    const x = parseDate(a);
    const y = parseDate(b);
    return x === undefined || y === undefined ? undefined : compare(x, y);
  };
}

const BASE_OPERATORS: Record<string, BaseOperator> = {
  stringequals: { kind: 'string', negated: false, test: stringEquals },
  stringnotequals: { kind: 'string', negated: true, test: stringEquals },
  stringequalsignorecase: { kind: 'string', negated: false, test: stringEqualsIgnoreCase },
  stringnotequalsignorecase: { kind: 'string', negated: true, test: stringEqualsIgnoreCase },
  stringlike: { kind: 'string', negated: false, test: stringLike },
  stringnotlike: { kind: 'string', negated: true, test: stringLike },
  numericequals: { kind: 'numeric', negated: false, test: numeric((a, b) => a === b) },
  numericnotequals: { kind: 'numeric', negated: true, test: numeric((a, b) => a === b) },
  numericlessthan: { kind: 'numeric', negated: false, test: numeric((a, b) => a < b) },
  numericlessthanequals: { kind: 'numeric', negated: false, test: numeric((a, b) => a <= b) },
  numericgreaterthan: { kind: 'numeric', negated: false, test: numeric((a, b) => a > b) },
  numericgreaterthanequals: { kind: 'numeric', negated: false, test: numeric((a, b) => a >= b) },
  dateequals: { kind: 'date', negated: false, test: date((a, b) => a === b) },
  datenotequals: { kind: 'date', negated: true, test: date((a, b) => a === b) },
  datelessthan: { kind: 'date', negated: false, test: date((a, b) => a < b) },
  datelessthanequals: { kind: 'date', negated: false, test: date((a, b) => a <= b) },
  dategreaterthan: { kind: 'date', negated: false, test: date((a, b) => a > b) },
  dategreaterthanequals: { kind: 'date', negated: false, test: date((a, b) => a >= b) },
  bool: { kind: 'bool', negated: false, test: stringEqualsIgnoreCase },
  binaryequals: { kind: 'binary', negated: false, test: stringEquals },
  ipaddress: { kind: 'ip', negated: false, test: ipMatches },
  notipaddress: { kind: 'ip', negated: true, test: ipMatches },
  arnequals: { kind: 'arn', negated: false, test: (a, b) => arnMatches(b, a) },
  arnlike: { kind: 'arn', negated: false, test: (a, b) => arnMatches(b, a) },
  arnnotequals: { kind: 'arn', negated: true, test: (a, b) => arnMatches(b, a) },
  arnnotlike: { kind: 'arn', negated: true, test: (a, b) => arnMatches(b, a) },
};

export interface ParsedOperator {
  set: 'ForAnyValue' | 'ForAllValues' | undefined;
  /** Canonical lower-case base name, e.g. `stringequalsignorecase`, or `null` for Null. */
  base: string;
  ifExists: boolean;
}

/** Parse `ForAnyValue:StringEqualsIfExists` and friends; undefined for an unknown operator. */
export function parseOperator(operator: string): ParsedOperator | undefined {
  let rest = operator;
  let set: ParsedOperator['set'];
  const colon = rest.indexOf(':');
  if (colon !== -1) {
    const prefix = rest.slice(0, colon).toLowerCase();
    if (prefix === 'foranyvalue') set = 'ForAnyValue';
    else if (prefix === 'forallvalues') set = 'ForAllValues';
    else return undefined;
    rest = rest.slice(colon + 1);
  }
  let base = rest.toLowerCase();
  if (base === 'null') return set === undefined ? { set, base, ifExists: false } : undefined;
  let ifExists = false;
  if (base.endsWith('ifexists')) {
    ifExists = true;
    base = base.slice(0, -'ifexists'.length);
  }
  return BASE_OPERATORS[base] === undefined ? undefined : { set, base, ifExists };
}

type Resolved = { kind: 'absent' } | { kind: 'present'; values: string[]; multi: boolean } | { kind: 'open'; reason: 'open-condition-key' | 'unrecognised-condition-key' };

function scalarToString(value: ConditionScalar): string {
  return typeof value === 'string' ? value : String(value);
}

/** Case-insensitive view of the request context, with the keys AWS always sets filled in. */
function contextMap(request: RequestContext): Map<string, ContextValue> {
  const map = new Map<string, ContextValue>();
  map.set('aws:principalarn', request.principalArn);
  map.set('aws:principalaccount', request.principalAccount);
  for (const [key, value] of Object.entries(request.context)) map.set(key.toLowerCase(), value);
  return map;
}

function resolveKey(key: string, context: Map<string, ContextValue>, request: RequestContext, closedWorld: boolean): Resolved {
  const lower = key.toLowerCase();
  if (!closedWorld && request.openKeys?.some((open) => open.toLowerCase() === lower) === true) return { kind: 'open', reason: 'open-condition-key' };
  if (context.has(lower)) {
    const value = context.get(lower);
    if (value === undefined) return { kind: 'absent' };
    if (Array.isArray(value)) return { kind: 'present', values: value.map(String), multi: true };
    return { kind: 'present', values: [scalarToString(value)], multi: false };
  }
  // In AWS a key that is not in the request context is absent, misspelled or not.
  if (closedWorld) return { kind: 'absent' };
  if (!isRecognisedConditionKey(key)) return { kind: 'open', reason: 'unrecognised-condition-key' };
  if (request.openWorld === true) return { kind: 'open', reason: 'open-condition-key' };
  return { kind: 'absent' };
}

/** One `operator: { key: values }` entry against the request. */
function evaluateClause(operatorName: string, key: string, policyValues: string[], resolved: Resolved, scope: Scope): Tri {
  const operator = parseOperator(operatorName);
  if (operator === undefined) return undecided(scope, 'Condition', 'unknown-operator', operatorName);
  if (policyValues.some((value) => value.includes('${'))) return undecided(scope, 'Condition', 'policy-variable', `${operatorName} ${key}`);
  if (resolved.kind === 'open') return undecided(scope, 'Condition', resolved.reason, key);

  if (operator.base === 'null') {
    const wanted = resolved.kind === 'absent' ? 'true' : 'false';
    return policyValues.some((value) => value.toLowerCase() === wanted);
  }
  const base = BASE_OPERATORS[operator.base];
  /* c8 ignore next */
  if (base === undefined) return undecided(scope, 'Condition', 'unknown-operator', operatorName);

  if (resolved.kind === 'absent') {
    // AWS does not document whether a set operator or IfExists decides for a missing key
    // (ForAnyValue:…IfExists): simulators differ, so it stays undecided.
    if (operator.ifExists && operator.set !== undefined) return undecided(scope, 'Condition', 'ambiguous-operator', `${operatorName} on missing ${key}`);
    if (operator.ifExists) return true;
    if (operator.set === 'ForAnyValue') return false;
    if (operator.set === 'ForAllValues') return true;
    return base.negated;
  }

  let invalid = false;
  // Does one request value satisfy the operator against the policy's value list?
  const one = (requestValue: string): boolean => {
    const hits = policyValues.map((policyValue) => base.test(requestValue, policyValue));
    if (hits.includes(undefined)) invalid = true;
    const any = hits.some((hit) => hit === true);
    return base.negated ? !any : any;
  };

  let result: boolean;
  if (operator.set === 'ForAnyValue') result = resolved.values.some(one);
  else if (operator.set === 'ForAllValues') result = resolved.values.every(one);
  // A single-valued operator never matches a multi-valued key: a set operator is required.
  else if (resolved.multi) result = false;
  else result = resolved.values.length > 0 && one(resolved.values[0] ?? '');
  if (invalid && result) return undecided(scope, 'Condition', 'invalid-value', `${operatorName} ${key}`);
  return result;
}

function evaluateCondition(statement: PolicyStatement, request: RequestContext, context: Map<string, ContextValue>, scope: Scope, closedWorld: boolean): Tri {
  const condition = statement.Condition;
  if (condition === undefined) return true;
  const results: Tri[] = [];
  for (const [operator, block] of Object.entries(condition)) {
    for (const [key, raw] of Object.entries(block)) {
      const values = (Array.isArray(raw) ? raw : [raw]).map(scalarToString);
      results.push(evaluateClause(operator, key, values, resolveKey(key, context, request, closedWorld), scope));
    }
  }
  return and(results);
}

// ---------------------------------------------------------------------------------------------
// Statements and policies

/** How one statement relates to a request. */
export interface StatementOutcome {
  /** Does the statement apply (principal, action, resource and condition all match)? */
  applies: Tri;
  /** How the principal matched; identity-policy statements (no Principal) match `direct`. */
  principal: PrincipalMatch;
}

/**
 * Evaluate one statement. `closedWorld` reads unrecognised keys as absent (AWS's behaviour);
 * otherwise they are undecided.
 */
export function evaluateStatement(statement: PolicyStatement, request: RequestContext, index: number, options: { closedWorld?: boolean; undecided?: Undecided[] } = {}): StatementOutcome {
  const scope: Scope = { statement: index, undecided: options.undecided ?? [] };
  const context = contextMap(request);

  let principal: PrincipalMatch = 'direct';
  if (statement.Principal !== undefined) principal = matchPrincipalBlock(statement.Principal, request, scope, 'Principal');
  else if (statement.NotPrincipal !== undefined) {
    const excluded = matchPrincipalBlock(statement.NotPrincipal, request, scope, 'NotPrincipal');
    principal = excluded === 'maybe' ? 'maybe' : excluded === 'none' ? 'direct' : 'none';
  }
  const principalTri: Tri = principal === 'maybe' ? 'maybe' : principal !== 'none';

  const action: Tri =
    statement.Action !== undefined
      ? toList(statement.Action).some((pattern) => actionMatches(pattern, request.action))
      : !toList(statement.NotAction).some((pattern) => actionMatches(pattern, request.action));

  let resource: Tri = true;
  const resources = statement.Resource ?? statement.NotResource;
  if (resources !== undefined) {
    const patterns = toList(resources);
    if (patterns.some((pattern) => pattern.includes('${'))) resource = undecided(scope, 'Condition', 'policy-variable', `resource ${patterns.join(', ')}`);
    else {
      const hit = patterns.some((pattern) => arnMatches(pattern, request.resource));
      resource = statement.Resource !== undefined ? hit : !hit;
    }
  }

  // Skip the condition when the statement cannot apply anyway (fewer spurious undecided notes).
  const head = and([principalTri, action, resource]);
  const condition = head === false ? false : evaluateCondition(statement, request, context, scope, options.closedWorld === true);
  return { applies: and([head, condition]), principal };
}

interface PolicyOutcome {
  /** Per statement: applies under the three-valued reading. */
  tri: Tri[];
  /** Per statement: applies under AWS's reading with fail-closed resolution of undecided parts. */
  aws: boolean[];
  principals: PrincipalMatch[];
  undecided: Undecided[];
}

function evaluateStatements(policy: PolicyDocument, request: RequestContext): PolicyOutcome {
  const undecidedList: Undecided[] = [];
  const tri: Tri[] = [];
  const aws: boolean[] = [];
  const principals: PrincipalMatch[] = [];
  policy.Statement.forEach((statement, index) => {
    const open = evaluateStatement(statement, request, index, { undecided: undecidedList });
    tri.push(open.applies);
    principals.push(open.principal);
    const closed = evaluateStatement(statement, request, index, { closedWorld: true });
    // Fail closed for `decision`: an undecidable Allow does not apply, an undecidable Deny does.
    aws.push(closed.applies === 'maybe' ? statement.Effect === 'Deny' : closed.applies);
  });
  return { tri, aws, principals, undecided: undecidedList };
}

/** The set of decisions reachable from a (possibly undecided) deny and allow. */
function possible(deny: Tri, allow: Tri): Decision[] {
  if (deny === true) return ['ExplicitDeny'];
  const result: Decision[] = deny === 'maybe' ? ['ExplicitDeny'] : [];
  if (allow !== false) result.push('Allow');
  if (allow !== true) result.push('ImplicitDeny');
  return result;
}

function decide(deny: boolean, allow: boolean): Decision {
  return deny ? 'ExplicitDeny' : allow ? 'Allow' : 'ImplicitDeny';
}

function effectTri(policy: PolicyDocument, outcome: PolicyOutcome, effect: 'Allow' | 'Deny', principal?: (match: PrincipalMatch) => boolean): Tri {
  return or(
    policy.Statement.map((statement, index) => {
      if (statement.Effect !== effect) return false;
      const match = outcome.principals[index] ?? 'none';
      if (principal !== undefined && match !== 'maybe' && !principal(match)) return false;
      return outcome.tri[index] ?? false;
    }),
  );
}
function effectAws(policy: PolicyDocument, outcome: PolicyOutcome, effect: 'Allow' | 'Deny', principal?: (match: PrincipalMatch) => boolean): boolean {
  return policy.Statement.some((statement, index) => {
    if (statement.Effect !== effect || outcome.aws[index] !== true) return false;
    const match = outcome.principals[index] ?? 'none';
    // An undecidable principal counts for a Deny and not for an Allow (fail closed).
    if (match === 'maybe') return effect === 'Deny';
    return principal === undefined || principal(match);
  });
}

function result(decision: Decision, matched: number[], decisions: Decision[], undecidedList: Undecided[]): EvaluationResult {
  return { decision, matchedStatements: matched, possibleDecisions: decisions, certain: decisions.length === 1, undecided: undecidedList };
}

/**
 * Evaluate one policy on its own. A principal that matches only through its account (a Principal of
 * `123456789012` or `arn:aws:iam::123456789012:root`) counts as a match here; use
 * {@link evaluateAccess} for the resource-plus-identity logic in which that means delegation.
 */
export function evaluatePolicy(policy: PolicyDocument, request: RequestContext): EvaluationResult {
  const outcome = evaluateStatements(policy, request);
  const deny = effectTri(policy, outcome, 'Deny');
  const allow = effectTri(policy, outcome, 'Allow');
  const decision = decide(effectAws(policy, outcome, 'Deny'), effectAws(policy, outcome, 'Allow'));
  const matched = outcome.aws.flatMap((applies, index) => (applies ? [index] : []));
  return result(decision, matched, possible(deny, allow), outcome.undecided);
}

export interface AccessOptions {
  /**
   * `kms`: the resource policy is a KMS key policy. It must allow the call itself, either naming the
   * caller (or `*`), or naming the caller's account, which delegates to the account's IAM policies.
   * `generic`: same-account calls are allowed when either the resource policy or an identity
   * policy allows (S3 bucket policies and most resource policies).
   * @default 'kms'
   */
  service?: 'kms' | 'generic';
  /** The account owning the resource; cross-account calls need both sides. Default: the account in the resource ARN, else the caller's. */
  resourceAccount?: string;
}

export interface AccessResult extends EvaluationResult {
  /** How an Allow was reached, when it was. */
  allowedBy: 'resource-policy' | 'identity-policy' | 'delegation' | undefined;
  /** Matched statement indexes in the identity policies, as `[policyIndex, statementIndex]`. */
  matchedIdentityStatements: [number, number][];
  /** Undecided parts of the identity policies, as `[policyIndex, undecided]`. */
  identityUndecided: [number, Undecided][];
}

/**
 * Evaluate a resource policy together with the caller's identity policies, the AWS way.
 * Explicit Deny anywhere wins. Same account: for `generic` either side may allow; for `kms` the
 * key policy must allow the caller directly, or delegate to the caller's account (Principal = the
 * account) in which case an identity policy must allow too. Cross account: both must allow.
 * `matchedStatements` and `undecided` refer to the resource policy.
 */
export function evaluateAccess(resourcePolicy: PolicyDocument, request: RequestContext, identityPolicies: readonly PolicyDocument[] = [], options: AccessOptions = {}): AccessResult {
  const service = options.service ?? 'kms';
  const resourceAccount = options.resourceAccount ?? /^arn:[^:]*:[^:]*:[^:]*:(\d{12}):/.exec(request.resource)?.[1] ?? request.principalAccount;
  const sameAccount = resourceAccount === request.principalAccount;
  const rp = evaluateStatements(resourcePolicy, request);
  const ids = identityPolicies.map((policy) => evaluateStatements(policy, request));

  const direct = (match: PrincipalMatch) => match === 'direct';
  const anyMatch = (match: PrincipalMatch) => match !== 'none';

  // Three-valued reading (for possibleDecisions).
  const deny = or([effectTri(resourcePolicy, rp, 'Deny'), ...ids.map((outcome, i) => effectTri(identityPolicies[i] as PolicyDocument, outcome, 'Deny'))]);
  const idAllow = or(ids.map((outcome, i) => effectTri(identityPolicies[i] as PolicyDocument, outcome, 'Allow')));
  const rpDirect = effectTri(resourcePolicy, rp, 'Allow', direct);
  const rpAny = effectTri(resourcePolicy, rp, 'Allow', anyMatch);
  let allow: Tri;
  if (!sameAccount) allow = and([rpAny, idAllow]);
  else if (service === 'kms') allow = or([rpDirect, and([rpAny, idAllow])]);
  else allow = or([rpAny, idAllow]);

  // AWS reading (for decision).
  const denyAws = effectAws(resourcePolicy, rp, 'Deny') || ids.some((outcome, i) => effectAws(identityPolicies[i] as PolicyDocument, outcome, 'Deny'));
  const idAllowAws = ids.some((outcome, i) => effectAws(identityPolicies[i] as PolicyDocument, outcome, 'Allow'));
  const rpDirectAws = effectAws(resourcePolicy, rp, 'Allow', direct);
  const rpAnyAws = effectAws(resourcePolicy, rp, 'Allow', anyMatch);
  let allowedBy: AccessResult['allowedBy'];
  if (!denyAws) {
    if (!sameAccount) allowedBy = rpAnyAws && idAllowAws ? 'identity-policy' : undefined;
    else if (service === 'kms') allowedBy = rpDirectAws ? 'resource-policy' : rpAnyAws && idAllowAws ? 'delegation' : undefined;
    else allowedBy = rpAnyAws ? 'resource-policy' : idAllowAws ? 'identity-policy' : undefined;
  }
  const decision: Decision = denyAws ? 'ExplicitDeny' : allowedBy !== undefined ? 'Allow' : 'ImplicitDeny';
  const matched = rp.aws.flatMap((applies, index) => (applies ? [index] : []));
  return {
    ...result(decision, matched, possible(deny, allow), rp.undecided),
    allowedBy,
    matchedIdentityStatements: ids.flatMap((outcome, p) => outcome.aws.flatMap((applies, s): [number, number][] => (applies ? [[p, s]] : []))),
    identityUndecided: ids.flatMap((outcome, p) => outcome.undecided.map((entry): [number, Undecided] => [p, entry])),
  };
}

/** Shorthand: a KMS key policy with the caller's identity policies (see {@link evaluateAccess}). */
export function evaluateKeyPolicy(keyPolicy: PolicyDocument, request: RequestContext, identityPolicies: readonly PolicyDocument[] = []): AccessResult {
  return evaluateAccess(keyPolicy, request, identityPolicies, { service: 'kms' });
}

// ---------------------------------------------------------------------------------------------
// Value parsing helpers

function parseNumber(value: string): number | undefined {
  if (!/^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/.test(value.trim())) return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
}

/** ISO 8601 date/time or epoch seconds, in milliseconds. */
function parseDate(value: string): number | undefined {
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  if (!/^\d{4}-\d{2}-\d{2}/.test(value)) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}

function parseIPv4(value: string): bigint | undefined {
  const parts = value.split('.');
  if (parts.length !== 4) return undefined;
  let result = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    result = (result << 8n) | BigInt(part);
  }
  return result;
}

function parseIPv6(value: string): bigint | undefined {
  let text = value;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hextets.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1] !== undefined) {
    const tail = parseIPv4(v4[1]);
    if (tail === undefined) return undefined;
    text = `${text.slice(0, -v4[1].length)}${(tail >> 16n).toString(16)}:${(tail & 0xffffn).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' ? [] : (halves[0] ?? '').split(':');
  const tail = halves.length === 2 ? (halves[1] === '' ? [] : (halves[1] ?? '').split(':')) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  let result = 0n;
  for (const group of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    result = (result << 16n) | BigInt(`0x${group}`);
  }
  return result;
}

function parseAddress(value: string): { bits: number; address: bigint } | undefined {
  const v4 = parseIPv4(value);
  if (v4 !== undefined) return { bits: 32, address: v4 };
  const v6 = value.includes(':') ? parseIPv6(value) : undefined;
  return v6 === undefined ? undefined : { bits: 128, address: v6 };
}

/** Is the request address inside the policy's address or CIDR block? */
function ipMatches(requestValue: string, policyValue: string): boolean | undefined {
  const [base = '', prefixText] = policyValue.split('/');
  const network = parseAddress(base);
  const address = parseAddress(requestValue);
  if (network === undefined || address === undefined) return undefined;
  if (network.bits !== address.bits) return false;
  const prefix = prefixText === undefined ? network.bits : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > network.bits) return undefined;
  const shift = BigInt(network.bits - prefix);
  return network.address >> shift === address.address >> shift;
}

/** Shorthand for the sandbox and callers that only want the answer. */
export function isAllowed(result: EvaluationResult): boolean {
  return result.decision === 'Allow';
}

export { and as triAnd, or as triOr, not as triNot };
export type { Tri };
