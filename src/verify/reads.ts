/**
 * The audit's reads: each named read is made at most once per audit (memoised), every AWS call goes
 * through one concurrency bound (p-limit), and a failure never escapes as an exception: it becomes
 * a {@link ReadFailure} naming the IAM action that failed, which the checks that needed it report
 * as ERROR while every other check still runs.
 */
import type { LimitFunction } from 'p-limit';
import { classifyAwsError } from '../aws/errors.js';
import type { AwsPorts } from '../aws/ports.js';
import { isCosignerError } from '../errors.js';
import { isNotFound } from '../engine/aws-util.js';

/** Why a read could not be made. */
export interface ReadFailure {
  /** The IAM action of the call that failed, e.g. `kms:GetKeyPolicy`. */
  action: string;
  /** A stable code: AWS_ACCESS_DENIED, AWS_THROTTLED, AWS_SERVICE_ERROR, AWS_NETWORK, … */
  code: string;
  message: string;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; failure: ReadFailure };

/** A failed call inside a read: carries the action and the SDK error. */
export class ReadCallError extends Error {
  readonly action: string;
  constructor(action: string, cause: unknown) {
    super(`${action} failed`, { cause });
    this.name = 'ReadCallError';
    this.action = action;
  }
}

/** A read that could not be made because a read it depends on failed (carries that failure). */
export class DependencyFailed extends Error {
  readonly failure: ReadFailure;
  constructor(failure: ReadFailure) {
    super(failure.message);
    this.name = 'DependencyFailed';
    this.failure = failure;
  }
}

export function toFailure(error: unknown): ReadFailure {
  if (error instanceof DependencyFailed) return error.failure;
  if (error instanceof ReadCallError) {
    const [service, operation] = error.action.split(':');
    const classified = classifyAwsError(error.cause, {
      ...(service === undefined ? {} : { service }),
      ...(operation === undefined ? {} : { operation }),
    });
    return { action: error.action, code: classified.code, message: classified.message };
  }
  if (isCosignerError(error)) return { action: 'unknown', code: error.code, message: error.message };
  return { action: 'unknown', code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}

/**
 * The AWS calls of one audit (shared by every deployment audited in one run): one concurrency
 * bound, a count of the calls made, and memoised reads by key.
 */
export class AuditCalls {
  readonly ports: AwsPorts;
  readonly #limit: LimitFunction;
  readonly #memo = new Map<string, Promise<Outcome<unknown>>>();
  #calls = 0;
  /** Every call made, as `service:Operation` (the audit's only calls: reads). */
  readonly actions: string[] = [];

  constructor(ports: AwsPorts, limit: LimitFunction) {
    this.ports = ports;
    this.#limit = limit;
  }

  /** Calls made so far (each page of a paginated read counts). */
  get calls(): number {
    return this.#calls;
  }

  /** One AWS call under the bound; a failure is thrown as a {@link ReadCallError} naming `action`. */
  async call<T>(action: string, fn: () => Promise<T>): Promise<T> {
    return this.#limit(async () => {
      this.#calls += 1;
      this.actions.push(action);
      try {
        return await fn();
      } catch (error) {
        throw new ReadCallError(action, error);
      }
    });
  }

  /** Like {@link call}, but a not-found answer is `undefined`. */
  async optional<T>(action: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await this.call(action, fn);
    } catch (error) {
      if (error instanceof ReadCallError && isNotFound(error.cause)) return undefined;
      throw error;
    }
  }

  /** A read made once per key: later callers get the same outcome. Never rejects. */
  memo<T>(key: string, read: () => Promise<T>): Promise<Outcome<T>> {
    let outcome = this.#memo.get(key) as Promise<Outcome<T>> | undefined;
    if (outcome === undefined) {
      outcome = read().then(
        (value): Outcome<T> => ({ ok: true, value }),
        (error: unknown): Outcome<T> => ({ ok: false, failure: toFailure(error) }),
      );
      this.#memo.set(key, outcome);
    }
    return outcome;
  }
}
