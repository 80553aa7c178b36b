/** Small helpers shared by the simulated services: ids, pagination, filters, tags. */
import { createHash, randomBytes } from 'node:crypto';
import { globMatch } from '../../policy/match.js';
import type { SandboxServiceError } from './service-error.js';
import type { Tag } from './state.js';

/** `vpc-0123456789abcdef0`-style ids: a prefix and 17 hex characters. */
export function ec2Id(prefix: string): string {
  return `${prefix}-0${randomBytes(8).toString('hex')}`;
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function md5Hex(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

interface PageToken {
  /** Offset of the next item. */
  o: number;
  /** What the token was issued for (a token is only valid for the same query). */
  s: string;
}

export interface Page<T> {
  items: T[];
  /** Token for the next page; undefined on the last page. */
  next: string | undefined;
}

/**
 * One page of `items`: at most `min(max, pageSize)` from the token's offset. Tokens are opaque
 * base64 and bound to `scope` (the query); a foreign or garbled token is `invalid()`.
 */
export function paginate<T>(
  items: readonly T[],
  options: {
    token: string | undefined;
    max: number | undefined;
    pageSize: number;
    scope: string;
    invalid: () => SandboxServiceError;
  },
): Page<T> {
  let offset = 0;
  const scope = sha256Hex(options.scope).slice(0, 16);
  if (options.token !== undefined && options.token !== '') {
    let parsed: PageToken | undefined;
    try {
      parsed = JSON.parse(Buffer.from(options.token, 'base64url').toString('utf8')) as PageToken;
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || typeof parsed.o !== 'number' || parsed.s !== scope || parsed.o < 0)
      throw options.invalid();
    offset = parsed.o;
  }
  const size = Math.max(1, Math.min(options.max ?? Number.POSITIVE_INFINITY, options.pageSize));
  const page = items.slice(offset, offset + size);
  const end = offset + page.length;
  return {
    items: page,
    next:
      end < items.length
        ? Buffer.from(JSON.stringify({ o: end, s: scope } satisfies PageToken)).toString('base64url')
        : undefined,
  };
}

/** EC2 filter value matching: `*` and `?` wildcards, case-sensitive (the policy matcher, no RegExp). */
export function filterValueMatches(value: string | undefined, patterns: readonly string[]): boolean {
  if (value === undefined) return false;
  return patterns.some((pattern) => globMatch(pattern, value, false));
}

/** Does a resource's tag list satisfy a `tag:Key` / `tag-key` / `tag-value` filter? */
export function tagFilterMatches(name: string, values: readonly string[], tags: readonly Tag[]): boolean | undefined {
  if (name.startsWith('tag:')) {
    const key = name.slice(4);
    return tags.some((tag) => tag.Key === key && filterValueMatches(tag.Value, values));
  }
  if (name === 'tag-key') return tags.some((tag) => filterValueMatches(tag.Key, values));
  if (name === 'tag-value') return tags.some((tag) => filterValueMatches(tag.Value, values));
  return undefined;
}

/** Apply tags: same key replaces. */
export function mergeTags(
  existing: Tag[],
  added: readonly { Key?: string | undefined; Value?: string | undefined }[],
): Tag[] {
  const result = [...existing];
  for (const tag of added) {
    const key = tag.Key ?? '';
    const value = tag.Value ?? '';
    const index = result.findIndex((candidate) => candidate.Key === key);
    if (index >= 0) result[index] = { Key: key, Value: value };
    else result.push({ Key: key, Value: value });
  }
  return result;
}

/** Copies tags to SDK output shape, or undefined when there are none (as EC2 omits them). */
export function outputTags(tags: readonly Tag[]): { Key: string; Value: string }[] | undefined {
  return tags.length === 0 ? undefined : tags.map((tag) => ({ Key: tag.Key, Value: tag.Value }));
}

/** Reads a streaming or buffered request body (string, bytes, Blob, Readable, async iterable). */
export async function readBody(body: unknown): Promise<Uint8Array> {
  if (body === undefined || body === null) return new Uint8Array();
  if (typeof body === 'string') return new Uint8Array(Buffer.from(body, 'utf8'));
  if (body instanceof Uint8Array) return new Uint8Array(body);
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (typeof Blob !== 'undefined' && body instanceof Blob) return new Uint8Array(await body.arrayBuffer());
  if (typeof body === 'object' && Symbol.asyncIterator in body) {
    const chunks: Buffer[] = [];
    for await (const chunk of body as AsyncIterable<unknown>) {
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array));
    }
    return new Uint8Array(Buffer.concat(chunks));
  }
  throw new TypeError('unsupported body type');
}

/** `value` and everything it holds made read-only (for documents shared by several readers). */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
