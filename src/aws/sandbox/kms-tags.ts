/** Key tags: validation, merging, TagResource and ListResourceTags. */
import type * as SDK from '@aws-sdk/client-kms';
import type { Tx } from './engine.js';
import { authorizeKey, keyTrail, kmsListPage, requireState, resolveKey } from './kms-keys.js';
import type { KeyRecord } from './state.js';

export function checkKmsTags(tx: Tx, tags: SDK.Tag[]): { TagKey: string; TagValue: string }[] {
  for (const tag of tags) {
    if (tag.TagKey === undefined || tag.TagKey.length === 0 || tag.TagKey.length > 128)
      throw tx.error('ValidationException', 'Tag keys must be 1 to 128 characters.');
    if (tag.TagKey.toLowerCase().startsWith('aws:'))
      throw tx.error('TagException', `Tags beginning with aws: are reserved.`);
  }
  return tags.map((tag) => ({ TagKey: tag.TagKey!, TagValue: tag.TagValue ?? '' }));
}

function mergeKmsTags(existing: KeyRecord['tags'], added: KeyRecord['tags']): KeyRecord['tags'] {
  const result = [...existing];
  for (const tag of added) {
    const index = result.findIndex((candidate) => candidate.TagKey === tag.TagKey);
    if (index >= 0) result[index] = tag;
    else result.push(tag);
  }
  return result;
}

export function tagResource(tx: Tx, input: SDK.TagResourceCommandInput) {
  const resolved = resolveKey(tx, input.KeyId, false);
  keyTrail(tx, resolved.key);
  const tags = checkKmsTags(tx, input.Tags ?? []);
  authorizeKey(tx, resolved, 'kms:TagResource');
  requireState(tx, resolved.key, ['Enabled', 'Disabled', 'PendingImport']);
  const merged = mergeKmsTags(resolved.key.tags, tags);
  if (merged.length > 50) throw tx.error('TagException', 'Cannot exceed quota for TagsPerKey: 50');
  resolved.key.tags = merged;
  return {};
}

export function listResourceTags(tx: Tx, input: SDK.ListResourceTagsCommandInput) {
  const resolved = resolveKey(tx, input.KeyId, false);
  keyTrail(tx, resolved.key);
  authorizeKey(tx, resolved, 'kms:ListResourceTags');
  const page = kmsListPage(tx, resolved.key.tags, input, { key: resolved.key.id });
  return {
    Tags: page.items.map((tag) => ({ ...tag })),
    Truncated: page.Truncated,
    ...(page.NextMarker === undefined ? {} : { NextMarker: page.NextMarker }),
  };
}
