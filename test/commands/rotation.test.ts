// The config is the record of the key policy's PCR8 list, through execute() on a sandbox:
// `attest --add NEW` and `attest --prune OLD` write the list back to the config, so the next
// `provision` keeps it (no-op for the key) instead of undoing the rotation; a PCR8 value only the
// live policy has is removed only after the plan says so and the operator confirms; a foreign
// statement that fails the proofs stops provision (exit 5) and its hinted command clears it.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runAttest } from '../../src/attest/attest.js';
import { createSandboxEnclaveSession, createSandboxPorts } from '../../src/aws/sandbox/index.js';
import * as attest from '../../src/commands/attest.js';
import * as init from '../../src/commands/init.js';
import * as provision from '../../src/commands/provision.js';
import { executeProvision } from '../helpers/execute-provision.js';
import { FIREBLOCKS_ENVIRONMENTS } from '../../src/enclave/fireblocks-presets.js';
import { isCosignerError } from '../../src/errors.js';
import { createStyle } from '../../src/io/style.js';
import { parsePolicyDocument } from '../../src/policy/evaluate.js';
import { pcr8ValuesOf } from '../../src/policy/pcr8.js';
import type { PolicyDocument } from '../../src/policy/types.js';
import { makeCliWorld, type CliWorld } from '../e2e/cli-context.js';
import { REGION } from '../e2e/world.js';

const OLD = FIREBLOCKS_ENVIRONMENTS.global.pcr8;
const NEW = 'ab'.repeat(48);

let world: CliWorld;
beforeEach(async () => {
  world = await makeCliWorld();
  await world.writeConfig({ name: 'demo', fireblocks: { env: 'global' }, aws: { region: REGION } });
});
afterEach(async () => {
  await world.cleanup();
});

async function runAttestCli(opts: Record<string, unknown>, yes = true) {
  const invocation = world.invocation('attest', opts, { yes });
  const context = world.context(invocation);
  return { result: await attest.execute(attest.parseOptions(invocation), context), io: context.io };
}

async function runProvisionCli(opts: Record<string, unknown>) {
  const invocation = world.invocation('provision', opts, { yes: true });
  const context = world.context(invocation);
  return { result: await executeProvision(provision.parseOptions(invocation), context), io: context.io };
}

const configFile = async () =>
  JSON.parse(await readFile(join(world.dir, 'cosigner.json'), 'utf8')) as {
    fireblocks: { env: string; pcr8?: string | string[] };
  };

async function livePolicy(): Promise<{ policy: PolicyDocument; keyArn: string; roleArn: string }> {
  const ports = await createSandboxPorts({ dir: world.sandboxDir, region: REGION, env: {} });
  const key = await ports.kms.describeKey({ KeyId: 'alias/demo-cosigner' });
  const role = await ports.iam.getRole({ RoleName: 'demo-cosigner' });
  const policy = parsePolicyDocument(
    (await ports.kms.getKeyPolicy({ KeyId: key.KeyMetadata?.Arn, PolicyName: 'default' })).Policy ?? '',
  );
  return { policy, keyArn: key.KeyMetadata?.Arn ?? '', roleArn: role.Role?.Arn ?? '' };
}

async function enclaveCanUseKey(pcr8: string): Promise<boolean> {
  const { keyArn, roleArn } = await livePolicy();
  const session = await createSandboxEnclaveSession({
    sandboxDir: world.sandboxDir,
    roleArn,
    pcrs: { 0: 'cd'.repeat(48), 8: pcr8 },
    region: REGION,
    env: {},
  });
  try {
    return (await session.kms.generateDataKey({ KeyId: keyArn, KeySpec: 'AES_128' })).CiphertextBlob !== undefined;
  } catch (error) {
    if ((error as { name?: string }).name === 'AccessDeniedException') return false;
    throw error;
  }
}

describe('a PCR8 rotation', () => {
  it('is recorded in the config by attest, and provision then keeps it: a no-op for the key policy', async () => {
    expect((await runProvisionCli({})).result.mode).toBe('applied');

    const added = await runAttestCli({ add: NEW });
    expect(added.result).toMatchObject({
      mode: 'add',
      written: true,
      pcr8: [OLD, NEW],
      config: { status: 'change', recorded: true, before: [OLD], after: [OLD, NEW] },
    });
    expect((await configFile()).fireblocks).toEqual({ env: 'global', pcr8: [OLD, NEW] });
    expect(added.io.confirmations).toEqual([
      expect.stringMatching(/^write this key policy to arn:aws:kms:.* and record its PCR8 list in .*cosigner\.json\?$/),
    ]);
    expect(added.io.messages.find((m) => m.code === 'ATTEST_CONFIG_DIFF')?.message).toContain(`+ ${NEW}`);
    // In between, provision keeps both images.
    expect((await runProvisionCli({})).result.mode).toBe('up-to-date');

    const pruned = await runAttestCli({ prune: OLD });
    expect(pruned.result).toMatchObject({ mode: 'prune', pcr8: [NEW], config: { recorded: true, after: [NEW] } });
    expect((await configFile()).fireblocks).toEqual({ env: 'global', pcr8: NEW });
    expect(attest.render(pruned.result, createStyle(false))).toContain('records the PCR8 list');

    const after = await runProvisionCli({});
    expect(after.result.mode).toBe('up-to-date');
    expect(after.result.plan.actions.find((a) => a.node === 'key')?.kind).toBe('noop');
    expect(pcr8ValuesOf((await livePolicy()).policy)).toEqual([NEW]);
    expect(await enclaveCanUseKey(NEW)).toBe(true);
    expect(await enclaveCanUseKey(OLD)).toBe(false);
  });

  it('records nothing on a dry run, or when the operator does not confirm', async () => {
    await runProvisionCli({});
    const before = await readFile(join(world.dir, 'cosigner.json'), 'utf8');
    const dry = await runAttestCli({ add: NEW, dryRun: true });
    expect(dry.result.config).toMatchObject({ status: 'change', recorded: false, after: [OLD, NEW] });
    expect(attest.render(dry.result, createStyle(false))).toContain('would record the PCR8 list');
    await expect(runAttestCli({ add: NEW }, false)).toThrowCosignerError('CONFIRMATION_REQUIRED');
    expect(await readFile(join(world.dir, 'cosigner.json'), 'utf8')).toBe(before);
    expect(pcr8ValuesOf((await livePolicy()).policy)).toEqual([OLD]);
  });

  it('records a list the key already has but the config does not (after the drift of an earlier version)', async () => {
    await runProvisionCli({});
    await runAttestCli({ add: NEW });
    await world.writeConfig({ name: 'demo', fireblocks: { env: 'global' }, aws: { region: REGION } });
    const again = await runAttestCli({ add: NEW });
    expect(again.result).toMatchObject({
      changed: false,
      written: false,
      config: { recorded: true, after: [OLD, NEW] },
    });
    expect(again.io.confirmations).toEqual([
      `record the PCR8 list ${OLD}, ${NEW} in ${join(world.dir, 'cosigner.json')}?`,
    ]);
    expect((await configFile()).fireblocks.pcr8).toEqual([OLD, NEW]);
  });

  it('says that nothing was recorded, and how to record it, when there is no config file', async () => {
    await runProvisionCli({});
    await rm(join(world.dir, 'cosigner.json'));
    const { result, io } = await runAttestCli({ add: NEW, name: 'demo' });
    expect(result).toMatchObject({ written: true, config: { status: 'no-file', recorded: false, after: [OLD, NEW] } });
    const warning = io.texts('warn').find((w) => w.startsWith('nothing was recorded')) ?? '';
    expect(attest.render(result, createStyle(false))).toContain('the PCR8 list was not recorded');
    // Following the hint: init with the settings given to attest and the --pcr8 values it names.
    const hinted = /cosigner-cli init ((?:--pcr8 [0-9a-f]{96} ?)+)/.exec(warning)?.[1]?.trim().split(' ') ?? [];
    expect(hinted).toEqual(['--pcr8', OLD, '--pcr8', NEW]);
    const invocation = world.invocation('init', { name: 'demo', region: REGION, pcr8: [hinted[1], hinted[3]] });
    await init.runInit(init.parseOptions(invocation), { io: world.context(invocation).io });
    expect((await configFile()).fireblocks).toEqual({ env: 'global', pcr8: [OLD, NEW] });
    expect((await runProvisionCli({})).result.mode).toBe('up-to-date');
  });
});

describe('a PCR8 change interrupted while KMS writes it', () => {
  it('is still recorded: the policy is in place, and a config that does not say so would make provision undo it', async () => {
    await runProvisionCli({});
    const { loadConfig } = await import('../../src/config/load.js');
    const path = join(world.dir, 'cosigner.json');
    const loaded = await loadConfig({ path, env: {} });
    const ports = await createSandboxPorts({ dir: world.sandboxDir, region: REGION, env: {} });
    const who = await ports.sts.getCallerIdentity({});
    const interrupt = new AbortController();
    // Ctrl-C arrives while PutKeyPolicy is in flight: KMS still takes the write.
    const kms: Parameters<typeof runAttest>[1]['kms'] = {
      describeKey: (input) => ports.kms.describeKey(input),
      getKeyPolicy: (input) => ports.kms.getKeyPolicy(input),
      listGrants: (input) => ports.kms.listGrants(input),
      putKeyPolicy: (input) => {
        interrupt.abort();
        return ports.kms.putKeyPolicy(input);
      },
    };
    const io = world.context(world.invocation('attest', {}, { yes: true })).io;
    const run = runAttest(
      {
        keyId: 'alias/demo-cosigner',
        role: { name: 'demo-cosigner' },
        profile: 'hardened',
        adminArns: [],
        pcr3RoleBinding: false,
        allowRotation: true,
        add: NEW,
        configured: { name: 'fireblocks.env=global (preset)', values: [OLD] },
        removeStatements: [],
        dryRun: false,
      },
      {
        io,
        kms,
        iam: ports.iam,
        caller: { accountId: who.Account ?? '', callerArn: who.Arn ?? '', region: REGION },
        now: () => new Date(),
        sleep: () => Promise.resolve(),
        signal: interrupt.signal,
        config: { path, fileExists: true, sources: loaded.sources, config: loaded.config, env: {}, flags: {} },
      },
    );
    await expect(run).toThrowCosignerError('ABORTED');
    expect(pcr8ValuesOf((await livePolicy()).policy)).toEqual([OLD, NEW]);
    expect((await configFile()).fireblocks.pcr8).toEqual([OLD, NEW]);
    expect((await runProvisionCli({})).result.mode).toBe('up-to-date');
  });
});

describe('provision and PCR8 values the config does not record', () => {
  /** The drift of the bug: the key admits OLD and NEW, the config (rewritten by hand) only OLD. */
  async function drifted(): Promise<void> {
    await runProvisionCli({});
    await runAttestCli({ add: NEW });
    await world.writeConfig({ name: 'demo', fireblocks: { env: 'global' }, aws: { region: REGION } });
  }

  it('refuses without --yes when not interactive (exit 5), naming the PCR8 change, and changes nothing', async () => {
    await drifted();
    const invocation = world.invocation('provision', {});
    const context = world.context(invocation);
    const error = await executeProvision(provision.parseOptions(invocation), context).catch((e: unknown) => e);
    expect(isCosignerError(error, 'CONFIRMATION_REQUIRED') && error.exitCode).toBe(5);
    expect(context.io.confirmations[0]).toMatch(/, changing the key policy's PCR8 list \(remove ababab…abab\)\?$/);
    expect(context.io.texts('info')).toContain(
      '  PCR8 change in the key policy: − ababab…abab (only in the live key policy)',
    );
    expect(
      context.io
        .texts('warn')
        .some((w) => w.startsWith('PCR8 ababab…abab is in the live key policy but not in the config')),
    ).toBe(true);
    expect(pcr8ValuesOf((await livePolicy()).policy)).toEqual([OLD, NEW]);
  });

  it('asks on a terminal, stops on "no", and removes the value only when confirmed', async () => {
    await drifted();
    const invocation = world.invocation('provision', {}, { nonInteractive: false });
    const no = world.context(invocation, { interactive: true, answers: [false] });
    await expect(executeProvision(provision.parseOptions(invocation), no)).toThrowCosignerError('ABORTED');
    expect(pcr8ValuesOf((await livePolicy()).policy)).toEqual([OLD, NEW]);
    const yes = world.context(invocation, { interactive: true, answers: [true] });
    const applied = await executeProvision(provision.parseOptions(invocation), yes);
    expect(applied.plan.pcr8.change).toMatchObject({ removed: [NEW], added: [] });
    expect(pcr8ValuesOf((await livePolicy()).policy)).toEqual([OLD]);
  });
});

describe('provision and a foreign statement in the live key policy', () => {
  it('refuses (exit 5) instead of calling it a no-op, names it, and its hinted command clears it', async () => {
    await runProvisionCli({});
    const { policy, keyArn, roleArn } = await livePolicy();
    const ports = await createSandboxPorts({ dir: world.sandboxDir, region: REGION, env: {} });
    // The co-signer role may decrypt without an attestation: a way around the enclave.
    const foreign = {
      Sid: 'LegacyDecrypt',
      Effect: 'Allow' as const,
      Principal: { AWS: roleArn },
      Action: 'kms:Decrypt',
      Resource: '*',
    };
    await ports.kms.putKeyPolicy({
      KeyId: keyArn,
      PolicyName: 'default',
      Policy: JSON.stringify({ ...policy, Statement: [...policy.Statement, foreign] }),
    });

    const error = await runProvisionCli({}).catch((e: unknown) => e);
    expect(isCosignerError(error, 'POLICY_BYPASS') && error.exitCode).toBe(5);
    expect((error as Error).message).toContain('foreign statement "LegacyDecrypt"');
    const hint = (error as { hint: string }).hint;
    expect(hint).toContain('cosigner-cli attest --remove-statement LegacyDecrypt');

    // The hinted command, as written (plus --yes, as every non-interactive write needs).
    const argv = /cosigner-cli attest (--remove-statement [^\s;]+)/.exec(hint)?.[1]?.split(' ') ?? [];
    expect(argv).toEqual(['--remove-statement', 'LegacyDecrypt']);
    await runAttestCli({ removeStatement: [argv[1]] });
    expect((await livePolicy()).policy.Statement.map((s) => s.Sid)).not.toContain('LegacyDecrypt');
    expect((await runProvisionCli({})).result.mode).toBe('up-to-date');
  });
});

describe('provision refuses every attacker class of foreign statement in the live policies (exit 5, named), writing nothing', () => {
  const OTHER = '210987654321';
  const ATTACKER = `${'7a'.repeat(47)}30`;
  const classes: [string, (roleArn: string, account: string) => Record<string, unknown>, string][] = [
    [
      'the role with StringLike PCR8 "*0"',
      (role) => ({
        Effect: 'Allow',
        Principal: { AWS: role },
        Action: 'kms:GenerateDataKey',
        Resource: '*',
        Condition: { StringLike: { 'kms:RecipientAttestation:PCR8': '*0' } },
      }),
      'POLICY_BYPASS',
    ],
    [
      'the role with Null false plus StringNotEquals',
      (role) => ({
        Effect: 'Allow',
        Principal: { AWS: role },
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: {
          Null: { 'kms:RecipientAttestation:PCR8': 'false' },
          StringNotEquals: { 'kms:RecipientAttestation:PCR8': NEW },
        },
      }),
      'POLICY_BYPASS',
    ],
    [
      "another account's root with any PCR8",
      () => ({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${OTHER}:root` },
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: { StringLike: { 'kms:RecipientAttestation:PCR8': '*' } },
      }),
      'POLICY_BYPASS',
    ],
    [
      "another role of this account with an attacker's PCR8",
      (_role, account) => ({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: { StringEqualsIgnoreCase: { 'kms:RecipientAttestation:PCR8': ATTACKER } },
      }),
      'POLICY_BYPASS',
    ],
    [
      'an Allow with NotPrincipal listing this account and one more',
      (_role, account) => ({
        Effect: 'Allow',
        NotPrincipal: { AWS: [account, OTHER] },
        Action: 'kms:Decrypt',
        Resource: '*',
      }),
      'POLICY_BYPASS',
    ],
    [
      'kms:PutKeyPolicy for Principal "*"',
      () => ({ Effect: 'Allow', Principal: '*', Action: 'kms:PutKeyPolicy', Resource: '*' }),
      // Principal "*" is refused whatever it allows (public-principal), before key control.
      'POLICY_BYPASS',
    ],
    [
      'kms:PutKeyPolicy for the co-signer role',
      (role) => ({ Effect: 'Allow', Principal: { AWS: role }, Action: 'kms:PutKeyPolicy', Resource: '*' }),
      'POLICY_KEY_CONTROL',
    ],
    [
      'UpdateKeyDescription (the ownership marker) and DisableKeyRotation for the co-signer role',
      (role) => ({
        Effect: 'Allow',
        Principal: { AWS: role },
        Action: ['kms:UpdateKeyDescription', 'kms:DisableKeyRotation'],
        Resource: '*',
      }),
      'POLICY_KEY_CONTROL',
    ],
    [
      'the alias and tag operations for the co-signer role',
      (role) => ({ Effect: 'Allow', Principal: { AWS: role }, Action: ['kms:*Alias', 'kms:*Tag*'], Resource: '*' }),
      'POLICY_KEY_CONTROL',
    ],
    [
      'a read (DescribeKey) for Principal "*"',
      () => ({ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:DescribeKey', Resource: '*' }),
      'POLICY_BYPASS',
    ],
  ];
  it.each(classes)('%s', async (_name, make, code) => {
    await runProvisionCli({});
    const { policy, keyArn, roleArn } = await livePolicy();
    const account = keyArn.split(':')[4] ?? '';
    const ports = await createSandboxPorts({ dir: world.sandboxDir, region: REGION, env: {} });
    await ports.kms.putKeyPolicy({
      KeyId: keyArn,
      PolicyName: 'default',
      Policy: JSON.stringify({
        ...policy,
        Statement: [...policy.Statement, { Sid: 'Foreign', ...make(roleArn, account) }],
      }),
    });
    const before = await ports.readState();
    const error = await runProvisionCli({}).catch((e: unknown) => e);
    expect(isCosignerError(error, code as never) && error.exitCode).toBe(5);
    expect((error as Error).message).toContain('"Foreign"');
    expect((await ports.readState()).regions).toEqual(before.regions);
  });

  it('a bucket-policy Deny that would lock the caller out of the bucket policy (the administrators and the caller are proven, not only root)', async () => {
    await runProvisionCli({});
    const ports = await createSandboxPorts({ dir: world.sandboxDir, region: REGION, env: {} });
    const who = await ports.sts.getCallerIdentity({});
    const bucket = (await ports.s3.listBuckets({})).Buckets?.[0]?.Name ?? '';
    const live = JSON.parse((await ports.s3.getBucketPolicy({ Bucket: bucket })).Policy ?? '{}') as PolicyDocument;
    const deny = {
      Sid: 'OnlyRootUser',
      Effect: 'Deny',
      Principal: '*',
      Action: ['s3:PutBucketPolicy', 's3:DeleteBucketPolicy'],
      Resource: `arn:aws:s3:::${bucket}`,
      Condition: { StringNotEquals: { 'aws:PrincipalArn': `arn:aws:iam::${who.Account ?? ''}:root` } },
    };
    await ports.s3.putBucketPolicy({
      Bucket: bucket,
      Policy: JSON.stringify({ ...live, Statement: [...live.Statement, deny] }),
    });
    const error = await runProvisionCli({}).catch((e: unknown) => e);
    expect(isCosignerError(error, 'POLICY_LOCKOUT') && error.exitCode).toBe(5);
    expect((error as Error).message).toContain('"OnlyRootUser"');
  });
});
