/**
 * One deployment's audit: every check of the catalogue in its order, the selected ones run over
 * shared reads (each read started once, up front, under the concurrency bound), the others SKIP.
 * No check can crash the audit or pass without evidence: an exception is an ERROR finding, and a
 * PASS with empty evidence is turned into an ERROR (a bug, reported as one).
 */
import { CATALOGUE } from './catalogue.js';
import type { CheckContext, CheckDefinition, CheckOutcome } from './check.js';
import { CLOUDTRAIL_CHECKS } from './checks/cloudtrail.js';
import { EC2_CHECKS } from './checks/ec2.js';
import { HOST_CHECKS } from './checks/host.js';
import { IAM_CHECKS } from './checks/iam.js';
import { KMS_CHECKS } from './checks/kms.js';
import { S3_CHECKS } from './checks/s3.js';
import { DeploymentReads } from './deployment-reads.js';
import type { HostFacts } from './host-facts.js';
import type { ProbeRunner } from './probe.js';
import type { AuditCalls } from './reads.js';
import type { AuditTarget } from './target.js';
import { countStatuses, type AuditReport, type Finding } from './types.js';

/** Every check, in the catalogue's order. */
export const CHECKS: readonly CheckDefinition[] = orderByCatalogue([
  ...KMS_CHECKS,
  ...S3_CHECKS,
  ...IAM_CHECKS,
  ...EC2_CHECKS,
  ...CLOUDTRAIL_CHECKS,
  ...HOST_CHECKS,
]);

function orderByCatalogue(checks: CheckDefinition[]): CheckDefinition[] {
  return CATALOGUE.map((meta) => {
    const check = checks.find((c) => c.id === meta.id);
    if (check === undefined) throw new Error(`check ${meta.id} has no implementation`);
    return check;
  });
}

export interface AuditSelection {
  /** Only these check ids (`--check`). */
  only?: readonly string[];
  /** Not these (`--skip`). */
  skip?: readonly string[];
}

export interface AuditDeploymentOptions {
  selection?: AuditSelection;
  host?: HostFacts;
  probe?: ProbeRunner;
}

function selectedReason(check: CheckDefinition, selection: AuditSelection): string | undefined {
  if (selection.only !== undefined && selection.only.length > 0 && !selection.only.includes(check.id))
    return 'not selected (--check)';
  if (selection.skip?.includes(check.id) === true) return 'not selected (--skip)';
  return undefined;
}

/** Run one check; an exception or a PASS without evidence becomes an ERROR finding (never a crash, never a bare PASS). */
export async function runCheck(check: CheckDefinition, ctx: CheckContext): Promise<CheckOutcome> {
  try {
    const outcome = await check.run(ctx);
    if (outcome.status === 'PASS' && Object.keys(outcome.evidence).length === 0)
      return {
        status: 'ERROR',
        resource: outcome.resource,
        evidence: {
          error: 'INTERNAL',
          message: `${check.id} passed without evidence; a PASS needs evidence (please report this)`,
        },
      };
    return outcome;
  } catch (error) {
    return {
      status: 'ERROR',
      resource: ctx.target.name,
      evidence: {
        error: 'INTERNAL',
        message: `the check failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`,
      },
    };
  }
}

/** Audit one deployment. Never throws for a failed read or check: those are ERROR findings. */
export async function auditDeployment(
  target: AuditTarget,
  calls: AuditCalls,
  options: AuditDeploymentOptions = {},
): Promise<AuditReport> {
  const reads = new DeploymentReads(target, calls);
  const derived = new Map<string, Promise<unknown>>();
  const ctx: CheckContext = {
    target,
    reads,
    derive<T>(name: string, compute: () => Promise<T>): Promise<T> {
      let value = derived.get(name) as Promise<T> | undefined;
      if (value === undefined) {
        value = compute();
        derived.set(name, value);
      }
      return value;
    },
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.probe === undefined ? {} : { probe: options.probe }),
  };
  const selection = options.selection ?? {};
  const active = CHECKS.filter((check) => selectedReason(check, selection) === undefined);
  // Start every read the selected checks need at once; the bound in AuditCalls paces them.
  const wanted = new Set(active.flatMap((check) => check.reads));
  for (const name of wanted) void reads[name]();
  const outcomes = await Promise.all(
    CHECKS.map((check): Promise<CheckOutcome> => {
      const reason = selectedReason(check, selection);
      if (reason !== undefined) return Promise.resolve({ status: 'SKIP', resource: target.name, evidence: { reason } });
      return runCheck(check, ctx);
    }),
  );
  const findings: Finding[] = CHECKS.map((check, i) => {
    const outcome = outcomes[i] as CheckOutcome;
    return {
      checkId: check.id,
      status: outcome.status,
      severity: check.severity,
      title: check.title,
      resource: outcome.resource,
      evidence: outcome.evidence,
      remediation: check.remediation,
    };
  });
  return {
    deployment: { name: target.name, accountId: target.accountId, region: target.region, profile: target.profile },
    findings,
    summary: countStatuses(findings),
  };
}
