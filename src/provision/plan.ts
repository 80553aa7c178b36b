/**
 * The plan: desired state + observed state → one action per node (create / update / no-op /
 * refuse, with reasons and the exact calls), the dependency graph, and a fingerprint of what it
 * was computed from, so that a saved plan (`--plan-out`) is applied (`--apply`) only if nothing it
 * depends on has changed since. Pure.
 */
import { z } from 'zod';
import { fail } from '../errors.js';
import { hashOf, policyHash } from '../engine/digest.js';
import {
  criticalPath,
  DEPENDENCIES,
  NODE_IDS,
  PROPAGATION_EDGES,
  type CriticalPath,
  type CriticalPathOptions,
  type NodeCost,
  type NodeId,
} from './graph.js';
import type { ObservedState } from './observed.js';
import { costLine, networkCost } from './network-model.js';
import { withCallerCheck } from './plan-caller.js';
import { ourInstances, planAmi, planInstance, planSecurityGroup } from './plan-ec2.js';
import { networkIds, planNetwork } from './plan-network.js';
import { planBucket, planInstanceProfile, planKey, planRole, planRolePolicy, type PlanInput } from './plan-nodes.js';
import { OPS, PLAN_KIND, PLAN_SCHEMA_VERSION, type Plan, type PlannedAction, type PlanSummary } from './plan-types.js';

export type { PlanInput };

/**
 * The facts a plan depends on, without what changes by itself (an instance going from pending to
 * running, launch times): two observations with equal facts give equal plans.
 */
function observedFacts(observed: ObservedState): unknown {
  const policy = (p: Parameters<typeof policyHash>[0] | undefined) => (p === undefined ? null : policyHash(p));
  return {
    role: observed.role && {
      ...observed.role,
      trustPolicy: policy(observed.role.trustPolicy),
      inlinePolicy: policy(observed.role.inlinePolicy),
      attachedPolicyArns: [...observed.role.attachedPolicyArns].sort(),
      inlinePolicyNames: [...observed.role.inlinePolicyNames].sort(),
    },
    instanceProfile: observed.instanceProfile ?? null,
    bucket:
      observed.bucket.status === 'present'
        ? { ...observed.bucket, policy: policy(observed.bucket.policy) }
        : observed.bucket,
    key: observed.key && { ...observed.key, policy: policy(observed.key.policy) },
    aliasTarget: observed.aliasTarget ?? null,
    keyDuplicates: observed.keyDuplicates.map((k) => k.keyId).sort(),
    securityGroup: observed.securityGroup ?? null,
    instances: observed.instances
      .map((i) => ({
        ...i,
        state: i.state === 'stopped' || i.state === 'stopping' ? 'stopped' : 'live',
        launchTime: undefined,
      }))
      .sort((a, b) => a.instanceId.localeCompare(b.instanceId)),
    network: observed.network,
    ami: observed.ami,
  };
}

export interface BuildPlanOptions extends PlanInput {
  now: Date;
}

export function buildPlan(options: BuildPlanOptions): Plan {
  const { desired, observed } = options;
  // Every call on the key checked for the caller against the key policy in force at that point.
  const key = withCallerCheck(
    planKey(options),
    observed.key?.policy,
    observed.key?.arn ?? `arn:${desired.partition}:kms:${desired.region}:${desired.accountId}:key/new`,
    options.callerArn,
    desired.key.policyInput.adminArns ?? [],
  );
  const instance = planInstance(options);
  const byNode: Record<NodeId, PlannedAction> = {
    role: planRole(options),
    bucket: planBucket(options),
    instanceProfile: planInstanceProfile(options),
    key,
    rolePolicy: planRolePolicy(options, key),
    network: planNetwork(options, instance.kind === 'create'),
    securityGroup: planSecurityGroup(options),
    ami: planAmi(options, instance.kind === 'create'),
    instance,
  };
  const actions = NODE_IDS.map((id) => byNode[id]);
  const desiredHash = desired.hash;
  const observedHash = hashOf(observedFacts(observed));
  const host = ourInstances(desired, observed.instances)[0];
  const warnings = [
    ...new Set([...(instance.kind === 'create' ? observed.network.warnings : []), ...actions.flatMap((a) => a.notes)]),
  ];
  return {
    schemaVersion: PLAN_SCHEMA_VERSION,
    kind: PLAN_KIND,
    name: desired.name,
    accountId: desired.accountId,
    region: desired.region,
    toolVersion: desired.toolVersion,
    createdAt: options.now.toISOString(),
    fingerprint: hashOf({ desiredHash, observedHash }),
    inputs: { desiredHash, observedHash },
    pcr8: {
      value: desired.key.pcr8.value,
      values: [...desired.key.pcr8.values],
      source: desired.key.pcr8.source,
      label: desired.key.pcr8.label,
      ...(key.pcr8Change === undefined ? {} : { change: key.pcr8Change }),
    },
    actions,
    context: {
      ...(observed.network.vpcId === undefined ? {} : { vpcId: observed.network.vpcId }),
      ...(observed.network.subnetId === undefined ? {} : { subnetId: observed.network.subnetId }),
      ...(observed.network.availabilityZone === undefined
        ? {}
        : { availabilityZone: observed.network.availabilityZone }),
      ...(observed.ami.imageId === undefined ? {} : { imageId: observed.ami.imageId }),
      ...(observed.key === undefined || key.kind === 'refuse'
        ? {}
        : { keyId: observed.key.keyId, keyArn: observed.key.arn }),
      ...(observed.securityGroup === undefined ? {} : { groupId: observed.securityGroup.groupId }),
      ...(host === undefined ? {} : { instanceId: host.instanceId }),
      ...(observed.network.managed === undefined ? {} : { network: networkIds(observed.network.managed) }),
      roleArn: observed.role?.arn ?? desired.role.arn,
      instanceProfileArn: observed.instanceProfile?.arn ?? desired.instanceProfile.arn,
      bucketName: desired.bucket.name,
      keyAlias: desired.key.alias,
    },
    summary: summarize(actions),
    warnings,
    ...withCost(networkCost(desired.network.mode)),
  };
}

const withCost = (cost: ReturnType<typeof networkCost>) =>
  cost === undefined ? {} : { cost: { ...cost, line: costLine(cost) } };

function summarize(actions: readonly PlannedAction[]): PlanSummary {
  const count = (kind: PlannedAction['kind']) => actions.filter((a) => a.kind === kind).length;
  return {
    create: count('create'),
    update: count('update'),
    noop: count('noop'),
    refuse: count('refuse'),
    writes: actions.reduce((n, a) => n + a.rounds.flat().length, 0),
  };
}

/** True when applying the plan would make no call. */
export function isNoop(plan: Plan): boolean {
  return plan.summary.writes === 0 && plan.summary.refuse === 0;
}

/** The first refusal, as the error apply throws. */
export function refusalOf(plan: Plan): PlannedAction | undefined {
  return plan.actions.find((a) => a.kind === 'refuse');
}

/** Each node's cost for the critical path: its rounds, and whether it writes what a propagation edge waits for. */
export function planCosts(plan: Plan): Record<NodeId, NodeCost> {
  const waitedOn = new Set(Object.values(PROPAGATION_EDGES));
  const costs = {} as Record<NodeId, NodeCost>;
  for (const action of plan.actions) {
    const writesIam = action.rounds
      .flat()
      .some((op) => ['iam:CreateRole', 'iam:CreateInstanceProfile', 'iam:AddRoleToInstanceProfile'].includes(op.op));
    costs[action.node] = { rounds: action.rounds.length, propagates: waitedOn.has(action.node) && writesIam };
  }
  return costs;
}

/** The critical-path lower bound of applying this plan. */
export function planCriticalPath(plan: Plan, options: CriticalPathOptions): CriticalPath {
  return criticalPath(planCosts(plan), options);
}

// ---------------------------------------------------------------------------------------------
// Saved plans

const opSchema = z.object({ op: z.enum(OPS), detail: z.string(), data: z.record(z.string(), z.unknown()).optional() });
const actionSchema = z
  .object({
    node: z.enum(NODE_IDS),
    resource: z.string(),
    kind: z.enum(['create', 'update', 'noop', 'refuse']),
    reasons: z.array(z.string()),
    rounds: z.array(z.array(opSchema)),
    dependsOn: z.array(z.enum(NODE_IDS)),
    notes: z.array(z.string()),
  })
  .loose();
const planSchema = z
  .object({
    schemaVersion: z.literal(PLAN_SCHEMA_VERSION),
    kind: z.literal(PLAN_KIND),
    name: z.string(),
    accountId: z.string().regex(/^\d{12}$/),
    region: z.string(),
    toolVersion: z.string(),
    createdAt: z.string(),
    fingerprint: z.string().regex(/^sha256:[0-9a-f]{64}$/),
    inputs: z.object({ desiredHash: z.string(), observedHash: z.string() }),
    actions: z.array(actionSchema).length(NODE_IDS.length),
  })
  .loose();

/** Validate a saved plan's text (PLAN_INVALID on anything unexpected). */
export function parsePlanFile(text: string, path: string): Plan {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    fail(
      'PLAN_INVALID',
      `${path} is not valid JSON`,
      'write the plan with `cosigner-cli provision --plan-out <file>`',
      { cause: error },
    );
  }
  // A plan printed with --json sits in the envelope's result.
  const candidate =
    value !== null &&
    typeof value === 'object' &&
    'result' in value &&
    (value as { command?: unknown }).command === 'provision'
      ? value.result
      : value;
  const inner = candidate !== null && typeof candidate === 'object' && 'plan' in candidate ? candidate.plan : candidate;
  const parsed = planSchema.safeParse(inner);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    fail(
      'PLAN_INVALID',
      `${path} is not a provision plan: ${issue?.path.join('.') || '(root)'} ${issue?.message ?? ''}`.trim(),
      'write the plan with `cosigner-cli provision --plan-out <file>`',
    );
  }
  const plan = parsed.data as unknown as Plan;
  for (const action of plan.actions) {
    if (action.dependsOn.join() !== DEPENDENCIES[action.node].join())
      fail(
        'PLAN_INVALID',
        `${path}: the dependencies of ${action.node} were edited`,
        'write a fresh plan with --plan-out',
      );
  }
  return plan;
}

/** Refuse a saved plan computed for another co-signer, account or region, or from other inputs. */
export function checkSavedPlan(saved: Plan, current: Plan, path: string): void {
  if (saved.name !== current.name || saved.accountId !== current.accountId || saved.region !== current.region) {
    fail(
      'PLAN_INVALID',
      `${path} was made for ${saved.name} in ${saved.accountId}/${saved.region}, not ${current.name} in ${current.accountId}/${current.region}`,
      'apply it with the config, account and region it was made for, or write a new plan',
    );
  }
  if (saved.inputs.desiredHash !== current.inputs.desiredHash) {
    fail(
      'PLAN_STALE',
      `the config changed since ${path} was written`,
      'review a new plan: cosigner-cli provision --plan-out <file>',
      { context: { saved: saved.fingerprint, current: current.fingerprint } },
    );
  }
  if (saved.fingerprint !== current.fingerprint) {
    fail(
      'PLAN_STALE',
      `the AWS resources changed since ${path} was written`,
      'review a new plan: cosigner-cli provision --plan-out <file>',
      { context: { saved: saved.fingerprint, current: current.fingerprint } },
    );
  }
}
