// The resource graph and the critical-path lower bound a plan's wall time is measured against.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  criticalPath,
  dependants,
  NODE_IDS,
  topologicalOrder,
  type NodeCost,
  type NodeId,
} from '../../src/provision/graph.js';
import { buildPlan, planCosts, planCriticalPath } from '../../src/provision/plan.js';
import { CALLER, convergedObserved, desiredFor, emptyObserved } from './fixtures.js';

const costs = (rounds: Partial<Record<NodeId, number>>, propagating: NodeId[] = []): Record<NodeId, NodeCost> =>
  Object.fromEntries(
    NODE_IDS.map((id) => [id, { rounds: rounds[id] ?? 0, propagates: propagating.includes(id) }]),
  ) as Record<NodeId, NodeCost>;

describe('the resource graph', () => {
  it('orders every node after what it depends on', () => {
    expect(topologicalOrder()).toEqual([
      'role',
      'bucket',
      'instanceProfile',
      'key',
      'rolePolicy',
      'network',
      'securityGroup',
      'ami',
      'instance',
    ]);
    expect(dependants('network')).toEqual(['securityGroup', 'instance']);
    expect(dependants('role')).toEqual(['instanceProfile', 'key', 'rolePolicy', 'instance']);
  });
});

describe('the critical path', () => {
  it('of a fresh provision: the key waits for the role to propagate, the host for the profile', () => {
    const desired = desiredFor();
    const plan = buildPlan({
      desired,
      observed: emptyObserved(desired),
      bucketAttempted: false,
      callerArn: CALLER,
      now: new Date(),
    });
    expect(planCosts(plan).role).toEqual({ rounds: 1, propagates: true });
    const path = planCriticalPath(plan, { latencyMs: 150, propagationMs: 10_000 });
    // role 150 → visible 10150 → CreateKey takes effect then → alias 10300 → inline policy 10450;
    // profile 450 → visible 10450 → RunInstances 10450.
    expect(path.boundMs).toBe(10_450);
    expect(path.finishMs.instance).toBe(10_450);
    expect(path.path).toEqual(['role', 'key', 'rolePolicy']);
  });

  it('of a no-op plan is zero', () => {
    const desired = desiredFor();
    const plan = buildPlan({
      desired,
      observed: convergedObserved(desired),
      bucketAttempted: false,
      callerArn: CALLER,
      now: new Date(),
    });
    expect(planCriticalPath(plan, { latencyMs: 150, propagationMs: 10_000 }).boundMs).toBe(0);
  });

  it('waits for propagation only when the dependency was written in this run', () => {
    const bound = criticalPath(costs({ key: 2, rolePolicy: 1 }), { latencyMs: 100, propagationMs: 5000 });
    expect(bound.boundMs).toBe(300);
  });

  it('never shrinks when calls get slower or IAM slower (property)', () => {
    fc.assert(
      fc.property(
        fc.record(
          Object.fromEntries(NODE_IDS.map((id) => [id, fc.integer({ min: 0, max: 3 })])) as Record<
            NodeId,
            fc.Arbitrary<number>
          >,
        ),
        fc.integer({ min: 1, max: 500 }),
        fc.integer({ min: 0, max: 20_000 }),
        (rounds, latency, propagation) => {
          const c = costs(rounds, ['role', 'instanceProfile']);
          const base = criticalPath(c, { latencyMs: latency, propagationMs: propagation }).boundMs;
          expect(
            criticalPath(c, { latencyMs: latency + 1, propagationMs: propagation }).boundMs,
          ).toBeGreaterThanOrEqual(base);
          expect(
            criticalPath(c, { latencyMs: latency, propagationMs: propagation + 1 }).boundMs,
          ).toBeGreaterThanOrEqual(base);
          // Never less than the longest chain of rounds without any propagation.
          expect(base).toBeGreaterThanOrEqual(criticalPath(c, { latencyMs: latency, propagationMs: 0 }).boundMs);
        },
      ),
    );
  });
});
