/**
 * Classification of AWS SDK errors into coded CosignerErrors with hints. Which of them are worth
 * retrying, and the retry itself: ./retry.ts.
 *
 * The ports themselves throw the SDK's errors unchanged (the real clients) or errors of the same
 * shape (the sandbox): `name`, `message`, `$fault`, `$metadata.httpStatusCode`. Callers that need to
 * branch on a specific AWS error test it with {@link isAwsErrorNamed}, never with `instanceof` (the
 * sandbox's errors are not instances of the SDK's classes, and unmodelled errors never are).
 * At the command boundary {@link classifyAwsError} turns whatever is left into a CosignerError.
 */
import { CosignerError, isCosignerError, type CosignerErrorCode } from '../errors.js';

/** The shape every AWS SDK v3 service exception has (and the sandbox's errors imitate). */
export interface AwsServiceErrorLike {
  name: string;
  message: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number; requestId?: string; attempts?: number; totalRetryDelay?: number };
  /** The wire error code of query/XML protocols (IAM, STS, EC2, S3); may differ from `name`. */
  Code?: string;
}

/** True for anything shaped like an SDK service exception (it carries `$metadata` or `$fault`). */
function isAwsServiceError(error: unknown): error is AwsServiceErrorLike {
  if (typeof error !== 'object' || error === null) return false;
  const candidate = error as Record<string, unknown>;
  return (
    typeof candidate['name'] === 'string' && (candidate['$metadata'] !== undefined || candidate['$fault'] !== undefined)
  );
}

function stripException(name: string): string {
  return name.endsWith('Exception') ? name.slice(0, -'Exception'.length) : name;
}

/**
 * Is this error one of the named AWS errors? Names compare with and without an `Exception`
 * suffix and against the wire `Code`, so `EntityAlreadyExists` matches IAM's
 * `EntityAlreadyExistsException` and `NoSuchEntity` matches `NoSuchEntityException`.
 */
export function isAwsErrorNamed(error: unknown, ...names: string[]): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const record = error as { name?: unknown; Code?: unknown };
  const own = [record.name, record.Code]
    .filter((value): value is string => typeof value === 'string')
    .map(stripException);
  return names.some((name) => own.includes(stripException(name)));
}

/** The HTTP status of an SDK error, when it has one. */
export function awsErrorStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const status = (error as AwsServiceErrorLike).$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/** What was being attempted, for messages and hints. */
export interface AwsCallContext {
  /** e.g. `kms`. */
  service?: string;
  /** e.g. `PutKeyPolicy`. */
  operation?: string;
  /** The resource, e.g. a key ARN or a bucket name. */
  resource?: string;
  /** The region the ports talk to. */
  region?: string;
  /** The profile in use, for credential hints. */
  profile?: string;
}

const CREDENTIALS_EXPIRED = ['ExpiredToken', 'ExpiredTokenException', 'TokenRefreshRequired', 'RequestExpired'];
const CREDENTIALS_INVALID = [
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidAccessKeyId',
  'AuthFailure',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'InvalidToken',
  'InvalidSignatureException',
];
const ACCESS_DENIED = [
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'AuthorizationError',
  'Forbidden',
  'AllAccessDisabled',
];
const THROTTLED = [
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'RequestLimitExceeded',
  'SlowDown',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'PriorRequestNotComplete',
];
const WRONG_REGION = [
  'PermanentRedirect',
  'AuthorizationHeaderMalformed',
  'IllegalLocationConstraintException',
  'InvalidLocationConstraint',
];
const NOT_FOUND = [
  'NoSuchEntity',
  'NotFoundException',
  'NoSuchBucket',
  'NoSuchKey',
  'NotFound',
  'ParameterNotFound',
  'ResourceNotFoundException',
  'NoSuchBucketPolicy',
  'NoSuchVersion',
  'NatGatewayNotFound',
];
const BUCKET_TAKEN = ['BucketAlreadyExists'];
const CONFLICT = [
  'EntityAlreadyExists',
  'AlreadyExistsException',
  'BucketAlreadyOwnedByYou',
  'IdempotentParameterMismatch',
  'DeleteConflict',
  'DependencyViolation',
  'BucketNotEmpty',
  'ConflictException',
  'ConcurrentModification',
  'OperationAborted',
];
const LIMIT = [
  'LimitExceeded',
  'LimitExceededException',
  'InstanceLimitExceeded',
  'VcpuLimitExceeded',
  'TooManyBuckets',
  'RulesPerSecurityGroupLimitExceeded',
  'SecurityGroupLimitExceeded',
  'ResourceLimitExceeded',
];
const INSTANCE_UNAVAILABLE = ['InsufficientInstanceCapacity', 'Unsupported'];
const INVALID = [
  'ValidationException',
  'ValidationError',
  'InvalidParameterValue',
  'InvalidParameterCombination',
  'InvalidParameter',
  'MissingParameter',
  'MalformedPolicyDocument',
  'MalformedPolicyDocumentException',
  'MalformedPolicy',
  'InvalidRequest',
  'InvalidArgument',
  'InvalidBucketName',
  'InvalidKeyUsageException',
  'InvalidCiphertextException',
  'IncorrectKeyException',
  'UnsupportedOperation',
  'InvalidArnException',
  'InvalidAliasNameException',
  'InvalidInput',
  'InvalidNextToken',
  'InvalidPaginationToken',
  'InvalidMarkerException',
  'InvalidPermission.Duplicate',
  'InvalidPermission.NotFound',
];
const NETWORK_CODES = [
  'ECONNRESET',
  'ECONNREFUSED',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
];

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function errorName(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const name = (error as { name?: unknown }).name;
    if (typeof name === 'string') return name;
  }
  return 'Error';
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null) {
    const message = (error as { message?: unknown }).message;
    if (typeof message === 'string') return message;
  }
  return String(error);
}

function lowerFirst(text: string): string {
  return text.length > 0 && /^[A-Z][a-z]/.test(text) ? text[0]!.toLowerCase() + text.slice(1) : text;
}

/** Throttling, by the names the SDK retries as throttling (and a few more services use), or HTTP 429. */
export function isThrottlingError(error: unknown): boolean {
  return isAwsErrorNamed(error, ...THROTTLED) || awsErrorStatus(error) === 429;
}

/** The request got no answer: a reset, refused or timed-out connection, or a name that did not resolve. */
export function isNetworkError(error: unknown): boolean {
  return (
    NETWORK_CODES.includes(errorCode(error) ?? '') ||
    errorName(error) === 'TimeoutError' ||
    /socket hang up|getaddrinfo|connect E/i.test(errorMessage(error))
  );
}

/** `kms:PutKeyPolicy` from the context, or from an AWS "not authorized to perform: x" message. */
function deniedAction(message: string, context: AwsCallContext): string | undefined {
  const fromMessage = /perform: ([a-z0-9-]+:[A-Za-z0-9*]+)/.exec(message)?.[1];
  if (fromMessage !== undefined) return fromMessage;
  if (context.service !== undefined && context.operation !== undefined)
    return `${context.service}:${context.operation}`;
  return undefined;
}

function deniedResource(message: string, context: AwsCallContext): string | undefined {
  return /on resource: (\S+?)(?: because|\.?$| with)/.exec(message)?.[1] ?? context.resource;
}

function profileHint(context: AwsCallContext): string {
  return context.profile === undefined ? 'the default profile' : `profile "${context.profile}"`;
}

/** The region an ARN names, if it is an ARN with a region. */
function arnRegion(resource: string | undefined): string | undefined {
  const parts = resource?.split(':');
  return parts !== undefined && parts[0] === 'arn' && parts.length >= 6 && parts[3] !== '' ? parts[3] : undefined;
}

/**
 * Turn any error from a port call into a CosignerError with a hint. CosignerErrors pass through.
 * The original error is kept as `cause`; `context` carries the AWS error name and status.
 */
export function classifyAwsError(error: unknown, context: AwsCallContext = {}): CosignerError {
  if (isCosignerError(error)) return error;
  const name = errorName(error);
  const message = errorMessage(error);
  const status = awsErrorStatus(error);
  const what =
    context.operation === undefined
      ? 'the AWS call'
      : `${context.service === undefined ? '' : `${context.service}:`}${context.operation}`;
  const detail: Record<string, unknown> = {
    awsError: name,
    ...(status === undefined ? {} : { httpStatus: status }),
    ...(context.operation === undefined ? {} : { operation: what }),
    ...(context.resource === undefined ? {} : { resource: context.resource }),
    ...(context.region === undefined ? {} : { region: context.region }),
  };
  const make = (errorCodeName: CosignerErrorCode, text: string, hint: string) =>
    new CosignerError(errorCodeName, text, { hint, cause: error, context: detail });
  const is = (names: string[]) => isAwsErrorNamed(error, ...names);

  // No credentials at all: the SDK's provider chain gives up before any request is sent.
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(message)) {
    if (/sso|token.*expired|expired.*token|refresh/i.test(message)) {
      return make(
        'AWS_CREDENTIALS_EXPIRED',
        `the AWS SSO session for ${profileHint(context)} has expired`,
        `Run "aws sso login${context.profile === undefined ? '' : ` --profile ${context.profile}`}" and try again.`,
      );
    }
    return make(
      'AWS_CREDENTIALS_MISSING',
      'no AWS credentials were found',
      `Configure credentials for ${profileHint(context)} ("aws configure" or "aws sso login${context.profile === undefined ? '' : ` --profile ${context.profile}`}"), pass --profile, or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; try --sandbox to run without AWS.`,
    );
  }
  if (is(CREDENTIALS_EXPIRED) || /sso session.*(expired|invalid)/i.test(message)) {
    return make(
      'AWS_CREDENTIALS_EXPIRED',
      `the AWS credentials of ${profileHint(context)} have expired`,
      `Refresh them ("aws sso login${context.profile === undefined ? '' : ` --profile ${context.profile}`}" for SSO, or new temporary credentials) and check the system clock.`,
    );
  }
  if (is(CREDENTIALS_INVALID)) {
    return make(
      'AWS_CREDENTIALS_INVALID',
      `AWS rejected the credentials of ${profileHint(context)}: ${lowerFirst(message)}`,
      'Check the access key, secret and session token in use (aws sts get-caller-identity), or pick another profile with --profile.',
    );
  }
  if (is(ACCESS_DENIED) || (status === 403 && name === 'Unknown')) {
    const action = deniedAction(message, context);
    const resource = deniedResource(message, context);
    return make(
      'AWS_ACCESS_DENIED',
      `access denied: ${action ?? what}${resource === undefined ? '' : ` on ${resource}`}`,
      `Grant ${action ?? 'this action'}${resource === undefined ? '' : ` on ${resource}`} to the caller (check IAM policies, the key or bucket policy, and SCPs), or run with credentials that have it.`,
    );
  }
  if (isThrottlingError(error)) {
    return make(
      'AWS_THROTTLED',
      `${what} was throttled by AWS and still failed after retries`,
      'Wait a minute and run the command again (it resumes), or raise the retry attempts.',
    );
  }
  if (is(WRONG_REGION) || status === 301) {
    return make(
      'AWS_WRONG_REGION',
      `${what} was sent to the wrong region${context.region === undefined ? '' : ` (${context.region})`}: ${lowerFirst(message)}`,
      'Pass the region the resource lives in with --region or AWS_REGION.',
    );
  }
  if (is(['KMSInvalidStateException']) && /pending deletion/i.test(message)) {
    return make(
      'AWS_KEY_PENDING_DELETION',
      `the KMS key is pending deletion${context.resource === undefined ? '' : `: ${context.resource}`}`,
      'Cancel the deletion (aws kms cancel-key-deletion, then enable-key) or use another key.',
    );
  }
  if (is(['DisabledException', 'KMSInvalidStateException'])) {
    return make(
      'AWS_KEY_DISABLED',
      `the KMS key is not usable: ${lowerFirst(message)}`,
      'Enable the key (aws kms enable-key) or use another key.',
    );
  }
  if (is(BUCKET_TAKEN)) {
    return make(
      'BUCKET_NAME_TAKEN',
      `the bucket name${context.resource === undefined ? '' : ` "${context.resource}"`} is already taken by another AWS account`,
      'Bucket names are global: choose another bucket name in the config.',
    );
  }
  if (is(NOT_FOUND) || (typeof name === 'string' && name.endsWith('.NotFound')) || status === 404) {
    const regionOfResource = arnRegion(context.resource);
    if (regionOfResource !== undefined && context.region !== undefined && regionOfResource !== context.region) {
      return make(
        'AWS_WRONG_REGION',
        `${context.resource} is in ${regionOfResource}, not in ${context.region}`,
        `Pass --region ${regionOfResource}.`,
      );
    }
    return make(
      'AWS_NOT_FOUND',
      `not found: ${context.resource ?? what}${context.region === undefined ? '' : ` (region ${context.region})`}: ${lowerFirst(message)}`,
      'Check the name or id and the region; the resource may have been deleted.',
    );
  }
  if (is(CONFLICT) || status === 409) {
    return make(
      'AWS_CONFLICT',
      `${what} conflicts with the current state: ${lowerFirst(message)}`,
      'Run "cosigner-cli status" to see what exists, then run the command again.',
    );
  }
  if (is(INSTANCE_UNAVAILABLE)) {
    return make(
      'INSTANCE_TYPE_UNAVAILABLE',
      `the instance type is not available here: ${lowerFirst(message)}`,
      'Choose another availability zone (subnet) or instance type (c5.xlarge or c5a.xlarge).',
    );
  }
  if (is(LIMIT)) {
    return make(
      'AWS_LIMIT_EXCEEDED',
      `an AWS quota was reached: ${lowerFirst(message)}`,
      'Free up resources or request a quota increase in Service Quotas, then run the command again.',
    );
  }
  if (isNetworkError(error)) {
    return make(
      'AWS_NETWORK',
      `could not reach AWS for ${what}: ${message}`,
      'Check the network, proxy settings, the region name and any AWS_ENDPOINT_URL* variables, then run the command again.',
    );
  }
  if (is(INVALID) || status === 400) {
    return make(
      'AWS_INVALID_REQUEST',
      `AWS rejected ${what}: ${lowerFirst(message)}`,
      'Check the values in the config; this may be a bug in cosigner-cli if they look right.',
    );
  }
  if ((isAwsServiceError(error) && error.$fault === 'server') || (status !== undefined && status >= 500)) {
    return make(
      'AWS_SERVICE_ERROR',
      `AWS failed ${what} after retries: ${lowerFirst(message)}`,
      'This is usually transient: run the command again (it resumes).',
    );
  }
  return make(
    'AWS_SERVICE_ERROR',
    `${what} failed: ${name}: ${lowerFirst(message)}`,
    'Run again with --debug for the full AWS error.',
  );
}

/** Run one port call and rethrow any failure as a classified CosignerError. */
export async function withAwsErrors<T>(context: AwsCallContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw classifyAwsError(error, context);
  }
}

/**
 * Errors that mean "a principal or instance profile created moments ago is not visible yet":
 * - EC2 `InvalidParameterValue` … `Invalid IAM Instance Profile name` / `…iamInstanceProfile…`
 * - KMS `MalformedPolicyDocumentException` … `invalid principals`
 * - S3 `MalformedPolicy` … `Invalid principal in policy`
 * - IAM `MalformedPolicyDocument` … `Invalid principal in policy`
 */
export function isIamPropagationError(error: unknown): boolean {
  const message = errorMessage(error);
  if (isAwsErrorNamed(error, 'InvalidParameterValue')) return /iam ?instance ?profile/i.test(message);
  if (isAwsErrorNamed(error, 'MalformedPolicyDocumentException', 'MalformedPolicyDocument', 'MalformedPolicy')) {
    return /invalid principal/i.test(message);
  }
  return false;
}
