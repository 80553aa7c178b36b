/**
 * The one retry of cosigner-cli: which failures are transient ({@link isTransient}), the one loop
 * that repeats a call ({@link retry}) and its policies, each with a stated budget.
 *
 * Two layers, deliberately, and no third:
 *
 * 1. The SDK. src/aws/ports.ts gives every client `maxAttempts` = {@link SDK_MAX_ATTEMPTS} (5) in
 *    `adaptive` mode: a request that is throttled, answered 5xx or loses its connection is sent
 *    again up to 5 times in all, after full-jitter exponential waits (base 50 ms, 1 s when
 *    throttled, doubling; at most 0.75 s in all, 15 s when throttled), and once throttled the
 *    client also paces its own requests. The sandbox plays this layer itself
 *    (src/aws/sandbox/engine.ts), with the same attempts.
 * 2. Ours, {@link TRANSIENT}. When the SDK has given up on a failure of the same kinds, the whole
 *    call is made again after a pause (2 s, then 4 s): at most {@link TRANSIENT}.maxAttempts = 3
 *    rounds, and no round starts once 60 s have passed since the first. Reads get it through
 *    src/engine/resilient-ports.ts; writes through src/engine/journaled-call.ts, and only after the
 *    write's outcome was checked (an "already done" answer, or what a lost create made).
 *
 * So one call is sent at most 3 × 5 = 15 times, its waits add up to at most 3 × 15 s + 6 s = 51 s
 * (all throttled), and it ends within about a minute plus the time of the requests themselves.
 *
 * IAM propagation is another condition, with its own policy of the same loop,
 * {@link IAM_PROPAGATION}: a role or instance profile made moments ago is not yet usable by KMS,
 * S3 or EC2. The service answers a definite 400 (which the SDK does not retry); the call is sent
 * again every 0.2–0.5 s until it is accepted, for at most 120 s and 250 attempts, then
 * AWS_PROPAGATION_TIMEOUT. A write inside the transient rounds shares one propagation budget
 * across them (`since`), so the 120 s are never counted twice.
 */
import { CosignerError, isCosignerError } from '../errors.js';
import { awsErrorStatus, isAwsErrorNamed, isIamPropagationError, isNetworkError, isThrottlingError } from './errors.js';
import { setTimeout as realSleep } from 'node:timers/promises';

/** Attempts per request of the SDK's own retry strategy (and of the sandbox's), the first included. */
export const SDK_MAX_ATTEMPTS = 5;

/**
 * A failure worth another attempt: the kinds the SDK itself retries, which it may have given up
 * on — throttling (and HTTP 429), a 5xx, a request timeout, or a network error (reset, refused or
 * timed-out connection, a name that did not resolve). A CosignerError never is: it is already a
 * verdict.
 */
export function isTransient(error: unknown): boolean {
  if (isCosignerError(error)) return false;
  const status = awsErrorStatus(error);
  return (
    isThrottlingError(error) ||
    isNetworkError(error) ||
    isAwsErrorNamed(error, 'RequestTimeout', 'RequestTimeoutException') ||
    (status !== undefined && status >= 500)
  );
}

/** How a call is repeated: which failures, how often, how long. */
export interface RetryPolicy {
  /** Which failures are worth another attempt; any other is thrown at once. */
  retryable: (error: unknown) => boolean;
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Time budget from the first attempt (or `since`): waits are cut to fit it, and once it is spent the next failure is final. */
  maxElapsedMs: number;
  /** The first wait; each next one is `factor` times longer (rounded up), at most `maxDelayMs`. */
  initialDelayMs: number;
  factor: number;
  maxDelayMs: number;
  /** What the caller gets once the budget is spent. @default the last failure itself */
  exhausted?: (error: unknown, spent: { attempts: number; elapsedMs: number }) => unknown;
}

/** Our round after the SDK gave up on a transient failure (see the top of this file). */
export const TRANSIENT: RetryPolicy = {
  retryable: isTransient,
  maxAttempts: 3,
  maxElapsedMs: 60_000,
  initialDelayMs: 2000,
  factor: 2,
  maxDelayMs: 4000,
};

/** Waiting for IAM to propagate a new role or instance profile (see the top of this file). */
export const IAM_PROPAGATION: RetryPolicy = {
  retryable: isIamPropagationError,
  maxAttempts: 250,
  maxElapsedMs: 120_000,
  initialDelayMs: 200,
  factor: 1.5,
  maxDelayMs: 500,
  exhausted: (error, spent) => propagationTimeout(error, spent, 'IAM changes to propagate'),
};

/** AWS_PROPAGATION_TIMEOUT, with the last refusal as its cause. */
export function propagationTimeout(
  error: unknown,
  spent: { attempts: number; elapsedMs: number },
  waitingFor: string,
): CosignerError {
  return new CosignerError(
    'AWS_PROPAGATION_TIMEOUT',
    `gave up waiting for ${waitingFor} after ${Math.round(spent.elapsedMs / 1000)} s`,
    {
      hint: 'IAM changes usually propagate within a minute: run the command again (it resumes). If it fails again the same way, check that every principal the policy names exists (kms.adminArns: IAM roles or users, with their path).',
      cause: error,
      context: { attempts: spent.attempts, elapsedMs: spent.elapsedMs },
    },
  );
}

export interface RetryProgress {
  /** 1 for the first retry. */
  attempt: number;
  error: unknown;
  /** How long the coming wait is. */
  delayMs: number;
  /** Time since the first attempt (or `since`). */
  elapsedMs: number;
  /** What is left of the time budget. */
  remainingMs: number;
}

/** The runtime of one retry: clock, sleep, the reason to stop, and who is told about waits. */
export interface RetryRuntime {
  /** @default real timers */
  sleep?: (ms: number) => Promise<void>;
  /** @default Date.now */
  now?: () => number;
  /** Where the time budget starts (an outer loop's start). @default the first attempt */
  since?: number;
  /**
   * Checked before each retry: a reason (Ctrl-C, another part of the run failed) means no new
   * attempt starts, and the retry throws that reason.
   */
  stopped?: () => Error | undefined;
  /** Told before each wait (a spinner text, a log line). */
  onRetry?: (progress: RetryProgress) => void;
}

/**
 * Call `fn` until it succeeds, retrying only failures the policy accepts, with growing waits,
 * within the policy's attempts and time. Any other failure is thrown at once; a spent budget
 * throws the policy's `exhausted` error (or the last failure).
 */
export async function retry<T>(
  fn: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  runtime: RetryRuntime = {},
): Promise<T> {
  const sleep = runtime.sleep ?? realSleep;
  const now = runtime.now ?? Date.now;
  const started = runtime.since ?? now();
  let delay = Math.min(policy.initialDelayMs, policy.maxDelayMs);
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (!policy.retryable(error)) throw error;
      const elapsed = now() - started;
      const remaining = policy.maxElapsedMs - elapsed;
      if (attempt + 1 >= policy.maxAttempts || remaining <= 0)
        throw policy.exhausted?.(error, { attempts: attempt + 1, elapsedMs: elapsed }) ?? error;
      const reason = runtime.stopped?.();
      if (reason !== undefined) throw reason;
      const wait = Math.min(delay, remaining);
      runtime.onRetry?.({ attempt: attempt + 1, error, delayMs: wait, elapsedMs: elapsed, remainingMs: remaining });
      await sleep(wait);
      delay = Math.min(Math.ceil(delay * policy.factor), policy.maxDelayMs);
    }
  }
}

export interface PropagationRetryOptions {
  /** Which errors mean "not propagated yet". @default isIamPropagationError */
  isRetryable?: (error: unknown) => boolean;
  /** The bound on the total time spent waiting. @default 120000 */
  maxWaitMs?: number;
  /** First and longest single wait. @default 200 / 500 */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** What is waited for, in the timeout message, e.g. `the role to become a valid key-policy principal`. */
  waitingFor?: string;
  onRetry?: (progress: RetryProgress) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** {@link retry} under the {@link IAM_PROPAGATION} policy, tuned. */
export function withPropagationRetry<T>(
  fn: (attempt: number) => Promise<T>,
  options: PropagationRetryOptions = {},
): Promise<T> {
  const waitingFor = options.waitingFor ?? 'IAM changes to propagate';
  return retry(
    fn,
    {
      ...IAM_PROPAGATION,
      retryable: options.isRetryable ?? IAM_PROPAGATION.retryable,
      maxElapsedMs: options.maxWaitMs ?? IAM_PROPAGATION.maxElapsedMs,
      initialDelayMs: options.initialDelayMs ?? IAM_PROPAGATION.initialDelayMs,
      maxDelayMs: options.maxDelayMs ?? IAM_PROPAGATION.maxDelayMs,
      exhausted: (error, spent) => propagationTimeout(error, spent, waitingFor),
    },
    {
      ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
      ...(options.now === undefined ? {} : { now: options.now }),
      ...(options.onRetry === undefined ? {} : { onRetry: options.onRetry }),
    },
  );
}
