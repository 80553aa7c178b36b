/**
 * `verify` (the account audit): parse the flags once, find the co-signer(s) as `status` does, run
 * the audit with read-only calls, write `--format` reports, and turn the findings into the exit
 * code: 3 when a FAIL at or above `--fail-on` exists, 4 with `--strict` when a check could not be
 * evaluated, else 0. `--print-iam-policy` prints the read-only policy the audit needs. `--host` adds
 * the host checks, read through the host ports `run` uses: this machine's, or with `--sandbox` the
 * simulated host of the co-signer's instance.
 */
import { resolve } from 'node:path';
import type { AwsPorts } from '../aws/ports.js';
import type { CommandContext, Invocation } from '../command-kit.js';
import { resolveConfigPath } from '../config/load.js';
import type { CosignerConfig } from '../config/schema.js';
import { normalizePCR } from '../enclave/pcr.js';
import { CosignerError, fail, isCosignerError } from '../errors.js';
import { writeFileAtomic } from '../files/atomic-write.js';
import { log } from '../io/io-host.js';
import type { Style } from '../io/style.js';
import { HOST_PATHS, type HostPorts } from '../host/ports.js';
import type { PolicyDocument } from '../policy/types.js';
import { isCheckId } from '../verify/catalogue.js';
import { hostFactsFromPorts, type HostFacts } from '../verify/host-facts.js';
import { verifyIamPolicy } from '../verify/iam-policy.js';
import { createProbe, type ProbeRunner } from '../verify/probe.js';
import { REPORT_FORMATS, renderReport, type ReportFormat } from '../verify/render-formats.js';
import { renderAuditTable } from '../verify/render-table.js';
import { isMultiReport, runAudit, type VerifyAuditResult } from '../verify/run.js';
import { LOOKUP_RETENTION_DAYS } from '../verify/trail-events.js';
import { isSeverity, severityRank, type AuditReport, type Severity } from '../verify/types.js';
import { VERSION as TOOL_VERSION } from '../version.js';
import { configOrName } from './destroy.js';

const DAY_MS = 86_400_000;

export interface VerifyAuditOptions {
  configPath: string;
  flags: Record<string, unknown>;
  env: NodeJS.ProcessEnv;
  cwd: string;
  all: boolean;
  /** The lookback window of the CloudTrail checks, in milliseconds. @default 90 days */
  sinceMs: number;
  checks: string[];
  skip: string[];
  /** @default 'high' */
  failOn: Severity;
  strict: boolean;
  format?: ReportFormat;
  output?: string;
  host: boolean;
  probe: boolean;
  expectPcr8?: string[];
  printIamPolicy: boolean;
}

/** The audit's own flags (the rest are config settings). */
const OWN = [
  'all',
  'since',
  'check',
  'skip',
  'failOn',
  'strict',
  'format',
  'output',
  'host',
  'probe',
  'expectPcr8',
  'printIamPolicy',
];

function list(value: unknown): string[] {
  const items = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return items
    .flatMap((item) => String(item).split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** `90d`, `12h`, `30m`, `2w`, or an ISO 8601 time (the window then starts there). */
export function parseSince(text: string, now: Date): number {
  const relative = /^(\d+)\s*(m|h|d|w)$/.exec(text.trim());
  let ms: number;
  if (relative !== null) {
    const unit = { m: 60_000, h: 3_600_000, d: DAY_MS, w: 7 * DAY_MS }[relative[2] as 'm' | 'h' | 'd' | 'w'];
    ms = Number(relative[1]) * unit;
  } else {
    const at = new Date(text);
    if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(at.getTime()))
      fail(
        'INVALID_OPTION',
        `--since ${JSON.stringify(text)} is not a duration or a time`,
        'pass e.g. --since 30d, --since 12h or --since 2026-01-01T00:00:00Z',
      );
    ms = now.getTime() - at.getTime();
  }
  if (ms <= 0) fail('INVALID_OPTION', `--since ${JSON.stringify(text)} is not in the past`, 'pass e.g. --since 30d');
  if (ms > LOOKUP_RETENTION_DAYS * DAY_MS)
    fail(
      'INVALID_OPTION',
      `--since ${JSON.stringify(text)} reaches further back than CloudTrail's ${LOOKUP_RETENTION_DAYS} days of event history`,
      `pass --since ${LOOKUP_RETENTION_DAYS}d or less; older events are in the trail's S3 log files`,
    );
  return ms;
}

function checkIds(flag: string, value: unknown): string[] {
  const ids = list(value);
  const unknown = ids.filter((id) => !isCheckId(id));
  if (unknown.length > 0)
    fail(
      'INVALID_OPTION',
      `${flag}: unknown check id ${unknown.map((id) => JSON.stringify(id)).join(', ')}`,
      'use the check ids of the README’s verify section (e.g. kms_cmk_rotation_enabled)',
    );
  return ids;
}

function formatFor(format: unknown, output: string | undefined): ReportFormat | undefined {
  if (typeof format === 'string') {
    if (!(REPORT_FORMATS as readonly string[]).includes(format))
      fail(
        'INVALID_OPTION',
        `--format ${JSON.stringify(format)} is not a report format`,
        `use one of: ${REPORT_FORMATS.join(', ')}`,
      );
    return format as ReportFormat;
  }
  if (output === undefined) return undefined;
  if (/\.(md|markdown)$/i.test(output)) return 'markdown';
  if (/\.sarif(\.json)?$/i.test(output)) return 'sarif';
  if (/\.xml$/i.test(output)) return 'junit';
  return fail(
    'INPUT_REQUIRED',
    `--output ${JSON.stringify(output)}: which format?`,
    `pass --format ${REPORT_FORMATS.join('|')}`,
    {
      context: { flag: '--format' },
    },
  );
}

export function parseAuditOptions(invocation: Invocation, now: Date = new Date()): VerifyAuditOptions {
  const { opts, globals, env, cwd } = invocation;
  const failOn = typeof opts['failOn'] === 'string' ? opts['failOn'] : 'high';
  if (!isSeverity(failOn))
    fail(
      'INVALID_OPTION',
      `--fail-on ${JSON.stringify(failOn)} is not a severity`,
      'use one of: critical, high, medium, low, info',
    );
  const output = typeof opts['output'] === 'string' ? resolve(cwd, opts['output']) : undefined;
  const format = formatFor(opts['format'], output);
  if (format !== undefined && output === undefined)
    fail(
      'INPUT_REQUIRED',
      `--format ${format} needs --output <file>`,
      'pass --output <file> (stdout carries the JSON document or the table)',
      { context: { flag: '--output' } },
    );
  if (opts['host'] === true && opts['all'] === true)
    fail(
      'INVALID_OPTION',
      '--host checks the co-signer whose host this is, not --all',
      'run `verify --host` on each co-signer’s host (with --name <name> or its config), and `verify --all` without --host',
    );
  const expect = list(opts['expectPcr8']);
  return {
    configPath: resolveConfigPath(globals.config, env, cwd),
    flags: Object.fromEntries(Object.entries(opts).filter(([key]) => !OWN.includes(key))),
    env,
    cwd,
    all: opts['all'] === true,
    sinceMs: typeof opts['since'] === 'string' ? parseSince(opts['since'], now) : LOOKUP_RETENTION_DAYS * DAY_MS,
    checks: checkIds('--check', opts['check']),
    skip: checkIds('--skip', opts['skip']),
    failOn,
    strict: opts['strict'] === true,
    ...(format === undefined ? {} : { format }),
    ...(output === undefined ? {} : { output }),
    host: opts['host'] === true,
    probe: opts['probe'] === true,
    ...(expect.length === 0 ? {} : { expectPcr8: expect.map((v) => normalizePCR(v)) }),
    printIamPolicy: opts['printIamPolicy'] === true,
  };
}

export type VerifyAuditCommandResult = VerifyAuditResult | PolicyDocument;

/** The verdict settings of a result, kept beside it (not in the JSON document). */
const VERDICTS = new WeakMap<object, { failOn: Severity; strict: boolean }>();

function reportsOf(result: VerifyAuditResult): AuditReport[] {
  return isMultiReport(result) ? result.deployments : [result];
}

export async function executeAudit(
  options: VerifyAuditOptions,
  context: CommandContext,
): Promise<VerifyAuditCommandResult> {
  if (options.printIamPolicy) return verifyIamPolicy();
  const { portsFor } = await import('./aws-context.js');
  // On the host, the co-signer is the one provision left the host's facts for (as `run` finds it).
  const onHost = options.host && context.sandboxDir === undefined ? await realHostPorts(options.env) : undefined;
  const flags = onHost === undefined ? options.flags : await withHostFacts(options, onHost);
  let loaded: { config: CosignerConfig; path: string } | undefined;
  try {
    loaded = await configOrName({ ...options, flags });
  } catch (error) {
    // --all needs no configured co-signer.
    if (!(options.all && isCosignerError(error, 'INPUT_REQUIRED'))) throw error;
  }
  const ports = await portsFor(context, loaded?.config);
  const extra: AwsPorts[] = [];
  try {
    const now = context.now();
    let host: HostFacts | undefined;
    if (options.host && loaded !== undefined)
      host = hostFactsFromPorts(onHost ?? (await sandboxHostPorts(context, loaded.config, ports.region)));
    let probe: ProbeRunner | undefined;
    if (options.probe) {
      const roleName =
        loaded?.config === undefined ? undefined : (loaded.config.iam.roleName ?? `${loaded.config.name}-cosigner`);
      if (roleName === undefined)
        fail('INPUT_REQUIRED', '--probe needs the co-signer (its role)', 'pass --name <name> or --config <file>', {
          context: { flag: '--name' },
        });
      probe = createProbe(await probePorts(context, ports, roleName, extra));
    }
    const result = await runAudit(
      {
        all: options.all,
        ...(loaded === undefined ? {} : { config: loaded.config }),
        configSource: loaded === undefined ? 'defaults' : 'config',
        since: new Date(now.getTime() - options.sinceMs),
        selection: { only: options.checks, skip: options.skip },
        ...(options.expectPcr8 === undefined ? {} : { expectPcr8: options.expectPcr8 }),
        ...(host === undefined ? {} : { host }),
        ...(probe === undefined ? {} : { probe }),
      },
      { ports, now: () => now },
    );
    if (options.format !== undefined && options.output !== undefined) {
      await writeFileAtomic(
        options.output,
        renderReport(options.format, reportsOf(result), { version: TOOL_VERSION, time: now.toISOString() }),
        { mode: 0o644 },
      );
      log.info(context.io, 'VERIFY_REPORT_WRITTEN', `${options.format} report written to ${options.output}`);
    }
    VERDICTS.set(result, { failOn: options.failOn, strict: options.strict });
    return result;
  } finally {
    ports.destroy();
    for (const p of extra) p.destroy();
  }
}

/** The host ports of this machine (the EC2 host): nitro-cli, systemctl, `/`. */
async function realHostPorts(env: NodeJS.ProcessEnv): Promise<HostPorts> {
  const { createHostPorts } = await import('../host/index.js');
  return createHostPorts({ env });
}

/**
 * The simulated host of the co-signer's instance in the sandbox account: the one `run --sandbox`
 * starts its enclave on, found by the co-signer's name in the audited region.
 */
async function sandboxHostPorts(context: CommandContext, config: CosignerConfig, region: string): Promise<HostPorts> {
  const { createHostPorts } = await import('../host/index.js');
  return createHostPorts({
    env: context.invocation.env,
    sandbox: { dir: context.sandboxDir as string, name: config.name, region, now: context.now },
  });
}

/**
 * Without `--name` (or COSIGNER_NAME), the co-signer and its Fireblocks environment from the facts
 * provision left on the host (`/etc/cosigner-cli/host.json`), as `run` reads them; a file that is
 * absent or not JSON adds nothing (the config then decides, or INPUT_REQUIRED names --name).
 */
async function withHostFacts(options: VerifyAuditOptions, host: HostPorts): Promise<Record<string, unknown>> {
  const flags = { ...options.flags };
  if (flags['name'] !== undefined || options.env['COSIGNER_NAME'] !== undefined) return flags;
  let parsed: { name?: unknown; fireblocksEnv?: unknown } = {};
  try {
    const text = await host.fs.readText(HOST_PATHS.hostFacts, 64 * 1024);
    if (text !== undefined) parsed = JSON.parse(text) as typeof parsed;
  } catch {
    return flags;
  }
  if (typeof parsed.name === 'string') flags['name'] = parsed.name;
  if (typeof parsed.fireblocksEnv === 'string' && flags['fbEnv'] === undefined) flags['fbEnv'] = parsed.fireblocksEnv;
  return flags;
}

/**
 * Ports for the negative test. On the host the default credentials are the instance role's (the
 * probe checks that it runs as the co-signer's role); in the simulated account, a session of the
 * role stands in for the host.
 */
async function probePorts(
  context: CommandContext,
  ports: AwsPorts,
  roleName: string,
  extra: AwsPorts[],
): Promise<AwsPorts> {
  if (context.sandboxDir === undefined) return ports;
  const { createSandboxPorts } = await import('../aws/sandbox/index.js');
  const host = await createSandboxPorts({
    dir: context.sandboxDir,
    region: ports.region,
    env: context.invocation.env,
    principal: { kind: 'role', roleName, sessionName: 'verify-probe' },
  });
  extra.push(host);
  return host;
}

/** Exit 3 for a FAIL at or above --fail-on; with --strict, exit 4 for an ERROR; else 0. */
export function auditVerdict(result: VerifyAuditCommandResult): CosignerError | undefined {
  const settings = VERDICTS.get(result);
  if (settings === undefined || 'Statement' in result) return undefined;
  const findings = reportsOf(result).flatMap((r) => r.findings.map((f) => ({ ...f, name: r.deployment.name })));
  const failing = findings.filter(
    (f) => f.status === 'FAIL' && severityRank(f.severity) <= severityRank(settings.failOn),
  );
  if (failing.length > 0)
    return new CosignerError(
      'VERIFY_FAILED',
      `${failing.length} check(s) failed at or above ${settings.failOn}: ${failing
        .map((f) => f.checkId)
        .slice(0, 5)
        .join(', ')}${failing.length > 5 ? ', …' : ''}`,
      {
        hint: 'each failure names its evidence and its fix (the table, or --json)',
        context: {
          failOn: settings.failOn,
          failed: failing.map((f) => ({ checkId: f.checkId, severity: f.severity, deployment: f.name })),
        },
      },
    );
  const errors = findings.filter((f) => f.status === 'ERROR');
  if (settings.strict && errors.length > 0)
    return new CosignerError(
      'VERIFY_INCOMPLETE',
      `${errors.length} check(s) could not be evaluated: ${errors
        .map((f) => f.checkId)
        .slice(0, 5)
        .join(', ')}${errors.length > 5 ? ', …' : ''}`,
      {
        hint: 'grant the read actions each ERROR names (cosigner-cli verify --print-iam-policy), then run again',
        context: {
          errors: errors.map((f) => ({ checkId: f.checkId, action: f.evidence['action'], deployment: f.name })),
        },
      },
    );
  return undefined;
}

export function renderAudit(result: VerifyAuditCommandResult, style: Style): string {
  if ('Statement' in result) return JSON.stringify(result, null, 2);
  return renderAuditTable(reportsOf(result), style);
}
