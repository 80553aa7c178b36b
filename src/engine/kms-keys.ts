/**
 * Reading KMS keys as provision, teardown and status need them: one key fully (DescribeKey, its
 * tags, policy and rotation, each unreadable part left undefined: our key policies grant nobody
 * ListResourceTags), and the keys a creation token marks (what a CreateKey whose answer was lost,
 * or which the SDK retried, may have made). Read calls only.
 */
import type pLimit from 'p-limit';
import type { AwsPorts } from '../aws/ports.js';
import type { KeyGrants } from '../policy/key-properties.js';
import type { PolicyDocument } from '../policy/types.js';
import {
  allPages,
  isAccessDenied,
  isNotFound,
  kmsTagsOf,
  orAbsent,
  parseAwsPolicy,
  type TagRecord,
} from './aws-util.js';
import { keyMarker } from './ownership.js';

type Limit = ReturnType<typeof pLimit>;

export interface ObservedKey {
  keyId: string;
  arn: string;
  state: string;
  manager: string | undefined;
  spec: string | undefined;
  usage: string | undefined;
  multiRegion: boolean;
  /** `Origin` (AWS_KMS, EXTERNAL, AWS_CLOUDHSM, EXTERNAL_KEY_STORE). */
  origin?: string | undefined;
  customKeyStoreId?: string | undefined;
  /** Listed by provision's observation for the key it plans (created or adopted); see src/policy/key-properties.ts. */
  grants?: KeyGrants;
  description: string | undefined;
  /** `undefined` when the key policy does not let us list them (ours do not). */
  tags: TagRecord | undefined;
  /** `undefined` when the key policy does not let us read it. */
  policy: PolicyDocument | undefined;
  /** `undefined` when the key policy does not let us read it. */
  rotation: boolean | undefined;
  createdAt: string | undefined;
  /** How it was found. */
  foundBy: 'alias' | 'config' | 'journal' | 'token';
}

/** DescribeKey plus tags, policy and rotation of one key. */
export async function describeKeyFully(
  ports: AwsPorts,
  keyId: string,
  foundBy: ObservedKey['foundBy'],
  limit: Limit,
): Promise<ObservedKey | undefined> {
  const described = await limit(() => orAbsent(() => ports.kms.describeKey({ KeyId: keyId })));
  const meta = described?.KeyMetadata;
  if (meta?.KeyId === undefined || meta.Arn === undefined) return undefined;
  const id = meta.KeyId;
  const pendingDeletion = meta.KeyState === 'PendingDeletion' || meta.KeyState === 'PendingReplicaDeletion';
  const deniedIsUnknown = (error: unknown): undefined => {
    if (isAccessDenied(error)) return undefined;
    throw error;
  };
  const [tags, policy, rotation] = await Promise.all([
    limit(() => listKeyTags(ports, id).catch(deniedIsUnknown)),
    limit(() =>
      ports.kms
        .getKeyPolicy({ KeyId: id, PolicyName: 'default' })
        .then((r) => parseAwsPolicy(r.Policy), deniedIsUnknown),
    ),
    // Rotation status needs a permission only the hardened policy grants; a key pending deletion cannot be asked.
    pendingDeletion
      ? Promise.resolve(undefined)
      : limit(() =>
          ports.kms.getKeyRotationStatus({ KeyId: id }).then((r) => r.KeyRotationEnabled ?? false, deniedIsUnknown),
        ),
  ]);
  return {
    keyId: id,
    arn: meta.Arn,
    state: meta.KeyState ?? 'Unknown',
    manager: meta.KeyManager,
    spec: meta.KeySpec,
    usage: meta.KeyUsage,
    multiRegion: meta.MultiRegion ?? false,
    origin: meta.Origin,
    customKeyStoreId: meta.CustomKeyStoreId,
    description: meta.Description,
    tags,
    policy,
    rotation,
    createdAt: meta.CreationDate === undefined ? undefined : new Date(meta.CreationDate).toISOString(),
    foundBy,
  };
}

async function listKeyTags(ports: AwsPorts, keyId: string): Promise<TagRecord> {
  const tags = await allPages(async (Marker) => {
    const page = await ports.kms.listResourceTags({ KeyId: keyId, Marker });
    return { items: page.Tags, next: page.Truncated ? page.NextMarker : undefined };
  });
  return kmsTagsOf(tags);
}

/**
 * Every customer key whose description carries one of `tokens`, oldest first. Only run when the
 * journal has a CreateKey whose outcome is unknown (or the SDK retried one): it describes every
 * key of the region.
 */
export async function findKeysByToken(
  ports: AwsPorts,
  tokens: readonly string[],
  limit: Limit,
): Promise<ObservedKey[]> {
  const ids = await allPages(async (Marker) => {
    const page = await limit(() => ports.kms.listKeys({ Marker }));
    return { items: page.Keys?.map((k) => k.KeyId ?? ''), next: page.Truncated ? page.NextMarker : undefined };
  });
  const wanted = new Set(tokens);
  const matches = await Promise.all(
    ids
      .filter((id) => id !== '')
      .map(async (id) => {
        const meta = await limit(() => ports.kms.describeKey({ KeyId: id })).then(
          (r) => r.KeyMetadata,
          (error: unknown) => {
            // Keys whose policy shuts us out are not ours anyway.
            if (isAccessDenied(error) || isNotFound(error)) return undefined;
            throw error;
          },
        );
        const token = keyMarker(meta?.Description)?.token;
        return token !== undefined && wanted.has(token) && meta?.KeyManager === 'CUSTOMER' ? id : undefined;
      }),
  );
  const keys = await Promise.all(
    matches.filter((id): id is string => id !== undefined).map((id) => describeKeyFully(ports, id, 'token', limit)),
  );
  return keys
    .filter((k): k is ObservedKey => k !== undefined && k.state !== 'PendingDeletion')
    .sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? '') || a.keyId.localeCompare(b.keyId));
}
