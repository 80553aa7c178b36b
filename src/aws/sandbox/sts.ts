/** The simulated STS behind {@link STSPort}. GetCallerIdentity needs no permission, as in AWS. */
import type * as SDK from '@aws-sdk/client-sts';
import type { STSPort } from '../sts.js';
import type { SandboxEngine } from './engine.js';

export class SandboxSTS implements STSPort {
  readonly #engine: SandboxEngine;

  constructor(engine: SandboxEngine) {
    this.#engine = engine;
  }

  getCallerIdentity(input: SDK.GetCallerIdentityCommandInput) {
    return this.#engine.call({
      service: 'sts',
      operation: 'GetCallerIdentity',
      write: false,
      input,
      run: (tx) => ({ UserId: tx.caller.userId, Account: tx.caller.accountId, Arn: tx.caller.arn }),
    });
  }
}
