// What attest reads before it builds anything (src/attest/key.ts), through a run: a key, a policy,
// grants or permissions it cannot work with are refused, and nothing is written.
import { describe, expect, it } from 'vitest';
import type * as KMS from '@aws-sdk/client-kms';
import { runAttest, type AttestOptions } from '../../src/attest/attest.js';
import { buildKeyPolicy } from '../../src/policy/key-policy.js';
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
  REGION,
  ROLE,
  ROOT,
  stored,
  withoutDefault,
} from './harness.js';

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
              // A read: only the grammar refuses (TagResource would be key control as well).
              Action: 'kms:DescribeKey',
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
      getRole: (input: { RoleName?: string | undefined }) =>
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
