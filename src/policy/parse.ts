/**
 * Parsing of IAM policy documents: JSON text or an already-parsed value is checked against the
 * policy grammar (POLICY_MALFORMED otherwise) and normalised; plus {@link toList} for
 * string-or-list elements.
 */
import { fail } from '../errors.js';
import type { PolicyDocument, PolicyStatement, StringOrList } from './types.js';

// ---------------------------------------------------------------------------------------------
// Parsing

const STATEMENT_KEYS = new Set([
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
]);
const DOCUMENT_KEYS = new Set(['Version', 'Id', 'Statement']);
const PRINCIPAL_TYPES = new Set(['AWS', 'Service', 'Federated', 'CanonicalUser']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function malformed(message: string, path: string): never {
  fail(
    'POLICY_MALFORMED',
    `${message} (at ${path})`,
    'fix the policy document so that it follows the IAM policy grammar',
    {
      context: { path },
    },
  );
}

function checkStringOrList(value: unknown, path: string): void {
  if (typeof value === 'string') return;
  if (Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'string')) return;
  malformed('expected a string or a non-empty list of strings', path);
}

function checkPrincipal(value: unknown, path: string): void {
  if (value === '*') return;
  if (!isRecord(value) || Object.keys(value).length === 0)
    malformed('expected "*" or an object of principal types', path);
  for (const [type, entries] of Object.entries(value)) {
    if (!PRINCIPAL_TYPES.has(type)) malformed(`unknown principal type "${type}"`, `${path}.${type}`);
    checkStringOrList(entries, `${path}.${type}`);
  }
}

function checkCondition(value: unknown, path: string): void {
  if (!isRecord(value)) malformed('expected an object of condition operators', path);
  for (const [operator, block] of Object.entries(value)) {
    if (!isRecord(block) || Object.keys(block).length === 0)
      malformed('expected an object of condition keys', `${path}.${operator}`);
    for (const [key, values] of Object.entries(block)) {
      const scalar = (item: unknown) =>
        typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean';
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
  if (value['Effect'] !== 'Allow' && value['Effect'] !== 'Deny')
    malformed('Effect must be "Allow" or "Deny"', `${path}.Effect`);
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
  if (value['Version'] !== undefined && typeof value['Version'] !== 'string')
    malformed('Version must be a string', '$.Version');
  if (value['Id'] !== undefined && typeof value['Id'] !== 'string') malformed('Id must be a string', '$.Id');
  const raw = value['Statement'];
  if (raw === undefined) malformed('a policy document needs a Statement', '$');
  const list: unknown[] = Array.isArray(raw) ? raw : [raw];
  list.forEach((statement, index) => checkStatement(statement, `$.Statement[${index}]`));
  const document: PolicyDocument = { Statement: structuredClone(list as PolicyStatement[]) };
  if (typeof value['Version'] === 'string') document.Version = value['Version'];
  if (typeof value['Id'] === 'string') document.Id = value['Id'];
  // Keep the original member order (Version, Id, Statement) as AWS returns it.
  return {
    ...(document.Version === undefined ? {} : { Version: document.Version }),
    ...(document.Id === undefined ? {} : { Id: document.Id }),
    Statement: document.Statement,
  };
}

/**
 * The first member name that appears twice in one object of a valid JSON text, compared after
 * unescaping (`"Condition"` and `"\u0043ondition"` are the same name). JSON.parse keeps the last
 * duplicate; another parser may keep the first, so a policy with duplicates could mean one thing
 * to the proofs and another to AWS.
 */
export function findDuplicateMember(json: string): string | undefined {
  const frames: ({ keys: Set<string>; expectKey: boolean } | 'array')[] = [];
  for (let i = 0; i < json.length; i += 1) {
    const char = json[i];
    const top = frames[frames.length - 1];
    if (char === '{') frames.push({ keys: new Set(), expectKey: true });
    else if (char === '[') frames.push('array');
    else if (char === '}' || char === ']') frames.pop();
    else if (char === ',' && top !== undefined && top !== 'array') top.expectKey = true;
    else if (char === ':' && top !== undefined && top !== 'array') top.expectKey = false;
    else if (char === '"') {
      let end = i + 1;
      while (end < json.length && json[end] !== '"') end += json[end] === '\\' ? 2 : 1;
      if (top !== undefined && top !== 'array' && top.expectKey) {
        const name = JSON.parse(json.slice(i, end + 1)) as string;
        if (top.keys.has(name)) return name;
        top.keys.add(name);
      }
      i = end;
    }
  }
  return undefined;
}

/** Parse a policy from JSON text. Throws POLICY_MALFORMED on bad JSON, duplicate names or a bad shape. */
export function parsePolicyDocument(json: string): PolicyDocument {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    fail('POLICY_MALFORMED', 'the policy is not valid JSON', 'check the policy text; it must be a JSON object', {
      cause: error,
    });
  }
  const duplicate = findDuplicateMember(json);
  if (duplicate !== undefined) {
    fail(
      'POLICY_MALFORMED',
      `the policy names ${JSON.stringify(duplicate)} twice in one object`,
      'remove the duplicate member: parsers disagree on which one counts, so the policy cannot be proven',
    );
  }
  return toPolicyDocument(value);
}

export function toList(value: StringOrList | undefined): string[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : value;
}
