/**
 * A harness for apply's operation handlers (src/provision/apply-ops.ts): one planned operation run
 * as apply runs it (a journaled call, no waiting between retries) against a sandbox account kept
 * in memory, with the state earlier operations would have filled in. Tests set the account up
 * (including what "someone else" made meanwhile) and check what the handler did to it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { createSandboxPorts, SandboxMemory, type SandboxPorts } from '../../src/aws/sandbox/index.js';
import { HANDLERS, type ApplyState, type OpContext } from '../../src/provision/apply-ops.js';
import { journaledCall, type JournaledCallDeps } from '../../src/engine/journaled-call.js';
import { validateConfig } from '../../src/config/load.js';
import { computeDesired, type DesiredState } from '../../src/provision/desired.js';
import type { NodeId } from '../../src/provision/graph.js';
import { Journal } from '../../src/engine/journal.js';
import type { OpName } from '../../src/provision/plan-types.js';
import { ACCOUNT, CALLER } from './fixtures.js';

export const EC2_TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

export interface Harness {
  ports: SandboxPorts;
  desired: DesiredState;
  state: ApplyState;
  journal: Journal;
  warnings: string[];
  /** Run one planned operation's handler on behalf of `node`. */
  run(op: OpName, data?: Record<string, unknown>, node?: NodeId): Promise<void>;
  /** The journal's entries for `op`, as [phase, error code]. */
  journaled(op: OpName): [string, string | undefined][];
}

const NODE_OF: Record<string, NodeId> = {
  iam: 'role',
  s3: 'bucket',
  kms: 'key',
  ec2: 'securityGroup',
};

export async function harness(
  config: Record<string, unknown> = {},
  wrap: (ports: SandboxPorts) => SandboxPorts = (p) => p,
): Promise<Harness> {
  const config_ = validateConfig({ name: 'demo', aws: { region: 'eu-west-1' }, ...config }, 'test config');
  const desired = computeDesired({
    config: config_,
    accountId: ACCOUNT,
    region: config_.aws.region!,
    toolVersion: '1.0.0',
  });
  const dir = mkdtempSync(join(tmpdir(), 'cosigner-apply-'));
  const ports = wrap(
    await createSandboxPorts({
      dir: join(dir, 'sandbox'),
      memory: new SandboxMemory(),
      region: desired.region,
      env: {},
      knobs: { latencyMs: 0, iamPropagationDelayMs: 0, retryBaseMs: 0, instanceTransitionMs: 0 },
    }),
  );
  const journal = await Journal.open(join(dir, 'journal.json'), {
    name: desired.name,
    accountId: ACCOUNT,
    region: desired.region,
  });
  const state: ApplyState = {
    roleArn: desired.role.arn,
    instanceProfileArn: desired.instanceProfile.arn,
    bucketName: desired.bucket.name,
    policies: {},
    retiredKeys: [],
  };
  const warnings: string[] = [];
  const limit = pLimit(4);
  const deps: JournaledCallDeps = {
    journal,
    limit,
    region: desired.region,
    // No waiting: one quick retry of a transient failure, and IAM propagation given up at once.
    retry: {
      transientAttempts: 1,
      transientDelayMs: 1,
      propagationInitialDelayMs: 1,
      propagationMaxDelayMs: 1,
      propagationMaxWaitMs: 0,
    },
    stopped: () => undefined,
    progress: () => undefined,
  };
  return {
    ports,
    desired,
    state,
    journal,
    warnings,
    run(op, data, node = NODE_OF[op.split(':')[0] ?? ''] ?? 'role') {
      const planned = { op, detail: op, ...(data === undefined ? {} : { data }) };
      const ctx: OpContext = {
        ports,
        desired,
        state,
        journal,
        node,
        op: planned,
        limit,
        call: (spec) => journaledCall(deps, { ...spec, node, op }),
        callAs: (name, spec) => journaledCall(deps, { ...spec, node, op: name }),
        warn: (text) => warnings.push(text),
        wait: () => Promise.resolve(),
        callerArn: CALLER,
      };
      const handler = HANDLERS[op];
      if (handler === undefined) throw new Error(`no handler for ${op}`);
      return handler(ctx);
    },
    journaled: (op) => journal.entries.filter((e) => e.op === op).map((e) => [e.phase, e.error?.code]),
  };
}
