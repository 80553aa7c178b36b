/**
 * The audit on a terminal: a header with the counts, then the findings grouped by severity (most
 * severe first), failures first in each group with why and how to fix, then errors naming the
 * read that failed, warnings, passes and skips. Every string from AWS is escaped (safe-text.ts).
 */
import { escapeControl } from '../io/safe-text.js';
import type { Style } from '../io/style.js';
import { SEVERITIES, type AuditReport, type CheckStatus, type Finding, type StatusCounts } from './types.js';

const ORDER: readonly CheckStatus[] = ['FAIL', 'ERROR', 'WARN', 'PASS', 'SKIP'];

function mark(status: CheckStatus, style: Style): string {
  switch (status) {
    case 'FAIL':
      return style.red('✖ FAIL ');
    case 'ERROR':
      return style.yellow('! ERROR');
    case 'WARN':
      return style.yellow('▲ WARN ');
    case 'PASS':
      return style.green('✔ PASS ');
    default:
      return style.dim('- SKIP ');
  }
}

/** The first things worth saying about a finding, one line each. */
export function findingReasons(finding: Finding, limit = 3): string[] {
  const evidence = finding.evidence;
  const lines: string[] = [];
  const problems = evidence['problems'];
  const warnings = evidence['warnings'];
  const pick = (items: unknown) =>
    Array.isArray(items)
      ? items.map((item) => {
          const record = item as Record<string, unknown>;
          const message =
            typeof record['message'] === 'string' ? record['message'] : (record['why'] as string | undefined);
          const where =
            typeof record['sid'] === 'string'
              ? `statement "${record['sid']}"`
              : typeof record['index'] === 'number'
                ? `statement #${record['index']}`
                : undefined;
          return [where, message].filter((part) => part !== undefined).join(': ');
        })
      : [];
  if (finding.status === 'FAIL') lines.push(...pick(problems));
  if (finding.status === 'WARN') lines.push(...pick(warnings));
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  if (finding.status === 'ERROR')
    lines.push(
      `${text(evidence['action']) ?? 'a read'} failed: ${text(evidence['message']) ?? text(evidence['error']) ?? ''}`,
    );
  if (finding.status === 'SKIP' && typeof evidence['reason'] === 'string') lines.push(evidence['reason']);
  const shown = lines.filter((line) => line !== '').slice(0, limit);
  if (lines.length > limit) shown.push(`… and ${lines.length - limit} more (see --json)`);
  return shown;
}

export function formatCounts(summary: StatusCounts): string {
  return ORDER.map((status) => `${status} ${summary[status]}`).join(' · ');
}

function renderOne(report: AuditReport, style: Style): string[] {
  const e = escapeControl;
  const d = report.deployment;
  const lines = [
    style.bold(`Audit of co-signer ${e(d.name)} · account ${e(d.accountId)} · ${e(d.region)} · profile ${d.profile}`),
    formatCounts(report.summary),
  ];
  for (const severity of SEVERITIES) {
    const group = report.findings
      .filter((f) => f.severity === severity)
      .sort((a, b) => ORDER.indexOf(a.status) - ORDER.indexOf(b.status));
    if (group.length === 0) continue;
    lines.push('', style.bold(severity));
    const width = Math.max(...group.map((f) => f.checkId.length));
    for (const f of group) {
      lines.push(`  ${mark(f.status, style)} ${f.checkId.padEnd(width)}  ${style.dim(e(f.title))}`);
      if (f.status === 'PASS') continue;
      for (const reason of findingReasons(f)) lines.push(`           ${e(reason)}`);
      if (f.status === 'FAIL') {
        lines.push(`           ${style.dim('resource')} ${e(f.resource)}`);
        lines.push(`           ${style.dim('fix')}      ${e(f.remediation)}`);
      }
    }
  }
  return lines;
}

export function renderAuditTable(reports: readonly AuditReport[], style: Style): string {
  const blocks = reports.map((report) => renderOne(report, style).join('\n'));
  return blocks.join('\n\n');
}
