/**
 * The CloudTrail port: only the CloudTrail operations cosigner-cli calls, typed with the SDK's own
 * input/output types. The real implementation imports @aws-sdk/client-cloudtrail on first use and makes exactly one
 * `client.send(new XCommand(input))` per method. The sandbox implements the same interface.
 */
import type * as SDK from '@aws-sdk/client-cloudtrail';
import { lazyClient } from './lazy-client.js';

/** The names of the operations in {@link CloudTrailPort}, in AWS's spelling. */
export const CLOUDTRAIL_OPERATIONS = ['LookupEvents'] as const;

export interface CloudTrailPort {
  lookupEvents(input: SDK.LookupEventsCommandInput): Promise<SDK.LookupEventsCommandOutput>;
}

/** The real CloudTrail port over the AWS SDK v3 client built with `config`. */
export function createCloudTrailPort(config: SDK.CloudTrailClientConfig): CloudTrailPort & { destroy(): void } {
  const lazy = lazyClient(
    () => import('@aws-sdk/client-cloudtrail'),
    (sdk) => new sdk.CloudTrailClient(config),
  );
  return {
    async lookupEvents(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.LookupEventsCommand(input));
    },
    destroy: lazy.destroy,
  };
}
