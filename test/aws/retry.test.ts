// The one retry and its budget, on a fake clock: which failures are transient, how many attempts a
// policy makes and when it stops, the IAM propagation policy, and the two layers together (the
// SDK's attempts, which the sandbox plays, times our rounds) for a read that never succeeds.
import { describe, expect, it } from 'vitest';
import {
  IAM_PROPAGATION,
  isTransient,
  retry,
  SDK_MAX_ATTEMPTS,
  TRANSIENT,
  type RetryPolicy,
} from '../../src/aws/retry.js';
import { withReadRetry } from '../../src/engine/resilient-ports.js';
import { CosignerError } from '../../src/errors.js';
import { sandbox } from './helpers.js';

function sdkError(name: string, status: number, extra: Record<string, unknown> = {}) {
  return Object.assign(new Error(`${name} happened`), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    ...extra,
  });
}

/** A clock that only moves when the code under test sleeps (or the test says so). */
function fakeClock() {
  const clock = { time: 0, waits: [] as number[] };
  return {
    clock,
    now: () => clock.time,
    sleep: (ms: number) => {
      clock.waits.push(ms);
      clock.time += ms;
      return Promise.resolve();
    },
  };
}

describe('isTransient', () => {
  it.each([
    ['throttling (KMS)', sdkError('ThrottlingException', 400)],
    ['throttling (EC2)', sdkError('RequestLimitExceeded', 503)],
    ['throttling (S3)', sdkError('SlowDown', 503)],
    ['HTTP 429', sdkError('TooManyRequests', 429)],
    ['a 5xx', sdkError('InternalFailure', 500)],
    ['a request timeout', sdkError('RequestTimeout', 400)],
    ['a reset connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
    ['a client timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' })],
  ])('is true for %s', (_, error) => {
    expect(isTransient(error)).toBe(true);
  });

  it.each([
    ['access denied', sdkError('AccessDeniedException', 400)],
    ['a validation error', sdkError('ValidationException', 400)],
    ['not found', sdkError('NoSuchEntity', 404)],
    ['IAM propagation', sdkError('MalformedPolicyDocumentException', 400)],
    ['a coded error', new CosignerError('AWS_THROTTLED', 'already classified')],
    ['a plain error', new Error('boom')],
  ])('is false for %s', (_, error) => {
    expect(isTransient(error)).toBe(false);
  });
});

describe('retry under the TRANSIENT policy', () => {
  it('makes at most 3 attempts, 2 s then 4 s apart, and throws the last failure', async () => {
    const { clock, now, sleep } = fakeClock();
    const failures = [0, 1, 2].map((i) => sdkError('ThrottlingException', 400, { i }));
    let calls = 0;
    const thrown = await retry(() => Promise.reject(failures[calls++]!), TRANSIENT, { now, sleep }).catch(
      (e: unknown) => e,
    );
    expect(calls).toBe(3);
    expect(clock.waits).toEqual([2000, 4000]);
    expect(thrown).toBe(failures[2]);
  });

  it('starts no attempt once 60 s have passed since the first', async () => {
    const { clock, now, sleep } = fakeClock();
    const starts: number[] = [];
    await expect(
      retry(
        () => {
          starts.push(clock.time);
          clock.time += 35_000; // a slow request: the SDK's own retries took 35 s
          return Promise.reject(sdkError('ServiceUnavailable', 503));
        },
        TRANSIENT,
        { now, sleep },
      ),
    ).rejects.toMatchObject({ name: 'ServiceUnavailable' });
    // The second round starts at 37 s; after it the budget (60 s) is spent: no third round.
    expect(starts).toEqual([0, 37_000]);
  });

  it('cuts the last wait to what is left of the time budget', async () => {
    const { clock, now, sleep } = fakeClock();
    const policy: RetryPolicy = { ...TRANSIENT, maxAttempts: 10, maxElapsedMs: 5000 };
    await expect(retry(() => Promise.reject(sdkError('SlowDown', 503)), policy, { now, sleep })).rejects.toMatchObject({
      name: 'SlowDown',
    });
    expect(clock.waits).toEqual([2000, 3000]);
    expect(clock.time).toBe(5000);
  });

  it('throws any other failure at once, without waiting', async () => {
    const { clock, now, sleep } = fakeClock();
    const denied = sdkError('AccessDeniedException', 400);
    let calls = 0;
    await expect(
      retry(
        () => {
          calls += 1;
          return Promise.reject(denied);
        },
        TRANSIENT,
        { now, sleep },
      ),
    ).rejects.toBe(denied);
    expect(calls).toBe(1);
    expect(clock.waits).toEqual([]);
  });

  it('starts no new attempt once the run is stopping, and throws the reason', async () => {
    const { now, sleep } = fakeClock();
    const reason = new CosignerError('ABORTED', 'interrupted');
    let calls = 0;
    await expect(
      retry(
        () => {
          calls += 1;
          return Promise.reject(sdkError('Throttling', 400));
        },
        TRANSIENT,
        { now, sleep, stopped: () => (calls >= 1 ? reason : undefined) },
      ),
    ).rejects.toBe(reason);
    expect(calls).toBe(1);
  });

  it('returns what the first successful attempt returns', async () => {
    const { clock, now, sleep } = fakeClock();
    let calls = 0;
    const result = await retry(
      (attempt) => (++calls < 2 ? Promise.reject(sdkError('Throttling', 400)) : Promise.resolve(`ok after ${attempt}`)),
      TRANSIENT,
      { now, sleep },
    );
    expect(result).toBe('ok after 1');
    expect(clock.waits).toEqual([2000]);
  });
});

describe('retry under the IAM_PROPAGATION policy', () => {
  const refusal = () =>
    sdkError('MalformedPolicyDocumentException', 400, {
      message: 'Policy contains a statement with one or more invalid principals.',
    });

  it('waits 0.2 s growing to 0.5 s between attempts and gives up after 120 s with AWS_PROPAGATION_TIMEOUT', async () => {
    const { clock, now, sleep } = fakeClock();
    const promise = retry(() => Promise.reject(refusal()), IAM_PROPAGATION, { now, sleep });
    await expect(promise).toThrowCosignerError('AWS_PROPAGATION_TIMEOUT');
    expect(clock.waits.slice(0, 4)).toEqual([200, 300, 450, 500]);
    expect(Math.max(...clock.waits)).toBe(500);
    expect(clock.time).toBe(120_000);
    expect(clock.waits.length + 1).toBeLessThanOrEqual(IAM_PROPAGATION.maxAttempts);
    const error = (await promise.catch((e: unknown) => e)) as CosignerError;
    expect(error.cause).toMatchObject({ name: 'MalformedPolicyDocumentException' });
    expect(error.context).toMatchObject({ attempts: clock.waits.length + 1, elapsedMs: 120_000 });
  });

  it('is bounded in attempts too, even when no time passes', async () => {
    let calls = 0;
    await expect(
      retry(
        () => {
          calls += 1;
          return Promise.reject(refusal());
        },
        IAM_PROPAGATION,
        { now: () => 0, sleep: () => Promise.resolve() },
      ),
    ).toThrowCosignerError('AWS_PROPAGATION_TIMEOUT');
    expect(calls).toBe(IAM_PROPAGATION.maxAttempts);
  });

  it('counts its time budget from `since`, the start of an outer loop', async () => {
    const { clock, now, sleep } = fakeClock();
    clock.time = 119_000;
    await expect(
      retry(() => Promise.reject(refusal()), IAM_PROPAGATION, { now, sleep, since: 0 }),
    ).toThrowCosignerError('AWS_PROPAGATION_TIMEOUT');
    expect(clock.waits.reduce((a, b) => a + b, 0)).toBe(1000);
  });
});

describe('the budget of one read, both layers together', () => {
  it(`is ${SDK_MAX_ATTEMPTS} SDK attempts in each of ${TRANSIENT.maxAttempts} rounds: ${SDK_MAX_ATTEMPTS * TRANSIENT.maxAttempts} requests at most`, async () => {
    // Every request throttled; the sandbox plays the SDK's retries (no backoff with these knobs).
    const ports = await sandbox({ knobs: { faults: { throttle: 1 } } });
    let rounds = 0;
    const counted = {
      ...ports,
      iam: new Proxy(ports.iam, {
        get(target, property, receiver) {
          const value: unknown = Reflect.get(target, property, receiver);
          if (property !== 'listRoles' || typeof value !== 'function') return value;
          return (input: unknown) => {
            rounds += 1;
            return (value as (input: unknown) => Promise<unknown>).call(target, input);
          };
        },
      }),
    };
    const { clock, now, sleep } = fakeClock();
    const error = await withReadRetry(counted, { retry: { now, sleep } })
      .iam.listRoles({})
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'Throttling', $metadata: { attempts: SDK_MAX_ATTEMPTS } });
    expect(rounds).toBe(3);
    expect(rounds * SDK_MAX_ATTEMPTS).toBe(15);
    // Our waits between the rounds; the sandbox's own backoff is zero here.
    expect(clock.waits).toEqual([2000, 4000]);
  });
});
