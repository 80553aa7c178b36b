// The attest run (src/attest) against a small stateful KMS: the merge and write, IAM propagation
// and read-back, PCR8 sources, rotation, and bad input that must write nothing.
import { describe, expect, it } from 'vitest';
import type * as KMS from '@aws-sdk/client-kms';
import { runAttest, type AttestOptions } from '../../src/attest/attest.js';
import { render } from '../../src/commands/attest.js';
import { createStyle } from '../../src/io/style.js';
import { buildKeyPolicy } from '../../src/policy/key-policy.js';
import type { PolicyDocument } from '../../src/policy/types.js';
import { pcr8ValuesOf } from '../../src/policy/pcr8.js';
import { TestIoHost } from '../helpers/test-io-host.js';
import {
  ACCOUNT,
  awsError,
  CALLER,
  EU,
  FakeKMS,
  GLOBAL,
  harness,
  KEY_ARN,
  KEY_ID,
  options,
  PRESET,
  REGION,
  ROLE,
  ROOT,
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

describe('runAttest: PCR8 sources', () => {
  const buildOutput = (pcr8?: string) =>
    `Enclave Image successfully created.\n${JSON.stringify({ Measurements: { HashAlgorithm: 'Sha384 { ... }', PCR0: 'a'.repeat(96), PCR1: 'b'.repeat(96), PCR2: 'c'.repeat(96), ...(pcr8 ? { PCR8: pcr8 } : {}) } })}`;
  const describeOutput = (pcr8: string, signatureCheck = true) =>
    JSON.stringify({
      EifVersion: 4,
      Measurements: {
        HashAlgorithm: 'Sha384 { ... }',
        PCR0: 'a'.repeat(96),
        PCR1: 'b'.repeat(96),
        PCR2: 'c'.repeat(96),
        PCR8: pcr8,
      },
      IsSigned: true,
      CheckCRC: true,
      SignatureCheck: signatureCheck,
    });

  it('cross-checks every source with the preset', async () => {
    const files: Record<string, string> = { 'build.json': buildOutput(GLOBAL), '-': describeOutput(GLOBAL) };
    const { deps } = harness(undefined, undefined, { readText: (path) => Promise.resolve(files[path] ?? '') });
    const result = await runAttest(
      options({
        ...withoutDefault,
        eif: 'cosigner.eif',
        buildOutput: 'build.json',
        describeEifOutput: '-',
        pcr8: GLOBAL,
        dryRun: true,
      }),
      deps,
    );
    expect(result.sources.map((s) => s.kind)).toEqual(['eif', 'build-output', 'describe-eif-output', 'pcr8', 'preset']);
  });

  it('exits 3 with a source → value table when sources disagree', async () => {
    const { kms, deps } = harness(undefined, undefined, { measureEif: () => Promise.resolve({ PCR8: EU }) });
    try {
      await runAttest(options({ ...withoutDefault, eif: 'other.eif' }), deps);
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: 'PCR_SOURCES_DISAGREE', exitCode: 3 });
      expect((error as { context: unknown }).context).toEqual({
        sources: [
          { source: '--eif other.eif', value: EU },
          { source: PRESET.name, value: GLOBAL },
        ],
        configured: [GLOBAL],
      });
      expect((error as Error).message).toContain(`--eif other.eif`);
    }
    expect(kms.puts).toEqual([]);
  });

  it.each([
    ['an unsigned EIF', { eif: 'unsigned.eif' }, { measureEif: () => Promise.resolve({}) }, 'EIF_UNSIGNED'],
    [
      'unsigned build output',
      { buildOutput: 'b.json' },
      { readText: () => Promise.resolve(buildOutput()) },
      'EIF_UNSIGNED',
    ],
    [
      'describe-eif with a failed signature check',
      { describeEifOutput: 'd.json' },
      { readText: () => Promise.resolve(describeOutput(GLOBAL, false)) },
      'EIF_SIGNATURE_INVALID',
    ],
    [
      'garbage nitro-cli output',
      { buildOutput: 'b.json' },
      { readText: () => Promise.resolve('Enclave Image successfully created.') },
      'NITRO_CLI_OUTPUT_INVALID',
    ],
    ['both outputs on stdin', { buildOutput: '-', describeEifOutput: '-' }, {}, 'INVALID_OPTION'],
    ['an upper-case PCR8', { pcr8: GLOBAL.toUpperCase() }, {}, 'PCR_INVALID'],
    ['a short PCR8', { pcr8: GLOBAL.slice(0, 64) }, {}, 'PCR_INVALID'],
    ['a PCR8 with other characters', { pcr8: `${GLOBAL.slice(0, 95)}z` }, {}, 'PCR_INVALID'],
    ['an all-zero PCR8', { pcr8: '0'.repeat(96), configured: undefined }, {}, 'PCR_INVALID'],
    ['no source at all', { configured: undefined }, {}, 'PCR_SOURCE_MISSING'],
  ] as const)('refuses %s', async (_name, patch, extra, code) => {
    const { kms, deps } = harness(undefined, undefined, extra);
    await expect(
      runAttest(options({ ...withoutDefault, ...(patch as Partial<AttestOptions>) }), deps),
    ).toThrowCosignerError(code);
    expect(kms.puts).toEqual([]);
  });
});

describe('runAttest: two-phase rotation', () => {
  it('adds a value (cross-checked with its source, not the preset), then prunes the old one', async () => {
    const { kms, deps } = harness(undefined, undefined, { measureEif: () => Promise.resolve({ PCR8: EU }) });
    await runAttest(options(withoutDefault), deps);
    const added = await runAttest(options({ add: 'new.eif' }), deps);
    expect(added).toMatchObject({ mode: 'add', previousPcr8: [GLOBAL], pcr8: [GLOBAL, EU] });
    expect(added.sources).toEqual([{ source: '--add new.eif', kind: 'add', value: EU }]);
    expect(pcr8ValuesOf(stored(kms))).toEqual([GLOBAL, EU]);
    const change = added.diff.statements.find((s) => s.kind === 'changed');
    expect(change?.fields?.[0]).toMatchObject({ added: [EU], removed: [] });

    await expect(runAttest(options({ add: EU, pcr8: GLOBAL }), deps)).toThrowCosignerError('PCR_SOURCES_DISAGREE');
    const pruned = await runAttest(options({ prune: GLOBAL }), deps);
    expect(pruned).toMatchObject({ mode: 'prune', pcr8: [EU], sources: [] });
    expect(pcr8ValuesOf(stored(kms))).toEqual([EU]);
  });

  it('refuses to prune the last value, a value not in the list, and --add with --prune', async () => {
    const { kms, deps } = harness();
    await runAttest(options(withoutDefault), deps);
    const writes = kms.puts.length;
    await expect(runAttest(options({ prune: GLOBAL }), deps)).toThrowCosignerError('POLICY_PRUNE_LAST');
    await expect(runAttest(options({ prune: EU }), deps)).toThrowCosignerError('POLICY_INVALID');
    await expect(runAttest(options({ add: EU, prune: GLOBAL }), deps)).toThrowCosignerError('INVALID_OPTION');
    await expect(runAttest(options({ prune: GLOBAL, pcr8: GLOBAL }), deps)).toThrowCosignerError('INVALID_OPTION');
    expect(kms.puts.length).toBe(writes);
  });

  it('warns when a plain attest collapses a rotation list', async () => {
    const kms = new FakeKMS(
      buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [EU, GLOBAL], allowRotation: true }),
    );
    const { deps } = harness(kms);
    const result = await runAttest(options(), deps);
    expect(result.warnings.some((w) => w.includes('for a rotation with overlap use --add'))).toBe(true);
  });
});

describe('runAttest: bad input and AWS preconditions write nothing', () => {
  const root = {
    Sid: 'Root',
    Effect: 'Allow' as const,
    Principal: { AWS: ROOT },
    Action: 'kms:PutKeyPolicy',
    Resource: '*',
  };
  it.each<[string, () => FakeKMS, Partial<AttestOptions>, string]>([
    [
      'a policy that is not JSON',
      () => new FakeKMS('{"Version": "2012-10-17", "Statement": ['),
      {},
      'POLICY_MALFORMED',
    ],
    [
      'a policy with an unknown element',
      () => new FakeKMS('{"Statement":[{"Effect":"Allow","Action":"kms:*","Principals":"*"}]}'),
      {},
      'POLICY_MALFORMED',
    ],
    [
      'a foreign statement with Principal "*"',
      () =>
        new FakeKMS({ Statement: [root, { Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*' }] }),
      {},
      'POLICY_BYPASS',
    ],
    [
      'a foreign NotAction grant',
      () =>
        new FakeKMS({
          Statement: [
            root,
            { Effect: 'Allow', Principal: { AWS: ROLE }, NotAction: 'kms:ScheduleKeyDeletion', Resource: '*' },
          ],
        }),
      {},
      'POLICY_BYPASS',
    ],
    [
      'a foreign statement with an unknown operator',
      () =>
        new FakeKMS({
          Statement: [
            root,
            {
              Effect: 'Allow',
              Principal: { AWS: ROLE },
              Action: 'kms:TagResource',
              Resource: '*',
              Condition: { StringEqualsAnyCase: { 'aws:RequestTag/x': 'y' } },
            },
          ],
        }),
      {},
      'POLICY_UNSUPPORTED',
    ],
    [
      'a foreign Deny that locks the administrators out',
      () => new FakeKMS({ Statement: [{ Effect: 'Deny', Principal: '*', Action: 'kms:PutKeyPolicy', Resource: '*' }] }),
      {},
      'POLICY_LOCKOUT',
    ],
    [
      'a removal that misses the bypass statement (typo in the Sid)',
      () => new FakeKMS(),
      { removeStatements: ['Enable IAM user permissions'] },
      'POLICY_BYPASS',
    ],
    [
      'a key ARN in another region',
      () => new FakeKMS(),
      { keyId: `arn:aws:kms:us-east-1:${ACCOUNT}:key/${KEY_ID}` },
      'AWS_WRONG_REGION',
    ],
    ['a key that does not exist', () => new FakeKMS(), { keyId: 'alias/other' }, 'AWS_NOT_FOUND'],
  ])('refuses %s', async (_name, makeKms, patch, code) => {
    const kms = makeKms();
    const { deps } = harness(kms);
    await expect(runAttest(options(patch), deps)).toThrowCosignerError(code as never);
    expect(kms.puts).toEqual([]);
  });

  it('accepts a single statement object (normalised to an array)', async () => {
    const kms = new FakeKMS(
      `{"Version":"2012-10-17","Statement":${JSON.stringify(buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [GLOBAL] }).Statement[2])}}`,
    );
    const { deps } = harness(kms);
    expect((await runAttest(options(), deps)).written).toBe(true);
    expect(Array.isArray(stored(kms).Statement)).toBe(true);
  });

  it.each([
    ['pending deletion', { KeyState: 'PendingDeletion' as const }, 'AWS_KEY_PENDING_DELETION'],
    ['in another region', { Arn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/${KEY_ID}` }, 'AWS_WRONG_REGION'],
    ['in another account', { Arn: `arn:aws:kms:${REGION}:111111111111:key/${KEY_ID}` }, 'AWS_INVALID_REQUEST'],
    ['AWS managed', { KeyManager: 'AWS' as const }, 'AWS_INVALID_REQUEST'],
    ['asymmetric', { KeySpec: 'RSA_2048' as const }, 'KEY_UNPROTECTABLE'],
    ['for signing', { KeyUsage: 'SIGN_VERIFY' as const }, 'KEY_UNPROTECTABLE'],
    ['multi-Region', { MultiRegion: true }, 'KEY_UNPROTECTABLE'],
    ['made with imported key material', { Origin: 'EXTERNAL' as const }, 'KEY_UNPROTECTABLE'],
    [
      'in a custom key store',
      { Origin: 'AWS_CLOUDHSM' as const, CustomKeyStoreId: 'cks-1234567890abcdef0' },
      'KEY_UNPROTECTABLE',
    ],
    ['described without its origin', { Origin: undefined }, 'KEY_UNPROTECTABLE'],
  ])('refuses a key that is %s', async (_name, metadata, code) => {
    const kms = new FakeKMS();
    kms.metadata = { ...kms.metadata, ...metadata };
    const { deps } = harness(kms);
    await expect(runAttest(options(withoutDefault), deps)).toThrowCosignerError(code as never);
    expect(kms.puts).toEqual([]);
  });

  const grant = (
    id: string,
    operations: KMS.GrantOperation[] = ['Decrypt', 'GenerateDataKey'],
  ): KMS.GrantListEntry => ({
    KeyId: KEY_ARN,
    GrantId: id.repeat(64).slice(0, 64),
    GranteePrincipal: `arn:aws:iam::${ACCOUNT}:role/backup`,
    IssuingAccount: ROOT,
    Operations: operations,
    CreationDate: new Date('2026-01-01T00:00:00Z'),
  });

  it('refuses a key with a grant, naming it and how to revoke it, and writes nothing', async () => {
    const kms = new FakeKMS();
    kms.grants = [grant('a')];
    const { deps } = harness(kms);
    const error = await runAttest(options(withoutDefault), deps).then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string; hint: string; exitCode: number },
    );
    expect(error).toMatchObject({ code: 'KEY_HAS_GRANTS', exitCode: 5 });
    expect(error?.message).toContain(
      `grant ${'a'.repeat(64)} (grantee arn:aws:iam::${ACCOUNT}:role/backup, operations Decrypt, GenerateDataKey)`,
    );
    expect(error?.message).toContain('without going through the key policy');
    expect(error?.hint).toContain(`aws kms revoke-grant --key-id ${KEY_ARN} --grant-id ${'a'.repeat(64)}`);
    expect(kms.puts).toEqual([]);
  });

  it('accepts a grant named with --accept-grant (with a warning), not one on a later page that is not named', async () => {
    const kms = new FakeKMS();
    kms.grants = [grant('a'), grant('b', ['DescribeKey']), grant('c')];
    const { deps } = harness(kms);
    const accepted = ['a'.repeat(64), 'b'.repeat(64)];
    await expect(runAttest(options({ ...withoutDefault, acceptedGrants: accepted }), deps)).rejects.toMatchObject({
      code: 'KEY_HAS_GRANTS',
      message: expect.stringContaining('c'.repeat(64)) as string,
    });
    expect(kms.listCalls).toBe(2);
    expect(kms.puts).toEqual([]);
    const result = await runAttest(options({ ...withoutDefault, acceptedGrants: [...accepted, 'c'.repeat(64)] }), deps);
    expect(result).toMatchObject({
      written: true,
      keyProperties: { grantsListed: true, acceptedGrants: [...accepted, 'c'.repeat(64)] },
    });
    expect(result.warnings.filter((w) => w.includes('is accepted by name'))).toHaveLength(3);
  });

  it('refuses a key whose grants cannot be listed while its policy is not yet the attested one', async () => {
    const kms = new FakeKMS();
    kms.failList = awsError('AccessDeniedException', `User: ${CALLER} is not authorized to perform: kms:ListGrants`);
    const { deps } = harness(kms);
    await expect(runAttest(options(withoutDefault), deps)).toThrowCosignerError('KEY_GRANTS_UNREADABLE');
    expect(kms.puts).toEqual([]);
  });

  it('warns when the grants of an already attested key cannot be listed; says nothing more for a key cosigner-cli created', async () => {
    const attested = buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [GLOBAL] });
    const adopted = new FakeKMS(attested);
    adopted.failList = awsError(
      'AccessDeniedException',
      `User: ${CALLER} is not authorized to perform: kms:ListGrants`,
    );
    const result = await runAttest(options({ add: EU }), harness(adopted).deps);
    expect(result.keyProperties.grantsListed).toBe(false);
    expect(result.warnings.some((w) => w.includes('cannot be listed'))).toBe(true);
    const created = new FakeKMS(attested);
    created.metadata = {
      ...created.metadata,
      Description:
        'Fireblocks API Co-signer treasury database key [cosigner-cli:treasury token:0b7c2f4e-1111-4222-8333-444455556666]',
    };
    created.failList = adopted.failList;
    const quiet = await runAttest(options({ add: EU }), harness(created).deps);
    expect(quiet.warnings.some((w) => w.includes('grants'))).toBe(false);
    expect(quiet.keyProperties.findings).toMatchObject([{ check: 'grants', severity: 'info' }]);
  });

  it('warns about a disabled key but still writes', async () => {
    const kms = new FakeKMS();
    kms.metadata = { ...kms.metadata, KeyState: 'Disabled' };
    const { deps } = harness(kms);
    const result = await runAttest(options(withoutDefault), deps);
    expect(result.warnings[0]).toContain('the key is Disabled');
  });

  it('explains missing kms:GetKeyPolicy and kms:PutKeyPolicy permissions', async () => {
    const denied = awsError(
      'AccessDeniedException',
      `User: ${CALLER} is not authorized to perform: kms:GetKeyPolicy`,
      403,
    );
    const first = new FakeKMS();
    first.failGet = denied;
    await expect(runAttest(options(withoutDefault), harness(first).deps)).rejects.toMatchObject({
      code: 'AWS_ACCESS_DENIED',
      hint: expect.stringContaining('kms:GetKeyPolicy') as string,
    });
    const second = new FakeKMS();
    second.failPut = awsError(
      'AccessDeniedException',
      `User: ${CALLER} is not authorized to perform: kms:PutKeyPolicy`,
      403,
    );
    await expect(runAttest(options(withoutDefault), harness(second).deps)).rejects.toMatchObject({
      code: 'AWS_ACCESS_DENIED',
      hint: expect.stringContaining('kms:PutKeyPolicy') as string,
    });
  });

  it('looks the role up by name, and says so when it does not exist', async () => {
    const iam = {
      getRole: (input: { RoleName?: string }) =>
        input.RoleName === 'treasury-cosigner'
          ? Promise.resolve({
              Role: {
                Arn: ROLE,
                RoleName: 'treasury-cosigner',
                Path: '/cosigner-cli/',
                RoleId: 'AROAEXAMPLE',
                CreateDate: new Date(),
              },
              $metadata: {},
            })
          : Promise.reject(awsError('NoSuchEntityException', 'The role with name x cannot be found.', 404)),
    };
    const { deps } = harness(undefined, undefined, { iam });
    expect(
      (await runAttest(options({ ...withoutDefault, role: { name: 'treasury-cosigner' }, dryRun: true }), deps))
        .roleArn,
    ).toBe(ROLE);
    await expect(runAttest(options({ ...withoutDefault, role: { name: 'missing' } }), deps)).toThrowCosignerError(
      'AWS_NOT_FOUND',
    );
  });
});
