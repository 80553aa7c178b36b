// A co-signer with a long name deployed by an earlier cosigner-cli keeps its bucket under the name
// that version derived (the whole name cut at 63 characters); provision and status find it there,
// and so must the audit: its S3 checks judge that bucket, not a missing one under today's name.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { earlierDerivedBucketName, resourceNames, TAGS } from '../../src/config/names.js';
import { CHECKS } from '../../src/verify/audit.js';
import { runAudit } from '../../src/verify/run.js';
import { FAST_RETRY, makeWorld, REGION, type World } from '../e2e/world.js';
import { DAY_MS } from './audit-world.js';

const NAME = 'treasury-operations-eu-cosigner1';
let world: World;
let earlier: string;

beforeAll(async () => {
  world = await makeWorld({ name: NAME });
  const admin = await world.ports();
  const { accountId } = await admin.readState();
  earlier = earlierDerivedBucketName(world.config, { accountId, region: REGION }) ?? '';
  expect(earlier).not.toBe(resourceNames(world.config, { accountId, region: REGION }).bucketName);
  await admin.s3.createBucket({ Bucket: earlier, CreateBucketConfiguration: { LocationConstraint: REGION } });
  await admin.s3.putBucketTagging({
    Bucket: earlier,
    Tagging: {
      TagSet: [
        { Key: TAGS.name, Value: NAME },
        { Key: TAGS.managedBy, Value: 'cosigner-cli' },
      ],
    },
  });
  await world.provision();
}, 60_000);

afterAll(() => world.cleanup());

describe('a bucket under the name an earlier version derived', () => {
  it('is the bucket the S3 checks judge, and it passes them', async () => {
    const ports = await world.ports();
    const now = new Date();
    const report = await runAudit(
      { all: false, config: world.config, configSource: 'config', since: new Date(now.getTime() - 90 * DAY_MS) },
      { ports, now: () => now, retry: FAST_RETRY },
    );
    if ('deployments' in report) throw new Error('expected one deployment');
    const s3 = CHECKS.filter((c) => c.service === 's3').map((c) => c.id);
    const findings = report.findings.filter((f) => s3.includes(f.checkId));
    expect(findings.map((f) => [f.checkId, f.resource, f.status])).toEqual(
      s3.map((id) => [id, `arn:aws:s3:::${earlier}`, 'PASS']),
    );
  });
});
