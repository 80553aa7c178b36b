/**
 * The SSM port: only the SSM operations cosigner-cli calls, typed with the SDK's own
 * input/output types. The real implementation imports @aws-sdk/client-ssm on first use and makes exactly one
 * `client.send(new XCommand(input))` per method. The sandbox implements the same interface.
 */
import type * as SDK from '@aws-sdk/client-ssm';
import { lazyClient } from './lazy-client.js';

/** The names of the operations in {@link SSMPort}, in AWS's spelling. */
export const SSM_OPERATIONS = ['GetParameter', 'DeleteParameter'] as const;

export interface SSMPort {
  getParameter(input: SDK.GetParameterCommandInput): Promise<SDK.GetParameterCommandOutput>;
  /** `run --token-ssm-delete`: the pairing token's parameter, once the installer took it. */
  deleteParameter(input: SDK.DeleteParameterCommandInput): Promise<SDK.DeleteParameterCommandOutput>;
}

/** The real SSM port over the AWS SDK v3 client built with `config`. */
export function createSSMPort(config: SDK.SSMClientConfig): SSMPort & { destroy(): void } {
  const lazy = lazyClient(
    () => import('@aws-sdk/client-ssm'),
    (sdk) => new sdk.SSMClient(config),
  );
  return {
    async getParameter(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.GetParameterCommand(input));
    },
    async deleteParameter(input) {
      const { sdk, client } = await lazy.get();
      return client.send(new sdk.DeleteParameterCommand(input));
    },
    destroy: lazy.destroy,
  };
}
