// The audit on the sandbox: a sound deployment gives no FAIL, and each case of the corpus of
// broken deployments (one thing broken through the sandbox's ports) fails exactly its checks and
// changes no other. Each case runs on a copy of the provisioned sandbox, so they share one
// provision and cannot disturb each other.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxPorts, type SandboxKnobsInput } from '../../src/aws/sandbox/index.js';
import { validateConfig } from '../../src/config/load.js';
import { CHECKS } from '../../src/verify/audit.js';
import { CATALOGUE } from '../../src/verify/catalogue.js';
import { runAudit } from '../../src/verify/run.js';
import type { AuditReport } from '../../src/verify/types.js';
import { FAST_KNOBS, FAST_RETRY, REGION } from '../e2e/world.js';
import { AUDITOR, DAY_MS, makeAuditWorld, statuses, type AuditWorld } from './audit-world.js';
import { CORPUS, type BrokenCase } from './corpus.js';

let sound: AuditWorld;
let baseline: AuditReport;
const copies: string[] = [];

beforeAll(async () => {
  sound = await makeAuditWorld();
  baseline = await sound.audit();
}, 60_000);

afterAll(async () => {
  await sound.world.cleanup();
  await Promise.all(copies.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A copy of the sound world's sandbox, broken by `broken.break`, then audited as the auditor. */
async function auditBroken(broken: BrokenCase): Promise<AuditReport> {
  const dir = await mkdtemp(join(tmpdir(), 'verify-corpus-'));
  copies.push(dir);
  await cp(sound.world.sandboxDir, dir, { recursive: true });
  const knobs: SandboxKnobsInput = FAST_KNOBS;
  const admin = await createSandboxPorts({ dir, region: REGION, env: {}, knobs });
  const state = await admin.readState();
  await broken.break({
    admin,
    sandboxDir: dir,
    keyArn: sound.keyArn,
    roleArn: sound.roleArn,
    bucketName: sound.bucketName,
    instanceId: sound.instanceId,
    accountId: state.accountId,
  });
  const ports = await createSandboxPorts({
    dir,
    region: REGION,
    env: {},
    knobs: { ...knobs, ...(broken.auditKnobs ?? {}) },
    principal: AUDITOR,
  });
  const now = new Date();
  const config =
    broken.config === undefined
      ? sound.world.config
      : validateConfig({ name: 'demo', aws: { region: REGION }, ...broken.config }, 'test config');
  const result = await runAudit(
    { all: false, config, configSource: 'config', since: new Date(now.getTime() - 90 * DAY_MS) },
    { ports, now: () => now, retry: FAST_RETRY },
  );
  if ('deployments' in result) throw new Error('expected one deployment');
  expect(ports.writeCalls()).toBe(0);
  return result;
}

describe('the audit of a sound deployment', () => {
  it('reports every check of the catalogue once, in its order, and no FAIL or ERROR', () => {
    expect(baseline.findings.map((f) => f.checkId)).toEqual(CATALOGUE.map((c) => c.id));
    expect(baseline.summary.FAIL).toBe(0);
    expect(baseline.summary.ERROR).toBe(0);
    // Host checks and the probe need --host / --probe; the test world's host has a public IP on purpose.
    const expected = Object.fromEntries(
      CHECKS.map((c) => [
        c.id,
        c.requires !== undefined ? 'SKIP' : c.id === 'ec2_confidential_workload_host_public_ip' ? 'WARN' : 'PASS',
      ]),
    );
    expect(statuses(baseline)).toEqual(expected);
  });

  it('gives evidence with every PASS and names the resource', () => {
    for (const f of baseline.findings.filter((x) => x.status === 'PASS')) {
      expect(Object.keys(f.evidence).length, f.checkId).toBeGreaterThan(0);
      expect(f.resource, f.checkId).toMatch(/^arn:aws:/);
    }
  });
});

describe('a corpus of broken deployments', () => {
  it('has a case for every check that can be broken through AWS', () => {
    const targeted = new Set(CORPUS.flatMap((c) => Object.keys(c.expect)));
    const awsChecks = CHECKS.filter((c) => c.requires === undefined).map((c) => c.id);
    expect(awsChecks.filter((id) => !targeted.has(id))).toEqual([]);
  });

  it.each(CORPUS.map((c) => [c.name, c] as const))('%s', async (_name, broken) => {
    const report = await auditBroken(broken);
    const before = statuses(baseline);
    const after = statuses(report);
    const changed = Object.keys(after).filter((id) => after[id] !== before[id]);
    expect(Object.fromEntries(changed.map((id) => [id, after[id]]))).toEqual(broken.expect);
    for (const id of Object.keys(broken.expect)) {
      const f = report.findings.find((x) => x.checkId === id)!;
      // Every failure names what is wrong, never with an empty evidence.
      expect(Object.keys(f.evidence).length).toBeGreaterThan(0);
    }
  });
});
