// The planner and the key policy's PCR8 list: the config is the record, a change against the live
// policy is its own line and is named in apply's question, and a live policy with a foreign
// statement that fails the proofs is refused (named, with the command that removes it), never
// called "matches the config".
import { describe, expect, it } from 'vitest';
import { FIREBLOCKS_ENVIRONMENTS } from '../../src/enclave/fireblocks-presets.js';
import { buildKeyPolicy } from '../../src/policy/key-policy.js';
import type { PolicyDocument, PolicyStatement } from '../../src/policy/types.js';
import { buildPlan, isNoop } from '../../src/provision/plan.js';
import type { ObservedState } from '../../src/provision/observed.js';
import type { Plan } from '../../src/provision/plan-types.js';
import { applyQuestion, planLines } from '../../src/provision/render.js';
import { ACCOUNT, CALLER, convergedObserved, desiredFor, ourKey } from './fixtures.js';

const NOW = new Date('2026-05-01T00:00:00Z');
const GLOBAL = FIREBLOCKS_ENVIRONMENTS.global.pcr8;
const NEW = 'ab'.repeat(48);
const plan = (desired: ReturnType<typeof desiredFor>, observed: ObservedState): Plan =>
  buildPlan({ desired, observed, bucketAttempted: false, callerArn: CALLER, now: NOW });
const key = (p: Plan) => p.actions.find((a) => a.node === 'key')!;
const bucket = (p: Plan) => p.actions.find((a) => a.node === 'bucket')!;

/** The account as provisioned, with the live key policy admitting `live`. */
function withLive(
  desired: ReturnType<typeof desiredFor>,
  live: string[],
  extra: PolicyStatement[] = [],
): ObservedState {
  const observed = convergedObserved(desired);
  const policy = buildKeyPolicy({ ...desired.key.policyInput, pcr8: live });
  observed.key = ourKey(desired, { policy: { ...policy, Statement: [...policy.Statement, ...extra] } });
  return observed;
}

describe('the PCR8 list of an existing key', () => {
  it("is the config's: a value only the live policy admits is removed, shown on its own line and named in the question", () => {
    const desired = desiredFor();
    const p = plan(desired, withLive(desired, [GLOBAL, NEW]));
    expect(key(p).kind).toBe('update');
    expect(key(p).pcr8Change).toEqual({ live: [GLOBAL, NEW], config: [GLOBAL], added: [], removed: [NEW] });
    expect(p.pcr8.change).toEqual(key(p).pcr8Change);
    expect(key(p).reasons).toContain("the key policy's PCR8 list differs (− ababab…abab)");
    expect(key(p).notes[0]).toBe(
      `PCR8 ababab…abab is in the live key policy but not in the config: this plan removes it (to keep it, record it first: cosigner-cli attest --add ${NEW})`,
    );
    expect(planLines(p)).toContain('  PCR8 change in the key policy: − ababab…abab (only in the live key policy)');
    expect(applyQuestion(p)).toBe(
      `apply 1 change(s) to account ${ACCOUNT} in eu-west-1, changing the key policy's PCR8 list (remove ababab…abab)?`,
    );
  });

  it('replaces the live value with the one the config records after a rotation (values added and removed)', () => {
    const desired = desiredFor({ fireblocks: { pcr8: NEW } });
    const p = plan(desired, withLive(desired, [GLOBAL]));
    expect(key(p).pcr8Change).toMatchObject({ added: [NEW], removed: [GLOBAL] });
    expect(planLines(p)).toContain(
      '  PCR8 change in the key policy: + ababab…abab (in the config), − da1d9e…99a8 (only in the live key policy)',
    );
    expect(applyQuestion(p)).toContain('(add ababab…abab, remove da1d9e…99a8)');
    // The config leaves out the published value on purpose; the plan says so.
    expect(p.warnings.some((w) => w.includes('not the Global SaaS preset da1d9e…99a8'))).toBe(true);
  });

  it("is a no-op, with no PCR8 line, when the live policy admits exactly the config's list", () => {
    const desired = desiredFor({ fireblocks: { pcr8: [GLOBAL, NEW] } });
    const p = plan(desired, withLive(desired, [GLOBAL, NEW]));
    expect(isNoop(p)).toBe(true);
    expect(p.pcr8.change).toBeUndefined();
    expect(planLines(p).some((l) => l.includes('PCR8 change'))).toBe(false);
    expect(applyQuestion(p)).toBe(`apply 0 change(s) to account ${ACCOUNT} in eu-west-1?`);
  });
});

describe('a live key policy with a foreign statement', () => {
  const decrypt = (sid?: string): PolicyStatement => ({
    ...(sid === undefined ? {} : { Sid: sid }),
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/legacy` },
    Action: 'kms:Decrypt',
    Resource: '*',
  });

  it('that fails the proofs is refused even though nothing else differs, naming it and the command that removes it', () => {
    const desired = desiredFor();
    const p = plan(desired, withLive(desired, [GLOBAL], [decrypt('LegacyDecrypt')]));
    const action = key(p);
    expect(action.kind).toBe('refuse');
    expect(action.refusal?.code).toBe('POLICY_BYPASS');
    expect(action.refusal?.message).toContain('foreign statement "LegacyDecrypt" of the key policy fails the proofs');
    expect(action.refusal?.hint).toBe(
      'remove it: cosigner-cli attest --remove-statement LegacyDecrypt; then run provision again',
    );
  });

  it('quotes a Sid with spaces, and says how to remove a statement without a Sid', () => {
    const desired = desiredFor();
    const rootAll: PolicyStatement = {
      Sid: 'Enable IAM User Permissions',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: 'kms:*',
      Resource: '*',
    };
    const refusal = key(plan(desired, withLive(desired, [GLOBAL], [rootAll, decrypt()]))).refusal;
    expect(refusal?.message).toContain('foreign statement "Enable IAM User Permissions", statement #');
    expect(refusal?.hint).toContain("cosigner-cli attest --remove-statement 'Enable IAM User Permissions'");
    expect(refusal?.hint).toMatch(/statement #\d+ \(no Sid\) cannot be named by --remove-statement/);
  });

  it('that passes the proofs is kept (provision merges by Sid) and the key stays a no-op', () => {
    const desired = desiredFor();
    const deny: PolicyStatement = {
      Sid: 'DenyOtherAccount',
      Effect: 'Deny',
      Principal: { AWS: 'arn:aws:iam::999999999999:root' },
      Action: 'kms:*',
      Resource: '*',
    };
    expect(key(plan(desired, withLive(desired, [GLOBAL], [deny]))).kind).toBe('noop');
  });
});

describe('a live bucket policy with a foreign statement that fails the proofs', () => {
  it('is refused, naming the statement', () => {
    const desired = desiredFor();
    const observed = convergedObserved(desired);
    const denyRole: PolicyStatement = {
      Sid: 'FreezeObjects',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:GetObject',
      Resource: `${desired.bucket.arn}/*`,
    };
    if (observed.bucket.status === 'present')
      observed.bucket.policy = {
        ...(observed.bucket.policy as PolicyDocument),
        Statement: [...(observed.bucket.policy as PolicyDocument).Statement, denyRole],
      };
    const action = bucket(plan(desired, observed));
    expect(action.kind).toBe('refuse');
    expect(action.refusal?.code).toBe('POLICY_ROLE_DENIED');
    expect(action.refusal?.message).toContain(
      'foreign statement "FreezeObjects" of the live bucket policy fails the proofs',
    );
    expect(action.refusal?.hint).toContain(
      `remove statement "FreezeObjects" from the policy of bucket ${desired.bucket.name}`,
    );
  });
});
