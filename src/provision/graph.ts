/**
 * The resource graph of one co-signer and the arithmetic on it: the fixed dependency edges
 * (fireblocks-aws.md §1.2: role before the policies that name it, key before the inline policy that
 * names it, instance profile before the instance), a topological order, and the critical-path
 * lower bound of a plan's wall time for a given per-call latency and IAM propagation delay.
 */

/** Every node, in the order Fireblocks documents the steps. */
export const NODE_IDS = [
  'role',
  'bucket',
  'instanceProfile',
  'key',
  'rolePolicy',
  'network',
  'securityGroup',
  'ami',
  'instance',
] as const;
export type NodeId = (typeof NODE_IDS)[number];

/**
 * What each node waits for. The bucket does not wait for the role: its policy names the role only
 * inside a condition, which S3 does not resolve. The instance does not wait for the key or the
 * inline policy: nothing on the host uses them until the co-signer is installed. The security
 * group goes into the network's VPC, and the host waits for its way out (the NAT route of a
 * managed network): its user data installs packages at first boot.
 */
export const DEPENDENCIES: Readonly<Record<NodeId, readonly NodeId[]>> = {
  role: [],
  bucket: [],
  instanceProfile: ['role'],
  key: ['role'],
  rolePolicy: ['role', 'bucket', 'key'],
  network: [],
  securityGroup: ['network'],
  ami: [],
  instance: ['instanceProfile', 'network', 'securityGroup', 'ami'],
};

/**
 * Edges across which IAM eventual consistency applies: the dependant's first call can fail until
 * the dependency, if it was just written, is visible to the other service.
 */
export const PROPAGATION_EDGES: Readonly<Partial<Record<NodeId, NodeId>>> = {
  // KMS rejects a key policy naming a role it cannot resolve yet.
  key: 'role',
  // EC2 rejects an instance profile IAM has not replicated yet.
  instance: 'instanceProfile',
};

/** Nodes in dependency order (stable: ties keep NODE_IDS order). */
export function topologicalOrder(deps: Readonly<Record<NodeId, readonly NodeId[]>> = DEPENDENCIES): NodeId[] {
  const done = new Set<NodeId>();
  const order: NodeId[] = [];
  while (order.length < NODE_IDS.length) {
    const next = NODE_IDS.find((id) => !done.has(id) && deps[id].every((dep) => done.has(dep)));
    if (next === undefined) throw new Error('the resource graph has a cycle');
    done.add(next);
    order.push(next);
  }
  return order;
}

/** Nodes that (transitively) depend on `id`. */
export function dependants(id: NodeId): NodeId[] {
  const out = new Set<NodeId>();
  const visit = (target: NodeId) => {
    for (const node of NODE_IDS) {
      if (DEPENDENCIES[node].includes(target) && !out.has(node)) {
        out.add(node);
        visit(node);
      }
    }
  };
  visit(id);
  return NODE_IDS.filter((node) => out.has(node));
}

/** The work of one node as the bound sees it. */
export interface NodeCost {
  /** Sequential rounds of calls (calls inside a round run in parallel). */
  rounds: number;
  /** True when the node writes something that a propagation edge waits for. */
  propagates: boolean;
}

export interface CriticalPathOptions {
  /** Latency of one API call. */
  latencyMs: number;
  /** How long IAM takes to make a freshly written role or instance profile usable elsewhere. */
  propagationMs: number;
}

export interface CriticalPath {
  /** The lower bound of the apply phase's wall time. */
  boundMs: number;
  /** The nodes on the longest path, first to last. */
  path: NodeId[];
  /** Earliest finish of each node. */
  finishMs: Record<NodeId, number>;
}

/**
 * The earliest each node can finish with unbounded parallelism. A node starts when its
 * dependencies finish and needs one latency per round. Across a propagation edge its first call
 * can be sent early but only takes effect once the dependency's write has propagated: that round
 * finishes at the later of "sent at start, one latency" and "the write became visible" (a call's
 * effect is taken at the end of its latency, the most optimistic reading, so this stays a lower
 * bound). A node that writes nothing finishes when it starts.
 */
export function criticalPath(costs: Readonly<Record<NodeId, NodeCost>>, options: CriticalPathOptions): CriticalPath {
  const finish = {} as Record<NodeId, number>;
  // The node whose finish set this node's finish; to walk the path back.
  const via = {} as Record<NodeId, NodeId | undefined>;
  // When the write of a propagating node became visible to the other services.
  const visible = {} as Record<NodeId, number>;
  for (const id of topologicalOrder()) {
    let start = 0;
    let from: NodeId | undefined;
    for (const dep of DEPENDENCIES[id]) {
      if (finish[dep] > start) {
        start = finish[dep];
        from = dep;
      }
    }
    const cost = costs[id];
    let firstRound = start + (cost.rounds > 0 ? options.latencyMs : 0);
    const waitsOn = PROPAGATION_EDGES[id];
    if (waitsOn !== undefined && cost.rounds > 0 && visible[waitsOn] > firstRound) {
      firstRound = visible[waitsOn];
      from = waitsOn;
    }
    finish[id] = cost.rounds === 0 ? start : firstRound + (cost.rounds - 1) * options.latencyMs;
    visible[id] = cost.propagates ? finish[id] + options.propagationMs : finish[id];
    via[id] = from;
  }
  let last = NODE_IDS[0] as NodeId;
  for (const id of NODE_IDS) if (finish[id] > finish[last]) last = id;
  const path: NodeId[] = [];
  for (let node: NodeId | undefined = last; node !== undefined; node = via[node]) path.unshift(node);
  return { boundMs: finish[last], path, finishMs: finish };
}
