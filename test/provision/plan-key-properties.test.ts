// The pure planner for a key the config names (kms.keyId): refused when its key policy cannot
// protect it, grants accepted only by id (the key provision created too), the grants part of the
// plan's fingerprint.
import { describe, expect, it } from 'vitest';
import type { KeyGrants } from '../../src/policy/key-properties.js';
import type { ObservedKey, ObservedState } from '../../src/provision/observed.js';
import { keyDescription } from '../../src/engine/ownership.js';
import { buildPlan } from '../../src/provision/plan.js';
import type { PlannedAction } from '../../src/provision/plan-types.js';
import { CALLER, convergedObserved, desiredFor, KEY_ARN, ourKey } from './fixtures.js';

const NOW = new Date('2026-05-01T00:00:00Z');
const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const GRANTEE = 'arn:aws:iam::111122223333:role/backup';

const listed = (...ids: string[]): KeyGrants => ({
  listed: true,
  grants: ids.map((GrantId) => ({ GrantId, GranteePrincipal: GRANTEE, Operations: ['Decrypt'] })),
});

/** A converged account whose key the config names; `key` patches what was observed of it. */
function planFor(key: Partial<ObservedKey>, config: Record<string, unknown> = {}) {
  const desired = desiredFor({ kms: { keyId: KEY_ARN, ...config } });
  const observed: ObservedState = convergedObserved(desired);
  // A key someone else made, with the attested policy already in place (no cosigner-cli marker).
  observed.key = ourKey(desired, { description: 'team key', origin: 'AWS_KMS', grants: listed(), ...key });
  const plan = buildPlan({ desired, observed, bucketAttempted: false, callerArn: CALLER, now: NOW });
  return { plan, key: plan.actions.find((a) => a.node === 'key')! };
}

const refusal = (action: PlannedAction) => action.refusal?.code;

describe('planning an adopted key', () => {
  it('adopts a sound key with no grants, with nothing to note', () => {
    const { key } = planFor({});
    expect(key.kind).not.toBe('refuse');
    expect(key.notes).toEqual([]);
  });

  it.each([
    ['multi-Region', { multiRegion: true }],
    ['imported material', { origin: 'EXTERNAL' }],
    ['in a custom key store', { origin: 'AWS_CLOUDHSM', customKeyStoreId: 'cks-1234567890abcdef0' }],
    ['asymmetric', { spec: 'RSA_2048' }],
    ['of unknown origin', { origin: undefined }],
  ])('refuses a key that is %s (KEY_UNPROTECTABLE), before any call', (_name, patch) => {
    const { plan, key } = planFor(patch);
    expect(refusal(key)).toBe('KEY_UNPROTECTABLE');
    expect(key.rounds).toEqual([]);
    expect(plan.summary.refuse).toBe(1);
  });

  it('refuses a key pending import for being EXTERNAL, not merely for its state', () => {
    expect(refusal(planFor({ origin: 'EXTERNAL', state: 'PendingImport' }).key)).toBe('KEY_UNPROTECTABLE');
  });

  it('refuses grants not accepted by id; notes the accepted ones', () => {
    expect(refusal(planFor({ grants: listed(A) }).key)).toBe('KEY_HAS_GRANTS');
    const accepted = planFor({ grants: listed(A) }, { acceptedGrants: [A] });
    expect(accepted.key.kind).not.toBe('refuse');
    expect(accepted.key.notes.some((n) => n.includes(`grant ${A}`) && n.includes('is accepted by name'))).toBe(true);
    expect(accepted.plan.warnings.some((w) => w.includes(`grant ${A}`))).toBe(true);
    const other = planFor({ grants: listed(A, B) }, { acceptedGrants: [A] });
    expect(refusal(other.key)).toBe('KEY_HAS_GRANTS');
    expect(other.key.refusal?.message).toContain(B);
  });

  it('refuses unlisted grants while the key policy is foreign; notes them once it is attested; says nothing for a key it created', () => {
    const unlisted: KeyGrants = { listed: false, reason: 'kms:ListGrants was denied to the caller' };
    const foreign = {
      Statement: [
        {
          Sid: 'Enable IAM User Permissions',
          Effect: 'Allow' as const,
          Principal: { AWS: 'arn:aws:iam::111122223333:root' },
          Action: 'kms:*',
          Resource: '*',
        },
      ],
    };
    expect(refusal(planFor({ grants: unlisted, policy: foreign }).key)).toBe('KEY_GRANTS_UNREADABLE');
    const attested = planFor({ grants: unlisted });
    expect(attested.key.kind).not.toBe('refuse');
    expect(attested.key.notes.some((n) => n.includes('cannot be listed'))).toBe(true);
    const ours = planFor({
      grants: unlisted,
      description: keyDescription('demo', '0b7c2f4e-1111-4222-8333-444455556666'),
    });
    expect(ours.key.notes).toEqual([]);
  });

  it('checks the properties of a key found by alias and marker too: the marker is only a description', () => {
    const desired = desiredFor();
    const observed = convergedObserved(desired);
    observed.key = ourKey(desired, { multiRegion: true });
    const plan = buildPlan({ desired, observed, bucketAttempted: false, callerArn: CALLER, now: NOW });
    expect(plan.actions.find((a) => a.node === 'key')?.refusal?.code).toBe('KEY_UNPROTECTABLE');
    observed.key = ourKey(desired, { origin: 'EXTERNAL' });
    const imported = buildPlan({ desired, observed, bucketAttempted: false, callerArn: CALLER, now: NOW });
    expect(imported.actions.find((a) => a.node === 'key')?.refusal?.code).toBe('KEY_UNPROTECTABLE');
  });

  it('refuses an unaccepted grant on the key it created too (KEY_HAS_GRANTS), and notes an accepted one', () => {
    const plan = (grants: KeyGrants, config: Record<string, unknown> = {}) => {
      const desired = desiredFor(config);
      const observed = convergedObserved(desired);
      observed.key = ourKey(desired, { grants });
      return buildPlan({ desired, observed, bucketAttempted: false, callerArn: CALLER, now: NOW }).actions.find(
        (a) => a.node === 'key',
      )!;
    };
    expect(plan(listed()).kind).toBe('noop');
    const refused = plan(listed(A));
    expect(refusal(refused)).toBe('KEY_HAS_GRANTS');
    expect(refused.rounds).toEqual([]);
    expect(refused.refusal?.hint).toContain(`aws kms revoke-grant --key-id ${KEY_ARN} --grant-id ${A}`);
    const accepted = plan(listed(A), { kms: { acceptedGrants: [A] } });
    expect(accepted.kind).toBe('noop');
    expect(accepted.notes.some((n) => n.includes(`grant ${A}`) && n.includes('is accepted by name'))).toBe(true);
    // Its own attested policy lets no one create a grant: unlistable grants are no finding.
    expect(plan({ listed: false, reason: 'kms:ListGrants was denied to the caller' }).kind).toBe('noop');
  });

  it('makes the grants and their acceptance part of the fingerprint (a saved plan goes stale)', () => {
    const none = planFor({});
    const granted = planFor({ grants: listed(A) }, { acceptedGrants: [A] });
    expect(granted.plan.fingerprint).not.toBe(none.plan.fingerprint);
    expect(granted.plan.inputs.desiredHash).not.toBe(none.plan.inputs.desiredHash);
    expect(granted.plan.inputs.observedHash).not.toBe(none.plan.inputs.observedHash);
  });
});
