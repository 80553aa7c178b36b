/**
 * Errors shaped like the AWS SDK v3's service exceptions, as the real clients would throw them
 * for the same response: `name` (the modelled shape name, e.g. IAM's `EntityAlreadyExistsException`,
 * or the wire code for unmodelled errors), `Code` for the query/XML protocols, `message`,
 * `$fault`, `$metadata.httpStatusCode`. Callers match them with `isAwsErrorNamed`.
 */
import { randomUUID } from 'node:crypto';

export type SandboxService = 'ec2' | 'kms' | 's3' | 'iam' | 'sts' | 'ssm' | 'cloudtrail';

export interface ServiceErrorMetadata {
  httpStatusCode: number;
  requestId: string;
  attempts: number;
  totalRetryDelay: number;
}

export class SandboxServiceError extends Error {
  override name: string;
  readonly $fault: 'client' | 'server';
  readonly $metadata: ServiceErrorMetadata;
  /** The wire code (query and XML protocols only, like the SDK). */
  readonly Code?: string;
  readonly service: SandboxService;

  constructor(service: SandboxService, name: string, message: string, status: number, code?: string) {
    super(message);
    this.name = name;
    this.service = service;
    this.$fault = status >= 500 ? 'server' : 'client';
    this.$metadata = { httpStatusCode: status, requestId: randomUUID(), attempts: 1, totalRetryDelay: 0 };
    if (code !== undefined) this.Code = code;
  }
}

/** IAM errors the SDK models, whose `name` gets an `Exception` suffix. */
const IAM_MODELLED = new Set([
  'EntityAlreadyExists',
  'NoSuchEntity',
  'DeleteConflict',
  'LimitExceeded',
  'MalformedPolicyDocument',
  'InvalidInput',
  'ServiceFailure',
  'EntityTemporarilyUnmodifiable',
  'UnmodifiableEntity',
  'ConcurrentModification',
  'PolicyNotAttachable',
]);

/** An error as `service` would return it with this wire `code`. */
export function awsError(service: SandboxService, code: string, message: string, status = 400): SandboxServiceError {
  switch (service) {
    case 'iam':
      return new SandboxServiceError(
        service,
        IAM_MODELLED.has(code) ? `${code}Exception` : code,
        message,
        status,
        code,
      );
    case 'ec2':
    case 's3':
    case 'sts':
      return new SandboxServiceError(service, code, message, status, code);
    default:
      // JSON protocols (KMS, SSM, CloudTrail): the name is the `__type`, no `Code`.
      return new SandboxServiceError(service, code, message, status);
  }
}

/** The throttling error of each service (after the SDK has given up retrying). */
export function throttlingError(service: SandboxService): SandboxServiceError {
  switch (service) {
    case 'ec2':
      return awsError(service, 'RequestLimitExceeded', 'Request limit exceeded.', 503);
    case 's3':
      return awsError(service, 'SlowDown', 'Please reduce your request rate.', 503);
    case 'iam':
    case 'sts':
      return awsError(service, 'Throttling', 'Rate exceeded', 400);
    default:
      return awsError(service, 'ThrottlingException', 'Rate exceeded', 400);
  }
}

/** The internal (5xx) error of each service. */
export function serverError(service: SandboxService): SandboxServiceError {
  switch (service) {
    case 'ec2':
      return awsError(service, 'InternalError', 'An internal error has occurred', 500);
    case 's3':
      return awsError(service, 'InternalError', 'We encountered an internal error. Please try again.', 500);
    case 'iam':
      return awsError(service, 'ServiceFailure', 'Service Failure', 500);
    case 'kms':
      return awsError(service, 'KMSInternalException', 'An internal error has occurred.', 500);
    case 'ssm':
      return awsError(service, 'InternalServerError', 'An internal error has occurred.', 500);
    default:
      return awsError(service, 'InternalFailure', 'An internal error has occurred.', 500);
  }
}

/** A dropped connection, as Node's http client reports it. */
export function connectionReset(): Error & { code: string } {
  return Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
}

/** The error names the SDK's retry strategy treats as throttling (and retries). */
const SDK_THROTTLING_NAMES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'TransactionInProgressException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'RequestThrottled',
  'SlowDown',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
]);

/** Would the SDK's standard/adaptive retry strategy retry this error? */
export function isSdkRetryable(error: unknown): { retry: boolean; throttling: boolean } {
  if (typeof error !== 'object' || error === null) return { retry: false, throttling: false };
  const record = error as { name?: unknown; code?: unknown; $metadata?: { httpStatusCode?: number } };
  if (typeof record.name === 'string' && SDK_THROTTLING_NAMES.has(record.name))
    return { retry: true, throttling: true };
  const status = record.$metadata?.httpStatusCode;
  if (status !== undefined && [500, 502, 503, 504].includes(status)) return { retry: true, throttling: false };
  if (typeof record.code === 'string' && ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT'].includes(record.code))
    return { retry: true, throttling: false };
  return { retry: false, throttling: false };
}
