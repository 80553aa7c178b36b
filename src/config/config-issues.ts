/**
 * Config validation problems in words a person reads: the setting, what it must be (taken from the
 * schema itself: type, range, choices) and the value that was given, e.g.
 * `instance.rootVolumeGiB: must be an integer from 8 to 16384 (got "abc")`. Zod's own messages
 * ("Invalid input: expected number, received string") are used only where the schema author wrote
 * them (regex and refinement messages, which already say what is expected).
 */
import type { z } from 'zod';

export interface ConfigProblem {
  /** Dotted path with list indexes, e.g. `kms.adminArns[1]`. */
  path: string;
  /** `must be …` / `is required` / the schema's own sentence, with the bad value echoed. */
  message: string;
}

/** The issue codes whose expectation is read off the schema rather than from zod's message. */
const DESCRIBED = new Set(['invalid_type', 'too_small', 'too_big', 'invalid_value', 'not_multiple_of']);

/** Longest echo of a bad value; the config never holds secrets, but a pasted blob should not flood the screen. */
const MAX_ECHO = 60;

/** One zod issue about `input` (the object that was validated) as a {@link ConfigProblem}. */
export function describeIssue(issue: z.core.$ZodIssue, input: unknown, schema: z.ZodType): ConfigProblem {
  const path = formatPath(issue.path);
  const value = valueAt(input, issue.path);
  if (value === undefined && issue.code === 'invalid_type') return { path, message: 'is required' };
  const expected = DESCRIBED.has(issue.code) ? expectation(schemaAt(schema, issue.path)) : undefined;
  const what = expected === undefined ? issue.message : `must be ${expected}`;
  return { path, message: value === undefined ? what : `${what} (got ${echo(value)})` };
}

/** `kms.adminArns[0]`, or `(root)` for the document itself. */
function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`)).join('');
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let node = input;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function echo(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_ECHO ? `${text.slice(0, MAX_ECHO - 1)}…` : text;
}

/** The zod internals this module reads: a definition with a type tag and its wrapped parts. */
interface SchemaDef {
  type: string;
  innerType?: SchemaLike;
  in?: SchemaLike;
  element?: SchemaLike;
  valueType?: SchemaLike;
  shape?: Record<string, SchemaLike>;
  values?: readonly unknown[];
  entries?: Record<string, unknown>;
}
interface SchemaLike {
  _zod: { def: SchemaDef };
  minValue?: number | null;
  maxValue?: number | null;
  isInt?: boolean;
}

/** The schema that validates `path`, through defaults, optionals and transforms. */
function schemaAt(root: z.ZodType, path: readonly PropertyKey[]): SchemaLike | undefined {
  let node: SchemaLike | undefined = unwrap(root);
  for (const key of path) {
    if (node === undefined) return undefined;
    const def: SchemaDef = node._zod.def;
    if (def.type === 'object') node = def.shape?.[String(key)];
    else if (def.type === 'array') node = def.element;
    else if (def.type === 'record') node = def.valueType;
    else return undefined;
    node = node === undefined ? undefined : unwrap(node);
  }
  return node;
}

function unwrap(schema: SchemaLike): SchemaLike {
  let node = schema;
  for (;;) {
    const def = node._zod.def;
    if (
      ['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch', 'nonoptional'].includes(def.type) &&
      def.innerType
    )
      node = def.innerType;
    else if (def.type === 'pipe' && def.in) node = def.in;
    else return node;
  }
}

/** What a value must be, in words: `an integer from 8 to 16384`, `one of global, eu`, `true or false`. */
function expectation(schema: SchemaLike | undefined): string | undefined {
  if (schema === undefined) return undefined;
  const def = schema._zod.def;
  switch (def.type) {
    case 'number': {
      const kind = schema.isInt === true ? 'an integer' : 'a number';
      const min = finite(schema.minValue);
      const max = finite(schema.maxValue);
      if (min !== undefined && max !== undefined) return `${kind} from ${min} to ${max}`;
      if (min !== undefined) return `${kind} ≥ ${min}`;
      if (max !== undefined) return `${kind} ≤ ${max}`;
      return kind;
    }
    case 'boolean':
      return 'true or false';
    case 'string':
      return 'a string';
    case 'enum':
      return oneOf(Object.values(def.entries ?? {}));
    case 'literal':
      return oneOf(def.values ?? []);
    case 'object':
    case 'record':
      return 'an object';
    case 'array':
      return 'a list';
    default:
      return undefined;
  }
}

/** Integer schemas carry ±MAX_SAFE_INTEGER as their implicit bounds; those are not worth saying. */
function finite(bound: number | null | undefined): number | undefined {
  return typeof bound === 'number' && Math.abs(bound) < Number.MAX_SAFE_INTEGER ? bound : undefined;
}

function oneOf(values: readonly unknown[]): string | undefined {
  if (values.length === 0) return undefined;
  const shown = values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  return shown.length === 1 ? shown[0] : `one of ${shown.join(', ')}`;
}
