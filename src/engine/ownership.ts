/**
 * Who owns a resource, judged from its tags: ours (this co-signer's `cosigner-cli:*` tags), adopted
 * (named in the config and taken over, tagged so), or foreign (no tags of ours, or another
 * co-signer's). Foreign resources are never adopted silently.
 */
import { TAGS } from '../config/names.js';
import type { TagRecord } from './aws-util.js';

/** Marks a resource that existed before cosigner-cli took it over: destroy keeps it. */
export const ADOPTED_TAG = 'cosigner-cli:adopted';

export type Ownership = { kind: 'ours'; adopted: boolean } | { kind: 'foreign'; reason: string };

export function ownerOf(tags: TagRecord, name: string): Ownership {
  const owner = tags[TAGS.name];
  if (owner === name && tags[TAGS.managedBy] === 'cosigner-cli')
    return { kind: 'ours', adopted: tags[ADOPTED_TAG] === 'true' };
  if (owner !== undefined && owner !== name) return { kind: 'foreign', reason: `belongs to co-signer "${owner}"` };
  return { kind: 'foreign', reason: 'is not tagged as managed by cosigner-cli' };
}

export function isOurs(tags: TagRecord, name: string): boolean {
  return ownerOf(tags, name).kind === 'ours';
}

/*
 * KMS keys: the key policies (Fireblocks' and ours) grant nobody kms:ListResourceTags or
 * kms:TagResource, but grant the administrators kms:DescribeKey. So a key carries its owner, and
 * the creation token that finds it after a crash, in its description as well as in its tags.
 */
const KEY_MARKER = /\[cosigner-cli:([a-z0-9-]+)(?: token:([0-9a-f-]{36}))?\]/;

/** `Fireblocks API Co-signer <name> database key [cosigner-cli:<name> token:<uuid>]`. */
export function keyDescription(name: string, token?: string): string {
  return `Fireblocks API Co-signer ${name} database key [cosigner-cli:${name}${token === undefined ? '' : ` token:${token}`}]`;
}

export function keyMarker(description: string | undefined): { name: string; token: string | undefined } | undefined {
  const match = KEY_MARKER.exec(description ?? '');
  return match === null ? undefined : { name: match[1] ?? '', token: match[2] };
}

/** A key is ours by its tags when they are readable, else by the marker in its description. */
export function keyOwner(
  key: { tags: TagRecord | undefined; description: string | undefined },
  name: string,
): Ownership {
  if (key.tags !== undefined && Object.keys(key.tags).length > 0) return ownerOf(key.tags, name);
  const marker = keyMarker(key.description);
  if (marker?.name === name) return { kind: 'ours', adopted: false };
  if (marker !== undefined) return { kind: 'foreign', reason: `belongs to co-signer "${marker.name}"` };
  return { kind: 'foreign', reason: 'is not marked as managed by cosigner-cli' };
}

/*
 * Global resources: IAM roles and instance profiles have no region, so the same co-signer name in
 * two regions of one account would share `<name>-cosigner`. They carry `cosigner-cli:region`, the
 * region of the co-signer that made them; another region's provision and destroy leave them alone.
 */

/** The region a role or instance profile of ours belongs to: its tag, else what `fallback` says. */
export function globalRegionOf(tags: TagRecord, fallback?: string): string | undefined {
  return tags[TAGS.region] ?? fallback;
}

/** Why a global resource of this co-signer is not this region's to change, or undefined. */
export function otherRegionReason(tags: TagRecord, region: string, fallback?: string): string | undefined {
  const owner = globalRegionOf(tags, fallback);
  if (owner === undefined || owner === region) return undefined;
  return `belongs to the co-signer "${tags[TAGS.name] ?? '?'}" in ${owner} (IAM roles and instance profiles are global)`;
}

/** The hint of every refusal about another region's role or instance profile. */
export const ONE_NAME_PER_REGION =
  'use one co-signer name per region: choose another name (--name) or role name (--role-name) here, or manage that co-signer from its own region (--region)';

/** The region named by the first KMS key ARN in a policy document (a role's inline policy), if any. */
export function keyRegionIn(policy: unknown): string | undefined {
  if (policy === undefined) return undefined;
  return /arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:/.exec(JSON.stringify(policy))?.[1];
}
