// End to end: attest against the simulated AWS account (src/aws/sandbox), including the IAM
// eventual-consistency retry, the read-back, and a simulated enclave that really is (or is not)
// let in by the written key policy.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CommandContext, Invocation } from '../../src/command-kit.js';
import { runAttest, type AttestOptions } from '../../src/attest/attest.js';
import { execute, parseOptions } from '../../src/commands/attest.js';
import { createSandboxEnclaveSession, createSandboxPorts, type SandboxPorts } from '../../src/aws/sandbox/index.js';
import { parsePolicyDocument } from '../../src/policy/evaluate.js';
import { buildRoleTrustPolicy } from '../../src/policy/iam-policies.js';
import type { PolicyStatement } from '../../src/policy/types.js';
import { pcr8ValuesOf } from '../../src/policy/pcr8.js';
import { TestIoHost } from '../helpers/test-io-host.js';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const GLOBAL = 'da1d9eca20ce98ab4fdbc51f8e5a2307fd4c61829b7d8bff40976cd6676862c8f3476ff4bdd0f65ecf4a48d6eb3099a8';
const EU = 'fffc94d68a150b49dc39b23954c793cd1a4f7972f528a1ee258dc130b6cd9454e29ae72ef66bd9697a55e774e17a2d49';
const IMAGE = 'ab'.repeat(48);
const ZERO = '0'.repeat(96);

let dir: string;
let clock: number;
const now = () => new Date(clock);
const sleeps: number[] = [];
const sleep = (ms: number) => {
  sleeps.push(ms);
  clock += ms;
  return Promise.resolve();
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'attest-sandbox-'));
  clock = Date.parse('2026-11-26T12:00:00Z');
  sleeps.length = 0;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function setUp(propagationMs: number): Promise<{ ports: SandboxPorts; roleArn: string; keyArn: string }> {
  const ports = await createSandboxPorts({
    dir,
    region: REGION,
    env: {},
    now,
    sleep,
    knobs: { accountId: ACCOUNT, iamPropagationDelayMs: propagationMs },
  });
  const role = await ports.iam.createRole({
    RoleName: 'treasury-cosigner',
    Path: '/cosigner-cli/',
    AssumeRolePolicyDocument: JSON.stringify(buildRoleTrustPolicy()),
  });
  const key = await ports.kms.createKey({
    KeySpec: 'SYMMETRIC_DEFAULT',
    KeyUsage: 'ENCRYPT_DECRYPT',
    Description: 'treasury co-signer',
  });
  await ports.kms.createAlias({ AliasName: 'alias/treasury-cosigner', TargetKeyId: key.KeyMetadata?.KeyId });
  return { ports, roleArn: role.Role?.Arn ?? '', keyArn: key.KeyMetadata?.Arn ?? '' };
}

function options(patch: Partial<AttestOptions> = {}): AttestOptions {
  return {
    keyId: 'alias/treasury-cosigner',
    role: { name: 'treasury-cosigner' },
    profile: 'hardened',
    adminArns: [],
    pcr3RoleBinding: false,
    allowRotation: true,
    configured: { name: 'fireblocks.env=global (preset)', values: [GLOBAL] },
    removeStatements: ['Enable IAM User Permissions'],
    dryRun: false,
    ...patch,
  };
}

async function attestWith(ports: SandboxPorts, io: TestIoHost, patch: Partial<AttestOptions> = {}) {
  const who = await ports.sts.getCallerIdentity({});
  return runAttest(options(patch), {
    io,
    kms: ports.kms,
    iam: ports.iam,
    caller: { accountId: who.Account ?? '', callerArn: who.Arn ?? '', region: ports.region },
    now,
    sleep,
  });
}

/** Can an enclave with these PCRs get a data key under the key? */
async function enclaveCanUseKey(
  roleArn: string,
  keyArn: string,
  pcrs: Record<number, string>,
  attest = true,
): Promise<boolean> {
  const session = await createSandboxEnclaveSession({
    sandboxDir: dir,
    roleArn,
    pcrs,
    region: REGION,
    env: {},
    now,
    attest,
  });
  try {
    const output = await session.kms.generateDataKey({ KeyId: keyArn, KeySpec: 'AES_128' });
    return output.CiphertextBlob !== undefined;
  } catch (error) {
    if ((error as { name?: string }).name === 'AccessDeniedException') return false;
    throw error;
  }
}

describe('attest on the sandbox', () => {
  it('writes right after the role was created, retrying until IAM has propagated it, and reads back', async () => {
    const { ports, roleArn, keyArn } = await setUp(5000);
    const io = new TestIoHost({ assumeYes: true });
    const result = await attestWith(ports, io);
    expect(result).toMatchObject({ keyArn, roleArn, written: true, verified: true, pcr8: [GLOBAL] });
    expect(result.writeAttempts).toBeGreaterThan(1);
    expect(sleeps.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(5000);
    expect(io.steps[0]?.updates.length).toBe(result.writeAttempts - 1);
    const live = parsePolicyDocument(
      (await ports.kms.getKeyPolicy({ KeyId: keyArn, PolicyName: 'default' })).Policy ?? '',
    );
    expect(pcr8ValuesOf(live)).toEqual([GLOBAL]);
    expect(live.Statement.map((s) => s.Sid)).not.toContain('Enable IAM User Permissions');
  });

  it('lets in only an enclave with an accepted PCR8 that is not in debug mode', async () => {
    const { ports, roleArn, keyArn } = await setUp(0);
    await attestWith(ports, new TestIoHost({ assumeYes: true }));
    expect(await enclaveCanUseKey(roleArn, keyArn, { 0: IMAGE, 1: IMAGE, 2: IMAGE, 8: GLOBAL })).toBe(true);
    expect(await enclaveCanUseKey(roleArn, keyArn, { 0: IMAGE, 1: IMAGE, 2: IMAGE, 8: EU })).toBe(false);
    expect(await enclaveCanUseKey(roleArn, keyArn, { 0: ZERO, 1: ZERO, 2: ZERO, 8: GLOBAL })).toBe(false);
    expect(await enclaveCanUseKey(roleArn, keyArn, { 0: IMAGE, 8: GLOBAL }, false)).toBe(false);
  });

  it('names kms:Encrypt inert, and the simulated KMS agrees: the attested enclave may not Encrypt', async () => {
    const { ports, roleArn, keyArn } = await setUp(0);
    const result = await attestWith(ports, new TestIoHost({ assumeYes: true }));
    expect(result.inertActions.find((item) => item.action === 'kms:Encrypt')?.reason).toBe('no-attestation');
    const session = await createSandboxEnclaveSession({
      sandboxDir: dir,
      roleArn,
      pcrs: { 0: IMAGE, 1: IMAGE, 2: IMAGE, 8: GLOBAL },
      region: REGION,
      env: {},
      now,
    });
    // The same enclave gets a data key (an attested call) but Encrypt carries no attestation.
    expect((await session.kms.generateDataKey({ KeyId: keyArn, KeySpec: 'AES_256' })).CiphertextBlob).toBeDefined();
    await expect(session.kms.encrypt({ KeyId: keyArn, Plaintext: new Uint8Array([1, 2, 3]) })).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
  });

  it('rotates in two phases: both images work in between, only the new one after the prune', async () => {
    const { ports, roleArn, keyArn } = await setUp(0);
    const io = new TestIoHost({ assumeYes: true });
    await attestWith(ports, io);
    await attestWith(ports, io, { add: EU });
    expect(await enclaveCanUseKey(roleArn, keyArn, { 0: IMAGE, 8: GLOBAL })).toBe(true);
    expect(await enclaveCanUseKey(roleArn, keyArn, { 0: IMAGE, 8: EU })).toBe(true);
    await expect(attestWith(ports, io, { prune: EU })).resolves.toMatchObject({ pcr8: [GLOBAL] });
    await attestWith(ports, io, { add: EU, removeStatements: [] });
    await attestWith(ports, io, { prune: GLOBAL, removeStatements: [] });
    expect(await enclaveCanUseKey(roleArn, keyArn, { 0: IMAGE, 8: GLOBAL })).toBe(false);
    expect(await enclaveCanUseKey(roleArn, keyArn, { 0: IMAGE, 8: EU })).toBe(true);
    await expect(attestWith(ports, io, { prune: EU, removeStatements: [] })).rejects.toMatchObject({
      code: 'POLICY_PRUNE_LAST',
    });
  });

  it('refuses a key pending deletion and writes nothing', async () => {
    const { ports, keyArn } = await setUp(0);
    await ports.kms.scheduleKeyDeletion({ KeyId: keyArn, PendingWindowInDays: 7 });
    const before = (await ports.readState()).regions;
    await expect(attestWith(ports, new TestIoHost({ assumeYes: true }))).rejects.toMatchObject({
      code: 'AWS_KEY_PENDING_DELETION',
    });
    expect((await ports.readState()).regions).toEqual(before);
  });

  it('runs from argv and a config file through execute()', async () => {
    const { keyArn } = await setUp(0);
    await writeFile(
      join(dir, 'cosigner.json'),
      JSON.stringify({ schemaVersion: 1, name: 'treasury', fireblocks: { env: 'global' }, aws: { region: REGION } }),
    );
    const invocation: Invocation = {
      command: 'attest',
      args: [],
      opts: { dryRun: true, removeStatement: ['Enable IAM User Permissions'], pcr8: GLOBAL },
      globals: {
        quiet: false,
        verbose: false,
        debug: false,
        color: false,
        nonInteractive: true,
        yes: false,
        config: 'cosigner.json',
      },
      env: {},
      cwd: dir,
    };
    const cli = parseOptions(invocation);
    expect(cli).toMatchObject({ pcr8: GLOBAL, dryRun: true, removeStatements: ['Enable IAM User Permissions'] });
    expect(cli.flags).not.toHaveProperty('pcr8');
    const context: CommandContext = { io: new TestIoHost(), invocation, now, sandboxDir: dir };
    const result = await execute(cli, context);
    expect(result).toMatchObject({ keyArn, dryRun: true, written: false, pcr8: [GLOBAL] });
    expect(result.sources.map((s) => s.kind)).toEqual(['pcr8', 'preset']);
  });

  describe('a key its policy cannot protect', () => {
    /** A key made with `input`, under the alias attest looks for; the state and trail to compare after a refusal. */
    async function adopted(input: Parameters<SandboxPorts['kms']['createKey']>[0]) {
      const ports = await createSandboxPorts({
        dir,
        region: REGION,
        env: {},
        now,
        sleep,
        knobs: { accountId: ACCOUNT, iamPropagationDelayMs: 0 },
      });
      await ports.iam.createRole({
        RoleName: 'treasury-cosigner',
        Path: '/cosigner-cli/',
        AssumeRolePolicyDocument: JSON.stringify(buildRoleTrustPolicy()),
      });
      const key = (await ports.kms.createKey(input)).KeyMetadata;
      await ports.kms.createAlias({ AliasName: 'alias/treasury-cosigner', TargetKeyId: key.KeyId });
      return { ports, key };
    }

    async function refusedWithoutWriting(
      ports: SandboxPorts,
      patch: Partial<AttestOptions>,
      code: string,
    ): Promise<Error & { hint?: string }> {
      const before = JSON.stringify((await ports.readState()).regions);
      const error = await attestWith(ports, new TestIoHost({ assumeYes: true }), patch).then(
        () => undefined,
        (e: unknown) => e as Error & { code?: string; hint?: string; exitCode?: number },
      );
      expect(error).toMatchObject({ code, exitCode: 5 });
      expect(JSON.stringify((await ports.readState()).regions)).toBe(before);
      const { Events } = await ports.cloudtrail.lookupEvents({
        LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'PutKeyPolicy' }],
      });
      expect(Events).toEqual([]);
      return error!;
    }

    it('refuses a multi-Region key: its replicas have their own key policies', async () => {
      const { ports, key } = await adopted({ MultiRegion: true });
      const error = await refusedWithoutWriting(ports, {}, 'KEY_UNPROTECTABLE');
      expect(error.message).toContain(`the key ${key.Arn} is a multi-Region key: each replica has its own key policy`);
      expect(error.hint).toContain('run provision without kms.keyId');
    });

    it('refuses a key for imported key material (Origin EXTERNAL)', async () => {
      const { ports } = await adopted({ Origin: 'EXTERNAL' });
      const error = await refusedWithoutWriting(ports, {}, 'KEY_UNPROTECTABLE');
      expect(error.message).toContain('imported key material (Origin EXTERNAL)');
    });

    it('refuses a key with a grant; accepts it when named; refuses again while another grant is not named', async () => {
      const { ports, key } = await adopted({ Description: 'treasury co-signer' });
      const backup = (
        await ports.iam.createRole({
          RoleName: 'backup',
          AssumeRolePolicyDocument: JSON.stringify(buildRoleTrustPolicy()),
        })
      ).Role!.Arn!;
      const first = (
        await ports.kms.createGrant({
          KeyId: key.KeyId,
          GranteePrincipal: backup,
          Operations: ['Decrypt', 'GenerateDataKey'],
        })
      ).GrantId;
      const second = (
        await ports.kms.createGrant({ KeyId: key.KeyId, GranteePrincipal: backup, Operations: ['DescribeKey'] })
      ).GrantId;
      const error = await refusedWithoutWriting(ports, {}, 'KEY_HAS_GRANTS');
      expect(error.message).toContain(`grant ${first} (grantee ${backup}, operations Decrypt, GenerateDataKey)`);
      expect(error.hint).toContain(`aws kms revoke-grant --key-id ${key.Arn} --grant-id ${first}`);
      const other = await refusedWithoutWriting(ports, { acceptedGrants: [first] }, 'KEY_HAS_GRANTS');
      expect(other.message).toContain(`grant ${second}`);
      expect(other.message).not.toContain(first);
      const io = new TestIoHost({ assumeYes: true });
      const result = await attestWith(ports, io, { acceptedGrants: [first, second] });
      expect(result).toMatchObject({
        written: true,
        keyProperties: { grantsListed: true, acceptedGrants: [first, second] },
      });
      expect(
        io.messages.some(
          (m) => m.level === 'warn' && m.message.includes(`${first}`) && m.message.includes('is accepted by name'),
        ),
      ).toBe(true);
      // Which is what the warning is about: the grantee uses the key without an enclave.
      const asBackup = await createSandboxPorts({
        dir,
        region: REGION,
        env: {},
        now,
        knobs: { accountId: ACCOUNT },
        principal: { kind: 'role', roleName: 'backup', sessionName: 'job' },
      });
      expect((await asBackup.kms.generateDataKey({ KeyId: key.Arn, KeySpec: 'AES_256' })).Plaintext).toHaveLength(32);
    });

    it('takes --accept-grant from argv through the config loader', async () => {
      const { ports, key } = await adopted({});
      const backup = (
        await ports.iam.createRole({
          RoleName: 'backup',
          AssumeRolePolicyDocument: JSON.stringify(buildRoleTrustPolicy()),
        })
      ).Role!.Arn!;
      const grantId = (
        await ports.kms.createGrant({ KeyId: key.KeyId, GranteePrincipal: backup, Operations: ['Decrypt'] })
      ).GrantId;
      await writeFile(
        join(dir, 'cosigner.json'),
        JSON.stringify({ schemaVersion: 1, name: 'treasury', fireblocks: { env: 'global' }, aws: { region: REGION } }),
      );
      const invocation = (opts: Record<string, unknown>): Invocation => ({
        command: 'attest',
        args: [],
        opts: { dryRun: true, removeStatement: ['Enable IAM User Permissions'], ...opts },
        globals: {
          quiet: false,
          verbose: false,
          debug: false,
          color: false,
          nonInteractive: true,
          yes: false,
          config: 'cosigner.json',
        },
        env: {},
        cwd: dir,
      });
      const run = async (opts: Record<string, unknown>) => {
        const inv = invocation(opts);
        return execute(parseOptions(inv), { io: new TestIoHost(), invocation: inv, now, sandboxDir: dir });
      };
      await expect(run({})).rejects.toMatchObject({ code: 'KEY_HAS_GRANTS' });
      await expect(run({ acceptGrant: [grantId] })).resolves.toMatchObject({
        dryRun: true,
        keyProperties: { acceptedGrants: [grantId] },
      });
      await expect(run({ acceptGrant: ['not-a-grant-id'] })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    });
  });

  describe('with real image files and nitro-cli outputs (in-process readers)', () => {
    const testdata = new URL('../fixtures/testdata/', import.meta.url).pathname;
    const SIGNED_PCR8 =
      '87cbdc1714ca854c6dae284a0cc426471aae7aca035df20c719a877ffa80c19d14afc44c7dbd9a87e6393efa9f0c22c6';
    const custom = { name: 'fireblocks.pcr8 (config)', values: [SIGNED_PCR8] };

    it('measures the signed EIF and agrees with build-enclave, describe-eif and the config', async () => {
      const { ports } = await setUp(0);
      const result = await attestWith(ports, new TestIoHost({ assumeYes: true }), {
        configured: custom,
        eif: join(testdata, 'eif/v4-signed-metadata.eif'),
        buildOutput: join(testdata, 'nitro-cli/build-enclave.signed.json'),
        describeEifOutput: join(testdata, 'nitro-cli/describe-eif.signed.json'),
      });
      expect(result.sources.map((s) => [s.kind, s.value])).toEqual([
        ['eif', SIGNED_PCR8],
        ['build-output', SIGNED_PCR8],
        ['describe-eif-output', SIGNED_PCR8],
        ['preset', SIGNED_PCR8],
      ]);
      expect(result).toMatchObject({ written: true, verified: true, pcr8: [SIGNED_PCR8] });
    });

    it.each([
      ['an unsigned EIF', { eif: 'eif/v4-unsigned-metadata.eif' }, 'EIF_UNSIGNED'],
      ['unsigned build-enclave output', { buildOutput: 'nitro-cli/build-enclave.unsigned.json' }, 'EIF_UNSIGNED'],
      ['unsigned describe-eif output', { describeEifOutput: 'nitro-cli/describe-eif.unsigned.json' }, 'EIF_UNSIGNED'],
      ['a missing file', { eif: 'eif/no-such.eif' }, 'FILE_NOT_FOUND'],
    ] as const)('refuses %s', async (_name, files, code) => {
      const { ports } = await setUp(0);
      const patch = Object.fromEntries(Object.entries(files).map(([key, path]) => [key, join(testdata, path)]));
      await expect(
        attestWith(ports, new TestIoHost({ assumeYes: true }), { configured: custom, ...patch }),
      ).rejects.toMatchObject({ code });
    });

    it('refuses a tampered signed EIF', async () => {
      const { ports } = await setUp(0);
      const error = await attestWith(ports, new TestIoHost({ assumeYes: true }), {
        configured: custom,
        eif: join(testdata, 'eif/tampered-signed.eif'),
      }).then(
        () => undefined,
        (e: unknown) => e as { code?: string; exitCode?: number },
      );
      expect(error?.code).toMatch(/^EIF_SIGNATURE/);
      expect(error?.exitCode).toBe(3);
    });
  });
});

describe('attest refuses every class of foreign statement an attacker would try, and writes nothing', () => {
  const OTHER = '210987654321';
  // An attacker's signing certificate whose PCR8 ends in 0 (about 16 tries to find one).
  const ATTACKER = `${'7a'.repeat(47)}30`;
  const foreign = (statement: Omit<PolicyStatement, 'Sid'>): PolicyStatement => ({ Sid: 'Foreign', ...statement });
  const classes: [string, (roleArn: string) => PolicyStatement, string][] = [
    [
      'the role with StringLike PCR8 "*0"',
      (role) =>
        foreign({
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
      (role) =>
        foreign({
          Effect: 'Allow',
          Principal: { AWS: role },
          Action: 'kms:GenerateDataKey',
          Resource: '*',
          Condition: {
            Null: { 'kms:RecipientAttestation:PCR8': 'false' },
            StringNotEquals: { 'kms:RecipientAttestation:PCR8': EU },
          },
        }),
      'POLICY_BYPASS',
    ],
    [
      "another account's root with any PCR8",
      () =>
        foreign({
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
      () =>
        foreign({
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
          Action: 'kms:GenerateDataKey',
          Resource: '*',
          Condition: { StringEqualsIgnoreCase: { 'kms:RecipientAttestation:PCR8': ATTACKER } },
        }),
      'POLICY_BYPASS',
    ],
    [
      'an Allow with NotPrincipal listing this account and one more',
      () => foreign({ Effect: 'Allow', NotPrincipal: { AWS: [ACCOUNT, OTHER] }, Action: 'kms:Decrypt', Resource: '*' }),
      'POLICY_BYPASS',
    ],
    [
      'kms:PutKeyPolicy for Principal "*"',
      () => foreign({ Effect: 'Allow', Principal: '*', Action: 'kms:PutKeyPolicy', Resource: '*' }),
      // Principal "*" is refused whatever it allows (public-principal), before key control.
      'POLICY_BYPASS',
    ],
    [
      'kms:PutKeyPolicy for the co-signer role',
      (role) => foreign({ Effect: 'Allow', Principal: { AWS: role }, Action: 'kms:PutKeyPolicy', Resource: '*' }),
      'POLICY_KEY_CONTROL',
    ],
    [
      'UpdateKeyDescription (the ownership marker) and DisableKeyRotation for the co-signer role',
      (role) =>
        foreign({
          Effect: 'Allow',
          Principal: { AWS: role },
          Action: ['kms:UpdateKeyDescription', 'kms:DisableKeyRotation'],
          Resource: '*',
        }),
      'POLICY_KEY_CONTROL',
    ],
    [
      'the alias and tag operations for the co-signer role',
      (role) =>
        foreign({ Effect: 'Allow', Principal: { AWS: role }, Action: ['kms:*Alias', 'kms:*Tag*'], Resource: '*' }),
      'POLICY_KEY_CONTROL',
    ],
    [
      'a read (DescribeKey) for Principal "*"',
      () => foreign({ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:DescribeKey', Resource: '*' }),
      'POLICY_BYPASS',
    ],
  ];

  it.each(classes)(
    '%s: refused (exit 5, naming the statement); after the hinted --remove-statement the wrong signer is denied',
    async (_name, make, code) => {
      const { ports, roleArn, keyArn } = await setUp(0);
      const io = new TestIoHost({ assumeYes: true });
      await attestWith(ports, io);
      // The foreign statement arrives in the live policy from elsewhere (a console edit, another tool).
      const live = parsePolicyDocument(
        (await ports.kms.getKeyPolicy({ KeyId: keyArn, PolicyName: 'default' })).Policy ?? '',
      );
      await ports.kms.putKeyPolicy({
        KeyId: keyArn,
        PolicyName: 'default',
        Policy: JSON.stringify({ ...live, Statement: [...live.Statement, make(roleArn)] }),
      });
      const before = (await ports.kms.getKeyPolicy({ KeyId: keyArn, PolicyName: 'default' })).Policy;

      const refusal = attestWith(ports, io, { add: EU, removeStatements: [] });
      await expect(refusal).rejects.toMatchObject({
        code,
        exitCode: 5,
        message: expect.stringContaining('"Foreign"') as unknown,
      });
      await expect(refusal).rejects.toMatchObject({ hint: expect.stringContaining('--remove-statement') as unknown });
      expect((await ports.kms.getKeyPolicy({ KeyId: keyArn, PolicyName: 'default' })).Policy).toBe(before);

      // The hint's command: remove the statement; the proofs pass and the attacker's image is out.
      await expect(attestWith(ports, io, { removeStatements: ['Foreign'] })).resolves.toMatchObject({
        written: true,
        proofs: { ok: true },
      });
      expect(await enclaveCanUseKey(roleArn, keyArn, { 0: IMAGE, 1: IMAGE, 2: IMAGE, 8: ATTACKER })).toBe(false);
      expect(await enclaveCanUseKey(roleArn, keyArn, { 0: IMAGE, 1: IMAGE, 2: IMAGE, 8: GLOBAL })).toBe(true);
    },
  );
});
