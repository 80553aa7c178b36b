/**
 * Read calls that outlast the SDK's own retries: the ports seen by observation (and by apply's
 * "is it already there?" checks) retry a throttled, 5xx or reset read a few more times before the
 * error is passed on. Reads are safe to repeat; writes are not wrapped (apply journals them).
 */
import { awsErrorStatus, isAwsErrorNamed } from '../aws/errors.js';
import type { AwsPorts } from '../aws/ports.js';
import { isCosignerError } from '../errors.js';
import { setTimeout as realSleep } from 'node:timers/promises';

const READ = /^(get|describe|list|head|lookup)/;

export interface ReadRetryOptions {
  /** Extra attempts. @default 3 */
  attempts?: number;
  /** First pause, doubled each time. @default 500 */
  delayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Once aborted (Ctrl-C), no new read starts: each throws the signal's reason. */
  signal?: AbortSignal;
}

export function isTransientError(error: unknown): boolean {
  if (isCosignerError(error)) return false;
  const status = awsErrorStatus(error);
  const code = (error as { code?: unknown } | null)?.code;
  return (
    isAwsErrorNamed(
      error,
      'Throttling',
      'ThrottlingException',
      'RequestLimitExceeded',
      'SlowDown',
      'TooManyRequestsException',
      'RequestThrottled',
      'PriorRequestNotComplete',
    ) ||
    (status !== undefined && status >= 500) ||
    (typeof code === 'string' && ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT'].includes(code))
  );
}

function wrapService<S extends object>(service: S, options: ReadRetryOptions): S {
  const attempts = options.attempts ?? 3;
  const sleep = options.sleep ?? realSleep;
  return new Proxy(service, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      // Methods run on the real object (implementations may keep private fields).
      const method = (value as (input: unknown) => Promise<unknown>).bind(target);
      if (typeof property !== 'string' || !READ.test(property)) return method;
      return async (input: unknown) => {
        let delay = options.delayMs ?? 500;
        for (let attempt = 0; ; attempt++) {
          options.signal?.throwIfAborted();
          try {
            return await method(input);
          } catch (error) {
            if (!isTransientError(error) || attempt >= attempts) throw error;
            await sleep(delay);
            delay *= 2;
          }
        }
      };
    },
  });
}

/** The same ports, with every read method retried on transient errors. */
export function withReadRetry(ports: AwsPorts, options: ReadRetryOptions = {}): AwsPorts {
  return {
    ...ports,
    ec2: wrapService(ports.ec2, options),
    kms: wrapService(ports.kms, options),
    s3: wrapService(ports.s3, options),
    iam: wrapService(ports.iam, options),
    sts: wrapService(ports.sts, options),
    ssm: wrapService(ports.ssm, options),
    cloudtrail: wrapService(ports.cloudtrail, options),
    credentialSource: () => ports.credentialSource(),
    destroy: () => ports.destroy(),
  };
}
