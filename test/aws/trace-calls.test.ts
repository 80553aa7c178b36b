// The -v call log seam: one wrapper in createAwsPorts reports every port call, for the real SDK
// clients and the sandbox alike, with service, operation, time and outcome and nothing else.
import * as KMSSDK from '@aws-sdk/client-kms';
import * as STSSDK from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { createAwsPorts, formatAwsCall, type AwsCallRecord } from '../../src/aws/ports.js';
import type { SandboxPorts } from '../../src/aws/sandbox/index.js';
import { tempDir } from './helpers.js';

const ALLOWED_KEYS = ['service', 'operation', 'durationMs', 'outcome', 'errorCode', 'attempts'];

describe('the AWS call log', () => {
  it('reports sandbox calls, successes and failures, and leaves the rest of the ports untouched', async () => {
    const calls: AwsCallRecord[] = [];
    const ports = (await createAwsPorts({
      sandboxDir: tempDir('cosigner-trace-'),
      region: 'us-east-1',
      env: {},
      onCall: (c) => calls.push(c),
    })) as SandboxPorts;
    await ports.sts.getCallerIdentity({});
    await expect(ports.iam.getRole({ RoleName: 'secret-looking-name' })).rejects.toMatchObject({
      name: 'NoSuchEntityException',
    });
    await ports.kms.createKey({ Description: 'do not log me' });
    expect(calls.map((c) => [c.service, c.operation, c.outcome, c.errorCode])).toEqual([
      ['STS', 'GetCallerIdentity', 'ok', undefined],
      ['IAM', 'GetRole', 'error', 'NoSuchEntityException'],
      ['KMS', 'CreateKey', 'ok', undefined],
    ]);
    for (const call of calls) {
      expect(Object.keys(call).every((k) => ALLOWED_KEYS.includes(k))).toBe(true);
      expect(call.durationMs).toBeGreaterThanOrEqual(0);
      expect(call.attempts).toBe(1);
    }
    expect(JSON.stringify(calls)).not.toMatch(/secret-looking-name|do not log me/);
    // The sandbox's own members still work through the traced ports.
    expect(ports.writeCalls()).toBe(1);
    expect(ports.region).toBe('us-east-1');
  });

  it('reports real SDK client calls through the same seam, with the SDK’s attempt count', async () => {
    const sts = mockClient(STSSDK.STSClient);
    const kms = mockClient(KMSSDK.KMSClient);
    try {
      sts.on(STSSDK.GetCallerIdentityCommand).resolves({ Account: '123456789012', $metadata: { attempts: 1 } });
      kms.on(KMSSDK.DescribeKeyCommand).rejects(
        Object.assign(new Error('User is not authorized'), {
          name: 'AccessDeniedException',
          $metadata: { attempts: 3 },
        }),
      );
      const calls: AwsCallRecord[] = [];
      const ports = await createAwsPorts({
        region: 'eu-west-1',
        env: { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'x' },
        onCall: (c) => calls.push(c),
      });
      await ports.sts.getCallerIdentity({});
      await expect(ports.kms.describeKey({ KeyId: 'alias/x' })).rejects.toThrow('not authorized');
      ports.destroy();
      expect(calls).toEqual([
        {
          service: 'STS',
          operation: 'GetCallerIdentity',
          durationMs: expect.any(Number) as unknown,
          outcome: 'ok',
          attempts: 1,
        },
        {
          service: 'KMS',
          operation: 'DescribeKey',
          durationMs: expect.any(Number) as unknown,
          outcome: 'error',
          errorCode: 'AccessDeniedException',
          attempts: 3,
        },
      ]);
      expect(formatAwsCall(calls[1]!)).toMatch(
        /^aws KMS DescribeKey \d+ ms failed: AccessDeniedException \(3 attempts\)$/,
      );
      expect(
        formatAwsCall({ service: 'STS', operation: 'GetCallerIdentity', durationMs: 12, outcome: 'ok', attempts: 1 }),
      ).toBe('aws STS GetCallerIdentity 12 ms ok');
    } finally {
      sts.restore();
      kms.restore();
    }
  });

  it('is off unless asked for: the ports are the plain ones', async () => {
    const dir = tempDir('cosigner-trace-');
    const plain = await createAwsPorts({ sandboxDir: dir, region: 'us-east-1', env: {} });
    expect(plain.kms.constructor.name).toBe('SandboxKMS');
  });
});
