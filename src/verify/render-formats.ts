/**
 * The audit as a file: Markdown (for a ticket or a review), SARIF 2.1.0 (code-scanning dashboards:
 * one rule per check, one result per finding, the resource as a logical location) and JUnit XML
 * (CI test reports: one test case per check, FAIL a failure, ERROR an error, SKIP skipped).
 */
import { escapeControl, escapeJsonText } from '../io/safe-text.js';
import { CATALOGUE } from './catalogue.js';
import { findingReasons, formatCounts } from './render-table.js';
import type { AuditReport, CheckStatus, Finding, Severity } from './types.js';

export const REPORT_FORMATS = ['markdown', 'sarif', 'junit'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ToolInfo {
  version: string;
  /** When the audit ran (ISO 8601). */
  time: string;
}

// ---- Markdown ----------------------------------------------------------------------------------

/** A table cell: one line, terminal controls shown as escapes, pipes and backslashes escaped, no HTML. */
function cell(text: string): string {
  return escapeControl(text)
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/** A fenced block that no backtick run inside `text` can close. */
function fenced(text: string, info = ''): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${info}\n${text}\n${fence}`;
}

function markdownOne(report: AuditReport): string[] {
  const d = report.deployment;
  const lines = [
    `## Co-signer \`${cell(d.name)}\` — account ${cell(d.accountId)}, ${cell(d.region)}, profile ${d.profile}`,
    '',
    `**${formatCounts(report.summary)}**`,
    '',
    '| Status | Severity | Check | Resource |',
    '| --- | --- | --- | --- |',
    ...report.findings.map((f) => `| ${f.status} | ${f.severity} | \`${f.checkId}\` | ${cell(f.resource)} |`),
  ];
  for (const f of report.findings.filter((x) => x.status === 'FAIL' || x.status === 'ERROR' || x.status === 'WARN')) {
    lines.push('', `### ${f.status} · ${f.severity} · \`${f.checkId}\``, '', cell(f.title), '');
    for (const reason of findingReasons(f, 10)) lines.push(`- ${cell(reason)}`);
    if (f.status === 'FAIL') lines.push('', `**Fix:** ${cell(f.remediation)}`);
    lines.push(
      '',
      '<details><summary>Evidence</summary>',
      '',
      fenced(escapeJsonText(JSON.stringify(f.evidence, null, 2)), 'json'),
      '',
      '</details>',
    );
  }
  return lines;
}

export function renderMarkdown(reports: readonly AuditReport[], tool: ToolInfo): string {
  return [
    `# cosigner-cli verify`,
    '',
    `cosigner-cli ${cell(tool.version)}, ${cell(tool.time)}. Checks and ids: reference/verify-checks.md (Prowler-compatible where Prowler has the check).`,
    '',
    ...reports.flatMap((report) => [...markdownOne(report), '']),
  ].join('\n');
}

// ---- SARIF 2.1.0 -------------------------------------------------------------------------------

/** GitHub code scanning's `security-severity` scale (0–10) for each severity. */
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '0.0',
};

function sarifLevel(severity: Severity): 'error' | 'warning' | 'note' {
  return severity === 'critical' || severity === 'high' ? 'error' : severity === 'medium' ? 'warning' : 'note';
}

/** SARIF result kinds: only a failure has a level other than "none" (SARIF §3.27.9). */
const KIND: Record<CheckStatus, 'fail' | 'pass' | 'review' | 'open' | 'notApplicable'> = {
  FAIL: 'fail',
  PASS: 'pass',
  WARN: 'review',
  ERROR: 'open',
  SKIP: 'notApplicable',
};

function sarifResult(report: AuditReport, f: Finding): Record<string, unknown> {
  const ruleIndex = CATALOGUE.findIndex((c) => c.id === f.checkId);
  const reasons = findingReasons(f, 10);
  return {
    ruleId: f.checkId,
    ruleIndex,
    kind: KIND[f.status],
    level: f.status === 'FAIL' ? sarifLevel(f.severity) : 'none',
    message: { text: `${f.status}: ${f.title}${reasons.length > 0 ? `. ${reasons.join('; ')}` : ''}` },
    locations: [
      {
        logicalLocations: [{ fullyQualifiedName: f.resource, kind: 'resource' }],
      },
    ],
    partialFingerprints: {
      'cosigner-cli/v1': `${report.deployment.accountId}/${report.deployment.region}/${report.deployment.name}/${f.checkId}`,
    },
    properties: {
      status: f.status,
      severity: f.severity,
      deployment: report.deployment,
      evidence: f.evidence,
    },
  };
}

function renderSarif(reports: readonly AuditReport[], tool: ToolInfo): string {
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'cosigner-cli',
            version: tool.version,
            rules: CATALOGUE.map((c) => ({
              id: c.id,
              name: c.id,
              shortDescription: { text: c.title },
              help: { text: c.remediation },
              defaultConfiguration: { level: sarifLevel(c.severity) },
              properties: { tags: ['security', c.service], 'security-severity': SECURITY_SEVERITY[c.severity] },
            })),
          },
        },
        invocations: [{ executionSuccessful: true, endTimeUtc: tool.time }],
        results: reports.flatMap((report) => report.findings.map((f) => sarifResult(report, f))),
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

// ---- JUnit XML ---------------------------------------------------------------------------------

/**
 * Text for XML: terminal controls and bidirectional overrides shown as escapes (a CI page may be
 * read in a terminal), the five entities escaped, and characters XML 1.0 cannot hold removed.
 */
export function xmlText(text: string): string {
  return (
    escapeControl(text, { keepNewlines: true })
      // eslint-disable-next-line no-control-regex -- the characters XML 1.0 forbids
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}

function junitCase(f: Finding, service: string): string {
  const head = `    <testcase classname="cosigner-cli.${service}" name="${xmlText(f.checkId)}">`;
  const reasons = findingReasons(f, 10).join('; ');
  const body = xmlText(
    `${f.title}\n${reasons}\nresource: ${f.resource}\nfix: ${f.remediation}\nevidence: ${JSON.stringify(f.evidence)}`,
  );
  switch (f.status) {
    case 'FAIL':
      return `${head}\n      <failure message="${xmlText(reasons || f.title)}" type="${f.severity}">${body}</failure>\n    </testcase>`;
    case 'ERROR':
      return `${head}\n      <error message="${xmlText(reasons)}" type="ERROR">${body}</error>\n    </testcase>`;
    case 'SKIP':
      return `${head}\n      <skipped message="${xmlText(reasons)}"/>\n    </testcase>`;
    case 'WARN':
      return `${head}\n      <system-out>WARN: ${body}</system-out>\n    </testcase>`;
    default:
      return `${head}</testcase>`;
  }
}

export function renderJunit(reports: readonly AuditReport[], tool: ToolInfo): string {
  const service = (id: string) => CATALOGUE.find((c) => c.id === id)?.service ?? 'verify';
  const total = (key: CheckStatus) => reports.reduce((sum, r) => sum + r.summary[key], 0);
  const tests = reports.reduce((sum, r) => sum + r.findings.length, 0);
  const suites = reports.map((r) => {
    const d = r.deployment;
    return [
      `  <testsuite name="${xmlText(`${d.name} (${d.accountId} ${d.region})`)}" tests="${r.findings.length}" failures="${r.summary.FAIL}" errors="${r.summary.ERROR}" skipped="${r.summary.SKIP}" timestamp="${xmlText(tool.time)}">`,
      ...r.findings.map((f) => junitCase(f, service(f.checkId))),
      '  </testsuite>',
    ].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="cosigner-cli verify ${xmlText(tool.version)}" tests="${tests}" failures="${total('FAIL')}" errors="${total('ERROR')}" skipped="${total('SKIP')}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}

export function renderReport(format: ReportFormat, reports: readonly AuditReport[], tool: ToolInfo): string {
  switch (format) {
    case 'markdown':
      return renderMarkdown(reports, tool);
    case 'sarif':
      return renderSarif(reports, tool);
    default:
      return renderJunit(reports, tool);
  }
}
