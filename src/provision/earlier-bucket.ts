/**
 * A bucket under the name earlier versions derived (src/config/names.ts `earlierDerivedBucketName`).
 * Those versions cut `<name>-cosigner-<account>-<region>` at 63 characters; today a long name part
 * is shortened with a hash instead, so a co-signer deployed then would derive another name and
 * provision would plan a new, empty bucket beside the one that holds its encrypted database. When
 * no bucket has today's name and the earlier one is in this account, in this region, and tagged
 * for this co-signer by cosigner-cli, the config is read as naming it. Read calls only.
 */
import type { AwsPorts } from '../aws/ports.js';
import { earlierDerivedBucketName, resourceNames, TAGS } from '../config/names.js';
import type { CosignerConfig } from '../config/schema.js';
import { allPages, isAccessDenied, isNotFound, tagsOf } from '../engine/aws-util.js';

export interface BucketNameChoice {
  config: CosignerConfig;
  /** Set when the earlier name was chosen: a line for the operator. */
  note?: string;
}

export async function withEarlierBucketName(
  ports: Pick<AwsPorts, 's3'>,
  config: CosignerConfig,
  where: { accountId: string; region: string },
): Promise<BucketNameChoice> {
  const earlier = earlierDerivedBucketName(config, where);
  if (earlier === undefined) return { config };
  const today = resourceNames(config, where).bucketName;
  // ListBuckets lists this account's buckets only, filtered to this region: a bucket of the same
  // name in another account, or one that another region's co-signer of the same name derived when
  // the cut fell inside the region, is never taken for this one.
  const listed = await listedInRegion(ports, [earlier, today], where.region);
  if (!listed.has(earlier) || listed.has(today)) return { config };
  const tagging = await ports.s3.getBucketTagging({ Bucket: earlier }).catch((error: unknown) => {
    if (isNotFound(error) || isAccessDenied(error)) return undefined;
    throw error;
  });
  const tags = tagsOf(tagging?.TagSet);
  if (tags[TAGS.name] !== config.name || tags[TAGS.managedBy] !== 'cosigner-cli') return { config };
  return {
    config: { ...config, s3: { ...config.s3, bucketName: earlier } },
    note: `using bucket ${earlier}, the name an earlier cosigner-cli derived for this co-signer (set s3.bucketName: ${earlier} in the config to make it explicit)`,
  };
}

/** Which of `names` this account has in `region`: one listing (every page), by their common prefix. */
async function listedInRegion(ports: Pick<AwsPorts, 's3'>, names: string[], region: string): Promise<Set<string>> {
  let prefix = names[0] ?? '';
  for (const name of names) while (!name.startsWith(prefix)) prefix = prefix.slice(0, -1);
  const buckets = await allPages(async (ContinuationToken) => {
    const page = await ports.s3.listBuckets({
      BucketRegion: region,
      Prefix: prefix,
      MaxBuckets: 1000,
      ...(ContinuationToken === undefined ? {} : { ContinuationToken }),
    });
    return { items: page.Buckets, next: page.ContinuationToken };
  });
  return new Set(buckets.flatMap((bucket) => (names.includes(bucket.Name ?? '') ? [bucket.Name!] : [])));
}
