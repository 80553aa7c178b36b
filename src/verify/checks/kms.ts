/**
 * The KMS checks: the key policy proved with the policy engine (key-policy-proofs.ts), the key's
 * grants and properties (src/policy/key-properties.ts), and its state, rotation and kind.
 */
import type * as KMS from '@aws-sdk/client-kms';
import { checkKeyProperties } from '../../policy/key-properties.js';
import { pcr8ValuesOf, shortPCR8 } from '../../policy/pcr8.js';
import type { PolicyDocument } from '../../policy/types.js';
import { checkMeta } from '../catalogue.js';
import {
  skipped,
  Verdict,
  type CheckContext,
  type CheckDefinition,
  type CheckOutcome,
  type ReadName,
} from '../check.js';
import {
  analyseKeyPolicy,
  PLAINTEXT_CONTROL_ACTIONS,
  type KeyPolicyAnalysis,
  type StatementProblem,
} from '../key-policy-proofs.js';
import type { Outcome } from '../reads.js';

interface KeyFacts {
  key: KMS.KeyMetadata;
  arn: string;
}

/** The key, or the outcome that ends the check: SKIP when there is no key, ERROR when it cannot be read. */
async function keyOrOutcome(ctx: CheckContext): Promise<KeyFacts | CheckOutcome> {
  const key = await ctx.reads.key();
  const resource = ctx.target.keyRef.value;
  if (!key.ok) return new Verdict().unreadable(key.failure).outcome(resource);
  if (key.value?.Arn === undefined)
    return skipped(resource, `no KMS key found for ${ctx.target.name} (${ctx.target.keyRef.kind} ${resource})`);
  return { key: key.value, arn: key.value.Arn };
}

function isOutcome(value: KeyFacts | CheckOutcome): value is CheckOutcome {
  return 'status' in value;
}

/** The key policy's analysis, computed once per deployment for every key-policy check. */
function analysis(
  ctx: CheckContext,
  keyArn: string,
): Promise<Outcome<{ policy: PolicyDocument; analysis: KeyPolicyAnalysis; roleArn: string }>> {
  return ctx.derive('keyPolicyAnalysis', async () => {
    const policy = await ctx.reads.keyPolicy();
    if (!policy.ok) return policy;
    if (policy.value === undefined)
      return {
        ok: false,
        failure: { action: 'kms:GetKeyPolicy', code: 'AWS_SERVICE_ERROR', message: 'GetKeyPolicy returned no policy' },
      };
    const role = await ctx.reads.role();
    // The role as it exists (its ARN may carry another path); the deterministic ARN otherwise.
    const roleArn = role.ok && role.value !== undefined ? role.value.arn : ctx.target.roleArn;
    const result = analyseKeyPolicy(policy.value, {
      keyArn,
      accountId: ctx.target.accountId,
      roleArn,
      expectedPcr8: ctx.target.expectedPcr8.values,
      adminArns: ctx.target.adminArns,
      debugEnclaveAccepted: ctx.target.debugEnclaveAccepted,
    });
    return { ok: true, value: { policy: policy.value, analysis: result, roleArn } };
  });
}

function problem(policy: PolicyDocument, p: StatementProblem): Record<string, unknown> {
  return { ...p, statement: policy.Statement[p.index] };
}

type PolicyCheck = (
  v: Verdict,
  facts: { policy: PolicyDocument; analysis: KeyPolicyAnalysis; roleArn: string; key: KeyFacts },
  ctx: CheckContext,
) => Promise<void> | void;

/** A check over the key policy: SKIP without a key, ERROR when the policy cannot be read. */
function policyCheck(id: string, reads: readonly ReadName[], judge: PolicyCheck): CheckDefinition {
  return {
    ...checkMeta(id),
    reads: ['key', 'keyPolicy', ...reads],
    async run(ctx) {
      const key = await keyOrOutcome(ctx);
      if (isOutcome(key)) return key;
      const v = new Verdict();
      const result = await analysis(ctx, key.arn);
      if (!result.ok) return v.unreadable(result.failure).outcome(key.arn);
      v.note('proof', {
        steps: result.value.analysis.report.steps,
        requestsEvaluated: result.value.analysis.report.requests,
      });
      await judge(v, { ...result.value, key }, ctx);
      return v.outcome(key.arn);
    },
  };
}

/** Grant operations that hand out plaintext: a grant carries no attestation condition. */
const PLAINTEXT_GRANT_OPERATIONS = [
  'Decrypt',
  'GenerateDataKey',
  'GenerateDataKeyPair',
  'DeriveSharedSecret',
  'ReEncryptFrom',
];

const notEnforced = policyCheck(
  'kms_key_enclave_attestation_not_enforced',
  ['keyGrants'],
  async (v, { policy, analysis: a }, ctx) => {
    for (const p of a.unattested) v.fail(problem(policy, p));
    for (const p of a.compensated) v.warn(problem(policy, p));
    v.note(
      'attestedStatements',
      a.attestedStatements.map((s) => ({ index: s.index, sid: s.sid })),
    );
    v.note(
      'proved',
      'every Allow that covers Decrypt, GenerateDataKey, GenerateDataKeyPair or DeriveSharedSecret (by name, wildcard or NotAction) pins a kms:RecipientAttestation key with StringEquals/StringEqualsIgnoreCase',
    );
    // A grant is a second door beside the key policy, and it cannot ask for an attestation
    // document: its grantee calls the data operations it names without one.
    const grants = await ctx.reads.keyGrants();
    if (!grants.ok) {
      v.unreadable(grants.failure);
      return;
    }
    const open = (grants.value ?? []).filter((g) => g.Operations.some((op) => PLAINTEXT_GRANT_OPERATIONS.includes(op)));
    v.note('grantsGivingPlaintext', open.length);
    for (const grant of open) {
      const item = {
        grantId: grant.GrantId,
        grantee: grant.GranteePrincipal ?? null,
        operations: grant.Operations,
        message: `grant ${grant.GrantId} lets ${grant.GranteePrincipal ?? 'its grantee'} call ${grant.Operations.filter((op) => PLAINTEXT_GRANT_OPERATIONS.includes(op)).join(', ')} without an attestation document`,
      };
      if (ctx.target.acceptedGrants.includes(grant.GrantId))
        v.warn({ ...item, accepted: 'named in kms.acceptedGrants' });
      else v.fail(item);
    }
  },
);

const bypassable = policyCheck(
  'kms_key_enclave_attestation_bypassable_path',
  ['keyGrants'],
  async (v, { policy, analysis: a, key }, ctx) => {
    for (const finding of a.findings('key-control')) {
      // kms:* and kms:Put* cover PutKeyPolicy: the key-control step lists every control action covered.
      const leads = (finding.action ?? '').split(', ').some((action) => PLAINTEXT_CONTROL_ACTIONS.includes(action));
      const item = {
        message: finding.message,
        principal: finding.principal,
        actions: finding.action,
        statements: finding.statements.map((s) => ({ ...s, statement: policy.Statement[s.index] })),
      };
      if (leads || finding.statements.length === 0) v.fail(item);
      else v.warn({ ...item, note: 'controls the key (delete, disable) without reaching the plaintext' });
    }
    for (const p of a.reencrypt) v.fail(problem(policy, p));
    const grants = await ctx.reads.keyGrants();
    if (!grants.ok) v.unreadable(grants.failure);
    const properties = checkKeyProperties({
      keyArn: key.arn,
      metadata: key.key,
      grants: grants.ok
        ? { listed: true, grants: grants.value ?? [] }
        : { listed: false, reason: grants.failure.message },
      acceptedGrantIds: ctx.target.acceptedGrants,
      history: 'attested',
    });
    for (const finding of properties.findings) {
      if (finding.check === 'multi-region' || (finding.check === 'grants' && !grants.ok)) continue;
      const item = {
        check: finding.check,
        message: finding.message,
        ...(finding.grantId === undefined ? {} : { grantId: finding.grantId }),
      };
      const plaintext =
        finding.check === 'origin' || finding.check === 'custom-key-store' || finding.check === 'grants';
      if (finding.severity === 'error' && plaintext) v.fail(item);
      else if (finding.severity !== 'info') v.warn(item);
    }
    if (grants.ok)
      v.note(
        'grants',
        (grants.value ?? []).map((g) => ({
          grantId: g.GrantId,
          grantee: g.GranteePrincipal,
          operations: g.Operations,
        })),
      );
    v.note('administrators', ctx.target.adminArns);
  },
);

const pcr8Matches = policyCheck('cosigner_kms_pcr8_matches_fb_env', [], (v, { policy, analysis: a }, ctx) => {
  const expected = ctx.target.expectedPcr8.values;
  const admitted = a.admittedPcr8;
  const extra = admitted.filter((value) => !expected.includes(value));
  const missing = expected.filter((value) => !admitted.includes(value));
  v.note('expected', expected).note('expectedFrom', ctx.target.expectedPcr8.source).note('admitted', admitted);
  v.note('attestedStatementValues', pcr8ValuesOf(policy));
  if (extra.length > 0)
    v.fail({
      message: `the key policy admits PCR8 values that are not expected: ${extra.map(shortPCR8).join(', ')}`,
      values: extra,
    });
  if (missing.length > 0)
    v.fail({
      message: `the key policy does not admit expected PCR8 values: ${missing.map(shortPCR8).join(', ')} (the co-signer's enclave would be denied)`,
      values: missing,
    });
  for (const p of a.pcr8Shape) v.fail(problem(policy, p));
  if (a.attestedStatements.length === 0 && a.pcr8Shape.length === 0)
    v.fail({ message: 'no Allow of the data operations pins kms:RecipientAttestation:PCR8' });
});

const rolePrincipal = policyCheck(
  'cosigner_kms_role_principal_resolves',
  ['role'],
  async (v, { policy, analysis: a }, ctx) => {
    const role = await ctx.reads.role();
    if (!role.ok) {
      v.unreadable(role.failure);
      return;
    }
    if (role.value === undefined) {
      v.fail({
        message: `the co-signer role ${ctx.target.roleName} does not exist: nothing can use the key, and a role created again under that name is a new principal`,
      });
      return;
    }
    const roleArn = role.value.arn;
    v.note('role', { arn: roleArn, roleId: role.value.roleId });
    if (a.attestedStatements.length === 0)
      v.fail({ message: 'no attested statement (an Allow of the data operations pinning PCR8) names any principal' });
    let namesRole = false;
    for (const s of a.attestedStatements) {
      const principals = s.principals;
      const others = Array.isArray(principals) ? principals.filter((p) => p !== roleArn) : [principals];
      if (Array.isArray(principals) && principals.includes(roleArn)) namesRole = true;
      for (const other of others) {
        const why = /^AROA[A-Z0-9]+$/.test(other)
          ? 'the unique id of a deleted role (the key policy no longer names any live role by it)'
          : other === '*' || other === 'not'
            ? 'every principal'
            : other === 'none'
              ? 'no principal'
              : `another principal than ${roleArn}`;
        v.fail({
          index: s.index,
          sid: s.sid,
          principal: other,
          message: `the attested statement names ${why}`,
          statement: policy.Statement[s.index],
        });
      }
    }
    if (a.attestedStatements.length > 0 && !namesRole)
      v.fail({ message: `no attested statement names the role ${roleArn}` });
    for (const finding of a.findings('attested-access'))
      if (finding.severity === 'error') v.warn({ message: finding.message, statements: finding.statements });
  },
);

const breakGlass = policyCheck('cosigner_kms_break_glass_present', [], (v, { analysis: a }, ctx) => {
  const lockouts = a.findings('lockout');
  const admins = ctx.target.adminArns;
  const locked = admins.filter((admin) => lockouts.some((f) => f.principal === admin));
  const keep = admins.filter((admin) => !locked.includes(admin));
  v.note('administrators', admins).note('keepPutKeyPolicy', keep);
  const items = lockouts.map((f) => ({ principal: f.principal, message: f.message, statements: f.statements }));
  if (admins.length === 0 || keep.length === 0)
    for (const item of items.length > 0 ? items : [{ message: 'no administrator is configured' }]) v.fail(item);
  else for (const item of items) v.warn(item);
});

const debugDenied = policyCheck('cosigner_kms_debug_enclave_denied', [], (v, { policy, analysis: a }, ctx) => {
  const findings = a.findings('debug-enclave');
  const denies = policy.Statement.flatMap((s, index) =>
    s.Effect === 'Deny' &&
    JSON.stringify(s.Condition ?? {})
      .toLowerCase()
      .includes('kms:recipientattestation:imagesha384')
      ? [{ index, sid: s.Sid }]
      : [],
  );
  v.note('profile', ctx.target.profile).note('denyStatements', denies);
  for (const f of findings) {
    const item = { message: f.message, actions: f.action };
    if (ctx.target.debugEnclaveAccepted)
      v.warn({
        ...item,
        accepted: `profile ${ctx.target.profile}${ctx.target.profile === 'hardened' ? ' with kms.denyDebugEnclaves off' : ''} leaves it out on purpose`,
      });
    else v.fail(item);
  }
});

const notPublic = policyCheck('kms_key_not_publicly_accessible', [], (v, { policy, analysis: a }) => {
  for (const p of a.publicAllows) v.fail(problem(policy, p));
  v.note('allowStatements', policy.Statement.filter((s) => s.Effect === 'Allow').length);
  v.note(
    'proved',
    'no Allow names Principal "*" or a NotPrincipal without a condition that fails for a principal of another account',
  );
});

const rotation: CheckDefinition = {
  ...checkMeta('kms_cmk_rotation_enabled'),
  reads: ['key', 'keyRotation'],
  async run(ctx) {
    const key = await keyOrOutcome(ctx);
    if (isOutcome(key)) return key;
    const v = new Verdict();
    const enabled = await ctx.reads.keyRotation();
    if (!enabled.ok) return v.unreadable(enabled.failure).outcome(key.arn);
    v.note('keyRotationEnabled', enabled.value);
    if (enabled.value !== true) v.fail({ message: 'automatic rotation of the key material is off' });
    return v.outcome(key.arn);
  },
};

const notDeleted: CheckDefinition = {
  ...checkMeta('kms_cmk_not_deleted_unintentionally'),
  reads: ['key'],
  async run(ctx) {
    const v = new Verdict();
    const key = await ctx.reads.key();
    const ref = ctx.target.keyRef.value;
    if (!key.ok) return v.unreadable(key.failure).outcome(ref);
    if (key.value?.Arn === undefined) {
      v.fail({
        message: `no KMS key found by ${ctx.target.keyRef.kind} ${ref}: the co-signer's key is gone (or its alias was removed)`,
      });
      return v.outcome(ref);
    }
    const state = key.value.KeyState ?? 'Unknown';
    v.note('keyState', state).note('enabled', key.value.Enabled ?? false);
    if (key.value.DeletionDate !== undefined) v.note('deletionDate', new Date(key.value.DeletionDate).toISOString());
    if (state === 'PendingDeletion' || state === 'PendingReplicaDeletion' || state === 'Disabled')
      v.fail({ message: `the key is ${state}: the co-signer cannot decrypt its database` });
    else if (state !== 'Enabled') v.warn({ message: `the key is ${state}` });
    return v.outcome(key.value.Arn);
  },
};

const singleRegion: CheckDefinition = {
  ...checkMeta('kms_cmk_not_multi_region'),
  reads: ['key'],
  async run(ctx) {
    const key = await keyOrOutcome(ctx);
    if (isOutcome(key)) return key;
    const v = new Verdict();
    v.note('multiRegion', key.key.MultiRegion ?? false);
    if (key.key.MultiRegion === undefined) v.warn({ message: 'kms:DescribeKey did not report MultiRegion' });
    if (key.key.MultiRegion === true)
      v.fail({
        message:
          'a multi-Region key: each replica has its own key policy, which this one does not govern, and any replica decrypts what this key encrypted',
      });
    return v.outcome(key.arn);
  },
};

export const KMS_CHECKS: readonly CheckDefinition[] = [
  notEnforced,
  bypassable,
  pcr8Matches,
  rolePrincipal,
  breakGlass,
  debugDenied,
  notPublic,
  rotation,
  notDeleted,
  singleRegion,
];
