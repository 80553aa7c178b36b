/**
 * The simulated SSM behind {@link SSMPort}: the public Amazon Linux 2023 AMI parameters, and
 * parameters written in the account (`PutParameter`, a sandbox-side extra the CLI never calls, and
 * `DeleteParameter`), among them SecureStrings such as a pairing token for `run --token-ssm`. A
 * SecureString is returned in clear only with `WithDecryption`, as SSM does; the KMS side of that
 * decryption (the AWS managed `alias/aws/ssm` key) is not simulated.
 */
import type * as SDK from '@aws-sdk/client-ssm';
import { createHash } from 'node:crypto';
import type { SSMPort } from '../ssm.js';
import { publicParameters } from './catalogue.js';
import type { SandboxEngine, Tx } from './engine.js';

function parameterName(raw: string): string {
  // A parameter may be named by its ARN too.
  return raw.startsWith('arn:') ? `/${raw.split(':parameter/')[1] ?? ''}` : raw;
}

function parameterArn(tx: Tx, name: string): string {
  return `arn:aws:ssm:${tx.region}:${tx.state.accountId}:parameter${name.startsWith('/') ? '' : '/'}${name}`;
}

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
        const name = parameterName(input.Name ?? '');
        if (!name.startsWith('/aws/service/')) {
          // Public parameters: any authenticated caller may read them; others need ssm:GetParameter.
          tx.authorize({ action: 'ssm:GetParameter', resource: parameterArn(tx, name) });
          const own = tx.regionState.ssmParameters?.[name];
          if (own !== undefined)
            return {
              Parameter: {
                Name: own.name,
                Type: own.type,
                // Without WithDecryption SSM returns the SecureString's ciphertext, never the value.
                Value:
                  own.type === 'SecureString' && input.WithDecryption !== true
                    ? createHash('sha256').update(own.value).digest('base64')
                    : own.value,
                Version: own.version,
                LastModifiedDate: new Date(own.lastModified),
                ARN: parameterArn(tx, name),
                DataType: 'text',
              },
            };
        }
        const parameter = publicParameters(tx.region).get(name);
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

  deleteParameter(input: SDK.DeleteParameterCommandInput) {
    return this.#engine.call({
      service: 'ssm',
      operation: 'DeleteParameter',
      write: true,
      input,
      run: (tx) => {
        const name = parameterName(input.Name ?? '');
        tx.authorize({ action: 'ssm:DeleteParameter', resource: parameterArn(tx, name) });
        const parameters = tx.regionState.ssmParameters ?? {};
        if (parameters[name] === undefined) throw tx.error('ParameterNotFound', 'UnknownError');
        delete parameters[name];
        return {};
      },
    });
  }

  /** Sandbox-side: write a parameter (the CLI never writes parameters). */
  putParameter(input: { Name: string; Value: string; Type: 'String' | 'SecureString'; Overwrite?: boolean }) {
    return this.#engine.call({
      service: 'ssm',
      operation: 'PutParameter',
      write: true,
      input: { Name: input.Name, Type: input.Type },
      run: (tx) => {
        const name = parameterName(input.Name);
        tx.authorize({ action: 'ssm:PutParameter', resource: parameterArn(tx, name) });
        const parameters = (tx.regionState.ssmParameters ??= {});
        const existing = parameters[name];
        if (existing !== undefined && input.Overwrite !== true)
          throw tx.error(
            'ParameterAlreadyExists',
            'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
          );
        const version = (existing?.version ?? 0) + 1;
        parameters[name] = {
          name,
          type: input.Type,
          value: input.Value,
          version,
          lastModified: tx.now.toISOString(),
          ...(input.Type === 'SecureString' ? { keyId: 'alias/aws/ssm' } : {}),
        };
        return { Version: version, Tier: 'Standard' as const };
      },
    });
  }
}
