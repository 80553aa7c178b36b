/**
 * The DAG executor: every node of the plan starts as soon as the nodes it depends on are done
 * (role and bucket together; the instance profile and the key after the role; the inline policy
 * after role, bucket and key; the security group and the AMI at once; the host after profile, group
 * and AMI), the calls of a node run round by round, and at most `concurrency` calls are in flight
 * (p-limit). Each call is journaled. The first failure stops new calls; calls in flight finish and
 * are journaled, then the failure is thrown: the journal is intact and a re-run converges. An
 * interruption (`signal`) stops new calls the same way and then throws ABORTED, saying which
 * resources were done, stopped half-way and not started; it never returns a result.
 */
import pLimit from 'p-limit';
import type { AwsPorts } from '../aws/ports.js';
import { CosignerError, isCosignerError } from '../errors.js';
import { interruptedError } from '../io/interrupt.js';
import type { IoHost, IoStep } from '../io/io-host.js';
import { HANDLERS, type ApplyState } from './apply-ops.js';
import { clockOf, journaledCall, type JournaledCallSpec, type RetryTuning } from '../engine/journaled-call.js';
import { waitUntil } from '../engine/wait.js';
import type { DesiredState } from './desired.js';
import { topologicalOrder, type NodeId } from './graph.js';
import type { Journal } from '../engine/journal.js';
import type { ObservedState } from './observed.js';
import { refusalOf } from './plan.js';
import type { OpName, Plan, PlannedAction } from './plan-types.js';

export interface ApplyOptions {
  plan: Plan;
  desired: DesiredState;
  observed: ObservedState;
  ports: AwsPorts;
  journal: Journal;
  io: IoHost;
  /** Calls in flight at most. @default 8 */
  concurrency?: number;
  retry?: RetryTuning;
  /** Aborts between calls (Ctrl-C): calls in flight finish and are journaled first. */
  signal?: AbortSignal;
  /** @default Date.now */
  clock?: () => number;
  /** The principal making the calls (key-policy proofs keep its access). */
  callerArn: string;
}

export interface ApplyResult {
  state: ApplyState;
  /** Write calls sent (SDK retries not counted). */
  writes: number;
  elapsedMs: number;
  /** When each node with calls started and ended, relative to the start. */
  timeline: Partial<Record<NodeId, { startMs: number; endMs: number }>>;
  warnings: string[];
}

/** The refusal of a plan as the error apply throws. */
export function refusalError(action: PlannedAction): CosignerError {
  const refusal = action.refusal;
  return new CosignerError(refusal?.code ?? 'PLAN_REFUSED', refusal?.message ?? `${action.resource}: refused`, {
    hint: refusal?.hint ?? 'see the plan',
    context: { node: action.node },
  });
}

export function seedState(plan: Plan, observed: ObservedState): ApplyState {
  // An existing host's own subnet and AMI, not the ones a new host would get.
  const host = observed.instances.find((i) => i.instanceId === plan.context.instanceId);
  const c = {
    ...plan.context,
    ...(host?.subnetId === undefined ? {} : { subnetId: host.subnetId }),
    ...(host?.imageId === undefined ? {} : { imageId: host.imageId }),
  };
  return {
    roleArn: c.roleArn,
    instanceProfileArn: c.instanceProfileArn,
    bucketName: c.bucketName,
    ...(c.keyId === undefined ? {} : { keyId: c.keyId }),
    keyArn: c.keyArn,
    ...(c.groupId === undefined ? {} : { groupId: c.groupId }),
    ...(c.instanceId === undefined ? {} : { instanceId: c.instanceId }),
    ...(c.vpcId === undefined ? {} : { vpcId: c.vpcId }),
    ...(c.subnetId === undefined ? {} : { subnetId: c.subnetId }),
    ...(c.imageId === undefined ? {} : { imageId: c.imageId }),
    ...(observed.ami.rootDeviceName === undefined ? {} : { rootDeviceName: observed.ami.rootDeviceName }),
    policies: {
      ...(observed.role?.trustPolicy === undefined ? {} : { trust: observed.role.trustPolicy }),
      ...(observed.role?.inlinePolicy === undefined ? {} : { inline: observed.role.inlinePolicy }),
      ...(observed.bucket.status === 'present' && observed.bucket.policy !== undefined
        ? { bucket: observed.bucket.policy }
        : {}),
      ...(observed.key?.policy === undefined ? {} : { key: observed.key.policy }),
    },
    retiredKeys: [],
    ...(c.network === undefined ? {} : { network: { ...c.network } }),
  };
}

const VERB = { create: 'create', update: 'update', noop: 'keep', refuse: 'refuse' } as const;

export async function applyPlan(options: ApplyOptions): Promise<ApplyResult> {
  const { plan, desired, ports, journal, io } = options;
  const refused = refusalOf(plan);
  if (refused !== undefined) throw refusalError(refused);
  const clock = options.clock ?? Date.now;
  const started = clock();
  const state = seedState(plan, options.observed);
  const limit = pLimit(options.concurrency ?? 8);
  const warnings: string[] = [];
  const timeline: ApplyResult['timeline'] = {};
  let writes = 0;
  let failure: Error | undefined;
  const stopped = (): Error | undefined => {
    if (failure !== undefined) return failure;
    if (options.signal?.aborted === true)
      return interruptedError(options.signal, 'interrupted: no new call was started');
    return undefined;
  };
  // For the report of an interrupted run: nodes done, and nodes started but not finished.
  const done: string[] = [];
  const unfinished: string[] = [];
  const byNode = new Map(plan.actions.map((a) => [a.node, a]));
  const finished = new Map<NodeId, Promise<void>>();

  // A journaled call on behalf of a node, reporting progress on its step.
  const caller =
    (action: PlannedAction, step: IoStep) =>
    <T>(name: OpName, spec: Omit<JournaledCallSpec<T>, 'node' | 'op'>): Promise<T | undefined> =>
      journaledCall(
        {
          journal,
          limit,
          region: desired.region,
          retry: options.retry ?? {},
          stopped,
          progress: (text, announce) => {
            step.update(`${action.resource}: ${text}`);
            if (announce) io.notify({ level: 'info', code: 'PROVISION_WAIT', message: `${action.resource}: ${text}` });
          },
          onCall: () => {
            writes += 1;
          },
        },
        { ...spec, node: action.node, op: name },
      );
  const warn = (text: string) => {
    warnings.push(text);
    io.notify({ level: 'warn', code: 'PROVISION_WARNING', message: text });
  };

  const runNode = async (action: PlannedAction): Promise<void> => {
    await Promise.all(action.dependsOn.map((dep) => finished.get(dep) ?? Promise.resolve()));
    if (action.rounds.length === 0) return;
    const stop = stopped();
    if (stop !== undefined) throw stop;
    const step = io.startStep(`${VERB[action.kind]} ${action.resource}`);
    const call = caller(action, step);
    const startMs = clock() - started;
    try {
      for (const round of action.rounds) {
        // Every call of the round settles (and is journaled) before a failure is passed on.
        const results = await Promise.allSettled(
          round.map(async (op) => {
            const handler = HANDLERS[op.op];
            if (handler === undefined)
              throw new CosignerError('INTERNAL', `no handler for ${op.op}`, { source: 'internal' });
            step.update(`${action.resource}: ${op.detail}`);
            const tuning = options.retry ?? {};
            const wait = (what: string, check: () => Promise<boolean>) =>
              waitUntil(what, check, {
                maxWaitMs: tuning.waitMaxMs ?? 900_000,
                pollMs: tuning.waitPollMs ?? 5000,
                ...clockOf(tuning),
                stopped,
                progress: (text) => step.update(`${action.resource}: ${text}`),
                hint: 'run provision again; it continues where it stopped',
              });
            await handler({
              ports,
              desired,
              state,
              journal,
              node: action.node,
              op,
              limit,
              warn,
              wait,
              callerArn: options.callerArn,
              callAs: call,
              call: (spec) => call(op.op, spec),
            });
          }),
        );
        const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (rejected !== undefined) throw rejected.reason;
      }
      timeline[action.node] = { startMs, endMs: clock() - started };
      done.push(action.resource);
      step.succeed(`${action.kind === 'create' ? 'created' : 'updated'} ${action.resource}`);
    } catch (error) {
      if (isCosignerError(error, 'ABORTED') && failure === undefined) {
        // Interrupted between two of its calls: the calls made are journaled; a re-run finishes it.
        unfinished.push(action.resource);
        step.skip(`${action.resource}: stopped part-way (interrupted)`);
      } else {
        step.fail(`${action.resource}: ${(error as Error).message}`);
        failure ??= error as Error;
      }
      throw error;
    }
  };

  for (const id of topologicalOrder()) {
    const action = byNode.get(id);
    if (action !== undefined) finished.set(id, runNode(action));
  }
  await Promise.allSettled(finished.values());
  if (failure !== undefined) throw failure;
  if (options.signal?.aborted === true) {
    // Every call in flight has finished and is journaled; nothing new was started.
    const withCalls = plan.actions.filter((a) => a.rounds.length > 0).map((a) => a.resource);
    const notStarted = withCalls.filter((r) => !done.includes(r) && !unfinished.includes(r));
    const parts = [
      `${done.length} of ${withCalls.length} resource(s) done`,
      ...(unfinished.length > 0 ? [`${unfinished.length} stopped part-way`] : []),
      `${notStarted.length} not started`,
    ];
    throw interruptedError(
      options.signal,
      `interrupted: ${parts.join(', ')}; ${writes} write call(s) finished and were journaled`,
      { done, stoppedPartWay: unfinished, notStarted, writes },
    );
  }
  return { state, writes, elapsedMs: clock() - started, timeline, warnings };
}
