/**
 * Applying a destroy plan, phase by phase in reverse creation order, each call journaled and each
 * delete idempotent (already gone counts as done). Waits (a host terminating, a group still held
 * by its network interface, a NAT gateway being deleted) are bounded and shown, never blind
 * sleeps. Once `signal` is aborted (Ctrl-C) no new call or wait starts; the calls in flight finish,
 * then ABORTED says what was done. The managed network's parts: ./network.ts.
 */
import pLimit from 'p-limit';
import { isAwsErrorNamed } from '../aws/errors.js';
import type { AwsPorts } from '../aws/ports.js';
import { allPages, isNotFound, isPendingDeletion, orAbsent } from '../engine/aws-util.js';
import type { Journal } from '../engine/journal.js';
import { clockOf, journaledCall, type JournaledCallSpec, type RetryTuning } from '../engine/journaled-call.js';
import { waitUntil } from '../engine/wait.js';
import { CosignerError, isCosignerError } from '../errors.js';
import { interruptedError } from '../io/interrupt.js';
import type { IoHost } from '../io/io-host.js';
import type { PolicyDocument } from '../policy/types.js';
import { removeNetworkPart, type TeardownContext } from './network.js';
import type { DestroyAction, DestroyPlan } from './plan.js';

export interface DestroyApplyOptions {
  plan: DestroyPlan;
  ports: AwsPorts;
  journal: Journal;
  io: IoHost;
  /** Waits (hosts terminating, groups still held): every `waitPollMs` (default 2 s), at most `waitMaxMs` (default 15 min). */
  retry?: RetryTuning;
  concurrency?: number;
  signal?: AbortSignal;
}

export interface DestroyApplyResult {
  deleted: string[];
  scheduled: string[];
  kept: { resource: string; reason: string }[];
  /** Set when --delete-bucket met a bucket that is not empty. */
  bucketNotEmpty?: string;
  writes: number;
}

const gone = (error: unknown) =>
  isNotFound(error) ||
  isAwsErrorNamed(error, 'InvalidInstanceID.NotFound', 'InvalidGroup.NotFound', 'NoSuchEntity', 'NoSuchBucket');

export async function applyDestroyPlan(options: DestroyApplyOptions): Promise<DestroyApplyResult> {
  const { plan, ports, journal, io } = options;
  const retry = options.retry ?? {};
  const limit = pLimit(options.concurrency ?? 8);
  const result: DestroyApplyResult = {
    deleted: [],
    scheduled: [],
    kept: plan.actions.filter((a) => a.decision === 'keep').map((a) => ({ resource: a.resource, reason: a.reason })),
    writes: 0,
  };
  let failure: Error | undefined;
  const stopped = () =>
    failure ??
    (options.signal?.aborted === true
      ? interruptedError(options.signal, 'interrupted: no new call was started')
      : undefined);
  const call = <T>(
    action: DestroyAction,
    op: string,
    spec: Omit<JournaledCallSpec<T>, 'node' | 'op' | 'target'>,
    progress: (t: string) => void,
  ) =>
    journaledCall(
      { journal, limit, region: plan.region, retry, stopped, progress, onCall: () => (result.writes += 1) },
      { ...spec, node: `destroy:${action.kind}`, op, target: action.arn ?? action.id },
    );

  /** Poll `check` until true, bounded, telling the user what it waits for. */
  const waitFor = (what: string, step: { update(t: string): void }, check: () => Promise<boolean>) =>
    waitUntil(what, check, {
      maxWaitMs: retry.waitMaxMs ?? 900_000,
      pollMs: retry.waitPollMs ?? 2000,
      ...clockOf(retry),
      stopped,
      progress: (text) => step.update(text),
      hint: 'run destroy again; it continues where it stopped',
    });

  const phase = async (
    kinds: DestroyAction['kind'][],
    run: (action: DestroyAction, step: ReturnType<IoHost['startStep']>) => Promise<void>,
  ) => {
    const actions = plan.actions.filter((a) => a.decision !== 'keep' && kinds.includes(a.kind));
    const settled = await Promise.allSettled(
      actions.map(async (action) => {
        const step = io.startStep(`${action.decision === 'delete' ? 'delete' : 'retire'} ${action.resource}`);
        try {
          await run(action, step);
          step.succeed();
        } catch (error) {
          if (isCosignerError(error, 'ABORTED') && failure === undefined)
            step.skip(`${action.resource}: stopped part-way (interrupted)`);
          else step.fail(`${action.resource}: ${(error as Error).message}`);
          throw error;
        }
      }),
    );
    const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (rejected !== undefined) {
      failure ??= rejected.reason as Error;
      throw rejected.reason;
    }
  };

  const network: TeardownContext = { ports, call, waitFor };
  try {
    // The host, and the managed network's endpoints and NAT gateway, which depend on nothing of ours.
    await phase(['instance', 'vpcEndpoint', 'natGateway'], async (action, step) => {
      if (action.kind !== 'instance') {
        await removeNetworkPart(network, action, step);
        result.deleted.push(action.resource);
        return;
      }
      await call(
        action,
        'ec2:TerminateInstances',
        { send: () => ports.ec2.terminateInstances({ InstanceIds: [action.id] }), alreadyDone: gone },
        (t) => step.update(t),
      );
      await waitFor(`${action.id} to terminate`, step, async () => {
        const described = await orAbsent(() => ports.ec2.describeInstances({ InstanceIds: [action.id] }));
        const state = described?.Reservations?.[0]?.Instances?.[0]?.State?.Name;
        return state === undefined || state === 'terminated';
      });
      result.deleted.push(action.resource);
    });

    await phase(
      ['securityGroup', 'instanceProfile', 'routeTable', 'internetGateway', 'address'],
      async (action, step) => {
        if (action.kind === 'routeTable' || action.kind === 'internetGateway' || action.kind === 'address') {
          await removeNetworkPart(network, action, step);
        } else if (action.kind === 'securityGroup') {
          // The host's network interface can hold the group for a while after termination.
          await waitFor(`${action.id} to be free`, step, async () => {
            try {
              await call(
                action,
                'ec2:DeleteSecurityGroup',
                { send: () => ports.ec2.deleteSecurityGroup({ GroupId: action.id }), alreadyDone: gone },
                (t) => step.update(t),
              );
              return true;
            } catch (error) {
              if (error instanceof CosignerError && isAwsErrorNamed(error.cause, 'DependencyViolation')) return false;
              throw error;
            }
          });
        } else {
          const profile = (await orAbsent(() => ports.iam.getInstanceProfile({ InstanceProfileName: action.id })))
            ?.InstanceProfile;
          for (const role of profile?.Roles ?? []) {
            await call(
              action,
              'iam:RemoveRoleFromInstanceProfile',
              {
                send: () =>
                  ports.iam.removeRoleFromInstanceProfile({
                    InstanceProfileName: action.id,
                    RoleName: role.RoleName ?? '',
                  }),
                alreadyDone: gone,
              },
              (t) => step.update(t),
            );
          }
          await call(
            action,
            'iam:DeleteInstanceProfile',
            { send: () => ports.iam.deleteInstanceProfile({ InstanceProfileName: action.id }), alreadyDone: gone },
            (t) => step.update(t),
          );
        }
        result.deleted.push(action.resource);
      },
    );

    for (const kind of ['subnet', 'vpc'] as const) {
      await phase([kind], async (action, step) => {
        await removeNetworkPart(network, action, step);
        result.deleted.push(action.resource);
      });
    }

    await phase(['bucket'], async (action, step) => {
      try {
        await call(
          action,
          's3:DeleteBucket',
          { send: () => ports.s3.deleteBucket({ Bucket: action.id }), alreadyDone: gone },
          (t) => step.update(t),
        );
        result.deleted.push(action.resource);
      } catch (error) {
        if (!(error instanceof CosignerError && isAwsErrorNamed(error.cause, 'BucketNotEmpty'))) throw error;
        // Kept and listed: only an empty bucket is ever deleted.
        result.bucketNotEmpty = action.id;
        result.kept.push({
          resource: action.resource,
          reason: 'not empty: empty it first (every version), then run destroy --delete-bucket again',
        });
        io.notify({
          level: 'warn',
          code: 'DESTROY_BUCKET_NOT_EMPTY',
          message: `${action.resource} is not empty and was kept`,
        });
      }
    });

    await phase(['key'], async (action, step) => {
      if (result.bucketNotEmpty !== undefined) {
        result.kept.push({
          resource: action.resource,
          reason: `kept: bucket ${result.bucketNotEmpty} still holds data encrypted under it`,
        });
        return;
      }
      const progress = (t: string) => step.update(t);
      for (const op of action.ops) {
        if (op.op === 'kms:PutKeyPolicy') {
          const policy = op.data?.['policy'] as PolicyDocument;
          await call(
            action,
            op.op,
            {
              send: () =>
                ports.kms.putKeyPolicy({
                  KeyId: action.id,
                  PolicyName: 'default',
                  Policy: JSON.stringify(policy),
                  BypassPolicyLockoutSafetyCheck: false,
                }),
            },
            progress,
          );
        } else if (op.op === 'kms:DeleteAlias') {
          await call(
            action,
            op.op,
            { send: () => ports.kms.deleteAlias({ AliasName: op.data?.['alias'] as string }), alreadyDone: gone },
            progress,
          );
        } else if (op.op === 'kms:ScheduleKeyDeletion') {
          await call(
            action,
            op.op,
            {
              send: () =>
                ports.kms.scheduleKeyDeletion({
                  KeyId: action.id,
                  PendingWindowInDays: (op.data?.['pendingWindowInDays'] as number | undefined) ?? 30,
                }),
              alreadyDone: isPendingDeletion,
            },
            progress,
          );
        }
      }
      result.scheduled.push(action.resource);
    });
    await phase(['role'], async (action, step) => {
      const progress = (t: string) => step.update(t);
      const inline = await allPages<string>(async (Marker) => {
        const page = await orAbsent(() =>
          ports.iam.listRolePolicies({ RoleName: action.id, ...(Marker === undefined ? {} : { Marker }) }),
        );
        return { items: page?.PolicyNames, next: page?.IsTruncated === true ? page.Marker : undefined };
      });
      const attached = await allPages<string>(async (Marker) => {
        const page = await orAbsent(() =>
          ports.iam.listAttachedRolePolicies({ RoleName: action.id, ...(Marker === undefined ? {} : { Marker }) }),
        );
        return {
          items: page?.AttachedPolicies?.map((p) => p.PolicyArn ?? ''),
          next: page?.IsTruncated === true ? page.Marker : undefined,
        };
      });
      // Every call ends (and is journaled) before the first failure is thrown: none outlives the run.
      const outcomes = await Promise.allSettled([
        ...inline.map((name) =>
          call(
            action,
            'iam:DeleteRolePolicy',
            { send: () => ports.iam.deleteRolePolicy({ RoleName: action.id, PolicyName: name }), alreadyDone: gone },
            progress,
          ),
        ),
        ...attached.map((arn) =>
          call(
            action,
            'iam:DetachRolePolicy',
            { send: () => ports.iam.detachRolePolicy({ RoleName: action.id, PolicyArn: arn }), alreadyDone: gone },
            progress,
          ),
        ),
      ]);
      const failure = outcomes.find((outcome) => outcome.status === 'rejected');
      if (failure !== undefined) throw failure.reason;
      await call(
        action,
        'iam:DeleteRole',
        { send: () => ports.iam.deleteRole({ RoleName: action.id }), alreadyDone: gone },
        progress,
      );
      result.deleted.push(action.resource);
    });
  } catch (error) {
    if (!(isCosignerError(error, 'ABORTED') && options.signal?.aborted === true)) throw error;
  }
  if (options.signal?.aborted === true) {
    // The calls in flight have finished and are journaled; say what is gone and what is left.
    const left = plan.actions
      .filter(
        (a) => a.decision !== 'keep' && !result.deleted.includes(a.resource) && !result.scheduled.includes(a.resource),
      )
      .map((a) => a.resource);
    const parts = [
      `${result.deleted.length} deleted`,
      ...(result.scheduled.length > 0 ? [`${result.scheduled.length} scheduled for deletion`] : []),
      `${left.length} left`,
    ];
    throw interruptedError(
      options.signal,
      `interrupted: ${parts.join(', ')}; ${result.writes} write call(s) finished and were journaled`,
      { deleted: result.deleted, scheduled: result.scheduled, left, writes: result.writes },
    );
  }
  return result;
}
