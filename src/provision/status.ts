/**
 * Status: every co-signer in the account and region (by tags), each resource with its state, and
 * for the configured co-signer the drift from its config (the provision plan's pending changes and
 * notes). Read calls only. The enclave itself runs inside the host, beyond the reach of AWS APIs:
 * status reports whether the host has Nitro Enclaves enabled and says where to ask for the rest.
 */
import { dirname } from 'node:path';
import { describeCaller } from '../aws/identity.js';
import type { AwsPorts } from '../aws/ports.js';
import type { CosignerConfig } from '../config/schema.js';
import { discover, type FoundResource } from './discover.js';
import { Journal, journalPath } from './journal.js';
import { planProvision } from './provision.js';
import { withReadRetry } from './read-retry.js';
import type { ActionKind } from './plan-types.js';

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

export interface CoSignerStatus {
  name: string;
  configured: boolean;
  resources: ResourceStatus[];
  /** Kinds of resource a complete co-signer has that were not found. */
  missing: FoundResource['kind'][];
  host?: { id: string; state: string; enclaveEnabled: boolean; enclave: string };
  /** Only for the configured co-signer: where AWS differs from the config. */
  drift?: DriftItem[];
  inSync?: boolean;
}

export interface StatusResult {
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
}

const KINDS: FoundResource['kind'][] = ['role', 'instanceProfile', 'bucket', 'key', 'securityGroup', 'instance'];

export async function runStatusFlow(request: { all: boolean; name?: string }, deps: StatusDeps): Promise<StatusResult> {
  const ports = withReadRetry(deps.ports);
  const identity = await describeCaller(ports);
  const only = request.all ? undefined : (request.name ?? deps.config?.name);
  const found = await discover(ports, only === undefined ? {} : { name: only });
  const names = new Set(found.byName.keys());
  if (deps.config !== undefined && (request.all || deps.config.name === only)) names.add(deps.config.name);
  if (only !== undefined) names.add(only);
  const coSigners: CoSignerStatus[] = [];
  for (const name of [...names].sort()) {
    const resources = (found.byName.get(name) ?? []).map((r) => ({ kind: r.kind, id: r.id, ...(r.name === undefined ? {} : { name: r.name }), state: r.state, adopted: r.adopted, detail: r.detail }));
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
              enclave: instance.state === 'running' ? 'not visible through AWS: run `nitro-cli describe-enclaves` on the host' : `none (the host is ${instance.state})`,
            },
          }),
    };
    if (deps.config?.name === name) {
      // The journal (read, not locked) finds a key an interrupted run created before its alias.
      const scope = { name, accountId: identity.accountId, region: identity.region };
      const journal = await Journal.open(journalPath(dirname(deps.configPath), scope), scope).catch(() => undefined);
      const { plan } = await planProvision({ ports, config: deps.config, now: deps.now }, journal, identity);
      status.drift = plan.actions.filter((a) => a.kind !== 'noop' || a.notes.length > 0).map((a) => ({ resource: a.resource, kind: a.kind, reasons: a.kind === 'noop' ? [] : a.reasons, notes: a.notes }));
      status.inSync = plan.actions.every((a) => a.kind === 'noop');
    }
    coSigners.push(status);
  }
  return { accountId: identity.accountId, region: identity.region, coSigners };
}
