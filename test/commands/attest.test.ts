// The attest command: argv → options, the module shape, and the human rendering of a result.
import { describe, expect, it } from 'vitest';
import type { CommandModule } from '../../src/command-kit.js';
import { runAttest } from '../../src/attest/attest.js';
import { parseOptions, render, type AttestCliOptions, type AttestResult } from '../../src/commands/attest.js';
import { createStyle } from '../../src/io/style.js';
import {
  ACCOUNT,
  EU,
  GLOBAL,
  harness,
  KEY_ARN,
  options,
  REGION,
  ROLE,
  ROOT,
  withoutDefault,
} from '../attest/harness.js';

describe('render', () => {
  it('summarises a write', async () => {
    const { deps } = harness();
    const text = render(await runAttest(options(withoutDefault), deps), createStyle(false));
    expect(text).toContain(`key    ${KEY_ARN} (account ${ACCOUNT}, ${REGION})`);
    expect(text).toContain('proofs ✔ no lockout, attested-only, no bypass');
    expect(text).toContain('✔ key policy written and read back');
  });

  it('says which actions of the policy are inert, and why', async () => {
    const { deps } = harness();
    const text = render(await runAttest(options(withoutDefault), deps), createStyle(false));
    const sid = '"Enable enclave data processing for specific role"';
    expect(text).toContain(
      [
        'inert  kms:Encrypt, kms:GenerateDataKeyWithoutPlaintext, kms:GenerateDataKeyPairWithoutPlaintext, kms:GetKeyPolicy',
        `         never carry an attestation: the attestation condition of ${sid} never matches them`,
        '       kms:GenerateRandom',
        `         takes no key: ${sid} can neither grant nor deny it (only IAM policies can)`,
        '       kept as listed; the proofs never count them as access',
      ].join('\n'),
    );
  });

  it('has no inert line for a policy without inert actions', async () => {
    const { deps } = harness();
    const result = await runAttest(options(withoutDefault), deps);
    expect(render({ ...result, inertActions: [] }, createStyle(false))).not.toContain('inert');
  });
});

describe('parseOptions and the command module shape', () => {
  const invocation = (opts: Record<string, unknown>) => ({
    command: 'attest',
    args: [],
    opts,
    globals: { quiet: false, verbose: false, debug: false, color: false, nonInteractive: true, yes: false },
    env: {},
    cwd: '/work/project',
  });

  it('maps argv options, resolves paths against the invocation cwd and keeps stdin', () => {
    const cli = parseOptions(
      invocation({
        eif: 'images/cosigner.eif',
        buildOutput: '-',
        describeEifOutput: '/tmp/d.json',
        pcr8: GLOBAL,
        add: EU,
        dryRun: true,
        removeStatement: ['A', 'B'],
        roleArn: ROLE,
        fbEnv: 'eu',
        kmsAdmin: [ROOT],
      }),
    );
    expect(cli).toMatchObject({
      configPath: '/work/project/cosigner.json',
      eif: '/work/project/images/cosigner.eif',
      buildOutput: '-',
      describeEifOutput: '/tmp/d.json',
      pcr8: GLOBAL,
      add: EU,
      roleArn: ROLE,
      removeStatements: ['A', 'B'],
      dryRun: true,
      // Only config settings reach the config loader.
      flags: { fbEnv: 'eu', kmsAdmin: [ROOT] },
    });
  });

  it('refuses an empty value', () => {
    expect(() => parseOptions(invocation({ pcr8: '' }))).toThrowCosignerError('INVALID_OPTION');
  });

  it('is a CommandModule', async () => {
    const module: CommandModule<AttestCliOptions, AttestResult> = await import('../../src/commands/attest.js');
    expect(typeof module.execute).toBe('function');
  });
});
