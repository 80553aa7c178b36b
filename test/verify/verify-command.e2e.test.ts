// `cosigner-cli --sandbox verify` end to end, in-process through src/main.ts: the JSON contract,
// the exit codes of --fail-on and --strict, the table on a terminal, the report files (SARIF
// validated against the SARIF 2.1.0 schema), --print-iam-policy and --probe.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../src/verify/catalogue.js';
import { validateJsonSchema } from '../helpers/json-schema.js';
import { runCli } from '../helpers/run-cli.js';
import { REGION } from '../e2e/world.js';
import { makeAuditWorld, type AuditWorld } from './audit-world.js';

let w: AuditWorld;
const ENV = { COSIGNER_SANDBOX_RETRY_BASE_MS: '0', COSIGNER_SANDBOX_IAM_DELAY_MS: '0' };

beforeAll(async () => {
  w = await makeAuditWorld();
}, 60_000);
afterAll(() => w.world.cleanup());

/** `cosigner-cli --sandbox <dir> --region … verify --name demo --network-mode public-ip …` */
const verify = (args: string[], env: NodeJS.ProcessEnv = {}, stdoutTTY = false) =>
  runCli(
    [
      '--sandbox',
      w.world.sandboxDir,
      '--region',
      REGION,
      'verify',
      '--name',
      'demo',
      '--network-mode',
      'public-ip',
      ...args,
    ],
    {
      cwd: w.world.dir,
      env: { ...ENV, ...env },
      stdoutTTY,
    },
  );

async function withKeyPolicy(edit: (statements: unknown[]) => void, run: () => Promise<void>): Promise<void> {
  const sound = (await w.admin.kms.getKeyPolicy({ KeyId: w.keyArn, PolicyName: 'default' })).Policy ?? '';
  const policy = JSON.parse(sound) as { Statement: unknown[] };
  edit(policy.Statement);
  await w.admin.kms.putKeyPolicy({ KeyId: w.keyArn, PolicyName: 'default', Policy: JSON.stringify(policy) });
  try {
    await run();
  } finally {
    await w.admin.kms.putKeyPolicy({ KeyId: w.keyArn, PolicyName: 'default', Policy: sound });
  }
}

describe('verify --json', () => {
  it('prints the contract document and exits 0 for a sound deployment', async () => {
    const run = await verify(['--json']);
    expect(run.code).toBe(0);
    expect(run.json).toMatchObject({ schemaVersion: 1, command: 'verify', ok: true });
    const result = run.json?.result as {
      deployment: unknown;
      findings: Record<string, unknown>[];
      summary: Record<string, number>;
    };
    expect(result.deployment).toEqual({ name: 'demo', accountId: '111122223333', region: REGION, profile: 'hardened' });
    expect(result.findings.map((f) => f['checkId'])).toEqual(CATALOGUE.map((c) => c.id));
    for (const f of result.findings)
      expect(Object.keys(f).sort()).toEqual([
        'checkId',
        'evidence',
        'remediation',
        'resource',
        'severity',
        'status',
        'title',
      ]);
    expect(result.summary).toEqual({ PASS: 35, FAIL: 0, WARN: 1, ERROR: 0, SKIP: 5 });
  });

  it('exits 3 (VERIFY_FAILED) on a critical FAIL, with the findings and the error in one document', async () => {
    await withKeyPolicy(
      (s) =>
        s.push({
          Sid: 'Leak',
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::111122223333:root' },
          Action: 'kms:Decrypt',
          Resource: '*',
        }),
      async () => {
        const run = await verify(['--json']);
        expect(run.code).toBe(3);
        expect(run.json).toMatchObject({ ok: false, error: { code: 'VERIFY_FAILED' } });
        const findings = (run.json?.result as { findings: { checkId: string; status: string }[] }).findings;
        expect(findings.find((f) => f.checkId === 'kms_key_enclave_attestation_not_enforced')?.status).toBe('FAIL');
        // --fail-on above the failure's severity lets it through, still listed.
        await w.admin.s3.putBucketVersioning({
          Bucket: w.bucketName,
          VersioningConfiguration: { Status: 'Suspended' },
        });
      },
    );
    try {
      expect((await verify(['--json'])).code).toBe(0);
      expect((await verify(['--json', '--fail-on', 'medium'])).code).toBe(3);
      expect((await verify(['--json', '--fail-on', 'medium', '--skip', 's3_bucket_object_versioning'])).code).toBe(0);
      const only = await verify(['--json', '--check', 's3_bucket_object_versioning', '--fail-on', 'info']);
      expect(only.code).toBe(3);
      const summary = (only.json?.result as { summary: Record<string, number> }).summary;
      expect(summary).toEqual({ PASS: 0, FAIL: 1, WARN: 0, ERROR: 0, SKIP: CATALOGUE.length - 1 });
    } finally {
      await w.admin.s3.putBucketVersioning({ Bucket: w.bucketName, VersioningConfiguration: { Status: 'Enabled' } });
    }
  });

  it('counts ERROR findings without changing the exit code, unless --strict (exit 4)', async () => {
    const env = { COSIGNER_SANDBOX_FAULTS: '5xx=1,only=cloudtrail:LookupEvents' };
    const loose = await verify(['--json'], env);
    expect(loose.code).toBe(0);
    expect((loose.json?.result as { summary: { ERROR: number } }).summary.ERROR).toBe(3);
    const strict = await verify(['--json', '--strict'], env);
    expect(strict.code).toBe(4);
    expect(strict.json?.error?.code).toBe('VERIFY_INCOMPLETE');
    // Each run gives the failing read the engine's transient rounds (2 s, then 4 s) before the ERROR.
  }, 40_000);

  it('refuses a co-signer that does not exist (exit 4, VERIFY_NO_DEPLOYMENT)', async () => {
    const run = await runCli(
      ['--sandbox', w.world.sandboxDir, '--region', REGION, 'verify', '--name', 'ghost', '--json'],
      {
        cwd: w.world.dir,
        env: ENV,
      },
    );
    expect(run.code).toBe(4);
    expect(run.json?.error?.code).toBe('VERIFY_NO_DEPLOYMENT');
  });
});

describe('verify on a terminal', () => {
  it('groups the findings by severity, failures first, with the fix', async () => {
    await withKeyPolicy(
      (s) =>
        s.push({
          Sid: 'Leak',
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::111122223333:root' },
          Action: 'kms:Decrypt',
          Resource: '*',
        }),
      async () => {
        const run = await verify(['--no-json', '--no-color'], {}, true);
        expect(run.code).toBe(3);
        const lines = run.stdout.split('\n');
        expect(lines[0]).toBe('Audit of co-signer demo · account 111122223333 · eu-west-1 · profile hardened');
        expect(lines[1]).toBe('FAIL 1 · ERROR 0 · WARN 1 · PASS 34 · SKIP 5');
        const critical = lines.indexOf('critical');
        expect(lines[critical + 1]).toMatch(/^ {2}✖ FAIL {2}kms_key_enclave_attestation_not_enforced/);
        expect(lines[critical + 2]).toContain('statement "Leak"');
        expect(run.stdout).toMatch(/ {11}fix {6}remove or restrict the statements named in the evidence/);
        expect(lines.indexOf('high')).toBeGreaterThan(critical);
      },
    );
  });
});

describe('verify --format', () => {
  it('writes SARIF that the SARIF 2.1.0 schema accepts, one result per check', async () => {
    const schema = JSON.parse(
      await readFile(join(import.meta.dirname, '../fixtures/sarif/sarif-schema-2.1.0.subset.json'), 'utf8'),
    ) as Record<string, unknown>;
    const path = join(w.world.dir, 'audit.sarif');
    const run = await verify(['--json', '--format', 'sarif', '--output', path]);
    expect(run.code).toBe(0);
    const log = JSON.parse(await readFile(path, 'utf8')) as { runs: { results: { ruleId: string; kind: string }[] }[] };
    expect(validateJsonSchema(schema, log)).toEqual([]);
    expect(log.runs[0]?.results.map((r) => r.ruleId)).toEqual(CATALOGUE.map((c) => c.id));
    expect(log.runs[0]?.results.find((r) => r.ruleId === 'cosigner_host_not_debug')?.kind).toBe('notApplicable');
    // The validator is not a rubber stamp: a broken log is refused.
    expect(validateJsonSchema(schema, { ...log, runs: [{ results: [] }] })).toEqual([
      '$.runs[0]: missing required tool',
    ]);
  });

  it('writes JUnit XML and Markdown, and infers the format from the file name', async () => {
    const xml = join(w.world.dir, 'audit.xml');
    const md = join(w.world.dir, 'audit.md');
    expect((await verify(['--json', '--output', xml])).code).toBe(0);
    expect((await verify(['--json', '--format', 'markdown', '--output', md])).code).toBe(0);
    const junit = await readFile(xml, 'utf8');
    expect(junit).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="cosigner-cli verify [^"]+" tests="41" failures="0" errors="0" skipped="5">/,
    );
    expect(junit.match(/<testcase /g)).toHaveLength(41);
    expect(junit).toContain('<skipped message="host checks run only with --host, on the EC2 host"/>');
    const markdown = await readFile(md, 'utf8');
    expect(markdown).toContain('| PASS | critical | `kms_key_enclave_attestation_not_enforced` |');
    expect(markdown).toContain('### WARN · medium · `ec2_confidential_workload_host_public_ip`');
  });
});

describe('verify --print-iam-policy and --probe', () => {
  it('prints a read-only policy', async () => {
    const run = await runCli(['verify', '--print-iam-policy', '--json'], { cwd: w.world.dir, env: ENV });
    expect(run.code).toBe(0);
    const actions = (run.json?.result as { Statement: { Action: string[] }[] }).Statement.flatMap((s) => s.Action);
    expect(actions.every((a) => /^[a-z0-9]+:(Describe|Get|List|Lookup)/.test(a))).toBe(true);
  });

  it('passes the negative test when KMS denies the role a data key without attestation, and fails it otherwise', async () => {
    const pass = await verify(['--json', '--probe', '--check', 'cosigner_kms_negative_test']);
    const probe = (run: typeof pass) =>
      (
        run.json?.result as { findings: { checkId: string; status: string; evidence: Record<string, unknown> }[] }
      ).findings.find((f) => f.checkId === 'cosigner_kms_negative_test');
    expect(probe(pass)).toMatchObject({ status: 'PASS', evidence: { denied: { error: 'AccessDeniedException' } } });
    expect(String(probe(pass)?.evidence['caller'])).toMatch(/:assumed-role\/demo-cosigner\/verify-probe$/);
    await withKeyPolicy(
      (s) =>
        s.push({
          Sid: 'NoAttestation',
          Effect: 'Allow',
          Principal: { AWS: w.roleArn },
          Action: 'kms:GenerateDataKey',
          Resource: '*',
        }),
      async () => {
        const run = await verify(['--json', '--probe', '--check', 'cosigner_kms_negative_test']);
        expect(run.code).toBe(3);
        expect(probe(run)?.status).toBe('FAIL');
      },
    );
  });
});
