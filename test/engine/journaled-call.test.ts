// One journaled write under the one retry, on a fake clock: what closes the intent and what leaves
// it open, how many rounds a transient failure gets, what is looked for before a round is repeated,
// and when a create is told that it may have made twins.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Journal, journalPath } from '../../src/engine/journal.js';
import { journaledCall, type JournaledCallDeps, type JournaledCallSpec } from '../../src/engine/journaled-call.js';
import { CosignerError } from '../../src/errors.js';

const scope = { name: 'demo', accountId: '111122223333', region: 'eu-west-1' };
let dir: string;
let journal: Journal;
let clock: { time: number; waits: number[] };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'journaled-call-'));
  journal = await Journal.open(journalPath(dir, scope), scope);
  clock = { time: 0, waits: [] };
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function sdkError(name: string, status: number, attempts = 1, message = `${name} happened`) {
  return Object.assign(new Error(message), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status, attempts },
  });
}

function deps(overrides: Partial<JournaledCallDeps> = {}): JournaledCallDeps & { messages: string[] } {
  const messages: string[] = [];
  return {
    journal,
    limit: pLimit(4),
    region: scope.region,
    retry: {
      now: () => clock.time,
      sleep: (ms) => {
        clock.waits.push(ms);
        clock.time += ms;
        return Promise.resolve();
      },
    },
    stopped: () => undefined,
    progress: (text) => messages.push(text),
    messages,
    ...overrides,
  };
}

/** A send that answers each call with the next of `answers` (an Error rejects). */
function scripted<T>(answers: (T | Error)[]) {
  const calls = { count: 0 };
  const send = () => {
    const answer = answers[Math.min(calls.count++, answers.length - 1)];
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer as T);
  };
  return { calls, send };
}

const spec = <T>(send: () => Promise<T>, extra: Partial<JournaledCallSpec<T>> = {}): JournaledCallSpec<T> => ({
  node: 'role',
  op: 'iam:CreateRole',
  target: 'demo-cosigner',
  send,
  ...extra,
});

const phases = () => journal.entries.map((e) => e.phase);

describe('a journaled write', () => {
  it('records the intent, then the outcome with its ids', async () => {
    const { send } = scripted([{ Role: { Arn: 'arn:role' }, $metadata: { attempts: 1 } }]);
    await journaledCall(deps(), spec(send, { ids: (o) => ({ arn: o.Role.Arn }) }));
    expect(phases()).toEqual(['intent', 'done']);
    expect(journal.entries[1]?.ids).toEqual({ arn: 'arn:role' });
  });

  it('gives a transient failure 3 rounds, 2 s then 4 s apart, and leaves the intent open', async () => {
    const { calls, send } = scripted([sdkError('Throttling', 400, 5)]);
    const d = deps();
    await expect(journaledCall(d, spec(send))).toThrowCosignerError('AWS_THROTTLED');
    expect(calls.count).toBe(3);
    expect(clock.waits).toEqual([2000, 4000]);
    // A throttled call may or may not have happened: the next run checks.
    expect(journal.pending()).toHaveLength(1);
    expect(d.messages.filter((m) => m.includes('retrying'))).toHaveLength(2);
  });

  it('closes the intent as failed on a definite refusal, without a retry', async () => {
    const { calls, send } = scripted([sdkError('AccessDenied', 403)]);
    await expect(journaledCall(deps(), spec(send))).toThrowCosignerError('AWS_ACCESS_DENIED');
    expect(calls.count).toBe(1);
    expect(phases()).toEqual(['intent', 'failed']);
  });

  it('looks for what a create made when a client error follows attempts the SDK retried', async () => {
    // The SDK's first attempt was reset after the subnet was made; its second one conflicts with it.
    const { calls, send } = scripted<{ Subnet: { SubnetId: string } }>([
      sdkError('InvalidSubnet.Conflict', 400, 2, "The CIDR '10.0.1.0/24' conflicts with another subnet"),
    ]);
    let retried: boolean | undefined;
    const out = await journaledCall(
      deps(),
      spec(send, {
        op: 'ec2:CreateSubnet',
        recover: () => Promise.resolve({ Subnet: { SubnetId: 'subnet-1' } }),
        ids: (o) => ({ subnet: o.Subnet.SubnetId }),
        settle: (output, wasRetried) => {
          retried = wasRetried;
          return Promise.resolve(output);
        },
      }),
    );
    expect(out).toEqual({ Subnet: { SubnetId: 'subnet-1' } });
    expect(calls.count).toBe(1);
    expect(retried).toBe(true);
    expect(journal.entries[1]).toMatchObject({ phase: 'done', ids: { subnet: 'subnet-1' } });
  });

  it('keeps the intent open on a client error after retried attempts, when nothing is found', async () => {
    const { send } = scripted([sdkError('InvalidSubnet.Conflict', 400, 2)]);
    await expect(journaledCall(deps(), spec(send, { recover: () => Promise.resolve(undefined) }))).toThrowCosignerError(
      'AWS_INVALID_REQUEST',
    );
    expect(journal.pending()).toHaveLength(1);
  });

  it('tells `settle` whether the call may have taken effect more than once', async () => {
    const seen: boolean[] = [];
    const settle = (output: unknown, retried: boolean) => {
      seen.push(retried);
      return Promise.resolve(output);
    };
    await journaledCall(deps(), spec(scripted([{ $metadata: { attempts: 1 } }]).send, { settle }));
    await journaledCall(deps(), spec(scripted([{ $metadata: { attempts: 2 } }]).send, { settle }));
    // Our own round after a reset (the recovery found nothing): the first send may have worked.
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    await journaledCall(
      deps(),
      spec(scripted([reset, { $metadata: { attempts: 1 } }]).send, {
        settle,
        recover: () => Promise.resolve(undefined),
      }),
    );
    expect(seen).toEqual([false, true, true]);
  });

  it('leaves the intent open when `settle` fails, so the next run looks again', async () => {
    const { send } = scripted([{ $metadata: { attempts: 2 } }]);
    const refused = new CosignerError('AWS_ACCESS_DENIED', 'the twin could not be retired');
    await expect(journaledCall(deps(), spec(send, { settle: () => Promise.reject(refused) }))).rejects.toBe(refused);
    expect(journal.pending()).toHaveLength(1);
  });

  it('takes an "already done" answer as the outcome', async () => {
    const { send } = scripted([sdkError('EntityAlreadyExists', 409, 2)]);
    const out = await journaledCall(deps(), spec(send, { alreadyDone: () => true }));
    expect(out).toBeUndefined();
    expect(phases()).toEqual(['intent', 'done']);
  });

  it('starts no round once the run is stopping, and leaves the intent of a maybe-sent call open', async () => {
    const reason = new CosignerError('ABORTED', 'interrupted');
    let stopping = false;
    const { calls, send } = scripted([sdkError('InternalFailure', 500, 5)]);
    const d = deps({ stopped: () => (stopping ? reason : undefined) });
    const promise = journaledCall(
      d,
      spec(() => {
        stopping = true;
        return send();
      }),
    );
    await expect(promise).rejects.toBe(reason);
    expect(calls.count).toBe(1);
    expect(journal.pending()).toHaveLength(1);
  });

  it('closes the intent as not sent when the run stopped before the call', async () => {
    const reason = new CosignerError('ABORTED', 'interrupted');
    let stopping = false;
    const d = deps({
      stopped: () => (stopping ? reason : undefined),
      // The call waits behind the concurrency limit while the run starts stopping.
      limit: (<T>(fn: () => Promise<T>) => {
        stopping = true;
        return fn();
      }) as unknown as JournaledCallDeps['limit'],
    });
    await expect(
      journaledCall(
        d,
        spec(() => Promise.resolve({})),
      ),
    ).rejects.toBe(reason);
    expect(journal.entries.map((e) => [e.phase, e.error?.code])).toEqual([
      ['intent', undefined],
      ['failed', 'NotSent'],
    ]);
  });

  it('shares one IAM propagation budget across its transient rounds', async () => {
    const principal = sdkError('MalformedPolicyDocumentException', 400, 1, 'invalid principals in the policy');
    // Refused while IAM propagates (never, here), except once at 50 s: a 5xx ends the first round.
    let failedOnce = false;
    const send = () => {
      clock.time += 1000;
      if (clock.time >= 50_000 && !failedOnce) {
        failedOnce = true;
        return Promise.reject(sdkError('InternalFailure', 500, 5));
      }
      return Promise.reject(principal);
    };
    const d = deps();
    d.retry = { ...d.retry, propagationMaxWaitMs: 120_000 };
    await expect(journaledCall(d, spec(send, { op: 'kms:CreateKey', propagation: 'the role' }))).toThrowCosignerError(
      'AWS_PROPAGATION_TIMEOUT',
    );
    expect(failedOnce).toBe(true);
    // The second round gives up 120 s after the first began, not 120 s after it began itself.
    expect(clock.time).toBeLessThanOrEqual(121_000);
  });
});
