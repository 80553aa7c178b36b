/**
 * The destroy flow: who and where → the co-signer's resources by tags (plus a bucket the journal
 * says an interrupted run created) → the destroy plan → confirmation (always: it is destructive) →
 * teardown, journaled. A dry run stops after the plan. Once `signal` is aborted (Ctrl-C), no new
 * read or call starts and the flow throws ABORTED, never a success.
 */
import { dirname } from 'node:path';
import { describeCaller, formatCaller } from '../aws/identity.js';
import type { AwsPorts } from '../aws/ports.js';
import type { CosignerConfig } from '../config/schema.js';
import { fireblocksPreset } from '../enclave/fireblocks-presets.js';
import { callerRefusal, deniedKeyCall } from '../engine/caller-key-calls.js';
import { discover, type FoundResource } from '../engine/discover.js';
import { Journal, journalPath } from '../engine/journal.js';
import type { ObservedKey } from '../engine/kms-keys.js';
import type { RetryTuning } from '../engine/journaled-call.js';
import { withReadRetry } from '../engine/resilient-ports.js';
import { CosignerError, isInterruption } from '../errors.js';
import { interruptedError } from '../io/interrupt.js';
import type { IoHost } from '../io/io-host.js';
import { partitionForRegion } from '../policy/arn.js';
import { applyDestroyPlan, type DestroyApplyResult } from './apply.js';
import { planDestroy, type DestroyPlan } from './plan.js';

export interface DestroyRequest {
  name: string;
  dryRun: boolean;
  deleteKey: boolean;
  deleteBucket: boolean;
}

export interface DestroyDeps {
  ports: AwsPorts;
  io: IoHost;
  /** The config, when there is one (key administrators, deletion window). */
  config?: CosignerConfig;
  configPath: string;
  now: () => Date;
  /** Waits poll every `waitPollMs` (default 2 s) for at most `waitMaxMs` (default 15 min). */
  retry?: RetryTuning;
  concurrency?: number;
  signal?: AbortSignal;
}

export interface DestroyOutcome {
  mode: 'dry-run' | 'destroyed' | 'nothing-to-do';
  caller: { accountId: string; region: string; arn: string };
  plan: DestroyPlan;
  result?: DestroyApplyResult;
}

export function destroyLines(plan: DestroyPlan): string[] {
  const lines = [`Destroy plan for co-signer ${plan.name} in account ${plan.accountId}, ${plan.region}`];
  if (plan.actions.length === 0) lines.push("  nothing carries this co-signer's tags");
  for (const action of plan.actions) {
    const sign = action.decision === 'keep' ? '= keep  ' : action.decision === 'delete' ? '- delete' : '- retire';
    lines.push(`  ${sign} ${action.resource}  (${action.reason})`);
    for (const op of action.ops) lines.push(`      · ${op.op}: ${op.detail}`);
  }
  for (const warning of plan.warnings) lines.push(`  warning: ${warning}`);
  return lines;
}

export async function runDestroyFlow(request: DestroyRequest, deps: DestroyDeps): Promise<DestroyOutcome> {
  const { io } = deps;
  const { signal } = deps;
  const tuning = deps.retry === undefined ? {} : { retry: deps.retry };
  const ports = withReadRetry(deps.ports, tuning);
  // Discovery reads stop at Ctrl-C; the teardown's own reads (between its calls) must finish.
  const reads = withReadRetry(deps.ports, { ...tuning, ...(signal === undefined ? {} : { signal }) });
  const notYet = () => {
    if (signal?.aborted === true)
      throw interruptedError(signal, 'interrupted before anything was removed: nothing was changed');
  };
  const identity = await describeCaller(reads);
  io.notify({
    level: 'info',
    code: 'DESTROY_TARGET',
    message: formatCaller(identity),
    data: { accountId: identity.accountId, region: identity.region },
  });
  const caller = { accountId: identity.accountId, region: identity.region, arn: identity.callerArn };
  const scope = { name: request.name, accountId: identity.accountId, region: identity.region };
  const journal = await Journal.open(journalPath(dirname(deps.configPath), scope), scope, deps.now);
  if (!request.dryRun) await journal.lock();
  try {
    const found = await discover(reads, { name: request.name }).catch((error: unknown) => {
      notYet();
      throw error;
    });
    const resources = found.byName.get(request.name) ?? [];
    // A bucket created by an interrupted run before it was tagged is ours too (the journal says so).
    const attempted = [
      ...new Set(
        journal.entries
          .filter((e) => e.op === 's3:CreateBucket' && e.phase === 'intent' && e.target !== undefined)
          .map((e) => e.target as string),
      ),
    ];
    const extra = await journalBuckets(
      reads,
      attempted.filter((name) => !resources.some((r) => r.kind === 'bucket' && r.id === name)),
    );
    notYet();
    const config = deps.config;
    const plan = planDestroy([...resources, ...extra], found.keys, {
      name: request.name,
      accountId: identity.accountId,
      region: identity.region,
      callerArn: identity.callerArn,
      deleteKey: request.deleteKey,
      deleteBucket: request.deleteBucket,
      // The maximum waiting period unless the config sets another.
      deletionWindowDays: config?.kms.deletionWindowDays ?? 30,
      adminArns: config?.kms.adminArns ?? [],
      fallbackPcr8:
        config?.fireblocks.pcr8?.[0] ??
        fireblocksPreset(config?.fireblocks.env === 'custom' || config === undefined ? 'global' : config.fireblocks.env)
          .pcr8,
    });
    // Every call on a key checked for the caller before anything is removed: a key only its
    // administrators may retire must not be found out after the host and role are gone.
    checkKeyCalls(plan, found.keys, identity.callerArn, config?.kms.adminArns ?? []);
    const work = plan.actions.filter((a) => a.decision !== 'keep');
    if (request.dryRun) return { mode: 'dry-run', caller, plan };
    if (work.length === 0) return { mode: 'nothing-to-do', caller, plan };
    if (!io.json || (io.interactive && !io.assumeYes))
      for (const line of destroyLines(plan)) io.notify({ level: 'info', code: 'DESTROY_PLAN', message: line });
    await io.confirm(
      `destroy ${work.length} resource(s) of co-signer ${request.name} in account ${identity.accountId}, ${identity.region}?`,
      '--yes',
      plan,
    );
    notYet();
    await journal.beginRun('destroy');
    try {
      const result = await applyDestroyPlan({
        plan,
        ports,
        journal,
        io,
        ...(deps.retry === undefined ? {} : { retry: deps.retry }),
        ...(deps.concurrency === undefined ? {} : { concurrency: deps.concurrency }),
        ...(signal === undefined ? {} : { signal }),
      });
      await journal.finishRun('converged');
      return { mode: 'destroyed', caller, plan, result };
    } catch (error) {
      await journal.finishRun(isInterruption(error) ? 'interrupted' : 'failed');
      throw error;
    }
  } finally {
    await journal.unlock();
  }
}

/** Untagged buckets an interrupted run created (the journal knows), still in the account. */
async function journalBuckets(ports: AwsPorts, names: readonly string[]): Promise<FoundResource[]> {
  if (names.length === 0) return [];
  const out: FoundResource[] = [];
  for (const name of names) {
    const page = await ports.s3.listBuckets({ Prefix: name, MaxBuckets: 10 });
    if (!(page.Buckets ?? []).some((b) => b.Name === name)) continue;
    const tags = await ports.s3.getBucketTagging({ Bucket: name }).then(
      (t) => t.TagSet ?? [],
      () => [],
    );
    if (tags.length > 0) continue;
    out.push({
      kind: 'bucket',
      id: name,
      name,
      arn: `arn:${partitionForRegion(ports.region)}:s3:::${name}`,
      state: 'present',
      adopted: false,
      tags: {},
      detail: { fromJournal: true },
    });
  }
  return out;
}

/** KEY_CALLER_NOT_ADMIN when the key policy refuses the caller one of the plan's key calls. */
function checkKeyCalls(
  plan: DestroyPlan,
  keys: ReadonlyMap<string, ObservedKey>,
  callerArn: string,
  adminArns: readonly string[],
): void {
  for (const action of plan.actions) {
    if (action.kind !== 'key' || action.ops.length === 0) continue;
    const key = keys.get(action.id);
    if (key === undefined) continue;
    // One call after the other: each is checked against the policy the calls before it leave.
    const denied = deniedKeyCall(
      action.ops.map((op) => [op]),
      key.policy,
      key.arn,
      callerArn,
    );
    if (denied === undefined) continue;
    const refusal = callerRefusal('destroy', denied.op, callerArn, adminArns);
    throw new CosignerError(refusal.code, `refusing to destroy: ${refusal.message}`, {
      hint: `${refusal.hint}; nothing was changed`,
    });
  }
}
