/**
 * The Condition element: operator parsing (`ForAnyValue:StringEqualsIfExists` and friends), the
 * number/date/IP value parsers the operators need, condition-key resolution against the request
 * context, and three-valued evaluation of a statement's condition block.
 */
import { isRecognisedConditionKey } from './condition-keys.js';
import { arnMatches, globMatch } from './match.js';
import { and, undecided, type Scope, type Tri } from './three-valued.js';
import type { ConditionScalar, ContextValue, PolicyStatement, RequestContext } from './types.js';

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
  // Own properties only: `constructor`, `__proto__` and friends are not operators.
  return Object.hasOwn(BASE_OPERATORS, base) ? { set, base, ifExists } : undefined;
}

type Resolved =
  | { kind: 'absent' }
  | { kind: 'present'; values: string[]; multi: boolean }
  | { kind: 'open'; reason: 'open-condition-key' | 'unrecognised-condition-key' };

function scalarToString(value: ConditionScalar): string {
  return typeof value === 'string' ? value : String(value);
}

/** Case-insensitive view of the request context, with the keys AWS always sets filled in. */
export function contextMap(request: RequestContext): Map<string, ContextValue> {
  const map = new Map<string, ContextValue>();
  map.set('aws:principalarn', request.principalArn);
  map.set('aws:principalaccount', request.principalAccount);
  for (const [key, value] of Object.entries(request.context)) map.set(key.toLowerCase(), value);
  return map;
}

function resolveKey(
  key: string,
  context: Map<string, ContextValue>,
  request: RequestContext,
  closedWorld: boolean,
): Resolved {
  const lower = key.toLowerCase();
  if (!closedWorld && request.openKeys?.some((open) => open.toLowerCase() === lower) === true)
    return { kind: 'open', reason: 'open-condition-key' };
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
function evaluateClause(
  operatorName: string,
  key: string,
  policyValues: string[],
  resolved: Resolved,
  scope: Scope,
): Tri {
  const operator = parseOperator(operatorName);
  if (operator === undefined) return undecided(scope, 'Condition', 'unknown-operator', operatorName);
  if (policyValues.some((value) => value.includes('${')))
    return undecided(scope, 'Condition', 'policy-variable', `${operatorName} ${key}`);
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
    if (operator.ifExists && operator.set !== undefined)
      return undecided(scope, 'Condition', 'ambiguous-operator', `${operatorName} on missing ${key}`);
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

export function evaluateCondition(
  statement: PolicyStatement,
  request: RequestContext,
  context: Map<string, ContextValue>,
  scope: Scope,
  closedWorld: boolean,
): Tri {
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
