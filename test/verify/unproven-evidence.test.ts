// Checks over fake reads where the evidence could hide a door the sandbox cannot build: a trail
// whose custom event selectors may leave out the key's events, an attested call whose event has
// no image digest, a second network interface (its security group, its public address), and a
// default-encryption key no key answers to. Each is a WARN or FAIL, never a PASS.
import type * as EC2 from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/verify/audit.js';
import type { CheckContext } from '../../src/verify/check.js';
import { CLOUDTRAIL_CHECKS } from '../../src/verify/checks/cloudtrail.js';
import { EC2_CHECKS } from '../../src/verify/checks/ec2.js';
import { S3_CHECKS } from '../../src/verify/checks/s3.js';
import type { TrailFacts } from '../../src/verify/deployment-reads.js';
import type { AuditTarget } from '../../src/verify/target.js';
import type { KeyEvent } from '../../src/verify/trail-events.js';

const ACCOUNT = '111122223333';
const KEY = { KeyId: 'k-1', Arn: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/k-1` };
const target = {
  name: 'demo',
  accountId: ACCOUNT,
  region: 'eu-west-1',
  partition: 'aws',
  bucketName: 'demo-bucket',
  keyRef: { kind: 'alias', value: 'alias/demo-cosigner' },
  expectedPcr8: { values: ['da'.repeat(48)], source: 'test' },
  publicIpIntended: false,
  since: new Date('2026-01-01T00:00:00Z'),
  now: new Date('2026-02-01T00:00:00Z'),
} as unknown as AuditTarget;

const ok = <T>(value: T) => Promise.resolve({ ok: true as const, value });

function ctx(reads: Record<string, () => Promise<unknown>>): CheckContext {
  return {
    target,
    reads: { key: () => ok(KEY), bucket: () => ok({ name: 'demo-bucket', region: 'eu-west-1' }), ...reads } as never,
    derive: (_name, compute) => compute(),
  };
}

const check = (id: string) => [...CLOUDTRAIL_CHECKS, ...EC2_CHECKS, ...S3_CHECKS].find((c) => c.id === id)!;

const trail = (over: Partial<TrailFacts> = {}): TrailFacts => ({
  name: 'org-trail',
  arn: `arn:aws:cloudtrail:eu-west-1:${ACCOUNT}:trail/org-trail`,
  homeRegion: 'eu-west-1',
  multiRegion: true,
  logFileValidation: true,
  customEventSelectors: false,
  logging: { ok: true, value: true },
  ...over,
});

describe('cloudtrail_multi_region_enabled', () => {
  const run = (trails: TrailFacts[]) =>
    runCheck(check('cloudtrail_multi_region_enabled'), ctx({ trails: () => ok(trails) }));

  it('passes a logging multi-Region trail with the default selectors', async () => {
    expect((await run([trail()])).status).toBe('PASS');
  });

  it('does not pass a trail whose custom event selectors may leave out the key’s events', async () => {
    const outcome = await run([trail({ customEventSelectors: true })]);
    expect(outcome.status).toBe('WARN');
    expect(JSON.stringify(outcome.evidence)).toContain('custom event selectors');
    // Another trail with the default selectors proves it.
    expect((await run([trail({ customEventSelectors: true }), trail({ name: 'b', arn: 'b' })])).status).toBe('PASS');
    // Log-file validation does not depend on what is selected.
    const validation = await runCheck(
      check('cloudtrail_log_file_validation_enabled'),
      ctx({ trails: () => ok([trail({ customEventSelectors: true })]) }),
    );
    expect(validation.status).toBe('PASS');
  });
});

describe('kms_key_enclave_debug_attestation_detected', () => {
  const event = (pcr0: string | undefined): KeyEvent => ({
    eventId: 'e1',
    eventName: 'Decrypt',
    eventTime: '2026-01-02T00:00:00.000Z',
    succeeded: true,
    caller: 'arn:aws:sts::1:assumed-role/r/s',
    readable: true,
    attestation: { moduleId: 'i-0-enc0', pcr0, pcr8: 'da'.repeat(48) },
  });
  const run = (events: KeyEvent[]) =>
    runCheck(check('kms_key_enclave_debug_attestation_detected'), ctx({ keyEvents: () => ok(events) }));

  it('passes attested calls with a recorded, non-zero image digest, and fails a zero one', async () => {
    expect((await run([event('a0'.repeat(48))])).status).toBe('PASS');
    expect((await run([event('0'.repeat(96))])).status).toBe('FAIL');
  });

  it('does not pass an attested call whose event records no image digest', async () => {
    const outcome = await run([event(undefined)]);
    expect(outcome.status).toBe('WARN');
    expect(JSON.stringify(outcome.evidence)).toContain('no image digest');
  });
});

describe('a host with a second network interface', () => {
  const host: EC2.Instance = {
    InstanceId: 'i-0123456789abcdef0',
    SecurityGroups: [{ GroupId: 'sg-primary' }],
    NetworkInterfaces: [
      { Groups: [{ GroupId: 'sg-primary' }] },
      { Groups: [{ GroupId: 'sg-second' }], Association: { PublicIp: '203.0.113.7' } },
    ],
  };
  const groups: EC2.SecurityGroup[] = [
    { GroupId: 'sg-primary', IpPermissions: [], IpPermissionsEgress: [] },
    { GroupId: 'sg-second', IpPermissions: [], IpPermissionsEgress: [] },
  ];

  it('fails the public IP it carries, though the instance has no primary public address', async () => {
    const outcome = await runCheck(
      check('ec2_confidential_workload_host_public_ip'),
      ctx({ instances: () => ok([host]) }),
    );
    expect(outcome.status).toBe('FAIL');
    expect(JSON.stringify(outcome.evidence)).toContain('203.0.113.7');
  });

  it('judges its security group: one not described is not a PASS', async () => {
    const only = await runCheck(
      check('ec2_confidential_workload_host_unrestricted_ingress'),
      ctx({ instances: () => ok([host]), securityGroups: () => ok(groups.slice(0, 1)) }),
    );
    expect(only.status).toBe('WARN');
    expect(JSON.stringify(only.evidence)).toContain('sg-second');
    const open = [
      groups[0],
      {
        ...groups[1],
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      },
    ];
    const outcome = await runCheck(
      check('ec2_confidential_workload_host_unrestricted_ingress'),
      ctx({ instances: () => ok([host]), securityGroups: () => ok(open) }),
    );
    expect(outcome.status).toBe('FAIL');
  });
});

describe('cosigner_s3_encryption_not_cosigner_key', () => {
  const run = (KMSMasterKeyID: string, resolved: unknown) =>
    runCheck(
      check('cosigner_s3_encryption_not_cosigner_key'),
      ctx({
        bucketEncryption: () => ok({ SSEAlgorithm: 'aws:kms', KMSMasterKeyID }),
        bucketEncryptionKey: () => ok(resolved),
      }),
    );

  it('fails the co-signer key under any name, passes another key, and warns when no key answers', async () => {
    expect((await run('alias/backups', KEY)).status).toBe('FAIL');
    expect((await run('alias/other', { KeyId: 'k-2', Arn: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/k-2` })).status).toBe(
      'PASS',
    );
    expect((await run('alias/gone', undefined)).status).toBe('WARN');
  });

  it('reports a key it could not resolve as ERROR naming kms:DescribeKey', async () => {
    const outcome = await runCheck(
      check('cosigner_s3_encryption_not_cosigner_key'),
      ctx({
        bucketEncryption: () => ok({ SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'alias/x' }),
        bucketEncryptionKey: () =>
          Promise.resolve({
            ok: false,
            failure: { action: 'kms:DescribeKey', code: 'AWS_ACCESS_DENIED', message: 'denied' },
          }),
      }),
    );
    expect(outcome).toMatchObject({ status: 'ERROR', evidence: { action: 'kms:DescribeKey' } });
  });
});
