/**
 * A small JSON Schema (draft-04) validator for the keywords the SARIF schema subset uses:
 * type, enum, required, properties, additionalProperties, items, $ref (local), minItems,
 * uniqueItems, minimum, maximum, pattern, anyOf, format (uri, date-time). Unknown keywords are an
 * error, so a schema it cannot check is never taken as passing. Returns every violation found.
 */
type Schema = Record<string, unknown>;

const KNOWN = new Set([
  '$schema',
  'id',
  'title',
  'description',
  'default',
  'type',
  'enum',
  'required',
  'properties',
  'additionalProperties',
  'items',
  '$ref',
  'minItems',
  'uniqueItems',
  'minimum',
  'maximum',
  'pattern',
  'anyOf',
  'format',
  'definitions',
]);

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function typeMatches(value: unknown, type: string): boolean {
  const actual = typeOf(value);
  return actual === type || (type === 'number' && actual === 'integer');
}

export function validateJsonSchema(root: Schema, value: unknown): string[] {
  let errors: string[] = [];
  const resolve = (ref: string): Schema => {
    const match = /^#\/definitions\/(.+)$/.exec(ref);
    const definitions = root['definitions'] as Record<string, Schema> | undefined;
    const target = match === null ? undefined : definitions?.[match[1] as string];
    if (target === undefined) throw new Error(`unresolvable $ref ${ref}`);
    return target;
  };
  const check = (schema: Schema, v: unknown, path: string): void => {
    for (const keyword of Object.keys(schema))
      if (!KNOWN.has(keyword)) throw new Error(`schema keyword ${keyword} is not supported (at ${path})`);
    if (typeof schema['$ref'] === 'string') return check(resolve(schema['$ref']), v, path);
    const type = schema['type'];
    if (type !== undefined) {
      const types = Array.isArray(type) ? (type as string[]) : [type as string];
      if (!types.some((t) => typeMatches(v, t))) {
        errors.push(`${path}: expected ${types.join(' or ')}, got ${typeOf(v)}`);
        return;
      }
    }
    if (Array.isArray(schema['enum']) && !(schema['enum'] as unknown[]).includes(v))
      errors.push(`${path}: ${JSON.stringify(v)} is not one of ${JSON.stringify(schema['enum'])}`);
    if (typeof v === 'string') {
      if (typeof schema['pattern'] === 'string' && !new RegExp(schema['pattern'], 'u').test(v))
        errors.push(`${path}: ${JSON.stringify(v)} does not match ${schema['pattern']}`);
      if (schema['format'] === 'uri' && !URL.canParse(v)) errors.push(`${path}: ${JSON.stringify(v)} is not a URI`);
      if (
        schema['format'] === 'date-time' &&
        (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v) || Number.isNaN(Date.parse(v)))
      )
        errors.push(`${path}: ${JSON.stringify(v)} is not a date-time`);
    }
    if (typeof v === 'number') {
      if (typeof schema['minimum'] === 'number' && v < schema['minimum'])
        errors.push(`${path}: ${v} < ${schema['minimum']}`);
      if (typeof schema['maximum'] === 'number' && v > schema['maximum'])
        errors.push(`${path}: ${v} > ${schema['maximum']}`);
    }
    if (Array.isArray(v)) {
      if (typeof schema['minItems'] === 'number' && v.length < schema['minItems'])
        errors.push(`${path}: fewer than ${schema['minItems']} items`);
      if (schema['uniqueItems'] === true && new Set(v.map((item) => JSON.stringify(item))).size !== v.length)
        errors.push(`${path}: items are not unique`);
      if (schema['items'] !== undefined)
        v.forEach((item, i) => check(schema['items'] as Schema, item, `${path}[${i}]`));
    }
    if (typeOf(v) === 'object') {
      const object = v as Record<string, unknown>;
      for (const name of (schema['required'] as string[] | undefined) ?? [])
        if (!(name in object)) errors.push(`${path}: missing required ${name}`);
      const properties = (schema['properties'] as Record<string, Schema> | undefined) ?? {};
      for (const [name, item] of Object.entries(object)) {
        const sub = properties[name];
        if (sub !== undefined) check(sub, item, `${path}.${name}`);
        else if (schema['additionalProperties'] === false) errors.push(`${path}: unexpected property ${name}`);
        else if (typeof schema['additionalProperties'] === 'object')
          check(schema['additionalProperties'] as Schema, item, `${path}.${name}`);
      }
    }
    if (Array.isArray(schema['anyOf'])) {
      const outer = errors;
      const passing = (schema['anyOf'] as Schema[]).some((option) => {
        errors = [];
        check(option, v, path);
        return errors.length === 0;
      });
      errors = outer;
      if (!passing) errors.push(`${path}: matches none of anyOf`);
    }
  };
  check(root, value, '$');
  return errors;
}
