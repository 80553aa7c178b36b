/**
 * One journaled AWS write: the intent is made durable before the call, the outcome after it.
 * Around the call, the policies of the one retry (src/aws/retry.ts): IAM propagation (with a
 * visible message, never a blind sleep) inside, and our transient round outside, which runs only
 * after the outcome was checked: an "already done" answer (a retried create that had in fact
 * succeeded) or what a lost create made (`recover`). An error whose outcome is unknown (a reset
 * connection, a 5xx, a crash, a client error after the SDK had retried) leaves the intent open,
 * so the next run checks; only a definite refusal closes it as failed.
 */
import type pLimit from 'p-limit';
import { awsErrorStatus, classifyAwsError, type AwsCallContext } from '../aws/errors.js';
import {
  IAM_PROPAGATION,
  isTransient,
  propagationTimeout,
  retry,
  TRANSIENT,
  type RetryPolicy,
  type RetryRuntime,
} from '../aws/retry.js';
import { CosignerError, isCosignerError } from '../errors.js';
import type { Journal } from './journal.js';

/** One run's tuning of the retry policies and waits (tests shorten them); defaults in src/aws/retry.ts. */
export interface RetryTuning {
  /** Bound on the wait for IAM propagation. @default IAM_PROPAGATION.maxElapsedMs (120 s) */
  propagationMaxWaitMs?: number;
  /** First and longest pause between propagation attempts. @default 200 / 500 */
  propagationInitialDelayMs?: number;
  propagationMaxDelayMs?: number;
  /** Rounds of ours after the SDK gave up on a transient failure, beyond the first. @default 2 */
  transientAttempts?: number;
  /** First pause before such a round (doubles). @default 2000 */
  transientDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Pause between checks while waiting for a resource (a NAT gateway, a host terminating). */
  waitPollMs?: number;
  /** Bound on such a wait. @default 900000 */
  waitMaxMs?: number;
}

/** {@link TRANSIENT} as `tuning` adjusts it. */
export function transientPolicy(tuning: RetryTuning): RetryPolicy {
  return {
    ...TRANSIENT,
    ...(tuning.transientAttempts === undefined ? {} : { maxAttempts: tuning.transientAttempts + 1 }),
    ...(tuning.transientDelayMs === undefined ? {} : { initialDelayMs: tuning.transientDelayMs }),
  };
}

/** {@link IAM_PROPAGATION} as `tuning` adjusts it, for a wait described as `waitingFor`. */
function propagationPolicy(
  tuning: RetryTuning,
  waitingFor: string,
  retryable: (error: unknown) => boolean = IAM_PROPAGATION.retryable,
): RetryPolicy {
  return {
    ...IAM_PROPAGATION,
    retryable,
    ...(tuning.propagationMaxWaitMs === undefined ? {} : { maxElapsedMs: tuning.propagationMaxWaitMs }),
    ...(tuning.propagationInitialDelayMs === undefined ? {} : { initialDelayMs: tuning.propagationInitialDelayMs }),
    ...(tuning.propagationMaxDelayMs === undefined ? {} : { maxDelayMs: tuning.propagationMaxDelayMs }),
    exhausted: (error, spent) => propagationTimeout(error, spent, waitingFor),
  };
}

/** The clock and sleep of `tuning`, for {@link retry}. */
export function clockOf(tuning: RetryTuning): Pick<RetryRuntime, 'sleep' | 'now'> {
  return {
    ...(tuning.sleep === undefined ? {} : { sleep: tuning.sleep }),
    ...(tuning.now === undefined ? {} : { now: tuning.now }),
  };
}

export interface JournaledCallDeps {
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

export interface JournaledCallSpec<T> {
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
  /**
   * What must hold before the intent is closed, given the output and whether the call may have
   * taken effect more than once (the SDK or this retry sent it again, or it was recovered after an
   * unknown outcome): a create without idempotency retires its twins here. Returns the output to
   * record. If it throws, the intent stays open, so the next run looks again (by token).
   */
  settle?: (output: T, retried: boolean) => Promise<T>;
  /** What propagation this call may wait for, for the message; absent: no propagation retry. */
  propagation?: string;
  /** Which errors mean "not visible yet". @default isIamPropagationError */
  retryable?: (error: unknown) => boolean;
  /** What kind of delay it is, for the message. @default "IAM propagation" */
  delayKind?: string;
}

const attemptsOf = (value: unknown) =>
  (value as { $metadata?: { attempts?: number } } | undefined)?.$metadata?.attempts;

/**
 * True when the call certainly had no effect: AWS answered with a client error, and no earlier
 * attempt of the SDK's (whose outcome is unknown) came before it.
 */
function definitelyFailed(error: unknown): boolean {
  if (isCosignerError(error)) return false;
  const status = awsErrorStatus(error);
  return status !== undefined && status >= 400 && status < 500 && !isTransient(error) && (attemptsOf(error) ?? 1) <= 1;
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

type Outcome<T> = { kind: 'made'; output: T; recovered: boolean } | { kind: 'already-done' };

export async function journaledCall<T>(deps: JournaledCallDeps, spec: JournaledCallSpec<T>): Promise<T | undefined> {
  const reason = deps.stopped();
  if (reason !== undefined) throw reason;
  const clock = clockOf(deps.retry);
  const since = (deps.retry.now ?? Date.now)();
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
  // Set when the run stopped before this call (or its next attempt) was sent.
  let notSent = false;
  // Sends whose outcome is unknown (a reset, a 5xx): each may have taken effect.
  let uncertain = 0;
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
      deps.onCall?.(spec.op, attemptsOf(output) ?? 1);
      return output;
    });
  const sendOnce = (): Promise<T> => {
    const waitingFor = spec.propagation;
    if (waitingFor === undefined) return send();
    // Each propagation retry is a new write call: none starts once the run is stopping. The
    // 120 s are counted from the first round (`since`), never once per round.
    return retry(() => send(), propagationPolicy(deps.retry, waitingFor, spec.retryable), {
      ...clock,
      since,
      stopped: () => {
        const reason = deps.stopped();
        if (reason !== undefined) notSent = true;
        return reason;
      },
      onRetry: (p) =>
        deps.progress(
          `waiting for ${waitingFor} (${spec.delayKind ?? 'IAM propagation'}, ${Math.round(p.elapsedMs / 1000)} s so far, giving up in ${Math.round(p.remainingMs / 1000)} s)`,
          p.attempt === 1,
        ),
    });
  };
  // The checks read AWS; their own failures are classified like the call's.
  const check = <R>(fn: () => Promise<R> | R): Promise<R> =>
    Promise.resolve()
      .then(fn)
      .catch((e: unknown) => {
        throw classifyAwsError(e, context);
      });
  // One round: the call, then (when it failed) what its failure may hide.
  const round = async (): Promise<Outcome<T>> => {
    try {
      return { kind: 'made', output: await sendOnce(), recovered: false };
    } catch (error) {
      if (notSent || isCosignerError(error)) throw error;
      const alreadyDone = spec.alreadyDone;
      if (alreadyDone !== undefined && (await check(() => alreadyDone(error)))) return { kind: 'already-done' };
      const recover = spec.recover;
      if (recover !== undefined && !definitelyFailed(error)) {
        const found = await check(() => recover());
        if (found !== undefined) return { kind: 'made', output: found, recovered: true };
      }
      throw error;
    }
  };

  let outcome: Outcome<T>;
  try {
    outcome = await retry(round, transientPolicy(deps.retry), {
      ...clock,
      stopped: deps.stopped,
      onRetry: (p) =>
        deps.progress(
          `${spec.op} failed (${(p.error as { name?: string }).name ?? 'error'}); retrying in ${Math.round(p.delayMs / 100) / 10} s`,
          true,
        ),
    });
  } catch (error) {
    if (notSent && uncertain === 0) {
      // Never sent, or every attempt refused while IAM propagated: certainly no effect.
      await deps.journal.failed(seq, {
        code: 'NotSent',
        message: 'the run stopped before this call (or its next attempt) was sent',
      });
      throw error;
    }
    // Only a definite refusal closes the intent; otherwise the next run must check.
    if (definitelyFailed(error) && uncertain === 0)
      await deps.journal.failed(seq, {
        code: (error as { name?: string }).name ?? 'Error',
        message: sanitize((error as Error).message ?? String(error)),
      });
    throw error instanceof CosignerError ? error : classifyAwsError(error, context);
  }
  if (outcome.kind === 'already-done') {
    await deps.journal.done(seq);
    return undefined;
  }
  // Closes the intent once what the call made is settled (its twins retired, if it may have any).
  const settle = spec.settle;
  const retried = outcome.recovered || uncertain > 0 || attemptsOf(outcome.output) !== 1;
  const kept = settle === undefined ? outcome.output : await check(() => settle(outcome.output, retried));
  await deps.journal.done(seq, ids(spec.ids?.(kept)));
  return kept;
}
