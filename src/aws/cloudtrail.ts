/**
 * The CloudTrail port: only the CloudTrail operations cosigner-cli calls, typed with the SDK's own
 * input/output types. The real implementation imports @aws-sdk/client-cloudtrail on first use and makes exactly one
 * `client.send(new XCommand(input))` per method. The sandbox implements the same interface.
 */
import type * as SDK from '@aws-sdk/client-cloudtrail';
import { lazyClient } from './lazy-client.js';

/** The names of the operations in {@link CloudTrailPort}, in AWS's spelling. */
export const CLOUDTRAIL_OPERATIONS = ['LookupEvents', 'DescribeTrails', 'GetTrailStatus'] as const;

export interface CloudTrailPort {
  lookupEvents(input: SDK.LookupEventsCommandInput): Promise<SDK.LookupEventsCommandOutput>;
  /** The trails of this region, multi-Region trails of other home regions included (read-only; `verify`). */
  describeTrails(input: SDK.DescribeTrailsCommandInput): Promise<SDK.DescribeTrailsCommandOutput>;
  /** Whether a trail is logging (read-only; `verify`). */
  getTrailStatus(input: SDK.GetTrailStatusCommandInput): Promise<SDK.GetTrailStatusCommandOutput>;
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
    async describeTrails(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.DescribeTrailsCommand(input));
    },
    async getTrailStatus(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.GetTrailStatusCommand(input));
    },
    destroy: lazy.destroy,
  };
}
