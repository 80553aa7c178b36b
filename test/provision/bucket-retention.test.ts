// Which lifecycle and replication rules endanger the co-signer's database, and the refusal.
import { describe, expect, it } from 'vitest';
import { lifecycleHazards, replicationDestinations, retentionRefusal } from '../../src/provision/bucket-retention.js';

describe('lifecycleHazards', () => {
  it('names every expiration and transition of an enabled rule', () => {
    expect(
      lifecycleHazards([
        {
          ID: 'all',
          Status: 'Enabled',
          Expiration: { Date: new Date('2027-01-01T00:00:00Z') },
          NoncurrentVersionExpiration: { NoncurrentDays: 5 },
          Transitions: [{ Days: 1, StorageClass: 'GLACIER' }],
          NoncurrentVersionTransitions: [{ NoncurrentDays: 1, StorageClass: 'DEEP_ARCHIVE' }],
        },
        { Status: 'Enabled', Expiration: { Days: 9 } },
      ]),
    ).toEqual([
      {
        id: 'all',
        effects: [
          'expires objects on 2027-01-01T00:00:00.000Z',
          'expires noncurrent versions after 5 days',
          'moves objects to GLACIER',
          'moves noncurrent versions to DEEP_ARCHIVE',
        ],
      },
      { id: 'rule 2', effects: ['expires objects after 9 days'] },
    ]);
  });

  it('leaves out disabled rules, upload clean-up and delete-marker clean-up', () => {
    expect(
      lifecycleHazards([
        { Status: 'Disabled', Expiration: { Days: 1 } },
        { Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } },
        { Status: 'Enabled', Expiration: { ExpiredObjectDeleteMarker: true } },
      ]),
    ).toEqual([]);
    expect(lifecycleHazards(undefined)).toEqual([]);
  });
});

describe('replicationDestinations and retentionRefusal', () => {
  it('lists the destinations of enabled rules once each', () => {
    const rule = (Status: 'Enabled' | 'Disabled', Bucket: string) => ({ Status, Destination: { Bucket } });
    expect(
      replicationDestinations({
        Role: 'r',
        Rules: [
          rule('Enabled', 'arn:aws:s3:::a'),
          rule('Enabled', 'arn:aws:s3:::a'),
          rule('Disabled', 'arn:aws:s3:::b'),
        ],
      }),
    ).toEqual(['arn:aws:s3:::a']);
    expect(replicationDestinations(undefined)).toEqual([]);
  });

  it('refuses lifecycle first, then replication, and accepts neither', () => {
    const lifecycle = [{ id: 'x', effects: ['expires objects after 1 day'] }];
    expect(retentionRefusal('b', { lifecycle, replicatesTo: ['arn:aws:s3:::a'] })?.code).toBe('BUCKET_HAS_LIFECYCLE');
    const replication = retentionRefusal('b', { lifecycle: [], replicatesTo: ['arn:aws:s3:::a'] });
    expect(replication?.code).toBe('BUCKET_HAS_REPLICATION');
    expect(replication?.hint).toContain('aws s3api delete-bucket-replication --bucket b');
    expect(retentionRefusal('b', { lifecycle: [], replicatesTo: [] })).toBeUndefined();
  });
});
