/**
 * One journaled AWS write: the intent is made durable before the call, the outcome after it.
 * Around the call: the bounded IAM propagation retry (with a visible message, never a blind
 * sleep), a bounded retry of transient failures the SDK already gave up on, and the recognition of
 * "already done" answers (a retried create that had in fact succeeded). An error whose outcome is
 * unknown (a reset connection, a 5xx, a crash) leaves the intent open, so the next run checks.
 */
import type pLimit from 'p-limit';
import {
  awsErrorStatus,
  classifyAwsError,
  isIamPropagationError,
  withPropagationRetry,
  type AwsCallContext,
  type PropagationRetryProgress,
} from '../aws/errors.js';
import { CosignerError, isCosignerError } from '../errors.js';
import { isTransientError } from './read-retry.js';
import type { Journal } from './journal.js';
import { setTimeout as realSleep } from 'node:timers/promises';

export interface RetryTuning {
  /** Bound on the wait for IAM propagation. @default 120000 */
  propagationMaxWaitMs?: number;
  /** First and longest pause between propagation attempts. @default 200 / 500 */
  propagationInitialDelayMs?: number;
  propagationMaxDelayMs?: number;
  /** Extra attempts after the SDK gave up on a throttle, 5xx or reset. @default 3 */
  transientAttempts?: number;
  /** First pause before such an attempt (doubles). @default 500 */
  transientDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Pause between checks while waiting for a resource (a NAT gateway to be available). @default 5000 */
  waitPollMs?: number;
  /** Bound on such a wait. @default 900000 */
  waitMaxMs?: number;
}

export interface WaitOptions {
  maxWaitMs: number;
  pollMs: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Set when the run must stop (Ctrl-C): the wait ends with that error. */
  stopped?: () => Error | undefined;
  /** Shown while waiting (`waiting for … (12 s)`). */
  progress: (text: string) => void;
  /** What to tell the user to do after the bound. */
  hint: string;
}

/** Apply's waits, tuned by `retry`: a resource becoming usable before the next call. */
export function waiter(retry: RetryTuning, stopped: () => Error | undefined, progress: (text: string) => void) {
  return (what: string, check: () => Promise<boolean>) =>
    waitUntil(what, check, {
      maxWaitMs: retry.waitMaxMs ?? 900_000,
      pollMs: retry.waitPollMs ?? 5000,
      ...(retry.sleep === undefined ? {} : { sleep: retry.sleep }),
      ...(retry.now === undefined ? {} : { now: retry.now }),
      stopped,
      progress,
      hint: 'run provision again; it continues where it stopped',
    });
}

/** Poll `check` until it holds, bounded and visible: never a blind sleep. */
export async function waitUntil(what: string, check: () => Promise<boolean>, options: WaitOptions): Promise<void> {
  const sleep = options.sleep ?? realSleep;
  const now = options.now ?? Date.now;
  const started = now();
  while (!(await check())) {
    const stop = options.stopped?.();
    if (stop !== undefined) throw stop;
    const elapsed = now() - started;
    if (elapsed > options.maxWaitMs)
      throw new CosignerError(
        'AWS_PROPAGATION_TIMEOUT',
        `gave up waiting for ${what} after ${Math.round(elapsed / 1000)} s`,
        { hint: options.hint },
      );
    options.progress(`waiting for ${what} (${Math.round(elapsed / 1000)} s)`);
    await sleep(options.pollMs);
  }
}

export interface CallerDeps {
  journal: Journal;
  limit: ReturnType<typeof pLimit>;
  region: string;
  retry: RetryTuning;
  /** Set when the run must stop (Ctrl-C, or another node failed): no new call starts. */
  stopped: () => Error | undefined;
  /**
   * Progress for the current step (propagation waits, retries). `announce` is true for the first
   * message of a wait, worth a line of its own; later ones only update the step.
   */
  progress: (text: string, announce: boolean) => void;
  /** Counts every write call made, for the result. */
  onCall?: (op: string, attempts: number) => void;
}

export interface CallSpec<T> {
  node: string;
  /** e.g. `kms:CreateKey`. */
  op: string;
  target: string;
  token?: string;
  send: () => Promise<T>;
  /** Ids to journal from the output. */
  ids?: (output: T) => Record<string, string | undefined>;
  /** An error that means the effect is already there (resolves true), or not ours (throws). */
  alreadyDone?: (error: unknown) => Promise<boolean> | boolean;
  /** For creates without idempotency: after an unknown outcome, look for what the call made. */
  recover?: () => Promise<T | undefined>;
  /** What propagation this call may wait for, for the message; absent: no propagation retry. */
  propagation?: string;
  /**
   * What must hold before the intent is closed, given the output and whether the call may have
   * taken effect more than once (the SDK or this retry sent it again, or it was recovered after an
   * unknown outcome): a create without idempotency retires its twins here. Returns the output to
   * record. If it throws, the intent stays open, so the next run looks again (by token).
   */
  settle?: (output: T, retried: boolean) => Promise<T>;
  /** Which errors mean "not visible yet". @default isIamPropagationError */
  retryable?: (error: unknown) => boolean;
  /** What kind of delay it is, for the message. @default "IAM propagation" */
  delayKind?: string;
}

/** True when the call certainly had no effect: AWS answered with a client error. */
function definitelyFailed(error: unknown): boolean {
  if (isCosignerError(error)) return false;
  const status = awsErrorStatus(error);
  return status !== undefined && status >= 400 && status < 500 && !isTransientError(error);
}

function sanitize(text: string): string {
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

function ids(record: Record<string, string | undefined> | undefined): Record<string, string> | undefined {
  if (record === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(record)) if (v !== undefined) out[k] = v;
  return Object.keys(out).length === 0 ? undefined : out;
}

export async function journaledCall<T>(deps: CallerDeps, spec: CallSpec<T>): Promise<T | undefined> {
  const reason = deps.stopped();
  if (reason !== undefined) throw reason;
  const sleep = deps.retry.sleep ?? realSleep;
  const context: AwsCallContext = {
    service: spec.op.split(':')[0] ?? '',
    operation: spec.op.split(':')[1] ?? spec.op,
    resource: spec.target,
    region: deps.region,
  };
  const seq = await deps.journal.intent({
    node: spec.node,
    op: spec.op,
    target: spec.target,
    ...(spec.token === undefined ? {} : { token: spec.token }),
  });
  // Set when the run stopped before this call (or its next attempt) was sent: it had no effect.
  let notSent = false;
  // Sends whose outcome is unknown (a reset, a 5xx): each may have taken effect.
  let uncertain = 0;
  const attemptOnce = (): Promise<T> => {
    const send = () =>
      deps.limit(async () => {
        // A call queued behind the concurrency limit is not sent once the run is stopping.
        const reason = deps.stopped();
        if (reason !== undefined) {
          notSent = true;
          throw reason;
        }
        const output = await spec.send().catch((error: unknown) => {
          if (!definitelyFailed(error)) uncertain += 1;
          throw error;
        });
        deps.onCall?.(spec.op, (output as { $metadata?: { attempts?: number } } | undefined)?.$metadata?.attempts ?? 1);
        return output;
      });
    if (spec.propagation === undefined) return send();
    // Each propagation retry is a new write call: none starts once the run is stopping.
    const sendUnlessStopped = (attempt: number) => {
      const reason = attempt > 0 ? deps.stopped() : undefined;
      if (reason === undefined) return send();
      notSent = true;
      throw reason;
    };
    return withPropagationRetry(sendUnlessStopped, {
      isRetryable: spec.retryable ?? isIamPropagationError,
      maxWaitMs: deps.retry.propagationMaxWaitMs ?? 120_000,
      initialDelayMs: deps.retry.propagationInitialDelayMs ?? 200,
      maxDelayMs: deps.retry.propagationMaxDelayMs ?? 500,
      sleep,
      ...(deps.retry.now === undefined ? {} : { now: deps.retry.now }),
      waitingFor: spec.propagation,
      onRetry: (p: PropagationRetryProgress) =>
        deps.progress(
          `waiting for ${spec.propagation ?? 'IAM'} (${spec.delayKind ?? 'IAM propagation'}, ${Math.round(p.elapsedMs / 1000)} s so far, giving up in ${Math.round(p.remainingMs / 1000)} s)`,
          p.attempt === 1,
        ),
    });
  };
  const extra = deps.retry.transientAttempts ?? 3;
  let delay = deps.retry.transientDelayMs ?? 500;
  // Closes the intent once what the call made is settled (its twins retired, if it may have any).
  const finish = async (output: T, recovered: boolean): Promise<T> => {
    const sdkAttempts = (output as { $metadata?: { attempts?: number } } | undefined)?.$metadata?.attempts;
    const settle = spec.settle;
    const kept =
      settle === undefined
        ? output
        : await settle(output, recovered || uncertain > 0 || sdkAttempts !== 1).catch((error: unknown) => {
            throw classifyAwsError(error, context);
          });
    await deps.journal.done(seq, ids(spec.ids?.(kept)));
    return kept;
  };
  for (let attempt = 0; ; attempt++) {
    let output: T;
    try {
      output = await attemptOnce();
    } catch (error) {
      if (notSent) {
        // Not sent (or every earlier attempt refused while IAM propagated): certainly no effect.
        await deps.journal.failed(seq, {
          code: 'NotSent',
          message: 'the run stopped before this call (or its next attempt) was sent',
        });
        throw error;
      }
      // The checks below read AWS; their own failures are classified like the call's.
      const check = <R>(fn: () => Promise<R> | R): Promise<R> =>
        Promise.resolve()
          .then(fn)
          .catch((e: unknown) => {
            throw classifyAwsError(e, context);
          });
      if (
        spec.alreadyDone !== undefined &&
        !isCosignerError(error) &&
        (await check(() => spec.alreadyDone?.(error) ?? false))
      ) {
        await deps.journal.done(seq);
        return undefined;
      }
      const unknownOutcome = !definitelyFailed(error) && !isCosignerError(error);
      if (unknownOutcome && spec.recover !== undefined) {
        const recover = spec.recover;
        const found = await check(() => recover());
        if (found !== undefined) return finish(found, true);
      }
      if (isTransientError(error) && attempt < extra && deps.stopped() === undefined) {
        deps.progress(
          `${spec.op} failed (${(error as { name?: string }).name ?? 'error'}); retrying in ${Math.round(delay / 100) / 10} s`,
          true,
        );
        await sleep(delay);
        delay *= 2;
        continue;
      }
      // Only a definite client error closes the intent; otherwise the next run must check.
      if (definitelyFailed(error))
        await deps.journal.failed(seq, {
          code: (error as { name?: string }).name ?? 'Error',
          message: sanitize((error as Error).message ?? String(error)),
        });
      throw error instanceof CosignerError ? error : classifyAwsError(error, context);
    }
    return finish(output, false);
  }
}
