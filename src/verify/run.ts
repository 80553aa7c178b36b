/**
 * The account audit: who is calling (account, region), which co-signers to audit (the configured
 * or named one, or with `all` every co-signer the account's tags show, found as `status` finds
 * them), then one audit per co-signer over one set of bounded, memoised reads. Read-only: every
 * call it makes is a Describe/Get/List/Lookup.
 */
import pLimit from 'p-limit';
import { describeCaller } from '../aws/identity.js';
import type { AwsPorts } from '../aws/ports.js';
import { validateConfig } from '../config/load.js';
import type { CosignerConfig } from '../config/schema.js';
import { CosignerError } from '../errors.js';
import { discover } from '../engine/discover.js';
import type { RetryTuning } from '../engine/journaled-call.js';
import { withReadRetry } from '../engine/resilient-ports.js';
import { withEarlierBucketName } from '../provision/earlier-bucket.js';
import { auditDeployment, type AuditSelection } from './audit.js';
import { DeploymentReads } from './deployment-reads.js';
import type { HostFacts } from './host-facts.js';
import type { ProbeRunner } from './probe.js';
import { AuditCalls } from './reads.js';
import { auditTarget, type AuditTarget } from './target.js';
import { countStatuses, type AuditReport, type StatusCounts } from './types.js';

export interface RunAuditRequest {
  /** Every co-signer in the account and region. */
  all: boolean;
  /** The configured co-signer (file or flags): its expectations are the config's. */
  config?: CosignerConfig;
  configSource: 'config' | 'defaults';
  /** Start of the CloudTrail lookback window. */
  since: Date;
  selection?: AuditSelection;
  /** Expected PCR8 values given on the command line. */
  expectPcr8?: readonly string[];
  host?: HostFacts;
  /** Built once the caller is known (it runs as the co-signer's role). */
  probe?: ProbeRunner;
  /** AWS calls in flight at most. @default 10 */
  concurrency?: number;
}

export interface RunAuditDeps {
  ports: AwsPorts;
  now: () => Date;
  /** The one retry's tuning for reads the SDK gave up on (tests shorten its pauses). */
  retry?: RetryTuning;
}

/** With `--all`: one report per co-signer and the sum of their counts. */
export interface MultiAuditReport {
  accountId: string;
  region: string;
  deployments: AuditReport[];
  summary: StatusCounts;
}

export type VerifyAuditResult = AuditReport | MultiAuditReport;

export function isMultiReport(result: VerifyAuditResult): result is MultiAuditReport {
  return 'deployments' in result;
}

/**
 * Does the co-signer exist in this region? Its key, bucket or host (the role is global: a role
 * alone is another region's co-signer). Absent everywhere, with every lookup answered, means no;
 * a lookup that failed counts as maybe (the audit then reports what it could not read).
 */
async function exists(target: AuditTarget, calls: AuditCalls): Promise<boolean> {
  const reads = new DeploymentReads(target, calls);
  // Reads the audit needs anyway start now too (memoised): one round less before the checks.
  void reads.role();
  void reads.trails();
  const outcomes = await Promise.all([reads.key(), reads.bucket(), reads.instances()]);
  return outcomes.some((o) => !o.ok || (Array.isArray(o.value) ? o.value.length > 0 : o.value !== undefined));
}

export async function runAudit(request: RunAuditRequest, deps: RunAuditDeps): Promise<VerifyAuditResult> {
  // Reads the SDK gave up on (throttled, 5xx, reset) get the engine's transient rounds, as status's do.
  const ports = withReadRetry(deps.ports, deps.retry === undefined ? {} : { retry: deps.retry });
  const identity = await describeCaller(ports);
  const now = deps.now();
  const calls = new AuditCalls(ports, pLimit(request.concurrency ?? 10));
  const where = { accountId: identity.accountId, region: identity.region };
  const targetFor = async (named: CosignerConfig, source: 'config' | 'defaults') => {
    // The bucket under the name an earlier version derived, as provision and status find it. A
    // failed lookup keeps today's name: the bucket checks then report what they read under it.
    const { config } = await withEarlierBucketName(ports, named, where).catch(() => ({ config: named }));
    return auditTarget({
      config,
      source,
      accountId: identity.accountId,
      region: identity.region,
      since: request.since,
      now,
      ...(request.expectPcr8 === undefined ? {} : { expectPcr8: request.expectPcr8 }),
    });
  };
  const place = `account ${identity.accountId}, region ${identity.region}`;
  const options = {
    ...(request.selection === undefined ? {} : { selection: request.selection }),
    ...(request.host === undefined ? {} : { host: request.host }),
    ...(request.probe === undefined ? {} : { probe: request.probe }),
  };

  if (!request.all) {
    if (request.config === undefined)
      throw new CosignerError('INPUT_REQUIRED', 'which co-signer? no config file and no --name', {
        hint: 'pass --name <name> or --config <file>, or --all for every co-signer',
        context: { flag: '--name' },
      });
    const target = await targetFor(request.config, request.configSource);
    if (!(await exists(target, calls)))
      throw new CosignerError('VERIFY_NO_DEPLOYMENT', `no co-signer ${target.name} in ${place}`, {
        hint: `no key ${target.keyRef.value}, bucket ${target.bucketName} or tagged host was found: check --name, --region and --profile, or list what exists with \`cosigner-cli status --all\``,
        context: { name: target.name, accountId: identity.accountId, region: identity.region },
      });
    return auditDeployment(target, calls, options);
  }

  const found = await discover(ports);
  const names = new Set(found.byName.keys());
  if (request.config !== undefined && request.configSource === 'config') names.add(request.config.name);
  const targets: AuditTarget[] = [];
  for (const name of [...names].sort()) {
    const configured = request.config !== undefined && request.config.name === name ? request.config : undefined;
    const config =
      configured !== undefined
        ? configured
        : validateConfig({ name, aws: { region: identity.region } }, `co-signer ${name} (found by its tags)`);
    const target = await targetFor(config, request.config?.name === name ? request.configSource : 'defaults');
    if (await exists(target, calls)) targets.push(target);
  }
  if (targets.length === 0)
    throw new CosignerError('VERIFY_NO_DEPLOYMENT', `no co-signer in ${place}`, {
      hint: 'nothing carries cosigner-cli tags here: check --region and --profile, or create one with `cosigner-cli provision`',
      context: { accountId: identity.accountId, region: identity.region },
    });
  const deployments = await Promise.all(targets.map((target) => auditDeployment(target, calls, options)));
  const summary = countStatuses(deployments.flatMap((d) => d.findings));
  return { accountId: identity.accountId, region: identity.region, deployments, summary };
}
