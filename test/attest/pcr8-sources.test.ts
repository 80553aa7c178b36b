// attest's PCR8 list (src/attest/pcr8-sources.ts) through a run: every source cross-checked with
// the others and the config, and the two-phase rotation (--add, then --prune).
import { describe, expect, it } from 'vitest';
import { runAttest, type AttestOptions } from '../../src/attest/attest.js';
import { buildKeyPolicy } from '../../src/policy/key-policy.js';
import { pcr8ValuesOf } from '../../src/policy/pcr8.js';
import { ACCOUNT, EU, FakeKMS, GLOBAL, harness, options, PRESET, ROLE, stored, withoutDefault } from './harness.js';

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
