/** A flat, path-by-path difference between two configs, for `init`'s "what will change" view. */
import type { CosignerConfig } from './schema.js';

export interface ConfigChange {
  path: string;
  before: unknown;
  after: unknown;
}

function flatten(value: unknown, prefix: string, out: Map<string, unknown>): Map<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && prefix !== 'tags') {
    for (const [key, child] of Object.entries(value)) flatten(child, prefix ? `${prefix}.${key}` : key, out);
  } else if (prefix !== '') {
    out.set(prefix, value);
  }
  return out;
}

/** Changes from `before` (absent: a new file) to `after`, in a stable order. */
export function diffConfigs(before: CosignerConfig | undefined, after: CosignerConfig): ConfigChange[] {
  const a = flatten(before ?? {}, '', new Map());
  const b = flatten(after, '', new Map());
  const paths = [...new Set([...a.keys(), ...b.keys()])].filter((p) => p !== '$schema').sort();
  return paths
    .filter((p) => JSON.stringify(a.get(p)) !== JSON.stringify(b.get(p)))
    .map((p) => ({ path: p, before: a.get(p), after: b.get(p) }));
}
