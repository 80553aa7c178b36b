/**
 * Status: every co-signer in the account and region (by tags), each resource with its state, and
 * for the configured co-signer the drift from its config: the provision plan's pending changes,
 * refusals and notes, where the host differs from the config, the statements of the live key and bucket policies that are not ours, and the
 * PCR8 values the live key policy admits that differ from the config's. Read calls only. The
 * enclave itself runs inside the host, beyond the reach of AWS APIs: status reports whether the
 * host has Nitro Enclaves enabled and says where to ask for the rest.
 */
import { dirname } from 'node:path';
import { describeCaller } from '../aws/identity.js';
import type { AwsPorts } from '../aws/ports.js';
import type { CosignerConfig } from '../config/schema.js';
import { OWNED_BUCKET_POLICY_SIDS, OWNED_KEY_POLICY_SIDS } from '../policy/constants.js';
import { foreignStatements } from '../policy/merge.js';
import { pcr8Change, pcr8ValuesOf } from '../policy/pcr8.js';
import type { PolicyDocument } from '../policy/types.js';
import { discover, type FoundResource } from '../engine/discover.js';
import { Journal, journalPath } from '../engine/journal.js';
import { planProvision } from '../provision/provision.js';
import { hostDrift } from '../provision/plan-ec2.js';
import type { RetryTuning } from '../engine/journaled-call.js';
import { withReadRetry } from '../engine/resilient-ports.js';
import type { ActionKind } from '../provision/plan-types.js';

export interface ResourceStatus {
  kind: FoundResource['kind'];
  id: string;
  name?: string;
  state: string;
  adopted: boolean;
  detail: Record<string, unknown>;
}

export interface DriftItem {
  resource: string;
  kind: ActionKind;
  reasons: string[];
  notes: string[];
}

/** A statement of a policy, by Sid when it has one, else by its index. */
export interface StatementRef {
  index: number;
  sid?: string;
}

/** The PCR8 values the live key policy admits against the config's. */
export interface Pcr8Status {
  live: string[];
  config: string[];
  /** In the live policy, not in the config. */
  onlyLive: string[];
  /** In the config, not in the live policy. */
  onlyConfig: string[];
}

export interface CoSignerStatus {
  name: string;
  configured: boolean;
  resources: ResourceStatus[];
  /** Kinds of resource a complete co-signer has that were not found. */
  missing: FoundResource['kind'][];
  host?: { id: string; state: string; enclaveEnabled: boolean; enclave: string };
  /** Only for the configured co-signer: where AWS differs from the config. */
  drift?: DriftItem[];
  /** Only for the configured co-signer: statements of the live policies that are not ours (drift). */
  foreignStatements?: { keyPolicy: StatementRef[]; bucketPolicy: StatementRef[] };
  /**
   * Only for the configured co-signer: where its host differs from the config (IMDS, security groups,
   * public IP, root volume, enclave, instance profile, a stopped or second host). Provision never
   * replaces a host, so this is drift it leaves to the operator, one item per difference.
   */
  hostDrift?: string[];
  /** Only for the configured co-signer with a readable key policy: its PCR8 values against the config's. */
  pcr8?: Pcr8Status;
  /** No pending change, no host drift, no foreign statement, and the key admits exactly the config's PCR8 values. */
  inSync?: boolean;
}

/** What exists for each co-signer of the account and region, and the configured one's drift. */
export interface StatusReport {
  accountId: string;
  region: string;
  coSigners: CoSignerStatus[];
}

export interface StatusDeps {
  ports: AwsPorts;
  /** The configured co-signer, if any: its drift is computed. */
  config?: CosignerConfig;
  configPath: string;
  now: () => Date;
  /** The run's tuning of the retry policies (tests shorten the pauses). */
  retry?: RetryTuning;
}

const KINDS: FoundResource['kind'][] = ['role', 'instanceProfile', 'bucket', 'key', 'securityGroup', 'instance'];

export async function runStatusFlow(request: { all: boolean; name?: string }, deps: StatusDeps): Promise<StatusReport> {
  const ports = withReadRetry(deps.ports, deps.retry === undefined ? {} : { retry: deps.retry });
  const identity = await describeCaller(ports);
  const only = request.all ? undefined : (request.name ?? deps.config?.name);
  const found = await discover(ports, only === undefined ? {} : { name: only });
  const names = new Set(found.byName.keys());
  if (deps.config !== undefined && (request.all || deps.config.name === only)) names.add(deps.config.name);
  if (only !== undefined) names.add(only);
  const coSigners: CoSignerStatus[] = [];
  for (const name of [...names].sort()) {
    const resources = (found.byName.get(name) ?? []).map((r) => ({
      kind: r.kind,
      id: r.id,
      ...(r.name === undefined ? {} : { name: r.name }),
      state: r.state,
      adopted: r.adopted,
      detail: r.detail,
    }));
    const instance = resources.find((r) => r.kind === 'instance');
    const status: CoSignerStatus = {
      name,
      configured: deps.config?.name === name,
      resources,
      missing: KINDS.filter((kind) => !resources.some((r) => r.kind === kind)),
      ...(instance === undefined
        ? {}
        : {
            host: {
              id: instance.id,
              state: instance.state,
              enclaveEnabled: instance.detail['enclave'] === true,
              enclave:
                instance.state === 'running'
                  ? 'not visible through AWS: run `nitro-cli describe-enclaves` on the host'
                  : `none (the host is ${instance.state})`,
            },
          }),
    };
    if (deps.config?.name === name) {
      // The journal (read, not locked) finds a key an interrupted run created before its alias.
      const scope = { name, accountId: identity.accountId, region: identity.region };
      const journal = await Journal.open(journalPath(dirname(deps.configPath), scope), scope).catch(() => undefined);
      const { plan, observed, desired } = await planProvision(
        { ports, config: deps.config, now: deps.now },
        journal,
        identity,
      );
      status.drift = plan.actions
        .filter((a) => a.kind !== 'noop' || a.notes.length > 0)
        .map((a) => ({
          resource: a.resource,
          kind: a.kind,
          reasons: a.kind === 'noop' ? [] : a.reasons,
          notes: a.notes,
        }));
      // Statements the config does not describe are drift even where provision keeps them.
      const refs = (policy: PolicyDocument | undefined, owned: readonly string[]) =>
        policy === undefined
          ? []
          : foreignStatements(policy, owned).map(({ index, statement }) => ({
              index,
              ...(statement.Sid === undefined ? {} : { sid: statement.Sid }),
            }));
      status.foreignStatements = {
        keyPolicy: refs(observed.key?.policy, OWNED_KEY_POLICY_SIDS),
        bucketPolicy: refs(
          observed.bucket.status === 'present' ? observed.bucket.policy : undefined,
          OWNED_BUCKET_POLICY_SIDS,
        ),
      };
      if (observed.key?.policy !== undefined) {
        const live = pcr8ValuesOf(observed.key.policy);
        const { added, removed } = pcr8Change(live, desired.key.pcr8.values);
        status.pcr8 = { live, config: [...desired.key.pcr8.values], onlyLive: removed, onlyConfig: added };
      }
      // A host that differs from the config is drift even though provision leaves it as it is.
      status.hostDrift = hostDrift(desired, observed);
      const pcr8Differs =
        status.pcr8 !== undefined && (status.pcr8.onlyLive.length > 0 || status.pcr8.onlyConfig.length > 0);
      const foreign = status.foreignStatements.keyPolicy.length + status.foreignStatements.bucketPolicy.length > 0;
      status.inSync =
        plan.actions.every((a) => a.kind === 'noop') && status.hostDrift.length === 0 && !foreign && !pcr8Differs;
    }
    coSigners.push(status);
  }
  return { accountId: identity.accountId, region: identity.region, coSigners };
}
