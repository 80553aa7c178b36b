/**
 * What a bucket's lifecycle and replication configuration would do to the co-signer's encrypted
 * database, and whether provision must refuse the bucket for it.
 *
 * An enabled lifecycle rule that expires objects (current or noncurrent versions) deletes the key
 * shares' database; one that transitions them to an archive class (Glacier, Deep Archive) makes it
 * unreadable until restored. Either breaks the co-signer, and nothing the key policy proves can
 * stop it. Replication copies the database to a bucket the tool does not guard. Only a rule that
 * aborts incomplete multipart uploads or removes expired delete markers is harmless, and a
 * disabled rule does nothing until someone with `s3:PutLifecycleConfiguration` enables it (an
 * administrator's power, as replacing the bucket policy is).
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-rules.html
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication.html
 */
import type * as SDK from '@aws-sdk/client-s3';
import type { CosignerErrorCode } from '../errors.js';

/** One enabled lifecycle rule that endangers the database, with what it does. */
export interface LifecycleHazard {
  id: string;
  effects: string[];
}

/** The bucket's lifecycle and replication, as far as they matter to the database. */
export interface BucketRetention {
  /** Enabled lifecycle rules that expire or archive objects. */
  lifecycle: LifecycleHazard[];
  /** Destination buckets of enabled replication rules (empty: no replication). */
  replicatesTo: string[];
}

/** The hazards of the lifecycle rules S3 returned (none for undefined: no configuration). */
export function lifecycleHazards(rules: readonly SDK.LifecycleRule[] | undefined): LifecycleHazard[] {
  const hazards: LifecycleHazard[] = [];
  (rules ?? []).forEach((rule, index) => {
    if (rule.Status !== 'Enabled') return;
    const effects: string[] = [];
    const expiration = rule.Expiration;
    if (expiration?.Days !== undefined) effects.push(`expires objects after ${days(expiration.Days)}`);
    if (expiration?.Date !== undefined) effects.push(`expires objects on ${new Date(expiration.Date).toISOString()}`);
    if (rule.NoncurrentVersionExpiration !== undefined)
      effects.push(`expires noncurrent versions after ${rule.NoncurrentVersionExpiration.NoncurrentDays ?? '?'} days`);
    for (const transition of rule.Transitions ?? []) effects.push(`moves objects to ${transition.StorageClass ?? '?'}`);
    for (const transition of rule.NoncurrentVersionTransitions ?? [])
      effects.push(`moves noncurrent versions to ${transition.StorageClass ?? '?'}`);
    if (effects.length > 0) hazards.push({ id: rule.ID ?? `rule ${index + 1}`, effects });
  });
  return hazards;
}

const days = (n: number | undefined): string => (n === undefined ? '? days' : `${n} day${n === 1 ? '' : 's'}`);

/** The destinations of the enabled rules of a replication configuration. */
export function replicationDestinations(config: SDK.ReplicationConfiguration | undefined): string[] {
  const destinations = (config?.Rules ?? [])
    .filter((rule) => rule.Status === 'Enabled')
    .map((rule) => rule.Destination?.Bucket ?? '?');
  return [...new Set(destinations)];
}

export interface RetentionRefusal {
  code: CosignerErrorCode;
  message: string;
  hint: string;
}

/** Why provision must refuse this bucket, or undefined when its configuration leaves the database alone. */
export function retentionRefusal(bucket: string, retention: BucketRetention): RetentionRefusal | undefined {
  if (retention.lifecycle.length > 0) {
    const rules = retention.lifecycle.map((rule) => `${rule.id}: ${rule.effects.join(', ')}`).join('; ');
    return {
      code: 'BUCKET_HAS_LIFECYCLE',
      message: `bucket ${bucket} has lifecycle rules that would delete or archive the co-signer's database (${rules})`,
      hint: `remove them (aws s3api delete-bucket-lifecycle --bucket ${bucket}, or keep only rules that abort incomplete uploads), then run again`,
    };
  }
  if (retention.replicatesTo.length > 0) {
    return {
      code: 'BUCKET_HAS_REPLICATION',
      message: `bucket ${bucket} replicates its objects, the co-signer's encrypted database, to ${retention.replicatesTo.join(', ')}`,
      hint: `remove the replication (aws s3api delete-bucket-replication --bucket ${bucket}), or use another bucket, then run again`,
    };
  }
  return undefined;
}
