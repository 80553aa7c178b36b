// Attack: `destroy --delete-key`, then recovery. The README promises that the statement destroy
// adds lets the administrators undo the deletion (`aws kms cancel-key-deletion`, then
// `aws kms enable-key`) and that the co-signer's data is decryptable again afterwards.
//
import { afterEach, describe, expect, it } from 'vitest';
import { createSandboxEnclaveSession, type SandboxPorts } from '../../src/aws/sandbox/index.js';
import { FIREBLOCKS_ENVIRONMENTS } from '../../src/enclave/fireblocks-presets.js';
import type { CosignerError } from '../../src/errors.js';
import { FAST_KNOBS, inventory, makeWorld, type World } from '../e2e/world.js';

const ROLE_ARN = 'arn:aws:iam::111122223333:role/cosigner-cli/demo-cosigner';
const KEY_ADMIN = 'arn:aws:iam::111122223333:role/key-admin';

let world: World | undefined;
afterEach(async () => {
  await world?.cleanup();
  world = undefined;
});

const enclave = (w: World) =>
  createSandboxEnclaveSession({
    sandboxDir: w.sandboxDir,
    roleArn: ROLE_ARN,
    pcrs: { 0: 'a1'.repeat(48), 1: 'b2'.repeat(48), 2: 'c3'.repeat(48), 8: FIREBLOCKS_ENVIRONMENTS.global.pcr8 },
    region: 'eu-west-1',
    env: {},
    knobs: FAST_KNOBS,
  });

/** A key administrator role (no IAM permissions of its own: the key policy names it). */
async function makeKeyAdmin(ports: SandboxPorts): Promise<void> {
  await ports.iam.createRole({
    RoleName: 'key-admin',
    AssumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'sts:AssumeRole' }],
    }),
  });
}

/** What the co-signer wrote before the teardown: a data key wrapped under the key. */
async function wrappedDataKey(w: World, keyArn: string): Promise<Uint8Array> {
  const session = await enclave(w);
  const out = await session.kms.generateDataKey({ KeyId: keyArn, KeySpec: 'AES_256' });
  return out.CiphertextBlob!;
}

async function cosignerDecrypts(w: World, keyArn: string, blob: Uint8Array): Promise<boolean> {
  const session = await enclave(w);
  try {
    const out = await session.kms.decrypt({ KeyId: keyArn, CiphertextBlob: blob });
    return out.CiphertextForRecipient !== undefined;
  } catch {
    return false;
  }
}

describe('destroy --delete-key, then recovery', () => {
  it('the account administrators cancel the deletion, re-enable the key, and a re-provision restores the co-signer', async () => {
    world = await makeWorld();
    const first = await world.provision();
    const keyArn = first.receipt!.resources.key.arn!;
    const blob = await wrappedDataKey(world, keyArn);
    const destroyed = await world.destroy({ deleteKey: true });
    expect(destroyed.result?.scheduled).toHaveLength(1);
    const admin = await world.ports();
    await admin.kms.cancelKeyDeletion({ KeyId: keyArn });
    await admin.kms.enableKey({ KeyId: keyArn });
    const again = await world.provision();
    expect(again.receipt!.resources.key.arn).toBe(keyArn);
    expect(await cosignerDecrypts(world, keyArn, blob)).toBe(true);
  });

  it('provision with a dedicated key administrator (the caller is not one) is refused before any write', async () => {
    world = await makeWorld({ kms: { adminArns: [KEY_ADMIN] } });
    await makeKeyAdmin(await world.ports());
    const before = await world.state();
    const error = (await world.provision().catch((e: unknown) => e)) as CosignerError;
    // Before: CreateKey, CreateAlias and the role were written, then kms:EnableKeyRotation (granted
    // to the administrators only) was AccessDenied: exit 4 with a live key whose rotation is off.
    expect(error.code).toBe('KEY_CALLER_NOT_ADMIN');
    expect(error.message).toContain('kms:EnableKeyRotation');
    expect(error.hint).toContain('kms.adminArns');
    const inv = inventory(await world.state());
    expect(inv.liveKeys).toHaveLength(0);
    expect(inv.roles).toEqual(inventory(before).roles);
    expect(inv.buckets).toHaveLength(0);
  });

  it('every configured administrator, not only the one who ran destroy, can undo the deletion', async () => {
    const operator = 'arn:aws:iam::111122223333:user/sandbox-admin';
    world = await makeWorld({ kms: { adminArns: [operator, KEY_ADMIN] } });
    await makeKeyAdmin(await world.ports());
    const first = await world.provision();
    const keyArn = first.receipt!.resources.key.arn!;
    const blob = await wrappedDataKey(world, keyArn);
    expect((await world.destroy({ deleteKey: true })).result?.scheduled).toHaveLength(1);
    const adminPorts = await world.ports({}, { kind: 'role', roleName: 'key-admin', sessionName: 'ops' });
    await adminPorts.kms.cancelKeyDeletion({ KeyId: keyArn });
    await adminPorts.kms.enableKey({ KeyId: keyArn });
    await world.provision();
    expect(await cosignerDecrypts(world, keyArn, blob)).toBe(true);
  });

  it('a destroy --delete-key that the caller cannot finish is refused and changes nothing', async () => {
    world = await makeWorld({ kms: { adminArns: [KEY_ADMIN], rotation: false } });
    await makeKeyAdmin(await world.ports());
    const first = await world.provision();
    const keyArn = first.receipt!.resources.key.arn!;
    const before = inventory(await world.state());
    const error = (await world.destroy({ deleteKey: true }).catch((e: unknown) => e)) as CosignerError;
    // Before: the host, group, instance profile and role were deleted, the key policy rewritten
    // and the alias gone before the caller was refused kms:ScheduleKeyDeletion (only key-admin
    // may). Now the refusal comes before any write.
    expect(error.code).toBe('KEY_CALLER_NOT_ADMIN');
    expect(error.hint).toContain('nothing was changed');
    const after = inventory(await world.state());
    expect(after.aliases.map((a) => a.name)).toContain('alias/demo-cosigner');
    expect(after.liveKeys.find((k) => k.arn === keyArn)!.policy).toBe(before.liveKeys[0]!.policy);
    expect(after.instances).toHaveLength(before.instances.length);
    expect(after.roles).toHaveLength(before.roles.length);
  });
});
