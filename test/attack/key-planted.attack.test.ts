// Attack: a key planted under the co-signer's alias before the first provision. The ownership
// marker in a key's description (and its tags) is written by whoever calls kms:CreateKey, so
// anyone who may create keys, aliases and the role `<name>-cosigner` can leave a key that carries
// it. Provision then takes that key as the one it created and checks only its grants, not the
// properties it checks on an adopted key (src/provision/plan-key-properties.ts: "the other
// properties, which the key has by construction"). A multi-Region key is planted here (the sandbox
// cannot import key material): its replicas, which the planter may make before provision runs,
// each have their own key policy, so the same key material decrypts the co-signer's data-key
// ciphertexts in another Region without any attestation; imported material (Origin EXTERNAL)
// leaves a copy with the planter. Impact: custody rests on a key the proofs cannot protect, while
// provision succeeds and status reports the co-signer in sync.
//
// Fixed: every key the plan keeps gets the full property check (KEY_UNPROTECTABLE), marker or not.
import { afterEach, describe, expect, it } from 'vitest';
import type { SandboxPorts } from '../../src/aws/sandbox/index.js';
import { FIREBLOCKS_ENVIRONMENTS } from '../../src/enclave/fireblocks-presets.js';
import { keyDescription } from '../../src/engine/ownership.js';
import type { CosignerError } from '../../src/errors.js';
import { buildKeyPolicy } from '../../src/policy/key-policy.js';
import { makeWorld, type World } from '../e2e/world.js';

const ACCOUNT = '111122223333';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/cosigner-cli/demo-cosigner`;

let world: World | undefined;
afterEach(async () => {
  await world?.cleanup();
  world = undefined;
});

/** The role as provision would create it (its tags are the planter's to write too). */
async function plantRole(ports: SandboxPorts): Promise<void> {
  await ports.iam.createRole({
    RoleName: 'demo-cosigner',
    Path: '/cosigner-cli/',
    AssumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    }),
    Tags: [
      { Key: 'cosigner-cli:name', Value: 'demo' },
      { Key: 'cosigner-cli:managed-by', Value: 'cosigner-cli' },
      { Key: 'cosigner-cli:region', Value: 'eu-west-1' },
    ],
  });
  // KMS accepts a key policy naming the role once IAM has propagated it (40 ms in FAST_KNOBS).
  await new Promise((resolve) => setTimeout(resolve, 200));
}

/** A multi-Region key with the tool's marker and the policy provision would write, under its alias. */
async function plantKey(ports: SandboxPorts): Promise<string> {
  const policy = buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE_ARN, pcr8: [FIREBLOCKS_ENVIRONMENTS.global.pcr8] });
  const key = await ports.kms.createKey({
    Description: keyDescription('demo'),
    MultiRegion: true,
    Policy: JSON.stringify(policy),
  });
  await ports.kms.createAlias({ AliasName: 'alias/demo-cosigner', TargetKeyId: key.KeyMetadata.KeyId! });
  return key.KeyMetadata.Arn!;
}

describe('a key planted under the co-signer alias with a forged ownership marker', () => {
  it('provision refuses a multi-Region key it did not create (KEY_UNPROTECTABLE)', async () => {
    world = await makeWorld({}, { memory: true });
    const ports = await world.ports();
    await plantRole(ports);
    const planted = await plantKey(ports);
    expect((await ports.kms.describeKey({ KeyId: planted })).KeyMetadata.MultiRegion).toBe(true);
    // Today: provision succeeds, the role's inline policy and the host use the planted key.
    const error = (await world.provision().then(
      () => undefined,
      (e: unknown) => e,
    )) as CosignerError | undefined;
    expect(error?.code).toBe('KEY_UNPROTECTABLE');
  });

  it('status does not report a multi-Region co-signer key as in sync', async () => {
    world = await makeWorld({}, { memory: true });
    const ports = await world.ports();
    await plantRole(ports);
    await plantKey(ports);
    await world.provision().catch(() => undefined);
    const status = await world.status();
    expect(status.coSigners.find((c) => c.configured)?.inSync).toBe(false);
  });
});
