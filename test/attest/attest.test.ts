// The attest run (src/attest) against a small stateful KMS: the merge and write, the inert actions
// it names, IAM propagation and read-back.
import { describe, expect, it } from 'vitest';
import { runAttest } from '../../src/attest/attest.js';
import { render } from '../../src/commands/attest.js';
import { createStyle } from '../../src/io/style.js';
import { buildKeyPolicy } from '../../src/policy/key-policy.js';
import type { PolicyDocument } from '../../src/policy/types.js';
import { pcr8ValuesOf } from '../../src/policy/pcr8.js';
import { TestIoHost } from '../helpers/test-io-host.js';
import {
  ACCOUNT,
  awsError,
  EU,
  FakeKMS,
  GLOBAL,
  harness,
  KEY_ARN,
  options,
  PRESET,
  ROLE,
  stored,
  withoutDefault,
} from './harness.js';

describe('runAttest: writing', () => {
  it('refuses the default key policy (root kms:* is a bypass) and writes nothing', async () => {
    const { kms, deps } = harness();
    await expect(runAttest(options(), deps)).toThrowCosignerError('POLICY_BYPASS');
    expect(kms.puts).toEqual([]);
  });

  it('writes the hardened policy once the bypass statement is removed explicitly, then reads it back', async () => {
    const { kms, io, deps } = harness();
    const result = await runAttest(options(withoutDefault), deps);
    expect(result).toMatchObject({
      keyArn: KEY_ARN,
      roleArn: ROLE,
      mode: 'set',
      pcr8: [GLOBAL],
      previousPcr8: [],
      changed: true,
      written: true,
      verified: true,
      writeAttempts: 1,
    });
    expect(result.sources).toEqual([{ source: PRESET.name, kind: 'preset', value: GLOBAL }]);
    expect(kms.puts).toHaveLength(1);
    expect(kms.puts[0]).toEqual({ KeyId: KEY_ARN, PolicyName: 'default', Policy: expect.any(String) as string });
    expect(kms.puts[0]).not.toHaveProperty('BypassPolicyLockoutSafetyCheck');
    const expected = buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [GLOBAL], allowRotation: true });
    // The key's Id is kept; our statements are the built ones.
    expect(stored(kms)).toEqual({ ...expected, Id: 'key-default-1' });
    expect(result.merge.removed).toEqual(['Enable IAM User Permissions']);
    expect(io.confirmations).toHaveLength(1);
    expect(io.messages.find((m) => m.code === 'ATTEST_DIFF')?.message).toContain(
      '- Enable IAM User Permissions (foreign)',
    );
    expect(io.steps.map((s) => [s.text, s.outcome])).toEqual([
      ['writing the key policy', 'succeed'],
      ['reading the key policy back', 'succeed'],
    ]);
  });

  it('keeps foreign statements and their order', async () => {
    const foreign = [
      {
        Sid: 'AuditRead',
        Effect: 'Allow' as const,
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/Auditor` },
        Action: ['kms:DescribeKey', 'kms:GetKeyPolicy'],
        Resource: '*',
      },
      {
        Effect: 'Deny' as const,
        Principal: '*' as const,
        Action: 'kms:ScheduleKeyDeletion',
        Resource: '*',
        Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } },
      },
    ];
    const kms = new FakeKMS({
      Version: '2012-10-17',
      Statement: [
        foreign[0]!,
        ...buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [EU] }).Statement,
        foreign[1]!,
      ],
    });
    const { deps } = harness(kms);
    await runAttest(options(), deps);
    const statements = stored(kms).Statement;
    // Foreign statements are unchanged and in order; ours are replaced in place, new ones appended.
    expect(statements.filter((s) => s.Sid === undefined || s.Sid === 'AuditRead')).toEqual(foreign);
    expect(statements.map((s) => s.Sid)).toEqual([
      'AuditRead',
      'Enable enclave data processing for specific role',
      'Allow GetKeyPolicy to co-signer',
      'Allow policy management to root user',
      'CosignerKeyRecovery',
      'CosignerDenyDebugEnclave',
      undefined,
      'CosignerKeyRotation',
    ]);
    expect(pcr8ValuesOf(stored(kms))).toEqual([GLOBAL]);
  });

  it('keeps the statements of a policy pasted from the Fireblocks guide and adds the hardening', async () => {
    const kms = new FakeKMS(
      buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [GLOBAL], profile: 'fireblocks-exact' }),
    );
    const { deps } = harness(kms);
    const result = await runAttest(options(), deps);
    expect(result.previousPcr8).toEqual([GLOBAL]);
    expect(stored(kms).Statement.map((s) => s.Sid)).toEqual([
      'Enable enclave data processing for specific role',
      'Allow GetKeyPolicy to co-signer',
      'Allow policy management to root user',
      'CosignerKeyRecovery',
      'CosignerKeyRotation',
      'CosignerDenyDebugEnclave',
    ]);
    expect(stored(kms).Id).toBe('key-consolepolicy-4');
  });

  it('writes the fireblocks-exact profile, with the debug-enclave risk as a warning', async () => {
    const kms = new FakeKMS({ Version: '2012-10-17', Statement: [] });
    const { deps } = harness(kms);
    const result = await runAttest(options({ profile: 'fireblocks-exact' }), deps);
    expect(result.written).toBe(true);
    expect(result.warnings.some((w) => w.includes('debug-mode enclave'))).toBe(true);
    expect(stored(kms)).toEqual({
      ...buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [GLOBAL], profile: 'fireblocks-exact' }),
    });
  });

  it('leaves out the debug-enclave Deny when it is switched off, and warns', async () => {
    const { kms, deps } = harness();
    const result = await runAttest(options({ ...withoutDefault, denyDebugEnclaves: false }), deps);
    expect(result.written).toBe(true);
    expect(result.warnings.some((w) => w.includes('debug-enclave Deny is switched off'))).toBe(true);
    expect(stored(kms)).toEqual({
      ...buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [GLOBAL], allowRotation: true, denyDebug: false }),
      Id: 'key-default-1',
    });
    expect(stored(kms).Statement.map((s) => s.Sid)).not.toContain('CosignerDenyDebugEnclave');
  });

  it('reports an unchanged policy without confirming or writing', async () => {
    const { kms, io, deps } = harness();
    await runAttest(options(withoutDefault), deps);
    const again = await runAttest(options(), deps);
    expect(again).toMatchObject({ changed: false, written: false, verified: true });
    expect(kms.puts).toHaveLength(1);
    expect(io.confirmations).toHaveLength(1);
  });

  it('stops after the diff and the proofs with --dry-run', async () => {
    const { kms, io, deps } = harness();
    const result = await runAttest(options({ ...withoutDefault, dryRun: true }), deps);
    expect(result).toMatchObject({ dryRun: true, changed: true, written: false });
    expect(result.diff.summary).toEqual({ added: 6, removed: 1, changed: 0, unchanged: 0 });
    expect(kms.puts).toEqual([]);
    expect(io.confirmations).toEqual([]);
    const text = render(result, createStyle(false));
    expect(text).toContain('dry run: nothing written');
    expect(text).toContain('+ Enable enclave data processing for specific role');
  });

  it('refuses without --yes when not interactive (exit 5) and when the user says no', async () => {
    const first = harness(new FakeKMS(), new TestIoHost());
    await expect(runAttest(options(withoutDefault), first.deps)).toThrowCosignerError('CONFIRMATION_REQUIRED');
    expect(first.kms.puts).toEqual([]);
    const second = harness(new FakeKMS(), new TestIoHost({ answers: [false] }));
    await expect(runAttest(options(withoutDefault), second.deps)).toThrowCosignerError('ABORTED');
    expect(second.kms.puts).toEqual([]);
  });
});

describe('runAttest: inert actions', () => {
  const ATTESTED = 'Enable enclave data processing for specific role';
  const NO_ATTESTATION = [
    'kms:Encrypt',
    'kms:GenerateDataKeyWithoutPlaintext',
    'kms:GenerateDataKeyPairWithoutPlaintext',
    'kms:GetKeyPolicy',
  ];

  it.each(['hardened', 'fireblocks-exact'] as const)(
    "names the inert actions of Fireblocks' attested statement in the %s policy it writes, with the reason",
    async (profile) => {
      const { deps } = harness(new FakeKMS({ Version: '2012-10-17', Statement: [] }));
      const result = await runAttest(options({ profile }), deps);
      expect(result.written).toBe(true);
      expect(result.inertActions.map(({ action, reason }) => [action, reason])).toEqual([
        ...NO_ATTESTATION.map((action) => [action, 'no-attestation']),
        ['kms:GenerateRandom', 'no-key'],
      ]);
      for (const item of result.inertActions) expect(item.statements).toEqual([{ index: 0, sid: ATTESTED }]);
    },
  );

  it('names them in a dry run too, and in foreign statements it keeps', async () => {
    const foreign = {
      Sid: 'NoRandomOutside',
      Effect: 'Deny' as const,
      Principal: '*' as const,
      Action: 'kms:GenerateRandom',
      Resource: '*',
    };
    const { deps } = harness(new FakeKMS({ Version: '2012-10-17', Statement: [foreign] }));
    const result = await runAttest(options({ dryRun: true }), deps);
    expect(result).toMatchObject({ dryRun: true, written: false });
    const random = result.inertActions.find((item) => item.action === 'kms:GenerateRandom');
    expect(random?.statements).toEqual([
      { index: 0, sid: 'NoRandomOutside' },
      { index: 1, sid: ATTESTED },
    ]);
  });
});

describe('runAttest: eventual consistency and read-back', () => {
  it('retries PutKeyPolicy while the role is not yet a valid principal, showing progress', async () => {
    const kms = new FakeKMS();
    kms.propagationFailures = 3;
    const { io, deps, sleeps } = harness(kms);
    const result = await runAttest(options(withoutDefault), deps);
    expect(result).toMatchObject({ written: true, verified: true, writeAttempts: 4 });
    expect(sleeps.length).toBeGreaterThanOrEqual(3);
    const write = io.steps.find((s) => s.text === 'writing the key policy');
    expect(write?.updates).toHaveLength(3);
    expect(write?.updates[0]).toMatch(/^waiting for IAM to propagate the role \(attempt 2, \d+ s left\)$/);
    expect(write?.final).toContain('after 4 attempts');
  });

  it('gives up after the bound with AWS_PROPAGATION_TIMEOUT', async () => {
    const kms = new FakeKMS();
    kms.propagationFailures = Number.POSITIVE_INFINITY;
    const { deps } = harness(kms, undefined, { propagationMaxWaitMs: 5000 });
    const before = kms.policy;
    await expect(runAttest(options(withoutDefault), deps)).toThrowCosignerError('AWS_PROPAGATION_TIMEOUT');
    expect(kms.policy).toBe(before);
  });

  it("does not retry other malformed-policy errors, and maps KMS's own lockout check", async () => {
    const kms = new FakeKMS();
    kms.failPut = awsError(
      'MalformedPolicyDocumentException',
      'The new key policy will not allow you to update the key policy in the future.',
    );
    const { deps } = harness(kms);
    await expect(runAttest(options(withoutDefault), deps)).toThrowCosignerError('POLICY_LOCKOUT');
    expect(kms.puts).toHaveLength(1);
  });

  it('fails with POLICY_READBACK_MISMATCH when the stored policy differs', async () => {
    const kms = new FakeKMS();
    kms.mangle = (text) => {
      const policy = JSON.parse(text) as PolicyDocument;
      policy.Statement = policy.Statement.filter((s) => s.Sid !== 'CosignerDenyDebugEnclave');
      return JSON.stringify(policy);
    };
    const { io, deps, sleeps } = harness(kms);
    await expect(runAttest(options(withoutDefault), deps)).toThrowCosignerError('POLICY_READBACK_MISMATCH');
    expect(kms.gets).toBe(4); // the live read, then three read-backs
    expect(sleeps).toEqual([1000, 2000]);
    expect(io.steps.at(-1)?.outcome).toBe('fail');
  });
});
