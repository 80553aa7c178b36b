// The test setup keeps the suite's output to test results: the AWS SDK's Node-version warning is
// switched off here (tests only), so no worker prints it.
import { STSClient } from '@aws-sdk/client-sts';
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
