import { describe, expect, it, vi } from 'vitest';
import { classifyAwsError, isAwsErrorNamed, isIamPropagationError, withAwsErrors } from '../../src/aws/errors.js';
import { withPropagationRetry } from '../../src/aws/retry.js';
import { CosignerError } from '../../src/errors.js';

function sdkError(name: string, message: string, status = 400, extra: Record<string, unknown> = {}) {
  return Object.assign(new Error(message), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    ...extra,
  });
}

describe('isAwsErrorNamed', () => {
  it('matches IAM modelled names with and without the Exception suffix and by wire code', () => {
    const error = sdkError('EntityAlreadyExistsException', 'x', 409, { Code: 'EntityAlreadyExists' });
    expect(isAwsErrorNamed(error, 'EntityAlreadyExists')).toBe(true);
    expect(isAwsErrorNamed(error, 'EntityAlreadyExistsException')).toBe(true);
    expect(isAwsErrorNamed(error, 'NoSuchEntity')).toBe(false);
    expect(isAwsErrorNamed('nope', 'NoSuchEntity')).toBe(false);
  });
});

describe('classifyAwsError', () => {
  const cases: [string, unknown, string, RegExp?][] = [
    [
      'no credentials',
      Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
      'AWS_CREDENTIALS_MISSING',
      /--profile|aws configure/,
    ],
    [
      'expired SSO session',
      Object.assign(
        new Error(
          'The SSO session associated with this profile has expired or is otherwise invalid. To refresh this SSO session run aws sso login',
        ),
        { name: 'CredentialsProviderError' },
      ),
      'AWS_CREDENTIALS_EXPIRED',
      /aws sso login --profile dev/,
    ],
    [
      'expired token',
      sdkError('ExpiredToken', 'The security token included in the request is expired', 403),
      'AWS_CREDENTIALS_EXPIRED',
    ],
    [
      'invalid token',
      sdkError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403),
      'AWS_CREDENTIALS_INVALID',
    ],
    [
      'KMS access denied',
      sdkError(
        'AccessDeniedException',
        'User: arn:aws:iam::111122223333:user/a is not authorized to perform: kms:PutKeyPolicy on resource: arn:aws:kms:eu-west-1:111122223333:key/k because no resource-based policy allows the kms:PutKeyPolicy action',
      ),
      'AWS_ACCESS_DENIED',
      /kms:PutKeyPolicy on arn:aws:kms:eu-west-1:111122223333:key\/k/,
    ],
    [
      'EC2 unauthorized',
      sdkError('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403),
      'AWS_ACCESS_DENIED',
      /ec2:RunInstances/,
    ],
    ['S3 HEAD 403', sdkError('Unknown', 'UnknownError', 403), 'AWS_ACCESS_DENIED'],
    ['throttling', sdkError('ThrottlingException', 'Rate exceeded'), 'AWS_THROTTLED'],
    ['EC2 throttling', sdkError('RequestLimitExceeded', 'Request limit exceeded.', 503), 'AWS_THROTTLED'],
    [
      'wrong region redirect',
      sdkError(
        'PermanentRedirect',
        'The bucket you are attempting to access must be addressed using the specified endpoint.',
        301,
      ),
      'AWS_WRONG_REGION',
    ],
    [
      'pending deletion',
      sdkError('KMSInvalidStateException', 'arn:aws:kms:eu-west-1:1:key/k is pending deletion.'),
      'AWS_KEY_PENDING_DELETION',
    ],
    ['disabled key', sdkError('DisabledException', 'arn is disabled.'), 'AWS_KEY_DISABLED'],
    [
      'bucket taken',
      sdkError('BucketAlreadyExists', 'The requested bucket name is not available.', 409),
      'BUCKET_NAME_TAKEN',
    ],
    [
      'not found',
      sdkError('NoSuchEntityException', 'The role with name x cannot be found.', 404, { Code: 'NoSuchEntity' }),
      'AWS_NOT_FOUND',
    ],
    ['EC2 not found', sdkError('InvalidInstanceID.NotFound', "The instance ID 'i-1' does not exist"), 'AWS_NOT_FOUND'],
    ['conflict', sdkError('DependencyViolation', 'resource sg-1 has a dependent object'), 'AWS_CONFLICT'],
    [
      'quota',
      sdkError('VcpuLimitExceeded', 'You have requested more vCPU capacity than your current vCPU limit'),
      'AWS_LIMIT_EXCEEDED',
    ],
    [
      'capacity',
      sdkError('InsufficientInstanceCapacity', 'We currently do not have sufficient c5.xlarge capacity'),
      'INSTANCE_TYPE_UNAVAILABLE',
    ],
    ['validation', sdkError('ValidationException', '1 validation error detected'), 'AWS_INVALID_REQUEST'],
    ['network', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'AWS_NETWORK', /AWS_ENDPOINT_URL/],
    ['server', sdkError('InternalFailure', 'boom', 500), 'AWS_SERVICE_ERROR'],
    ['anything else', new Error('weird'), 'AWS_SERVICE_ERROR'],
  ];
  it.each(cases)('%s → %s', (_label, error, code, hint) => {
    const classified = classifyAwsError(error, {
      service: 'ec2',
      operation: 'RunInstances',
      region: 'eu-west-1',
      profile: 'dev',
    });
    expect(classified.code).toBe(code);
    expect(classified.exitCode).toBe(4);
    expect(classified.cause).toBe(error);
    if (hint) expect(`${classified.message} ${classified.hint ?? ''}`).toMatch(hint);
  });

  it('passes CosignerErrors through', () => {
    const original = new CosignerError('POLICY_LOCKOUT', 'x');
    expect(classifyAwsError(original)).toBe(original);
  });

  it('reports a not-found ARN in another region as the wrong region', () => {
    const classified = classifyAwsError(sdkError('NotFoundException', 'Key does not exist'), {
      resource: 'arn:aws:kms:us-east-1:111122223333:key/k',
      region: 'eu-west-1',
    });
    expect(classified.code).toBe('AWS_WRONG_REGION');
    expect(classified.hint).toContain('--region us-east-1');
  });

  it('wraps a failing call with withAwsErrors', async () => {
    await expect(
      withAwsErrors({ service: 's3', operation: 'CreateBucket' }, () =>
        Promise.reject(sdkError('BucketAlreadyExists', 'taken', 409)),
      ),
    ).toThrowCosignerError('BUCKET_NAME_TAKEN');
    await expect(withAwsErrors({}, () => Promise.resolve(3))).resolves.toBe(3);
  });
});

describe('isIamPropagationError', () => {
  it('recognises the known eventual-consistency errors and nothing else', () => {
    expect(
      isIamPropagationError(
        sdkError(
          'InvalidParameterValue',
          'Value (p) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name',
        ),
      ),
    ).toBe(true);
    expect(
      isIamPropagationError(
        sdkError(
          'MalformedPolicyDocumentException',
          'Policy contains a statement with one or more invalid principals.',
        ),
      ),
    ).toBe(true);
    expect(isIamPropagationError(sdkError('MalformedPolicy', 'Invalid principal in policy'))).toBe(true);
    expect(
      isIamPropagationError(
        sdkError(
          'MalformedPolicyDocumentException',
          'The new key policy will not allow you to update the key policy in the future.',
        ),
      ),
    ).toBe(false);
    expect(isIamPropagationError(sdkError('InvalidParameterValue', 'Invalid value for InstanceType'))).toBe(false);
  });
});

describe('withPropagationRetry', () => {
  const propagation = () =>
    sdkError('MalformedPolicyDocumentException', 'Policy contains a statement with one or more invalid principals.');

  it('retries until the call succeeds, reporting each wait, with growing bounded delays', async () => {
    let clock = 0;
    const sleep = vi.fn((ms: number) => {
      clock += ms;
      return Promise.resolve();
    });
    const onRetry = vi.fn();
    let calls = 0;
    const result = await withPropagationRetry(
      () => {
        calls += 1;
        return calls < 5 ? Promise.reject(propagation()) : Promise.resolve('ok');
      },
      { sleep, now: () => clock, onRetry, maxWaitMs: 60_000, initialDelayMs: 200, maxDelayMs: 500 },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(5);
    expect(onRetry).toHaveBeenCalledTimes(4);
    expect(sleep.mock.calls.map(([ms]) => ms)).toEqual([200, 300, 450, 500]);
    expect(onRetry.mock.calls[0]?.[0]).toMatchObject({ attempt: 1, delayMs: 200, elapsedMs: 0 });
  });

  it('rethrows other errors at once', async () => {
    const other = sdkError('AccessDeniedException', 'no');
    const sleep = vi.fn(() => Promise.resolve());
    await expect(withPropagationRetry(() => Promise.reject(other), { sleep })).rejects.toBe(other);
    expect(sleep).not.toHaveBeenCalled();
  });

  it('gives up with AWS_PROPAGATION_TIMEOUT after the bound, never waiting past it', async () => {
    let clock = 0;
    const waits: number[] = [];
    const promise = withPropagationRetry(() => Promise.reject(propagation()), {
      sleep: (ms) => {
        waits.push(ms);
        clock += ms;
        return Promise.resolve();
      },
      now: () => clock,
      maxWaitMs: 2_000,
      waitingFor: 'the role to become a valid key-policy principal',
    });
    await expect(promise).toThrowCosignerError('AWS_PROPAGATION_TIMEOUT');
    expect(waits.reduce((a, b) => a + b, 0)).toBe(2_000);
    const error = await promise.catch((e: unknown) => e as CosignerError);
    expect(error.message).toContain('the role to become a valid key-policy principal');
    expect(error.exitCode).toBe(4);
  });
});
