/**
 * The provision flow: who and where (shown before any write) → desired state → journal (locked) →
 * observation → plan → [saved-plan check] → confirmation → apply → receipt. Dry runs and
 * `--plan-out` stop after the plan and write nothing to AWS or the journal. Once `signal` is
 * aborted (Ctrl-C), no new read or write starts and the flow throws ABORTED: never a receipt.
 */
import { dirname } from 'node:path';
import { classifyAwsError } from '../aws/errors.js';
import { describeCaller, formatCaller, type CallerIdentity } from '../aws/identity.js';
import type { AwsPorts } from '../aws/ports.js';
import type { CosignerConfig } from '../config/schema.js';
import { Journal, journalPath } from '../engine/journal.js';
import type { RetryTuning } from '../engine/journaled-call.js';
import { withReadRetry } from '../engine/resilient-ports.js';
import { isInterruption } from '../errors.js';
import { writeFileAtomic } from '../files/atomic-write.js';
import { readTextFile } from '../files/read-file.js';
import { interruptedError } from '../io/interrupt.js';
import type { IoHost } from '../io/io-host.js';
import { applyPlan, refusalError, seedState, type ApplyResult } from './apply.js';
import { computeDesired, type DesiredState } from './desired.js';
import { withEarlierBucketName } from './earlier-bucket.js';
import { observe, type ObservedState, type RecoveryHints } from './observed.js';
import { buildPlan, checkSavedPlan, isNoop, parsePlanFile, refusalOf } from './plan.js';
import type { Plan } from './plan-types.js';
import { buildReceipt, receiptPath, writeReceipt, type Receipt } from './receipt.js';
import { applyQuestion, planLines } from './render.js';
import { TOOL_VERSION } from './version.js';

export interface ProvisionRequest {
  /** Plan only. */
  dryRun: boolean;
  /** Write the plan here and stop. */
  planOut?: string;
  /** Apply this saved plan, refused if it is stale. */
  applyPath?: string;
  /** Continue an interrupted run (a normal run does too; this one says so). */
  resume: boolean;
}

export interface ProvisionDeps {
  ports: AwsPorts;
  io: IoHost;
  config: CosignerConfig;
  /** The config file: journal and receipt live beside it. */
  configPath: string;
  now: () => Date;
  toolVersion?: string;
  concurrency?: number;
  retry?: RetryTuning;
  signal?: AbortSignal;
}

export interface ProvisionOutcome {
  mode: 'dry-run' | 'plan-out' | 'applied' | 'up-to-date';
  caller: { accountId: string; region: string; arn: string };
  plan: Plan;
  planPath?: string;
  receipt?: Receipt;
  receiptPath?: string;
  apply?: Pick<ApplyResult, 'writes' | 'elapsedMs' | 'timeline' | 'warnings'>;
  journalPath?: string;
}

/** What the journal says observation cannot see by name. */
function recoveryHints(journal: Journal): RecoveryHints {
  const keyIds = journal.entries
    .filter((e) => e.phase === 'done' && e.op === 'kms:CreateKey' && e.ids?.keyId !== undefined)
    .map((e) => e.ids?.keyId as string);
  const keyTokens = journal.pending({ op: 'kms:CreateKey' }).flatMap((e) => (e.token === undefined ? [] : [e.token]));
  return { keyIds, keyTokens };
}

/** Close the intents of earlier runs whose outcome observation has now settled. */
async function settlePending(journal: Journal, observed: ObservedState, plan: Plan): Promise<void> {
  for (const intent of journal.pending()) {
    if (intent.op === 'kms:CreateKey' && observed.keyDuplicates.length > 0) {
      // Kept open until the plan has retired the twins: a run that stops first leaves the token.
      continue;
    } else if (intent.op === 'kms:CreateKey') {
      const key = observed.key?.foundBy === 'token' ? observed.key : undefined;
      await journal.resolve(intent.seq, key === undefined ? undefined : { keyId: key.keyId, arn: key.arn });
    } else if (
      intent.op === 'ec2:RunInstances' &&
      plan.actions.some((a) => a.node === 'instance' && a.kind === 'create')
    ) {
      // Kept open: the launch reuses its ClientToken, so an instance it made is returned, not doubled.
      continue;
    } else {
      await journal.resolve(intent.seq, undefined);
    }
  }
}

export interface PlanningResult {
  desired: DesiredState;
  observed: ObservedState;
  plan: Plan;
  caller: ProvisionOutcome['caller'];
}

/**
 * Identity, desired state, observation and plan; read calls only, through `ports` as given: pass
 * them through src/engine/resilient-ports.ts once (with the signal, so that after Ctrl-C the reads
 * in flight finish and no new one starts).
 */
export async function planProvision(
  deps: Pick<ProvisionDeps, 'ports' | 'config' | 'now' | 'toolVersion' | 'signal'>,
  journal: Journal | undefined,
  known?: CallerIdentity,
): Promise<PlanningResult> {
  const ports = deps.ports;
  const identity = known ?? (await describeCaller(ports));
  const where = { accountId: identity.accountId, region: identity.region };
  const bucketName = await withEarlierBucketName(ports, deps.config, where).catch((error: unknown) => {
    if (deps.signal?.aborted === true)
      throw interruptedError(deps.signal, 'interrupted while reading what exists: nothing was changed');
    throw classifyAwsError(error, { region: identity.region });
  });
  const desired = computeDesired({
    config: bucketName.config,
    accountId: identity.accountId,
    region: identity.region,
    toolVersion: deps.toolVersion ?? TOOL_VERSION,
  });
  const hints = journal === undefined ? { keyIds: [], keyTokens: [] } : recoveryHints(journal);
  const observed = await observe(ports, desired, hints).catch((error: unknown) => {
    if (deps.signal?.aborted === true)
      throw interruptedError(deps.signal, 'interrupted while reading what exists: nothing was changed');
    throw classifyAwsError(error, { region: identity.region });
  });
  // A read whose abort was swallowed (a lookup that tolerates errors) must not yield a plan.
  if (deps.signal?.aborted === true)
    throw interruptedError(deps.signal, 'interrupted while reading what exists: nothing was changed');
  const plan = buildPlan({
    desired,
    observed,
    bucketAttempted: journal?.attempted('s3:CreateBucket', desired.bucket.name) ?? false,
    callerArn: identity.callerArn,
    now: deps.now(),
  });
  if (bucketName.note !== undefined) plan.warnings.unshift(bucketName.note);
  return {
    desired,
    observed,
    plan,
    caller: { accountId: identity.accountId, region: identity.region, arn: identity.callerArn },
  };
}

/** Throw ABORTED if the run was interrupted; `message` says what state things are in. */
function checkInterrupted(signal: AbortSignal | undefined, message: string): void {
  if (signal?.aborted === true) throw interruptedError(signal, message);
}

export async function runProvisionFlow(request: ProvisionRequest, deps: ProvisionDeps): Promise<ProvisionOutcome> {
  const { io, signal } = deps;
  const tuning = deps.retry === undefined ? {} : { retry: deps.retry };
  // Apply's own reads ("is it already there?" after a call) must finish: they are not stopped.
  const ports = withReadRetry(deps.ports, tuning);
  const reads = withReadRetry(deps.ports, { ...tuning, ...(signal === undefined ? {} : { signal }) });
  const identity = await describeCaller(reads);
  // Account and region before anything else, so a wrong profile is caught before any write.
  io.notify({
    level: 'info',
    code: 'PROVISION_TARGET',
    message: formatCaller(identity),
    data: { accountId: identity.accountId, region: identity.region },
  });
  const scope = { name: deps.config.name, accountId: identity.accountId, region: identity.region };
  const path = journalPath(dirname(deps.configPath), scope);
  const journal = await Journal.open(path, scope, deps.now);
  const readOnly = request.dryRun || request.planOut !== undefined;
  if (!readOnly) await journal.lock();
  try {
    if (request.resume) {
      const interrupted =
        journal.runs.some((r) => r.outcome === 'interrupted' || r.outcome === 'failed' || r.finishedAt === undefined) ||
        journal.pending().length > 0;
      io.notify({
        level: 'info',
        code: 'PROVISION_RESUME',
        message: interrupted
          ? 'resuming: what the interrupted run made is found by name, tag and journal token and kept'
          : 'nothing to resume: provisioning from the current state',
      });
    }
    const planning = await planProvision({ ...deps, ports: reads }, journal, identity);
    const { desired, observed, plan } = planning;
    if (request.applyPath !== undefined) {
      const text = await readTextFile(request.applyPath, { what: 'plan', maxBytes: 16 * 1024 * 1024 });
      checkSavedPlan(parsePlanFile(text, request.applyPath), plan, request.applyPath);
    }
    const outcome = { caller: planning.caller, plan, journalPath: path };
    if (request.planOut !== undefined) {
      await writeFileAtomic(request.planOut, `${JSON.stringify(plan, null, 2)}\n`, { mode: 0o644 });
      return { ...outcome, mode: 'plan-out', planPath: request.planOut };
    }
    if (request.dryRun) return { ...outcome, mode: 'dry-run' };
    checkInterrupted(signal, 'interrupted before any change: nothing was changed');
    // The plan (and its warnings) before the question, also in JSON mode when a person will be asked; dry runs print it as their result instead.
    if ((!io.json || (io.interactive && !io.assumeYes)) && (!isNoop(plan) || refusalOf(plan) !== undefined))
      for (const line of planLines(plan))
        io.notify({ level: 'info', code: 'PROVISION_PLAN', message: line, layout: 'row' });
    for (const warning of plan.warnings) io.notify({ level: 'warn', code: 'PROVISION_WARNING', message: warning });
    const refused = refusalOf(plan);
    if (refused !== undefined) throw refusalError(refused);

    await journal.beginRun(request.applyPath === undefined ? 'provision' : 'provision --apply');
    let applied: ApplyResult | undefined;
    try {
      if (!isNoop(plan)) {
        await io.confirm(applyQuestion(plan), '--yes', plan);
        checkInterrupted(signal, 'interrupted before any change: nothing was changed');
        await settlePending(journal, observed, plan);
        applied = await applyPlan({
          plan,
          desired,
          observed,
          ports,
          journal,
          io,
          callerArn: identity.callerArn,
          ...(deps.concurrency === undefined ? {} : { concurrency: deps.concurrency }),
          ...(deps.retry === undefined ? {} : { retry: deps.retry }),
          ...(signal === undefined ? {} : { signal }),
        });
      } else {
        await settlePending(journal, observed, plan);
      }
      // Interrupted, even after the last call finished: no receipt, no success; a re-run converges.
      checkInterrupted(
        signal,
        applied === undefined
          ? 'interrupted: nothing needed changing, and no receipt was written'
          : `interrupted after every change was made (${applied.writes} write calls, journaled): no receipt was written`,
      );
      // Whatever earlier runs left open is settled now: the resources match the plan.
      for (const intent of journal.pending()) await journal.resolve(intent.seq, undefined);
      await journal.finishRun('converged');
    } catch (error) {
      await journal.finishRun(isInterruption(error) ? 'interrupted' : 'failed');
      throw error;
    }
    const state = applied?.state ?? seedState(plan, observed);
    const receipt = buildReceipt({
      desired,
      plan,
      state,
      callerArn: identity.callerArn,
      now: deps.now(),
      warnings: [...plan.warnings, ...(applied?.warnings ?? [])],
    });
    const where = receiptPath(deps.configPath);
    await writeReceipt(where, receipt);
    return {
      ...outcome,
      mode: applied === undefined ? 'up-to-date' : 'applied',
      receipt,
      receiptPath: where,
      ...(applied === undefined
        ? {}
        : {
            apply: {
              writes: applied.writes,
              elapsedMs: applied.elapsedMs,
              timeline: applied.timeline,
              warnings: applied.warnings,
            },
          }),
    };
  } finally {
    await journal.unlock();
  }
}
