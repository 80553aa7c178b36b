// The test setup keeps the suite's output to test results: the AWS SDK's Node-version warning is
// switched off here (tests only), so no worker prints it. And it fixes the property tests' seed.
import { STSClient } from '@aws-sdk/client-sts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

describe('test setup', () => {
  it('silences the AWS SDK Node-version warning that building a client emits', async () => {
    const seen: string[] = [];
    const listener = (warning: Error) => seen.push(warning.message);
    process.on('warning', listener);
    try {
      // Building a client is where the SDK checks the Node version (once per process).
      new STSClient({ region: 'us-east-1' }).destroy();
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', listener);
    }
    expect(seen.filter((message) => message.includes('NodeVersionSupportWarning'))).toEqual([]);
  });
});

describe('property tests', () => {
  it('replay the same cases in every run: one fixed seed unless FC_SEED names another', () => {
    const draw = () => fc.sample(fc.integer(), 5);
    expect(fc.readConfigureGlobal().seed).toBe(Number(process.env.FC_SEED ?? 20261203));
    expect(draw()).toEqual(draw());
  });
});
