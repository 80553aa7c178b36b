// Key administrators that do not exist: KMS would refuse the key policy as naming invalid
// principals, which looks like IAM propagation, so provision used to wait two minutes and blame
// the co-signer role. Now they are looked up before any write.
import { afterEach, describe, expect, it } from 'vitest';
import type { AwsPorts } from '../../src/aws/ports.js';
import type { CosignerError } from '../../src/errors.js';
import { missingKeyAdmins } from '../../src/provision/key-admins.js';
import { makeWorld, type World } from '../e2e/world.js';

const ACCOUNT = '111122223333';

let world: World | undefined;
afterEach(async () => {
  await world?.cleanup();
  world = undefined;
});

describe('missingKeyAdmins', () => {
  it("names this account's roles and users that are not there, or are under another path", async () => {
    world = await makeWorld({}, { memory: true });
    const ports = await world.ports();
    await ports.iam.createRole({
      RoleName: 'key-admin',
      Path: '/ops/',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' }],
      }),
    });
    const admins = [
      `arn:aws:iam::${ACCOUNT}:role/ops/key-admin`,
      `arn:aws:iam::${ACCOUNT}:role/key-admin`,
      `arn:aws:iam::${ACCOUNT}:role/nobody`,
      `arn:aws:iam::${ACCOUNT}:user/sandbox-admin`,
      `arn:aws:iam::${ACCOUNT}:user/ghost`,
      `arn:aws:iam::${ACCOUNT}:root`,
      'arn:aws:iam::444455556666:role/elsewhere',
    ];
    expect(await missingKeyAdmins(ports, admins, ACCOUNT)).toEqual([
      `arn:aws:iam::${ACCOUNT}:role/key-admin`,
      `arn:aws:iam::${ACCOUNT}:role/nobody`,
      `arn:aws:iam::${ACCOUNT}:user/ghost`,
    ]);
  });

  it('does not call missing what it may not read, and passes other errors on', async () => {
    const denied = Object.assign(new Error('not authorized'), {
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    });
    const failing = Object.assign(new Error('boom'), { name: 'ServiceFailure', $metadata: { httpStatusCode: 500 } });
    const iam = (error: Error) =>
      ({
        getRole: () => Promise.reject(error),
        getUser: () => Promise.reject(error),
      }) as unknown as AwsPorts['iam'];
    const arns = [`arn:aws:iam::${ACCOUNT}:role/a`, `arn:aws:iam::${ACCOUNT}:user/b`];
    expect(await missingKeyAdmins({ iam: iam(denied) }, arns, ACCOUNT)).toEqual([]);
    await expect(missingKeyAdmins({ iam: iam(failing) }, arns, ACCOUNT)).rejects.toThrow('boom');
  });
});

describe('provision with a key administrator that does not exist', () => {
  it('is refused before any write, naming the administrator', async () => {
    const ghost = `arn:aws:iam::${ACCOUNT}:role/key-admn`;
    world = await makeWorld(
      { kms: { adminArns: [`arn:aws:iam::${ACCOUNT}:user/sandbox-admin`, ghost] } },
      { memory: true },
    );
    const error = (await world.provision().catch((e: unknown) => e)) as CosignerError;
    expect(error.code).toBe('KEY_ADMIN_NOT_FOUND');
    expect(error.message).toContain(ghost);
    expect(error.hint).toContain('kms.adminArns');
    expect((await world.ports()).writeCalls()).toBe(0);
  });
});
