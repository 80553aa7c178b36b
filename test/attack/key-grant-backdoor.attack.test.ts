// Attack: a grant left on the co-signer's key. A principal the account lets call kms:PutKeyPolicy
// (Fireblocks' root statement delegates it to IAM) widens the policy for a moment, creates a grant
// to itself for Decrypt/GenerateDataKey, and puts the policy back exactly as it was. The grant
// survives and gives plaintext data keys without any attestation. The README: a grant "gives its
// grantee the granted operations without going through the key policy", `attest` and `provision`
// (for an adopted key) refuse any grant, and `status` shows drift.
//
// The findings are fixed: each test asserts the behaviour that closes one, and failed before the fix.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { makeWorld, REGION, type World } from '../e2e/world.js';

const ADMIN = 'arn:aws:iam::111122223333:user/sandbox-admin';

let world: World | undefined;
afterEach(async () => {
  await world?.cleanup();
  world = undefined;
});

/** Provision, then leave a grant for the sandbox admin on the key, the key policy as it was. */
async function backdooredKey(w: World): Promise<{ keyArn: string; policy: string }> {
  const first = await w.provision();
  const keyArn = first.receipt!.resources.key.arn!;
  const ports = await w.ports();
  const policy = (await ports.kms.getKeyPolicy({ KeyId: keyArn, PolicyName: 'default' })).Policy;
  const widened = JSON.parse(policy) as { Statement: unknown[] };
  widened.Statement.push({
    Sid: 'Tmp',
    Effect: 'Allow',
    Principal: { AWS: ADMIN },
    Action: 'kms:CreateGrant',
    Resource: '*',
  });
  await ports.kms.putKeyPolicy({ KeyId: keyArn, PolicyName: 'default', Policy: JSON.stringify(widened) });
  await ports.kms.createGrant({ KeyId: keyArn, GranteePrincipal: ADMIN, Operations: ['Decrypt', 'GenerateDataKey'] });
  await ports.kms.putKeyPolicy({ KeyId: keyArn, PolicyName: 'default', Policy: policy });
  return { keyArn, policy };
}

describe('a grant left on the key after the policy was restored', () => {
  it('gives its grantee plaintext data keys without an attestation (the impact)', async () => {
    world = await makeWorld();
    const { keyArn } = await backdooredKey(world);
    const ports = await world.ports();
    const out = await ports.kms.generateDataKey({ KeyId: keyArn, KeySpec: 'AES_256' });
    expect(out.Plaintext?.length).toBe(32);
  });

  it('attest refuses the key (KEY_HAS_GRANTS)', async () => {
    world = await makeWorld();
    await backdooredKey(world);
    const env = { COSIGNER_SANDBOX_IAM_DELAY_MS: '0', COSIGNER_SANDBOX_RETRY_BASE_MS: '0' };
    const argv = ['--sandbox', world.sandboxDir, '--region', REGION, '--json'];
    const run = await runCli([...argv, 'attest', '--name', 'demo', '--dry-run'], { env, cwd: world.dir });
    expect(run.json?.error?.code).toBe('KEY_HAS_GRANTS');
    expect(run.code).toBe(5);
  });

  it('status (the drift check automation runs) does not call the co-signer in sync', async () => {
    world = await makeWorld();
    await backdooredKey(world);
    const status = await world.status();
    // Today: in sync. status never lists the grants of the key provision created, so
    // `status --detailed-exitcode` exits 0 while the key can be used without attestation.
    expect(status.coSigners[0]!.inSync).toBe(false);
  });

  it('a provision re-run refuses the grant on its own key (KEY_HAS_GRANTS), before any write', async () => {
    world = await makeWorld();
    const { keyArn, policy } = await backdooredKey(world);
    const before = await world.state();
    // Before the fix: "up-to-date", no note; grants were only read for a key adopted with kms.keyId.
    const refused = await world.provision().then(
      () => undefined,
      (error: unknown) => error as { code?: string; hint?: string },
    );
    expect(refused?.code).toBe('KEY_HAS_GRANTS');
    expect(refused?.hint).toMatch(/aws kms revoke-grant --key-id .* --grant-id [0-9a-f]{64}/);
    expect(await world.state()).toEqual(before);
    const ports = await world.ports();
    expect((await ports.kms.getKeyPolicy({ KeyId: keyArn, PolicyName: 'default' })).Policy).toBe(policy);
  });

  it('the CLI status --detailed-exitcode exits 2 (drifted) for the backdoored key', async () => {
    world = await makeWorld();
    await backdooredKey(world);
    const env = { COSIGNER_SANDBOX_IAM_DELAY_MS: '0', COSIGNER_SANDBOX_RETRY_BASE_MS: '0' };
    const config = join(world.dir, 'cosigner.json');
    const argv = ['--sandbox', world.sandboxDir, '--region', REGION, '--config', config, '--json'];
    expect((await runCli([...argv, 'init', '--name', 'demo', '--network-mode', 'public-ip'], { env })).code).toBe(0);
    const run = await runCli([...argv, 'status', '--detailed-exitcode'], { env });
    // Today: 0 (in sync).
    expect(run.code).toBe(2);
  });
});
