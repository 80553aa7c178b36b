/**
 * The ports as observation, discovery, status and apply's "is it already there?" checks read them:
 * every read method goes through our transient round of the one retry (src/aws/retry.ts,
 * `TRANSIENT`) once the SDK has given up. Reads are safe to repeat; writes are not wrapped (they
 * are journaled calls, src/engine/journaled-call.ts, which check their outcome before a retry).
 */
import type { AwsPorts } from '../aws/ports.js';
import { retry } from '../aws/retry.js';
import { clockOf, transientPolicy, type RetryTuning } from './journaled-call.js';

const READ = /^(get|describe|list|head|lookup)/;

export interface ResilientPortsOptions {
  /** The run's tuning of the policies (tests shorten the pauses). */
  retry?: RetryTuning;
  /**
   * Once aborted (Ctrl-C), no new read starts, nor a new attempt of one in flight: each throws
   * the signal's reason.
   */
  signal?: AbortSignal;
}

function wrapService<S extends object>(service: S, options: ResilientPortsOptions): S {
  const tuning = options.retry ?? {};
  const policy = transientPolicy(tuning);
  const clock = clockOf(tuning);
  const signal = options.signal;
  const stopped = () => (signal?.aborted === true ? (signal.reason as Error) : undefined);
  return new Proxy(service, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      // Methods run on the real object (implementations may keep private fields).
      const method = (value as (input: unknown) => Promise<unknown>).bind(target);
      if (typeof property !== 'string' || !READ.test(property)) return method;
      return (input: unknown) => {
        signal?.throwIfAborted();
        return retry(() => method(input), policy, { ...clock, stopped });
      };
    },
  });
}

/** The same ports, with every read method retried on transient failures. */
export function withReadRetry(ports: AwsPorts, options: ResilientPortsOptions = {}): AwsPorts {
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
