/**
 * Every co-signer in the account and region, found by what carries `cosigner-cli:*` tags (or, for
 * KMS keys, whose policies hide their tags, the `[cosigner-cli:<name>]` marker in the description):
 * roles and instance profiles under the tool's IAM path, buckets of the region, keys, security
 * groups, instances and the parts of a managed network (discover-network.ts). Read calls only.
 */
import pLimit from 'p-limit';
import type { AwsPorts } from '../aws/ports.js';
import { IAM_PATH, TAGS } from '../config/names.js';
import { isAccessDenied, isNotFound, orAbsent, allPages, tagsOf, type TagRecord } from './aws-util.js';
import { discoverNetwork } from './discover-network.js';
import { describeKeyFully, type ObservedKey } from './kms-keys.js';
import { ADOPTED_TAG, keyMarker } from './ownership.js';

/** The managed network's kinds (network.mode "managed"), in the order they are created. */
const NETWORK_KINDS = [
  'vpc',
  'subnet',
  'internetGateway',
  'address',
  'routeTable',
  'natGateway',
  'vpcEndpoint',
] as const;
export type NetworkKind = (typeof NETWORK_KINDS)[number];

export interface FoundResource {
  kind: 'role' | 'instanceProfile' | 'bucket' | 'key' | 'securityGroup' | 'instance' | NetworkKind;
  /** Name, id or ARN, as the kind is known by. */
  id: string;
  name?: string;
  arn?: string;
  /** Instance and key state; `present` otherwise. */
  state: string;
  adopted: boolean;
  tags: TagRecord | undefined;
  detail: Record<string, unknown>;
}

export interface Discovered {
  /** Co-signer name → its resources. */
  byName: Map<string, FoundResource[]>;
  /** Keys of ours as observed (for destroy's key policy update). */
  keys: Map<string, ObservedKey>;
}

const ownerTag = (tags: TagRecord) => (tags[TAGS.managedBy] === 'cosigner-cli' ? tags[TAGS.name] : undefined);

export async function discover(
  ports: AwsPorts,
  options: { name?: string; concurrency?: number } = {},
): Promise<Discovered> {
  const limit = pLimit(options.concurrency ?? 8);
  const found: { owner: string; resource: FoundResource }[] = [];
  const keys = new Map<string, ObservedKey>();
  const wanted = (owner: string | undefined): owner is string =>
    owner !== undefined && (options.name === undefined || owner === options.name);
  const add = (owner: string | undefined, resource: FoundResource) => {
    if (wanted(owner)) found.push({ owner, resource });
  };

  const roles = async () => {
    const list = await limit(() =>
      allPages(async (Marker) => {
        const page = await ports.iam.listRoles({ PathPrefix: IAM_PATH, Marker });
        return { items: page.Roles, next: page.IsTruncated ? page.Marker : undefined };
      }),
    );
    await Promise.all(
      list.map(async (r) => {
        const role = (await limit(() => orAbsent(() => ports.iam.getRole({ RoleName: r.RoleName ?? '' }))))?.Role;
        if (role?.RoleName === undefined) return;
        const tags = tagsOf(role.Tags);
        add(ownerTag(tags), {
          kind: 'role',
          id: role.RoleName,
          name: role.RoleName,
          ...(role.Arn === undefined ? {} : { arn: role.Arn }),
          state: 'present',
          adopted: tags[ADOPTED_TAG] === 'true',
          tags,
          detail: {},
        });
      }),
    );
  };
  const profiles = async () => {
    const list = await limit(() =>
      allPages(async (Marker) => {
        const page = await ports.iam.listInstanceProfiles({
          PathPrefix: IAM_PATH,
          Marker,
        });
        return { items: page.InstanceProfiles, next: page.IsTruncated ? page.Marker : undefined };
      }),
    );
    await Promise.all(
      list.map(async (p) => {
        const profile = (
          await limit(() =>
            orAbsent(() => ports.iam.getInstanceProfile({ InstanceProfileName: p.InstanceProfileName ?? '' })),
          )
        )?.InstanceProfile;
        if (profile?.InstanceProfileName === undefined) return;
        const tags = tagsOf(profile.Tags);
        const roles = (profile.Roles ?? []).map((r) => r.RoleName ?? '');
        add(ownerTag(tags), {
          kind: 'instanceProfile',
          id: profile.InstanceProfileName,
          name: profile.InstanceProfileName,
          ...(profile.Arn === undefined ? {} : { arn: profile.Arn }),
          state: 'present',
          adopted: false,
          tags,
          detail: { roles },
        });
      }),
    );
  };
  const buckets = async () => {
    const list = await limit(() =>
      allPages(async (ContinuationToken) => {
        const page = await ports.s3.listBuckets({
          BucketRegion: ports.region,
          MaxBuckets: 1000,
          ContinuationToken,
        });
        return { items: page.Buckets, next: page.ContinuationToken };
      }),
    );
    await Promise.all(
      list.map(async (b) => {
        const name = b.Name;
        if (name === undefined) return;
        const tagging = await limit(() => ports.s3.getBucketTagging({ Bucket: name })).catch((error: unknown) => {
          if (isNotFound(error) || isAccessDenied(error)) return undefined;
          throw error;
        });
        const tags = tagsOf(tagging?.TagSet);
        add(ownerTag(tags), {
          kind: 'bucket',
          id: name,
          name,
          arn: `arn:aws:s3:::${name}`,
          state: 'present',
          adopted: tags[ADOPTED_TAG] === 'true',
          tags,
          detail: {},
        });
      }),
    );
  };
  const kmsKeys = async () => {
    const [list, aliases] = await Promise.all([
      limit(() =>
        allPages(async (Marker) => {
          const page = await ports.kms.listKeys({ Marker });
          return { items: page.Keys, next: page.Truncated ? page.NextMarker : undefined };
        }),
      ),
      limit(() =>
        allPages(async (Marker) => {
          const page = await ports.kms.listAliases({ Marker });
          return { items: page.Aliases, next: page.Truncated ? page.NextMarker : undefined };
        }),
      ),
    ]);
    await Promise.all(
      list.map(async (k) => {
        const id = k.KeyId;
        if (id === undefined) return;
        const meta = (
          await limit(() =>
            ports.kms.describeKey({ KeyId: id }).catch((error: unknown) => {
              if (isNotFound(error) || isAccessDenied(error)) return undefined;
              throw error;
            }),
          )
        )?.KeyMetadata;
        const owner = keyMarker(meta?.Description)?.name;
        if (meta?.KeyManager !== 'CUSTOMER' || !wanted(owner)) return;
        const key = await describeKeyFully(ports, id, 'token', limit);
        if (key === undefined) return;
        keys.set(id, key);
        const alias = aliases.filter((a) => a.TargetKeyId === id).map((a) => a.AliasName ?? '');
        add(owner, {
          kind: 'key',
          id,
          ...(alias[0] === undefined ? {} : { name: alias[0] }),
          arn: key.arn,
          state: key.state,
          adopted: false,
          tags: key.tags,
          detail: { aliases: alias, rotation: key.rotation ?? null },
        });
      }),
    );
  };
  const groups = async () => {
    const list = await limit(() =>
      allPages(async (NextToken) => {
        const page = await ports.ec2.describeSecurityGroups({
          Filters: [{ Name: 'tag-key', Values: [TAGS.name] }],
          NextToken,
        });
        return { items: page.SecurityGroups, next: page.NextToken };
      }),
    );
    for (const g of list) {
      const tags = tagsOf(g.Tags);
      add(ownerTag(tags), {
        kind: 'securityGroup',
        id: g.GroupId ?? '',
        name: g.GroupName ?? '',
        state: 'present',
        adopted: false,
        tags,
        detail: { vpcId: g.VpcId },
      });
    }
  };
  const instances = async () => {
    const list = await limit(() =>
      allPages(async (NextToken) => {
        const page = await ports.ec2.describeInstances({
          Filters: [
            { Name: 'tag-key', Values: [TAGS.name] },
            { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped', 'shutting-down'] },
          ],
          NextToken,
        });
        return { items: page.Reservations?.flatMap((r) => r.Instances ?? []), next: page.NextToken };
      }),
    );
    for (const i of list) {
      const tags = tagsOf(i.Tags);
      add(ownerTag(tags), {
        kind: 'instance',
        id: i.InstanceId ?? '',
        name: tags['Name'] ?? '',
        state: i.State?.Name ?? 'unknown',
        adopted: false,
        tags,
        detail: {
          type: i.InstanceType,
          enclave: i.EnclaveOptions?.Enabled ?? false,
          httpTokens: i.MetadataOptions?.HttpTokens,
          subnetId: i.SubnetId,
          privateIp: i.PrivateIpAddress,
          publicIp: i.PublicIpAddress ?? null,
        },
      });
    }
  };
  await Promise.all([
    roles(),
    profiles(),
    buckets(),
    kmsKeys(),
    groups(),
    instances(),
    discoverNetwork(ports, limit, (resource) => add(ownerTag(resource.tags ?? {}), resource)),
  ]);
  const byName = new Map<string, FoundResource[]>();
  const order: FoundResource['kind'][] = [
    'role',
    'instanceProfile',
    'bucket',
    'key',
    ...NETWORK_KINDS,
    'securityGroup',
    'instance',
  ];
  for (const { owner, resource } of found.sort(
    (a, b) =>
      order.indexOf(a.resource.kind) - order.indexOf(b.resource.kind) || a.resource.id.localeCompare(b.resource.id),
  )) {
    byName.set(owner, [...(byName.get(owner) ?? []), resource]);
  }
  return { byName, keys };
}
