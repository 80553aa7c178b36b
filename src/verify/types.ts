/**
 * The audit's public shapes: statuses, severities, findings and the result document. These names
 * are a contract (reference/verify-checks.md): scripts and dashboards key on them, so they only
 * ever grow.
 */

export type CheckStatus = 'PASS' | 'FAIL' | 'WARN' | 'ERROR' | 'SKIP';

/** Most severe first. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Rank of a severity: 0 for critical, 4 for info. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

export function isSeverity(value: string): value is Severity {
  return (SEVERITIES as readonly string[]).includes(value);
}

/** What a check reports about one resource. Evidence never holds a secret. */
export interface Finding {
  checkId: string;
  status: CheckStatus;
  severity: Severity;
  title: string;
  /** An ARN, or the resource's id where it has no ARN. */
  resource: string;
  evidence: Record<string, unknown>;
  remediation: string;
}

export type StatusCounts = Record<CheckStatus, number>;

/** The deployment an audit is about. */
export interface AuditedDeployment {
  name: string;
  accountId: string;
  region: string;
  /** The key policy profile the deployment is judged against. */
  profile: 'hardened' | 'fireblocks-exact';
}

/** `verify --json` (one deployment): the contract's `result`. */
export interface AuditReport {
  deployment: AuditedDeployment;
  findings: Finding[];
  summary: StatusCounts;
}

export function countStatuses(findings: readonly Finding[]): StatusCounts {
  const counts: StatusCounts = { PASS: 0, FAIL: 0, WARN: 0, ERROR: 0, SKIP: 0 };
  for (const finding of findings) counts[finding.status] += 1;
  return counts;
}
