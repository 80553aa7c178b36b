// The read layer's bound and memo, and the instance-type check's arithmetic, over fakes.
import type * as EC2 from '@aws-sdk/client-ec2';
import pLimit from 'p-limit';
import { describe, expect, it } from 'vitest';
import type { AwsPorts } from '../../src/aws/ports.js';
import type { CheckContext } from '../../src/verify/check.js';
import { EC2_CHECKS } from '../../src/verify/checks/ec2.js';
import type { InstanceTypeFacts } from '../../src/verify/deployment-reads.js';
import { AuditCalls } from '../../src/verify/reads.js';
import type { AuditTarget } from '../../src/verify/target.js';

describe('AuditCalls', () => {
  it('keeps at most the bound in flight, counts every call, and makes a memoised read once', async () => {
    const calls = new AuditCalls({} as AwsPorts, pLimit(2));
    let inFlight = 0;
    let peak = 0;
    const slow = () =>
      calls.call('ec2:DescribeInstances', async () => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight -= 1;
        return 1;
      });
    await Promise.all(Array.from({ length: 7 }, slow));
    expect(peak).toBe(2);
    expect(calls.calls).toBe(7);
    let made = 0;
    const read = () => calls.memo('k', () => Promise.resolve((made += 1)));
    expect(await Promise.all([read(), read(), read()])).toEqual([
      { ok: true, value: 1 },
      { ok: true, value: 1 },
      { ok: true, value: 1 },
    ]);
    expect(made).toBe(1);
  });

  it('turns a failed call into a failure naming its action, and a not-found into undefined', async () => {
    const calls = new AuditCalls({} as AwsPorts, pLimit(1));
    const denied = Object.assign(new Error('User: x is not authorized to perform: kms:GetKeyPolicy on resource: k'), {
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 400 },
    });
    const outcome = await calls.memo('denied', () => calls.call('kms:GetKeyPolicy', () => Promise.reject(denied)));
    expect(outcome).toMatchObject({ ok: false, failure: { action: 'kms:GetKeyPolicy', code: 'AWS_ACCESS_DENIED' } });
    const missing = Object.assign(new Error('no such'), {
      name: 'NoSuchEntityException',
      $metadata: { httpStatusCode: 404 },
    });
    expect(await calls.optional('iam:GetRole', () => Promise.reject(missing))).toBeUndefined();
    const bug = await calls.memo('bug', () => Promise.reject(new Error('oops')));
    expect(bug).toEqual({ ok: false, failure: { action: 'unknown', code: 'INTERNAL', message: 'oops' } });
  });
});

describe('cosigner_ec2_type_supported', () => {
  const check = EC2_CHECKS.find((c) => c.id === 'cosigner_ec2_type_supported')!;
  const host: EC2.Instance = { InstanceId: 'i-0123456789abcdef0', InstanceType: 'c5.xlarge' };
  const run = (type: InstanceTypeFacts, enclave = { memoryMiB: 4096, cpuCount: 2 }) =>
    check.run({
      target: {
        partition: 'aws',
        region: 'eu-west-1',
        accountId: '111122223333',
        name: 'demo',
        enclave,
      } as AuditTarget,
      reads: {
        instances: () => Promise.resolve({ ok: true, value: [host] }),
        instanceTypes: () => Promise.resolve({ ok: true, value: [type] }),
      } as unknown as CheckContext['reads'],
      derive: (_name, compute) => compute(),
    });

  it('passes a type with enclave support and room for the enclave and the host', async () => {
    expect((await run({ type: 'c5.xlarge', nitroEnclaves: 'supported', vcpus: 4, memoryMiB: 8192 })).status).toBe(
      'PASS',
    );
    expect(
      (
        await run(
          { type: 'c5.xlarge', nitroEnclaves: 'supported', vcpus: 4, memoryMiB: 8192 },
          { memoryMiB: 6144, cpuCount: 2 },
        )
      ).status,
    ).toBe('PASS');
  });

  it.each<[string, InstanceTypeFacts]>([
    ['no enclave support', { type: 't3.xlarge', nitroEnclaves: 'unsupported', vcpus: 4, memoryMiB: 16384 }],
    ['too few vCPUs', { type: 'm5.large', nitroEnclaves: 'supported', vcpus: 2, memoryMiB: 8192 }],
    ['too little memory', { type: 'x.small', nitroEnclaves: 'supported', vcpus: 4, memoryMiB: 6144 }],
    ['an unreported size', { type: 'x.odd', nitroEnclaves: 'supported', vcpus: undefined, memoryMiB: undefined }],
  ])('fails %s', async (_name, type) => {
    expect((await run(type)).status).toBe('FAIL');
  });
});
