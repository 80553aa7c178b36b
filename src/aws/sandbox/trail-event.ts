/**
 * The CloudTrail event the sandbox records for each call: the caller's identity, the request
 * parameters without payloads or secrets, the outcome, and any extra detail a service added (such
 * as an enclave's attestation PCRs).
 */
import { randomUUID } from 'node:crypto';
import type { Caller } from './caller.js';
import type { CallSpec, TrailDetail } from './engine.js';
import { SandboxServiceError } from './service-error.js';

/** Lower-camel-case copy of a request for CloudTrail, without payloads and secrets. */
function trailParameters(input: object): Record<string, unknown> | null {
  const skip = new Set(['Body', 'Plaintext', 'CiphertextBlob', 'UserData', 'AttestationDocument']);
  const convert = (value: unknown, depth: number): unknown => {
    if (value instanceof Uint8Array || value === null || value === undefined) return undefined;
    if (value instanceof Date) return value.toISOString();
    if (Array.isArray(value)) return value.map((item) => convert(item, depth + 1));
    if (typeof value === 'object') {
      if (depth > 6) return undefined;
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
        if (skip.has(key)) continue;
        const converted = convert(item, depth + 1);
        if (converted !== undefined) out[key.charAt(0).toLowerCase() + key.slice(1)] = converted;
      }
      return out;
    }
    return typeof value === 'function' ? undefined : value;
  };
  const result = convert(input, 0) as Record<string, unknown>;
  return Object.keys(result).length === 0 ? null : result;
}

export interface TrailEventInput {
  spec: CallSpec<object>;
  now: Date;
  caller: Caller;
  detail: TrailDetail;
  failure: unknown;
  region: string;
}

export function trailEvent({ spec, now, caller, detail, failure, region }: TrailEventInput): Record<string, unknown> {
  const errorCode =
    failure instanceof SandboxServiceError
      ? (failure.Code ?? failure.name)
      : failure === undefined
        ? undefined
        : 'InternalError';
  const readOnly = !spec.write;
  const event = {
    eventVersion: '1.10',
    userIdentity:
      caller.kind === 'user'
        ? {
            type: 'IAMUser',
            principalId: caller.userId,
            arn: caller.arn,
            accountId: caller.accountId,
            accessKeyId: caller.accessKeyId,
            userName: caller.name,
          }
        : {
            type: 'AssumedRole',
            principalId: caller.userId,
            arn: caller.arn,
            accountId: caller.accountId,
            accessKeyId: caller.accessKeyId,
            sessionContext: {
              sessionIssuer: {
                type: 'Role',
                principalId: caller.userId.split(':')[0],
                arn: caller.principalArn,
                accountId: caller.accountId,
                userName: caller.name,
              },
            },
          },
    eventTime: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource: `${spec.service}.amazonaws.com`,
    eventName: spec.operation,
    awsRegion: region,
    sourceIPAddress: '192.0.2.10',
    userAgent: 'cosigner-cli-sandbox',
    ...(errorCode === undefined ? {} : { errorCode, errorMessage: (failure as Error).message }),
    requestParameters: detail.requestParameters !== undefined ? detail.requestParameters : trailParameters(spec.input),
    responseElements: failure === undefined ? (detail.responseElements ?? null) : null,
    ...(detail.additionalEventData === undefined ? {} : { additionalEventData: detail.additionalEventData }),
    requestID: randomUUID(),
    eventID: randomUUID(),
    readOnly,
    ...(detail.resources === undefined
      ? {}
      : {
          resources: detail.resources.map((resource) => ({
            accountId: resource.accountId ?? caller.accountId,
            ...resource,
          })),
        }),
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: caller.accountId,
    eventCategory: 'Management',
  };
  return event;
}
