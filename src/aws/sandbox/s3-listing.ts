/** Listing a bucket's contents: ListObjectsV2 (prefixes, delimiters, continuation) and ListObjectVersions (key/version markers). */
import type * as SDK from '@aws-sdk/client-s3';
import type { Tx } from './engine.js';
import { canonicalUserId } from './s3-buckets.js';
import type { BucketRecord, ObjectVersionRecord } from './state.js';
import { paginate } from './util.js';

export function listObjectsV2(tx: Tx, bucket: BucketRecord, input: SDK.ListObjectsV2CommandInput) {
  const prefix = input.Prefix ?? '';
  const entries: (
    { kind: 'object'; key: string; version: ObjectVersionRecord } | { kind: 'prefix'; prefix: string }
  )[] = [];
  const seenPrefixes = new Set<string>();
  for (const key of Object.keys(bucket.objects).sort()) {
    const latest = bucket.objects[key]!.at(-1);
    if (
      latest === undefined ||
      latest.deleteMarker ||
      !key.startsWith(prefix) ||
      (input.StartAfter !== undefined && key <= input.StartAfter)
    )
      continue;
    if (input.Delimiter !== undefined && input.Delimiter !== '') {
      const rest = key.slice(prefix.length);
      const cut = rest.indexOf(input.Delimiter);
      if (cut >= 0) {
        const common = prefix + rest.slice(0, cut + input.Delimiter.length);
        if (!seenPrefixes.has(common)) {
          seenPrefixes.add(common);
          entries.push({ kind: 'prefix', prefix: common });
        }
        continue;
      }
    }
    entries.push({ kind: 'object', key, version: latest });
  }
  const maxKeys = input.MaxKeys ?? 1000;
  const page = paginate(entries, {
    token: input.ContinuationToken,
    max: Math.max(1, maxKeys),
    pageSize: tx.knobs.pageSize,
    scope: `ListObjectsV2:${bucket.name}:${prefix}:${input.Delimiter ?? ''}:${input.StartAfter ?? ''}`,
    invalid: () => tx.error('InvalidArgument', 'The continuation token provided is incorrect'),
  });
  const contents = page.items.flatMap((entry) =>
    entry.kind === 'object'
      ? [
          {
            Key: entry.key,
            LastModified: new Date(entry.version.lastModified),
            ETag: `"${entry.version.etag}"`,
            Size: entry.version.size,
            StorageClass: 'STANDARD' as const,
          },
        ]
      : [],
  );
  const common = page.items.flatMap((entry) => (entry.kind === 'prefix' ? [{ Prefix: entry.prefix }] : []));
  return {
    Name: bucket.name,
    Prefix: prefix,
    ...(input.Delimiter === undefined ? {} : { Delimiter: input.Delimiter }),
    MaxKeys: maxKeys,
    KeyCount: page.items.length,
    IsTruncated: page.next !== undefined,
    ...(contents.length === 0 ? {} : { Contents: contents }),
    ...(common.length === 0 ? {} : { CommonPrefixes: common }),
    ...(input.ContinuationToken === undefined ? {} : { ContinuationToken: input.ContinuationToken }),
    ...(page.next === undefined ? {} : { NextContinuationToken: page.next }),
    ...(input.StartAfter === undefined ? {} : { StartAfter: input.StartAfter }),
  };
}

export function listObjectVersions(tx: Tx, bucket: BucketRecord, input: SDK.ListObjectVersionsCommandInput) {
  const prefix = input.Prefix ?? '';
  const all: { key: string; version: ObjectVersionRecord; latest: boolean }[] = [];
  for (const key of Object.keys(bucket.objects).sort()) {
    if (!key.startsWith(prefix)) continue;
    const versions = bucket.objects[key]!;
    versions.forEach((version, index) => all.push({ key, version, latest: index === versions.length - 1 }));
  }
  // Within a key, newest first.
  all.sort((a, b) =>
    a.key === b.key
      ? Number(b.latest) - Number(a.latest) || Date.parse(b.version.lastModified) - Date.parse(a.version.lastModified)
      : a.key < b.key
        ? -1
        : 1,
  );
  let start = 0;
  if (input.KeyMarker !== undefined && input.KeyMarker !== '') {
    if (input.VersionIdMarker !== undefined && input.VersionIdMarker !== '') {
      const index = all.findIndex(
        (entry) => entry.key === input.KeyMarker && entry.version.versionId === input.VersionIdMarker,
      );
      if (index < 0) throw tx.error('InvalidArgument', 'Invalid version id specified');
      start = index + 1;
    } else {
      start = all.findIndex((entry) => entry.key > input.KeyMarker!);
      if (start < 0) start = all.length;
    }
  }
  const maxKeys = input.MaxKeys ?? 1000;
  const size = Math.max(1, Math.min(maxKeys, tx.knobs.pageSize));
  const page = all.slice(start, start + size);
  const truncated = start + page.length < all.length;
  const last = page.at(-1);
  const toEntry = (entry: (typeof all)[number]) => ({
    Key: entry.key,
    VersionId: entry.version.versionId,
    IsLatest: entry.latest,
    LastModified: new Date(entry.version.lastModified),
    Owner: { ID: canonicalUserId(tx.state.accountId) },
  });
  const versions = page
    .filter((entry) => !entry.version.deleteMarker)
    .map((entry) => ({
      ...toEntry(entry),
      ETag: `"${entry.version.etag}"`,
      Size: entry.version.size,
      StorageClass: 'STANDARD' as const,
    }));
  const markers = page.filter((entry) => entry.version.deleteMarker).map(toEntry);
  return {
    Name: bucket.name,
    Prefix: prefix,
    KeyMarker: input.KeyMarker ?? '',
    VersionIdMarker: input.VersionIdMarker ?? '',
    MaxKeys: maxKeys,
    IsTruncated: truncated,
    ...(versions.length === 0 ? {} : { Versions: versions }),
    ...(markers.length === 0 ? {} : { DeleteMarkers: markers }),
    ...(truncated && last !== undefined
      ? { NextKeyMarker: last.key, NextVersionIdMarker: last.version.versionId }
      : {}),
  };
}
