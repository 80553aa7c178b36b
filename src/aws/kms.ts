/**
 * The KMS port: only the KMS operations cosigner-cli calls, typed with the SDK's own
 * input/output types. The real implementation imports @aws-sdk/client-kms on first use and makes exactly one
 * `client.send(new XCommand(input))` per method. The sandbox implements the same interface.
 */
import type * as SDK from '@aws-sdk/client-kms';
import { CosignerError } from '../errors.js';
import type { KeyGrant, KeyGrants } from '../policy/key-properties.js';
import { isAwsErrorNamed } from './errors.js';
import { lazyClient } from './lazy-client.js';

/** The names of the operations in {@link KMSPort}, in AWS's spelling. */
export const KMS_OPERATIONS = [
  'CreateKey',
  'DescribeKey',
  'ListKeys',
  'GetKeyPolicy',
  'PutKeyPolicy',
  'CreateAlias',
  'UpdateAlias',
  'DeleteAlias',
  'ListAliases',
  'EnableKeyRotation',
  'GetKeyRotationStatus',
  'ScheduleKeyDeletion',
  'CancelKeyDeletion',
  'TagResource',
  'ListResourceTags',
  'ListGrants',
  'GenerateDataKey',
  'Encrypt',
  'Decrypt',
] as const;

export interface KMSPort {
  createKey(input: SDK.CreateKeyCommandInput): Promise<SDK.CreateKeyCommandOutput>;
  describeKey(input: SDK.DescribeKeyCommandInput): Promise<SDK.DescribeKeyCommandOutput>;
  listKeys(input: SDK.ListKeysCommandInput): Promise<SDK.ListKeysCommandOutput>;
  getKeyPolicy(input: SDK.GetKeyPolicyCommandInput): Promise<SDK.GetKeyPolicyCommandOutput>;
  putKeyPolicy(input: SDK.PutKeyPolicyCommandInput): Promise<SDK.PutKeyPolicyCommandOutput>;
  createAlias(input: SDK.CreateAliasCommandInput): Promise<SDK.CreateAliasCommandOutput>;
  updateAlias(input: SDK.UpdateAliasCommandInput): Promise<SDK.UpdateAliasCommandOutput>;
  deleteAlias(input: SDK.DeleteAliasCommandInput): Promise<SDK.DeleteAliasCommandOutput>;
  listAliases(input: SDK.ListAliasesCommandInput): Promise<SDK.ListAliasesCommandOutput>;
  enableKeyRotation(input: SDK.EnableKeyRotationCommandInput): Promise<SDK.EnableKeyRotationCommandOutput>;
  getKeyRotationStatus(input: SDK.GetKeyRotationStatusCommandInput): Promise<SDK.GetKeyRotationStatusCommandOutput>;
  scheduleKeyDeletion(input: SDK.ScheduleKeyDeletionCommandInput): Promise<SDK.ScheduleKeyDeletionCommandOutput>;
  cancelKeyDeletion(input: SDK.CancelKeyDeletionCommandInput): Promise<SDK.CancelKeyDeletionCommandOutput>;
  tagResource(input: SDK.TagResourceCommandInput): Promise<SDK.TagResourceCommandOutput>;
  listResourceTags(input: SDK.ListResourceTagsCommandInput): Promise<SDK.ListResourceTagsCommandOutput>;
  listGrants(input: SDK.ListGrantsCommandInput): Promise<SDK.ListGrantsCommandOutput>;
  generateDataKey(input: SDK.GenerateDataKeyCommandInput): Promise<SDK.GenerateDataKeyCommandOutput>;
  encrypt(input: SDK.EncryptCommandInput): Promise<SDK.EncryptCommandOutput>;
  decrypt(input: SDK.DecryptCommandInput): Promise<SDK.DecryptCommandOutput>;
}

/** The real KMS port over the AWS SDK v3 client built with `config`. */
export function createKMSPort(config: SDK.KMSClientConfig): KMSPort & { destroy(): void } {
  const lazy = lazyClient(
    () => import('@aws-sdk/client-kms'),
    (sdk) => new sdk.KMSClient(config),
  );
  return {
    async createKey(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.CreateKeyCommand(input));
    },
    async describeKey(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.DescribeKeyCommand(input));
    },
    async listKeys(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.ListKeysCommand(input));
    },
    async getKeyPolicy(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.GetKeyPolicyCommand(input));
    },
    async putKeyPolicy(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.PutKeyPolicyCommand(input));
    },
    async createAlias(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.CreateAliasCommand(input));
    },
    async updateAlias(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.UpdateAliasCommand(input));
    },
    async deleteAlias(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.DeleteAliasCommand(input));
    },
    async listAliases(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.ListAliasesCommand(input));
    },
    async enableKeyRotation(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.EnableKeyRotationCommand(input));
    },
    async getKeyRotationStatus(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.GetKeyRotationStatusCommand(input));
    },
    async scheduleKeyDeletion(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.ScheduleKeyDeletionCommand(input));
    },
    async cancelKeyDeletion(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.CancelKeyDeletionCommand(input));
    },
    async tagResource(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.TagResourceCommand(input));
    },
    async listResourceTags(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.ListResourceTagsCommand(input));
    },
    async listGrants(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.ListGrantsCommand(input));
    },
    async generateDataKey(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.GenerateDataKeyCommand(input));
    },
    async encrypt(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.EncryptCommand(input));
    },
    async decrypt(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.DecryptCommand(input));
    },
    destroy: lazy.destroy,
  };
}

/** Pages ListGrants follows before it gives up (50,000 grants per key at 100 a page is 500). */
const MAX_GRANT_PAGES = 1000;

/**
 * Every grant of a key: ListGrants page by page, following `NextMarker` while `Truncated`. A
 * marker that repeats or a listing that never ends is an error, not a silent partial answer.
 */
export async function listAllGrants(kms: Pick<KMSPort, 'listGrants'>, keyId: string): Promise<SDK.GrantListEntry[]> {
  const grants: SDK.GrantListEntry[] = [];
  const seen = new Set<string>();
  let marker: string | undefined;
  for (let page = 0; page < MAX_GRANT_PAGES; page++) {
    const output = await kms.listGrants({
      KeyId: keyId,
      Limit: 100,
      Marker: marker,
    });
    grants.push(...(output.Grants ?? []));
    if (output.Truncated !== true) return grants;
    // A truncated page without a marker, or a marker seen before, would end in a partial list.
    if (output.NextMarker === undefined || output.NextMarker === '' || seen.has(output.NextMarker)) break;
    seen.add(output.NextMarker);
    marker = output.NextMarker;
  }
  throw new CosignerError(
    'AWS_SERVICE_ERROR',
    `kms:ListGrants on ${keyId} did not return every page (a truncated page without a new marker)`,
    { hint: 'run again; if it persists, list the grants with `aws kms list-grants` and report the answer' },
  );
}

/** A ListGrants entry in the shape the key-properties check reads. */
export function toKeyGrant(entry: SDK.GrantListEntry): KeyGrant {
  const constraints = entry.Constraints === undefined ? undefined : { ...entry.Constraints };
  return {
    GrantId: entry.GrantId ?? '',
    GranteePrincipal: entry.GranteePrincipal,
    Operations: [...(entry.Operations ?? [])],
    ...(entry.Name === undefined || entry.Name === '' ? {} : { Name: entry.Name }),
    RetiringPrincipal: entry.RetiringPrincipal,
    ...(constraints === undefined || Object.keys(constraints).length === 0 ? {} : { Constraints: constraints }),
  };
}

/**
 * The key's grants for the key-properties check; `listed: false` when the key policy does not let
 * the caller call kms:ListGrants (the attested key policies let no one). Other errors propagate.
 */
export async function readKeyGrants(kms: Pick<KMSPort, 'listGrants'>, keyId: string): Promise<KeyGrants> {
  try {
    return { listed: true, grants: (await listAllGrants(kms, keyId)).map(toKeyGrant) };
  } catch (error) {
    if (isAwsErrorNamed(error, 'AccessDeniedException'))
      return { listed: false, reason: 'kms:ListGrants was denied to the caller' };
    throw error;
  }
}
