// The audit under bad input: reads it may not make (ERROR naming the action, every other check
// still run), throttling and a CloudTrail outage (ERROR, never a PASS), a co-signer that does not
// exist and a region with nothing in it (coded errors), and no write call ever.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { traceAwsCalls } from '../../src/aws/ports.js';
import { createSandboxPorts } from '../../src/aws/sandbox/index.js';
import { validateConfig } from '../../src/config/load.js';
import { runAudit } from '../../src/verify/run.js';
import type { AuditReport } from '../../src/verify/types.js';
import { readTrail } from '../e2e/trail.js';
import { FAST_KNOBS, FAST_RETRY, REGION } from '../e2e/world.js';
import { AUDITOR, DAY_MS, finding, makeAuditWorld, statuses, type AuditWorld } from './audit-world.js';

let w: AuditWorld;
let baseline: AuditReport;

beforeAll(async () => {
  w = await makeAuditWorld();
  baseline = await w.audit();
}, 60_000);

afterAll(() => w.world.cleanup());

const since = () => new Date(Date.now() - 90 * DAY_MS);

/** Checks whose status differs from the sound deployment's audit. */
function changes(report: AuditReport): Record<string, string> {
  const before = statuses(baseline);
  return Object.fromEntries(Object.entries(statuses(report)).filter(([id, status]) => before[id] !== status));
}

async function auditorDenied(name: string, actions: string[]): Promise<void> {
  await w.admin.iam.createRole({
    RoleName: name,
    AssumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'sts:AssumeRole' }],
    }),
  });
  await w.admin.iam.attachRolePolicy({ RoleName: name, PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' });
  await w.admin.iam.putRolePolicy({
    RoleName: name,
    PolicyName: 'deny',
    PolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Action: actions, Resource: '*' }],
    }),
  });
}

describe('missing permissions', () => {
  it('makes the checks that need kms:GetKeyPolicy ERROR, naming it, and runs every other check', async () => {
    await auditorDenied('auditor-no-policy', ['kms:GetKeyPolicy']);
    const report = await w.audit({}, { kind: 'role', roleName: 'auditor-no-policy', sessionName: 'audit' });
    const keyPolicyChecks = [
      'kms_key_enclave_attestation_not_enforced',
      'kms_key_enclave_attestation_bypassable_path',
      'cosigner_kms_pcr8_matches_fb_env',
      'cosigner_kms_role_principal_resolves',
      'cosigner_kms_break_glass_present',
      'cosigner_kms_debug_enclave_denied',
      'kms_key_not_publicly_accessible',
    ];
    expect(changes(report)).toEqual(Object.fromEntries(keyPolicyChecks.map((id) => [id, 'ERROR'])));
    for (const id of keyPolicyChecks) {
      expect(finding(report, id).evidence).toMatchObject({ action: 'kms:GetKeyPolicy', error: 'AWS_ACCESS_DENIED' });
      expect(String(finding(report, id).evidence['message'])).toContain('kms:GetKeyPolicy');
    }
    expect(report.summary.ERROR).toBe(keyPolicyChecks.length);
  });

  it('never turns a check that could not read CloudTrail into a PASS', async () => {
    await auditorDenied('auditor-no-trail', ['cloudtrail:LookupEvents', 'cloudtrail:GetTrailStatus']);
    const report = await w.audit({}, { kind: 'role', roleName: 'auditor-no-trail', sessionName: 'audit' });
    expect(changes(report)).toEqual({
      cloudtrail_multi_region_enabled: 'ERROR',
      cloudtrail_log_file_validation_enabled: 'ERROR',
      cosigner_kms_unattested_use: 'ERROR',
      kms_key_enclave_attestation_unknown_image: 'ERROR',
      kms_key_enclave_debug_attestation_detected: 'ERROR',
    });
    expect(finding(report, 'cosigner_kms_unattested_use').evidence['action']).toBe('cloudtrail:LookupEvents');
    expect(finding(report, 'cloudtrail_multi_region_enabled').evidence['action']).toBe('cloudtrail:GetTrailStatus');
  });

  it('keeps a proven FAIL a FAIL when another read of the same check is denied', async () => {
    await auditorDenied('auditor-no-grants', ['kms:ListGrants']);
    // The role may also call kms:CreateGrant: a bypass the policy alone proves.
    const policy = JSON.parse(
      (await w.admin.kms.getKeyPolicy({ KeyId: w.keyArn, PolicyName: 'default' })).Policy ?? '{}',
    ) as { Statement: unknown[] };
    const sound = JSON.stringify(policy);
    policy.Statement.push({ Effect: 'Allow', Principal: { AWS: w.roleArn }, Action: 'kms:CreateGrant', Resource: '*' });
    await w.admin.kms.putKeyPolicy({ KeyId: w.keyArn, PolicyName: 'default', Policy: JSON.stringify(policy) });
    try {
      const report = await w.audit({}, { kind: 'role', roleName: 'auditor-no-grants', sessionName: 'audit' });
      const f = finding(report, 'kms_key_enclave_attestation_bypassable_path');
      expect(f.status).toBe('FAIL');
      expect(f.evidence).toMatchObject({ action: 'kms:ListGrants', error: 'AWS_ACCESS_DENIED' });
    } finally {
      await w.admin.kms.putKeyPolicy({ KeyId: w.keyArn, PolicyName: 'default', Policy: sound });
    }
  });
});

describe('a flaky AWS', () => {
  it('reports a throttled read as ERROR (AWS_THROTTLED) after the SDK’s retries, never as a PASS', async () => {
    const ports = await createSandboxPorts({
      dir: w.world.sandboxDir,
      region: REGION,
      env: {},
      knobs: {
        ...FAST_KNOBS,
        faults: { throttle: 1, serverError: 0, reset: 0, seed: 7, only: ['kms:GetKeyRotationStatus'] },
      },
      principal: AUDITOR,
    });
    const result = await runAudit(
      { all: false, config: w.world.config, configSource: 'config', since: since() },
      { ports, now: () => new Date(), retry: FAST_RETRY },
    );
    const report = result as AuditReport;
    expect(changes(report)).toEqual({ kms_cmk_rotation_enabled: 'ERROR' });
    expect(finding(report, 'kms_cmk_rotation_enabled').evidence).toMatchObject({
      action: 'kms:GetKeyRotationStatus',
      error: 'AWS_THROTTLED',
    });
  });

  it('reports CloudTrail being unavailable as ERROR on the history checks', async () => {
    const ports = await createSandboxPorts({
      dir: w.world.sandboxDir,
      region: REGION,
      env: {},
      knobs: {
        ...FAST_KNOBS,
        faults: { throttle: 0, serverError: 1, reset: 0, seed: 7, only: ['cloudtrail:LookupEvents'] },
      },
      principal: AUDITOR,
    });
    const report = (await runAudit(
      { all: false, config: w.world.config, configSource: 'config', since: since() },
      { ports, now: () => new Date(), retry: FAST_RETRY },
    )) as AuditReport;
    expect(changes(report)).toEqual({
      cosigner_kms_unattested_use: 'ERROR',
      kms_key_enclave_attestation_unknown_image: 'ERROR',
      kms_key_enclave_debug_attestation_detected: 'ERROR',
    });
    expect(finding(report, 'cosigner_kms_unattested_use').evidence).toMatchObject({ error: 'AWS_SERVICE_ERROR' });
  });
});

describe('what does not exist', () => {
  it('refuses a co-signer that does not exist with VERIFY_NO_DEPLOYMENT', async () => {
    const ghost = validateConfig({ name: 'ghost', aws: { region: REGION } }, 'test');
    await expect(w.audit({ config: ghost })).toThrowCosignerError('VERIFY_NO_DEPLOYMENT');
  });

  it('refuses --all in a region with nothing in it with VERIFY_NO_DEPLOYMENT', async () => {
    const ports = await createSandboxPorts({
      dir: w.world.sandboxDir,
      region: 'us-east-2',
      env: {},
      knobs: FAST_KNOBS,
      principal: AUDITOR,
    });
    await expect(
      runAudit(
        { all: true, configSource: 'defaults', since: since() },
        { ports, now: () => new Date(), retry: FAST_RETRY },
      ),
    ).toThrowCosignerError('VERIFY_NO_DEPLOYMENT');
  });

  it('audits every co-signer of the region with --all', async () => {
    const ports = await w.auditor();
    const result = await runAudit(
      { all: true, configSource: 'defaults', since: since() },
      { ports, now: () => new Date(), retry: FAST_RETRY },
    );
    if (!('deployments' in result)) throw new Error('expected --all to report per deployment');
    expect(result.deployments.map((d) => d.deployment.name)).toEqual(['demo']);
    expect(result.summary.PASS).toBe(result.deployments[0]?.summary.PASS);
  });
});

describe('shared reads', () => {
  it('makes each read once, shared by every check that needs it', async () => {
    const calls: string[] = [];
    const ports = traceAwsCalls(await w.auditor(), (call) => calls.push(`${call.service}:${call.operation}`));
    await runAudit(
      { all: false, config: w.world.config, configSource: 'config', since: since() },
      { ports, now: () => new Date(), retry: FAST_RETRY },
    );
    const counts = calls.reduce<Record<string, number>>((acc, c) => ({ ...acc, [c]: (acc[c] ?? 0) + 1 }), {});
    // Hosts are looked up by tag and by instance profile (two queries); the event history may span pages.
    const { 'EC2:DescribeInstances': hosts, 'CloudTrail:LookupEvents': pages, ...rest } = counts;
    expect(hosts).toBe(2);
    expect(pages).toBeGreaterThanOrEqual(1);
    expect(Object.entries(rest).filter(([, n]) => n !== 1)).toEqual([]);
    expect(Object.keys(rest)).toContain('KMS:GetKeyPolicy');
  });
});

describe('read-only by construction', () => {
  it('makes no write call: the ports count none and every CloudTrail event of the audit is read-only', async () => {
    const before = (await readTrail(w.world.sandboxDir)).length;
    const ports = await w.auditor();
    await runAudit(
      { all: false, config: w.world.config, configSource: 'config', since: since() },
      { ports, now: () => new Date(), retry: FAST_RETRY },
    );
    expect(ports.writeCalls()).toBe(0);
    const events = (await readTrail(w.world.sandboxDir)).slice(before);
    expect(events.length).toBeGreaterThan(10);
    expect(events.filter((e) => !e.readOnly).map((e) => e.eventName)).toEqual([]);
  });
});
