// The policy `verify --print-iam-policy` prints is enough (an auditor holding exactly it gets no
// ERROR, alone or with --all) and minimal (without any one of its read actions, some check ERRORs
// and names that action).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_READ_ACTIONS, verifyIamPolicy } from '../../src/verify/iam-policy.js';
import { runAudit } from '../../src/verify/run.js';
import type { AuditReport } from '../../src/verify/types.js';
import { DAY_MS, makeAuditWorld, type AuditWorld } from './audit-world.js';
import { FAST_RETRY } from '../e2e/world.js';

let w: AuditWorld;
let roles = 0;

beforeAll(async () => {
  w = await makeAuditWorld();
}, 60_000);
afterAll(() => w.world.cleanup());

async function auditorWith(policy: object): Promise<string> {
  const name = `policy-auditor-${(roles += 1)}`;
  await w.admin.iam.createRole({
    RoleName: name,
    AssumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'sts:AssumeRole' }],
    }),
  });
  await w.admin.iam.putRolePolicy({ RoleName: name, PolicyName: 'verify', PolicyDocument: JSON.stringify(policy) });
  return name;
}

describe('verify --print-iam-policy', () => {
  it('is enough for the whole audit, with --all too', async () => {
    const roleName = await auditorWith(verifyIamPolicy());
    const report = await w.audit({}, { kind: 'role', roleName, sessionName: 'audit' });
    expect(report.findings.filter((f) => f.status === 'ERROR').map((f) => [f.checkId, f.evidence['action']])).toEqual(
      [],
    );
    const ports = await w.world.ports({}, { kind: 'role', roleName, sessionName: 'audit' });
    const all = await runAudit(
      { all: true, configSource: 'defaults', since: new Date(Date.now() - 90 * DAY_MS) },
      { ports, now: () => new Date(), retry: FAST_RETRY },
    );
    if (!('deployments' in all)) throw new Error('expected --all to report per deployment');
    expect(all.deployments.map((d) => d.deployment.name)).toEqual(['demo']);
    expect(all.summary.ERROR).toBe(0);
  });

  it('holds no read action the audit can do without', async () => {
    for (const action of AUDIT_READ_ACTIONS) {
      const policy = verifyIamPolicy();
      const [read] = policy.Statement;
      read!.Action = AUDIT_READ_ACTIONS.filter((a) => a !== action);
      const roleName = await auditorWith({ ...policy, Statement: [read] });
      const report: AuditReport = await w.audit({}, { kind: 'role', roleName, sessionName: 'audit' });
      const named = report.findings.filter((f) => f.status === 'ERROR' && JSON.stringify(f.evidence).includes(action));
      expect(named.length, `without ${action}`).toBeGreaterThan(0);
    }
  }, 180_000);

  it('is read-only', () => {
    const actions = verifyIamPolicy().Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action ?? '']));
    expect(actions.filter((a) => !/^[a-z0-9]+:(Describe|Get|List|Lookup)[A-Za-z]*$/.test(a))).toEqual([]);
  });
});
