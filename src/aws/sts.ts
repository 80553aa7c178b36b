/**
 * The STS port: only the STS operations cosigner-cli calls, typed with the SDK's own
 * input/output types. The real implementation imports @aws-sdk/client-sts on first use and makes exactly one
 * `client.send(new XCommand(input))` per method. The sandbox implements the same interface.
 */
import type * as SDK from '@aws-sdk/client-sts';
import { lazyClient } from './lazy-client.js';

/** The names of the operations in {@link STSPort}, in AWS's spelling. */
export const STS_OPERATIONS = ['GetCallerIdentity'] as const;

export interface STSPort {
  getCallerIdentity(input: SDK.GetCallerIdentityCommandInput): Promise<SDK.GetCallerIdentityCommandOutput>;
}

/** The real STS port over the AWS SDK v3 client built with `config`. */
export function createSTSPort(config: SDK.STSClientConfig): STSPort & { destroy(): void } {
  const lazy = lazyClient(
    () => import('@aws-sdk/client-sts'),
    (sdk) => new sdk.STSClient(config),
  );
  return {
    async getCallerIdentity(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.GetCallerIdentityCommand(input));
    },
    destroy: lazy.destroy,
  };
}
