/** The simulated SSM behind {@link SSMPort}: the public Amazon Linux 2023 AMI parameters. */
import type * as SDK from '@aws-sdk/client-ssm';
import type { SSMPort } from '../ssm.js';
import { publicParameters } from './catalogue.js';
import type { SandboxEngine } from './engine.js';

export class SandboxSSM implements SSMPort {
  readonly #engine: SandboxEngine;

  constructor(engine: SandboxEngine) {
    this.#engine = engine;
  }

  getParameter(input: SDK.GetParameterCommandInput) {
    return this.#engine.call({
      service: 'ssm',
      operation: 'GetParameter',
      write: false,
      input,
      run: (tx) => {
        const raw = input.Name ?? '';
        // A parameter may be named by its ARN too.
        const name = raw.startsWith('arn:') ? `/${raw.split(':parameter/')[1] ?? ''}` : raw;
        const parameter = publicParameters(tx.region).get(name);
        if (name.startsWith('/aws/service/')) {
          // Public parameters: any authenticated caller may read them.
        } else {
          tx.authorize({
            action: 'ssm:GetParameter',
            resource: `arn:aws:ssm:${tx.region}:${tx.state.accountId}:parameter${name.startsWith('/') ? '' : '/'}${name}`,
          });
        }
        // SSM answers a missing parameter with an empty message (the SDK says "UnknownError").
        if (parameter === undefined) throw tx.error('ParameterNotFound', 'UnknownError');
        return {
          Parameter: {
            Name: name,
            Type: 'String' as const,
            Value: parameter.value,
            Version: 112,
            LastModifiedDate: new Date('2025-01-16T00:00:00.000Z'),
            ARN: `arn:aws:ssm:${tx.region}::parameter${name}`,
            DataType: parameter.dataType,
          },
        };
      },
    });
  }
}
