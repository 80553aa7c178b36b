/** EC2's Describe* plumbing: request filters (AND across filters, OR within one) and MaxResults/NextToken paging. */
import type * as SDK from '@aws-sdk/client-ec2';
import type { Tx } from './engine.js';
import type { Tag } from './state.js';
import { filterValueMatches, paginate, tagFilterMatches } from './util.js';

type Filters = SDK.Filter[] | undefined;

function filterMap(filters: Filters): [string, string[]][] {
  return (filters ?? []).map((filter) => [filter.Name ?? '', filter.Values ?? []]);
}

/**
 * Applies EC2 filters: every filter must match (AND), any value of one filter may match (OR).
 * `fields` maps each supported filter name to the resource's value(s); an unknown filter name is
 * rejected as EC2 does.
 */
export function applyFilters<T>(
  tx: Tx,
  items: T[],
  filters: Filters,
  fields: Record<string, (item: T) => string | string[] | undefined>,
  tags: (item: T) => Tag[],
): T[] {
  const parsed = filterMap(filters);
  for (const [name] of parsed) {
    if (!(name in fields) && !name.startsWith('tag:') && name !== 'tag-key' && name !== 'tag-value') {
      throw tx.error('InvalidParameterValue', `The filter '${name}' is invalid`);
    }
  }
  return items.filter((item) =>
    parsed.every(([name, values]) => {
      const byTag = tagFilterMatches(name, values, tags(item));
      if (byTag !== undefined) return byTag;
      const value = fields[name]!(item);
      const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
      return list.some((entry) => filterValueMatches(entry, values));
    }),
  );
}

export function pageOf<T>(
  tx: Tx,
  items: T[],
  input: { MaxResults?: number | undefined; NextToken?: string | undefined },
  scope: object,
  always = false,
) {
  if (input.MaxResults === undefined && input.NextToken === undefined && !always) return { items, next: undefined };
  if (input.MaxResults !== undefined && (input.MaxResults < 5 || input.MaxResults > 1000)) {
    throw tx.error(
      'InvalidParameterValue',
      `Value ( ${input.MaxResults} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.`,
    );
  }
  return paginate(items, {
    token: input.NextToken,
    max: input.MaxResults,
    pageSize: tx.knobs.pageSize,
    scope: `${tx.operation}:${JSON.stringify(scope)}`,
    invalid: () => tx.error('InvalidPaginationToken', `Invalid pagination token: ${input.NextToken ?? ''}`),
  });
}
