// Benchmark of the account audit on the sandbox with AWS-like timing: 150 ms per call. The
// deployment is provisioned without latency (a multi-Region trail logging, the enclave's attested
// traffic on the key), then `verify` runs as an auditor with ReadOnlyAccess at 150 ms per call.
// Prints one JSON line: the audit's wall time, its API calls (every attempt, from the sandbox's
// CloudTrail log; the audit's own calls counted by the ports' tracing too), its write calls (must
// be 0), the deepest chain of dependent reads times the latency (the lower bound of the wall time)
// and the findings. Target: ≤ 3 s wall, 0 writes, no FAIL. CloudTrail pages hold 50 events as AWS's
// do (COSIGNER_SANDBOX_PAGE_SIZE=50).
//   node --import tsx scripts/bench-verify.ts
import { benchIo } from './bench-io.js';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { traceAwsCalls, type AwsCallRecord } from '../src/aws/ports.js';
import { createSandboxEnclaveSession, createSandboxPorts, TRAIL_FILE } from '../src/aws/sandbox/index.js';
import { validateConfig } from '../src/config/load.js';
import { fireblocksPreset } from '../src/enclave/fireblocks-presets.js';
import { runProvisionFlow } from '../src/provision/provision.js';
import { runAudit } from '../src/verify/run.js';

const LATENCY_MS = 150;
const PAGE_SIZE = 50;
const REGION = 'eu-west-1';
const TARGET_MS = 3000;
// Dependent read rounds of the audit: GetCallerIdentity → DescribeKey / DescribeInstances /
// ListBuckets / GetRole → GetKeyPolicy, ListGrants, LookupEvents, DescribeSecurityGroups,
// GetInstanceProfile, the bucket's settings, the role's policy names → GetRolePolicy.
const READ_ROUNDS = 4;

const io = benchIo;

async function trailEvents(dir: string): Promise<{ readOnly: boolean }[]> {
  const text = await readFile(join(dir, TRAIL_FILE), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { readOnly: boolean });
}

const dir = await mkdtemp(join(tmpdir(), 'bench-verify-'));
try {
  const sandboxDir = join(dir, 'sandbox');
  const fast = { latencyMs: 0, iamPropagationDelayMs: 0, retryBaseMs: 0, pageSize: PAGE_SIZE };
  const config = validateConfig(
    { name: 'bench', aws: { region: REGION }, network: { mode: 'public-ip' } },
    'benchmark config',
  );
  const admin = await createSandboxPorts({ dir: sandboxDir, region: REGION, env: {}, knobs: fast });
  const provisioned = await runProvisionFlow(
    { dryRun: false, resume: false },
    { ports: admin, io, config, configPath: join(dir, 'cosigner.json'), now: () => new Date() },
  );
  if (provisioned.mode !== 'applied') throw new Error(`expected a fresh apply, got ${provisioned.mode}`);

  // The account around the deployment: a trail, an auditor, and the enclave's traffic on the key.
  const state = await admin.readState();
  await admin.s3.createBucket({
    Bucket: `trail-${state.accountId}`,
    CreateBucketConfiguration: { LocationConstraint: REGION },
  });
  await admin.cloudtrail.createTrail({
    Name: 'org-trail',
    S3BucketName: `trail-${state.accountId}`,
    IsMultiRegionTrail: true,
    EnableLogFileValidation: true,
  });
  await admin.cloudtrail.startLogging({ Name: 'org-trail' });
  await admin.iam.createRole({
    RoleName: 'auditor',
    AssumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${state.accountId}:root` }, Action: 'sts:AssumeRole' },
      ],
    }),
  });
  await admin.iam.attachRolePolicy({ RoleName: 'auditor', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' });
  const keyArn = (await admin.kms.describeKey({ KeyId: 'alias/bench-cosigner' })).KeyMetadata?.Arn ?? '';
  const roleArn = (await admin.iam.getRole({ RoleName: 'bench-cosigner' })).Role?.Arn ?? '';
  const enclave = await createSandboxEnclaveSession({
    sandboxDir,
    roleArn,
    pcrs: { 0: 'a0'.repeat(48), 1: 'a1'.repeat(48), 2: 'a2'.repeat(48), 8: fireblocksPreset('global').pcr8 },
    region: REGION,
    env: {},
    knobs: fast,
  });
  for (let i = 0; i < 10; i++) {
    const made = await enclave.kms.generateDataKey({ KeyId: keyArn, KeySpec: 'AES_128' });
    await enclave.kms.decrypt({ CiphertextBlob: made.CiphertextBlob, KeyId: keyArn });
  }

  // The audit, as the auditor, at 150 ms per call.
  const calls: AwsCallRecord[] = [];
  const auditor = await createSandboxPorts({
    dir: sandboxDir,
    region: REGION,
    env: {},
    knobs: { ...fast, latencyMs: LATENCY_MS },
    principal: { kind: 'role', roleName: 'auditor', sessionName: 'bench' },
  });
  const ports = traceAwsCalls(auditor, (call) => calls.push(call));
  const before = (await trailEvents(sandboxDir)).length;
  const now = new Date();
  const started = performance.now();
  const result = await runAudit(
    { all: false, config, configSource: 'config', since: new Date(now.getTime() - 90 * 86_400_000) },
    { ports, now: () => now },
  );
  const wallMs = Math.round(performance.now() - started);
  const events = (await trailEvents(sandboxDir)).slice(before);
  if ('deployments' in result) throw new Error('expected one deployment');
  const writes = auditor.writeCalls() + events.filter((e) => !e.readOnly).length;
  console.log(
    JSON.stringify({
      bench: 'verify',
      latencyMs: LATENCY_MS,
      pageSize: PAGE_SIZE,
      wallMs,
      apiCalls: calls.length,
      apiCallsRecorded: events.length,
      writeCalls: writes,
      readRoundsBoundMs: READ_ROUNDS * LATENCY_MS,
      checks: result.findings.length,
      summary: result.summary,
      target: { wallMs: TARGET_MS, writeCalls: 0, fail: 0 },
      ok: wallMs <= TARGET_MS && writes === 0 && result.summary.FAIL === 0,
    }),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
