// Benchmark of provision on the sandbox with AWS-like timing: 150 ms per call and a 10 s IAM
// propagation delay. Prints one JSON line: the wall time of a fresh provision (whole run and apply
// phase), the critical-path lower bound of the plan's graph for the same latency and delay, their
// ratio, the API calls made (every attempt, from the sandbox's CloudTrail log), and for a no-op
// re-run its wall time, write count and calls. Targets: ratio ≤ 1.1; no-op re-run 0 writes, ≤ 2 s.
// The host gets a public IP on the default VPC (network.mode public-ip); --network-mode managed
// benchmarks the run that also builds its VPC, NAT gateway and endpoints.
//   node --import tsx scripts/bench-provision.ts [--network-mode public-ip|managed]
import { benchIo } from './bench-io.js';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createSandboxPorts, TRAIL_FILE } from '../src/aws/sandbox/index.js';
import { validateConfig } from '../src/config/load.js';
import { planCriticalPath } from '../src/provision/plan.js';
import { runProvisionFlow } from '../src/provision/provision.js';

const LATENCY_MS = 150;
const IAM_DELAY_MS = 10_000;
const REGION = 'eu-west-1';
const flagAt = process.argv.findIndex((a) => a === '--network-mode' || a.startsWith('--network-mode='));
const flag = flagAt < 0 ? undefined : process.argv[flagAt];
const NETWORK_MODE =
  flag === undefined
    ? 'public-ip'
    : flag.includes('=')
      ? flag.slice(flag.indexOf('=') + 1)
      : (process.argv[flagAt + 1] ?? '');
// Sequential read rounds before the plan exists: sts:GetCallerIdentity, then observation, whose
// longest chains are 2 rounds (DescribeVpcs → DescribeSubnets / the security group / route tables;
// GetRole → its policies; ListBuckets → the bucket's settings; GetParameter → DescribeImages); a
// managed network adds one (its parts by tag → the VPC's DNS attributes → the security group).
const READ_ROUNDS = NETWORK_MODE === 'managed' ? 4 : 3;

const io = benchIo;

async function trailCounts(dir: string): Promise<{ calls: number; writes: number }> {
  const text = await readFile(join(dir, TRAIL_FILE), 'utf8').catch(() => '');
  const events = text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { readOnly: boolean });
  return { calls: events.length, writes: events.filter((e) => !e.readOnly).length };
}

const dir = await mkdtemp(join(tmpdir(), 'bench-provision-'));
try {
  const sandboxDir = join(dir, 'sandbox');
  const knobs = { latencyMs: LATENCY_MS, iamPropagationDelayMs: IAM_DELAY_MS };
  const config = validateConfig(
    { name: 'bench', aws: { region: REGION }, network: { mode: NETWORK_MODE } },
    'benchmark config',
  );
  const configPath = join(dir, 'cosigner.json');
  const run = async () => {
    const ports = await createSandboxPorts({ dir: sandboxDir, region: REGION, env: {}, knobs });
    const before = await trailCounts(sandboxDir);
    const started = performance.now();
    const outcome = await runProvisionFlow(
      { dryRun: false, resume: false },
      { ports, io, config, configPath, now: () => new Date() },
    );
    const wallMs = performance.now() - started;
    const after = await trailCounts(sandboxDir);
    return {
      outcome,
      wallMs,
      calls: after.calls - before.calls,
      writes: after.writes - before.writes,
      portWrites: ports.writeCalls(),
    };
  };

  const fresh = await run();
  if (fresh.outcome.mode !== 'applied') throw new Error(`expected a fresh apply, got ${fresh.outcome.mode}`);
  const bound = planCriticalPath(fresh.outcome.plan, { latencyMs: LATENCY_MS, propagationMs: IAM_DELAY_MS });
  const applyWallMs = fresh.outcome.apply?.elapsedMs ?? fresh.wallMs;
  const readBoundMs = READ_ROUNDS * LATENCY_MS;
  const noop = await run();

  const round = (n: number) => Math.round(n);
  console.log(
    JSON.stringify({
      bench: 'provision',
      networkMode: NETWORK_MODE,
      latencyMs: LATENCY_MS,
      iamPropagationMs: IAM_DELAY_MS,
      wallMs: round(fresh.wallMs),
      applyWallMs: round(applyWallMs),
      criticalPathMs: round(bound.boundMs),
      criticalPath: bound.path,
      ratio: Math.round((applyWallMs / bound.boundMs) * 1000) / 1000,
      endToEndBoundMs: round(bound.boundMs + readBoundMs),
      endToEndRatio: Math.round((fresh.wallMs / (bound.boundMs + readBoundMs)) * 1000) / 1000,
      apiCalls: fresh.calls,
      writeCalls: fresh.writes,
      plannedWrites: fresh.outcome.plan.summary.writes,
      noop: {
        mode: noop.outcome.mode,
        wallMs: round(noop.wallMs),
        writes: noop.writes + noop.portWrites,
        apiCalls: noop.calls,
      },
      targets: { ratio: 1.1, noopWrites: 0, noopWallMs: 2000 },
      ok: applyWallMs / bound.boundMs <= 1.1 && noop.writes + noop.portWrites === 0 && noop.wallMs <= 2000,
    }),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
