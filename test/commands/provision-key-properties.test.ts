// provision adopting a key (kms.keyId / --kms-key-id) its policy cannot protect: refused in the
// plan, before any write, through the command module on a sandbox; grants accepted by id with
// --accept-grant.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSandboxPorts, type SandboxPorts } from '../../src/aws/sandbox/index.js';
import * as provision from '../../src/commands/provision.js';
import { executeProvision } from '../helpers/execute-provision.js';
import { buildKeyPolicy } from '../../src/policy/key-policy.js';
import { makeCliWorld, type CliWorld } from '../e2e/cli-context.js';
import { REGION } from '../e2e/world.js';

const ACCOUNT = '111122223333';
const PCR8 = 'da1d9eca20ce98ab4fdbc51f8e5a2307fd4c61829b7d8bff40976cd6676862c8f3476ff4bdd0f65ecf4a48d6eb3099a8';
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

let world: CliWorld;
let admin: SandboxPorts;
beforeEach(async () => {
  world = await makeCliWorld();
  await world.writeConfig({ name: 'demo', fireblocks: { env: 'global' }, kms: { policyProfile: 'fireblocks-exact' } });
  // Arranging as an administrator who waits for IAM: roles are valid principals at once.
  admin = await createSandboxPorts({
    dir: world.sandboxDir,
    region: REGION,
    env: {},
    knobs: { iamPropagationDelayMs: 0 },
  });
});
afterEach(async () => {
  await world.cleanup();
});

function run(opts: Record<string, unknown>) {
  const invocation = world.invocation('provision', opts, { yes: true });
  return executeProvision(provision.parseOptions(invocation), world.context(invocation));
}

/** Everything but the adopted key: nothing of the co-signer may exist after a refusal. */
async function expectNothingWritten(keyPolicy: string, keyId: string): Promise<void> {
  const state = await admin.readState();
  expect(Object.keys(state.iam.roles).filter((name) => name !== 'placeholder')).toEqual([]);
  expect(state.s3.buckets).toEqual({});
  expect(state.regions[REGION]?.kms.aliases ?? {}).toEqual({});
  expect(state.regions[REGION]?.ec2.instances ?? []).toEqual([]);
  expect(state.regions[REGION]?.kms.keys[keyId]?.policy).toBe(keyPolicy);
}

async function refused(opts: Record<string, unknown>, code: string): Promise<Error & { hint?: string }> {
  const error = await run(opts).then(
    () => undefined,
    (e: unknown) => e as Error & { code?: string; hint?: string; exitCode?: number },
  );
  expect(error).toMatchObject({ code, exitCode: 5 });
  return error!;
}

describe('provision adopting a key its policy cannot protect', () => {
  it.each([
    ['a multi-Region key', { MultiRegion: true }, 'is a multi-Region key'],
    ['a key for imported key material', { Origin: 'EXTERNAL' as const }, 'imported key material (Origin EXTERNAL)'],
  ])('refuses %s in the plan and writes nothing', async (_name, input, words) => {
    const key = (await admin.kms.createKey(input)).KeyMetadata;
    const policy = (await admin.kms.getKeyPolicy({ KeyId: key.KeyId })).Policy;
    const dry = await run({ kmsKeyId: key.Arn, dryRun: true });
    const action = dry.plan.actions.find((a) => a.node === 'key');
    expect(action).toMatchObject({ kind: 'refuse', refusal: { code: 'KEY_UNPROTECTABLE' } });
    const error = await refused({ kmsKeyId: key.Arn }, 'KEY_UNPROTECTABLE');
    expect(error.message).toContain(words);
    expect(error.hint).toContain('without kms.keyId');
    await expectNothingWritten(policy, key.KeyId!);
  });

  it('refuses a key with grants until each is accepted with --accept-grant, then adopts it', async () => {
    // A key someone set up with the documented policy, after granting a backup role two grants,
    // and a statement that lets the account list the grants.
    const placeholder = (await admin.iam.createRole({ RoleName: 'placeholder', AssumeRolePolicyDocument: TRUST })).Role!
      .Arn!;
    const key = (await admin.kms.createKey({ Description: 'pre-existing co-signer key' })).KeyMetadata;
    const grants = [
      (await admin.kms.createGrant({ KeyId: key.KeyId, GranteePrincipal: placeholder, Operations: ['Decrypt'] }))
        .GrantId,
      (
        await admin.kms.createGrant({
          KeyId: key.KeyId,
          GranteePrincipal: placeholder,
          Operations: ['GenerateDataKey'],
        })
      ).GrantId,
    ];
    const documented = buildKeyPolicy({
      accountId: ACCOUNT,
      roleArn: placeholder,
      pcr8: [PCR8],
      profile: 'fireblocks-exact',
    });
    documented.Statement.push({
      Sid: 'AuditGrants',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: 'kms:ListGrants',
      Resource: '*',
    });
    await admin.kms.putKeyPolicy({ KeyId: key.KeyId, Policy: JSON.stringify(documented) });
    const policy = (await admin.kms.getKeyPolicy({ KeyId: key.KeyId })).Policy;

    const none = await refused({ kmsKeyId: key.KeyId }, 'KEY_HAS_GRANTS');
    expect(none.message).toContain(`grant ${grants[0]} (grantee ${placeholder}, operations Decrypt)`);
    expect(none.message).toContain('(and 1 more');
    expect(none.hint).toContain(`aws kms revoke-grant --key-id ${key.Arn} --grant-id ${grants[0]}`);
    await expectNothingWritten(policy, key.KeyId!);

    const one = await refused({ kmsKeyId: key.KeyId, acceptGrant: [grants[0]] }, 'KEY_HAS_GRANTS');
    expect(one.message).toContain(`grant ${grants[1]}`);
    expect(one.message).not.toContain(grants[0]);
    await expectNothingWritten(policy, key.KeyId!);

    const both = await run({ kmsKeyId: key.KeyId, acceptGrant: grants });
    expect(both.mode).toBe('applied');
    expect(both.plan.actions.find((a) => a.node === 'key')).toMatchObject({ kind: 'update', adopt: true });
    expect(both.plan.warnings.filter((w) => w.includes('is accepted by name'))).toHaveLength(2);
    expect((await admin.readState()).regions[REGION]?.kms.aliases['alias/demo-cosigner']?.keyId).toBe(key.KeyId);
  });
});
