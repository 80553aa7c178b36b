// The sandbox's KMS, key kinds a key policy cannot fully protect (multi-Region, imported material,
// other key specs), and grants: CreateGrant / ListGrants / RevokeGrant in AWS's formats, and grants
// honoured by the KMS authorization, which is why a grant gets around the attestation condition.
import { describe, expect, it } from 'vitest';
import { createSandboxEnclaveSession, createSandboxPorts, type SandboxPorts } from '../../src/aws/sandbox/index.js';
import { buildKeyPolicy } from '../../src/policy/key-policy.js';
import { caught, EC2_TRUST, FAST, sandbox, tempDir } from './helpers.js';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const PCR8 = 'da1d9eca20ce98ab4fdbc51f8e5a2307fd4c61829b7d8bff40976cd6676862c8f3476ff4bdd0f65ecf4a48d6eb3099a8';
const GRANT_ID = /^[0-9a-f]{64}$/;

async function role(ports: SandboxPorts, name: string): Promise<string> {
  return (await ports.iam.createRole({ RoleName: name, AssumeRolePolicyDocument: EC2_TRUST })).Role!.Arn!;
}

describe('sandbox KMS key kinds', () => {
  it('creates a multi-Region key: mrk- id, MultiRegion with a primary configuration, working cryptography', async () => {
    const ports = await sandbox({ region: REGION });
    const { KeyMetadata } = await ports.kms.createKey({ MultiRegion: true, Description: 'replicated' });
    expect(KeyMetadata?.KeyId).toMatch(/^mrk-[0-9a-f]{32}$/);
    expect(KeyMetadata).toMatchObject({
      Arn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${KeyMetadata.KeyId}`,
      MultiRegion: true,
      MultiRegionConfiguration: {
        MultiRegionKeyType: 'PRIMARY',
        PrimaryKey: { Arn: KeyMetadata.Arn, Region: REGION },
        ReplicaKeys: [],
      },
      Origin: 'AWS_KMS',
      KeyState: 'Enabled',
    });
    for (const id of [KeyMetadata.KeyId!, KeyMetadata.Arn!])
      expect((await ports.kms.describeKey({ KeyId: id })).KeyMetadata?.MultiRegion).toBe(true);
    const sealed = await ports.kms.encrypt({ KeyId: KeyMetadata.KeyId!, Plaintext: new Uint8Array([1, 2, 3]) });
    expect([...(await ports.kms.decrypt({ CiphertextBlob: sealed.CiphertextBlob })).Plaintext!]).toEqual([1, 2, 3]);
  });

  it('creates a key for imported material: Origin EXTERNAL, PendingImport, no cryptography until an import', async () => {
    const ports = await sandbox({ region: REGION });
    const { KeyMetadata } = await ports.kms.createKey({ Origin: 'EXTERNAL' });
    expect(KeyMetadata).toMatchObject({
      Origin: 'EXTERNAL',
      KeyState: 'PendingImport',
      Enabled: false,
      MultiRegion: false,
      KeySpec: 'SYMMETRIC_DEFAULT',
    });
    const keyId = KeyMetadata.KeyId!;
    expect(await caught(ports.kms.generateDataKey({ KeyId: keyId, KeySpec: 'AES_256' }))).toMatchObject({
      name: 'KMSInvalidStateException',
      message: `${KeyMetadata.Arn} is pending import.`,
    });
    expect(await caught(ports.kms.enableKeyRotation({ KeyId: keyId }))).toMatchObject({
      name: 'UnsupportedOperationException',
    });
    // Its policy, tags and aliases can be managed meanwhile, as in KMS.
    await ports.kms.putKeyPolicy({ KeyId: keyId, Policy: (await ports.kms.getKeyPolicy({ KeyId: keyId })).Policy });
    await ports.kms.createAlias({ AliasName: 'alias/imported', TargetKeyId: keyId });
    await ports.kms.scheduleKeyDeletion({ KeyId: keyId, PendingWindowInDays: 7 });
    await ports.kms.cancelKeyDeletion({ KeyId: keyId });
    expect((await ports.kms.describeKey({ KeyId: 'alias/imported' })).KeyMetadata?.KeyState).toBe('PendingImport');
  });

  it('creates asymmetric and HMAC keys with valid usages only, and refuses symmetric operations on them', async () => {
    const ports = await sandbox({ region: REGION });
    const rsa = (await ports.kms.createKey({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' })).KeyMetadata;
    expect(rsa).toMatchObject({
      KeySpec: 'RSA_2048',
      CustomerMasterKeySpec: 'RSA_2048',
      KeyUsage: 'SIGN_VERIFY',
      KeyState: 'Enabled',
    });
    expect(rsa.EncryptionAlgorithms).toBeUndefined();
    const rsaEncrypt = (await ports.kms.createKey({ KeySpec: 'RSA_3072' })).KeyMetadata;
    expect(rsaEncrypt).toMatchObject({
      KeyUsage: 'ENCRYPT_DECRYPT',
      EncryptionAlgorithms: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'],
    });
    const hmac = (await ports.kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })).KeyMetadata;
    expect(hmac).toMatchObject({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    expect(await caught(ports.kms.createKey({ KeySpec: 'ECC_NIST_P256' }))).toMatchObject({
      name: 'ValidationException',
      message: 'KeyUsage ENCRYPT_DECRYPT is not compatible with KeySpec ECC_NIST_P256.',
    });
    expect(await caught(ports.kms.createKey({ KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'SIGN_VERIFY' }))).toMatchObject({
      name: 'ValidationException',
    });
    expect(await caught(ports.kms.createKey({ KeySpec: 'AES_256' as never }))).toMatchObject({
      name: 'ValidationException',
    });
    for (const key of [rsa, rsaEncrypt, hmac]) {
      expect(await caught(ports.kms.generateDataKey({ KeyId: key.KeyId!, KeySpec: 'AES_256' }))).toMatchObject({
        name: 'InvalidKeyUsageException',
      });
    }
    expect(await caught(ports.kms.encrypt({ KeyId: hmac.KeyId!, Plaintext: new Uint8Array([1]) }))).toMatchObject({
      name: 'InvalidKeyUsageException',
    });
    expect(await caught(ports.kms.enableKeyRotation({ KeyId: rsa.KeyId! }))).toMatchObject({
      name: 'UnsupportedOperationException',
    });
  });

  it('has no custom key stores', async () => {
    const ports = await sandbox({ region: REGION });
    expect(
      await caught(ports.kms.createKey({ CustomKeyStoreId: 'cks-1234567890abcdef0', Origin: 'AWS_CLOUDHSM' })),
    ).toMatchObject({ name: 'CustomKeyStoreNotFoundException' });
    expect(await caught(ports.kms.createKey({ Origin: 'EXTERNAL_KEY_STORE' }))).toMatchObject({
      name: 'ValidationException',
    });
    expect((await ports.readState()).regions[REGION]?.kms.keys ?? {}).toEqual({});
  });
});

describe('sandbox KMS grants', () => {
  it('creates a grant with a 64-hex id and a token, and lists it in AWS format', async () => {
    const ports = await sandbox({ region: REGION });
    const grantee = await role(ports, 'backup');
    const { KeyMetadata } = await ports.kms.createKey({});
    const created = await ports.kms.createGrant({
      KeyId: KeyMetadata.KeyId!,
      GranteePrincipal: grantee,
      Operations: ['Decrypt', 'GenerateDataKey'],
      Name: 'nightly-backup',
      Constraints: { EncryptionContextSubset: { app: 'backup' } },
    });
    expect(created.GrantId).toMatch(GRANT_ID);
    expect(created.GrantToken.length).toBeGreaterThan(100);
    const { Grants, Truncated } = await ports.kms.listGrants({ KeyId: KeyMetadata.Arn! });
    expect(Truncated).toBe(false);
    expect(Grants).toEqual([
      {
        KeyId: KeyMetadata.Arn,
        GrantId: created.GrantId,
        Name: 'nightly-backup',
        CreationDate: expect.any(Date) as unknown,
        GranteePrincipal: grantee,
        IssuingAccount: `arn:aws:iam::${ACCOUNT}:root`,
        Operations: ['Decrypt', 'GenerateDataKey'],
        Constraints: { EncryptionContextSubset: { app: 'backup' } },
      },
    ]);
    const { Events } = await ports.cloudtrail.lookupEvents({
      LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateGrant' }],
    });
    expect(JSON.parse(Events![0]!.CloudTrailEvent!)).toMatchObject({
      responseElements: { grantId: created.GrantId },
      requestParameters: { granteePrincipal: grantee, operations: ['Decrypt', 'GenerateDataKey'] },
    });
  });

  it('returns the same grant id for a retried named grant, a new grant otherwise', async () => {
    const ports = await sandbox({ region: REGION });
    const grantee = await role(ports, 'backup');
    const keyId = (await ports.kms.createKey({})).KeyMetadata.KeyId!;
    const request = { KeyId: keyId, GranteePrincipal: grantee, Operations: ['Decrypt' as const], Name: 'job' };
    const first = await ports.kms.createGrant(request);
    const retry = await ports.kms.createGrant(request);
    expect(retry.GrantId).toBe(first.GrantId);
    expect(retry.GrantToken).not.toBe(first.GrantToken);
    const unnamed = await ports.kms.createGrant({ ...request, Name: undefined });
    const wider = await ports.kms.createGrant({ ...request, Operations: ['Decrypt', 'Encrypt'] });
    expect(new Set([first.GrantId, unnamed.GrantId, wider.GrantId]).size).toBe(3);
    expect((await ports.kms.listGrants({ KeyId: keyId })).Grants).toHaveLength(3);
  });

  it('pages ListGrants with Limit and an opaque marker; filters by grant id and grantee', async () => {
    const ports = await sandbox({ region: REGION, knobs: { pageSize: 2 } });
    const [a, b] = [await role(ports, 'a'), await role(ports, 'b')];
    const keyId = (await ports.kms.createKey({})).KeyMetadata.KeyId!;
    const ids: string[] = [];
    for (const grantee of [a, b, a, b, a])
      ids.push(
        (await ports.kms.createGrant({ KeyId: keyId, GranteePrincipal: grantee, Operations: ['DescribeKey'] })).GrantId,
      );
    const seen: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const page = await ports.kms.listGrants({ KeyId: keyId, ...(marker === undefined ? {} : { Marker: marker }) });
      seen.push(...page.Grants.map((g) => g.GrantId!));
      expect(page.Grants.length).toBeLessThanOrEqual(2);
      marker = page.Truncated ? page.NextMarker : undefined;
      pages += 1;
    } while (marker !== undefined);
    expect([seen, pages]).toEqual([ids, 3]);
    expect((await ports.kms.listGrants({ KeyId: keyId, Limit: 1 })).Grants).toHaveLength(1);
    expect((await ports.kms.listGrants({ KeyId: keyId, GrantId: ids[1] })).Grants.map((g) => g.GrantId)).toEqual([
      ids[1],
    ]);
    expect(
      (await ports.kms.listGrants({ KeyId: keyId, GranteePrincipal: b, Limit: 100 })).Grants.map((g) => g.GrantId),
    ).toEqual([ids[1], ids[3]]);
    expect(await caught(ports.kms.listGrants({ KeyId: keyId, Limit: 101 }))).toMatchObject({
      name: 'ValidationException',
    });
    expect(await caught(ports.kms.listGrants({ KeyId: keyId, Marker: 'garbage' }))).toMatchObject({
      name: 'InvalidMarkerException',
    });
  });

  it('validates grants as KMS does', async () => {
    const ports = await sandbox({ region: REGION });
    const grantee = await role(ports, 'backup');
    const { KeyMetadata } = await ports.kms.createKey({});
    const keyId = KeyMetadata.KeyId!;
    await ports.kms.createAlias({ AliasName: 'alias/granted', TargetKeyId: keyId });
    const cases: [Parameters<typeof ports.kms.createGrant>[0], string][] = [
      [{ KeyId: 'alias/granted', GranteePrincipal: grantee, Operations: ['Decrypt'] }, 'NotFoundException'],
      [{ KeyId: keyId, Operations: ['Decrypt'] }, 'ValidationException'],
      [{ KeyId: keyId, GranteePrincipal: grantee, Operations: [] }, 'ValidationException'],
      [{ KeyId: keyId, GranteePrincipal: grantee, Operations: ['Shred' as never] }, 'ValidationException'],
      [{ KeyId: keyId, GranteePrincipal: grantee, Operations: ['Sign'] }, 'ValidationException'],
      [
        { KeyId: keyId, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:role/nobody`, Operations: ['Decrypt'] },
        'ValidationException',
      ],
      [
        {
          KeyId: keyId,
          GranteePrincipal: grantee,
          Operations: ['DescribeKey'],
          Constraints: { EncryptionContextEquals: { a: 'b' } },
        },
        'ValidationException',
      ],
      [
        {
          KeyId: keyId,
          GranteePrincipal: grantee,
          Operations: ['Decrypt'],
          Constraints: { EncryptionContextEquals: { a: 'b' }, EncryptionContextSubset: { a: 'b' } },
        },
        'ValidationException',
      ],
      [{ KeyId: keyId, GranteePrincipal: grantee, Operations: ['Decrypt'], DryRun: true }, 'DryRunOperationException'],
    ];
    for (const [input, name] of cases)
      expect(await caught(ports.kms.createGrant(input)), JSON.stringify(input)).toMatchObject({ name });
    // A service principal is a valid grantee.
    await expect(
      ports.kms.createGrant({
        KeyId: keyId,
        GranteePrincipal: 'dynamodb.eu-west-1.amazonaws.com',
        Operations: ['Decrypt'],
      }),
    ).resolves.toHaveProperty('GrantId');
    expect((await ports.kms.listGrants({ KeyId: keyId })).Grants).toHaveLength(1);
  });

  it('revokes a grant; an unknown or malformed id is refused', async () => {
    const ports = await sandbox({ region: REGION });
    const grantee = await role(ports, 'backup');
    const keyId = (await ports.kms.createKey({})).KeyMetadata.KeyId!;
    const { GrantId } = await ports.kms.createGrant({
      KeyId: keyId,
      GranteePrincipal: grantee,
      Operations: ['Decrypt'],
    });
    expect(await caught(ports.kms.revokeGrant({ KeyId: keyId, GrantId: GrantId, DryRun: true }))).toMatchObject({
      name: 'DryRunOperationException',
    });
    await ports.kms.revokeGrant({ KeyId: keyId, GrantId: GrantId });
    expect((await ports.kms.listGrants({ KeyId: keyId })).Grants).toEqual([]);
    expect(await caught(ports.kms.revokeGrant({ KeyId: keyId, GrantId: GrantId }))).toMatchObject({
      name: 'NotFoundException',
    });
    expect(await caught(ports.kms.revokeGrant({ KeyId: keyId, GrantId: 'not-a-grant' }))).toMatchObject({
      name: 'InvalidGrantIdException',
    });
  });

  it('is authorized by the key policy: the attested policies let no one create grants; only hardened lets the administrators list them', async () => {
    const ports = await sandbox({ region: REGION });
    const roleArn = await role(ports, 'cosigner');
    for (const profile of ['hardened', 'fireblocks-exact'] as const) {
      const policy = JSON.stringify(buildKeyPolicy({ accountId: ACCOUNT, roleArn, pcr8: [PCR8], profile }));
      const keyId = (await ports.kms.createKey({ Policy: policy })).KeyMetadata.KeyId!;
      expect(
        await caught(ports.kms.createGrant({ KeyId: keyId, GranteePrincipal: roleArn, Operations: ['Decrypt'] })),
      ).toMatchObject({
        name: 'AccessDeniedException',
        message: expect.stringContaining('kms:CreateGrant') as unknown,
      });
      if (profile === 'hardened')
        await expect(ports.kms.listGrants({ KeyId: keyId })).resolves.toMatchObject({ Grants: [] });
      else
        expect(await caught(ports.kms.listGrants({ KeyId: keyId }))).toMatchObject({
          name: 'AccessDeniedException',
          message: expect.stringContaining('kms:ListGrants') as unknown,
        });
    }
  });
});

describe('sandbox KMS authorization honours grants', () => {
  /** A key with a grant to the co-signer role made under the default policy, then the attested policy written over it. */
  async function grantedThenAttested(dir: string) {
    const ports = await sandbox({ dir, region: REGION });
    const roleArn = await role(ports, 'cosigner');
    const keyId = (await ports.kms.createKey({})).KeyMetadata.KeyId!;
    const { GrantId } = await ports.kms.createGrant({
      KeyId: keyId,
      GranteePrincipal: roleArn,
      Operations: ['GenerateDataKey', 'Decrypt'],
    });
    await ports.kms.putKeyPolicy({
      KeyId: keyId,
      Policy: JSON.stringify(buildKeyPolicy({ accountId: ACCOUNT, roleArn, pcr8: [PCR8] })),
    });
    return { ports, roleArn, keyId, grantId: GrantId };
  }

  it('a grant gives the role plaintext data keys outside any enclave, although the key policy requires an attestation', async () => {
    const dir = tempDir();
    const { ports, roleArn, keyId, grantId } = await grantedThenAttested(dir);
    const outside = await createSandboxEnclaveSession({
      sandboxDir: dir,
      region: REGION,
      env: {},
      knobs: FAST,
      roleArn,
      pcrs: { 0: 'ab'.repeat(48), 8: PCR8 },
      attest: false,
    });
    const dataKey = await outside.kms.generateDataKey({ KeyId: keyId, KeySpec: 'AES_256' });
    expect(dataKey.Plaintext).toHaveLength(32);
    expect((await outside.kms.decrypt({ CiphertextBlob: dataKey.CiphertextBlob! })).Plaintext).toEqual(
      dataKey.Plaintext,
    );
    // What the grant does not cover goes back to the key policy: denied.
    expect(await caught(outside.kms.encrypt({ KeyId: keyId, Plaintext: new Uint8Array([1]) }))).toMatchObject({
      name: 'AccessDeniedException',
    });
    // The attested policy does not even let the administrators revoke it: the check belongs before the write.
    expect(await caught(ports.kms.revokeGrant({ KeyId: keyId, GrantId: grantId }))).toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining('kms:RevokeGrant') as unknown,
    });
    const policy = JSON.parse((await ports.kms.getKeyPolicy({ KeyId: keyId })).Policy) as { Statement: object[] };
    policy.Statement.push({
      Sid: 'RevokeGrants',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: 'kms:RevokeGrant',
      Resource: '*',
    });
    await ports.kms.putKeyPolicy({ KeyId: keyId, Policy: JSON.stringify(policy) });
    await ports.kms.revokeGrant({ KeyId: keyId, GrantId: grantId });
    expect(await caught(outside.kms.generateDataKey({ KeyId: keyId, KeySpec: 'AES_256' }))).toMatchObject({
      name: 'AccessDeniedException',
    });
  });

  it('a grant does not override an explicit Deny, and its encryption-context constraint narrows it', async () => {
    const dir = tempDir();
    const ports = await sandbox({ dir, region: REGION });
    const roleArn = await role(ports, 'backup');
    const keyId = (await ports.kms.createKey({})).KeyMetadata.KeyId!;
    await ports.kms.createGrant({
      KeyId: keyId,
      GranteePrincipal: roleArn,
      Operations: ['Encrypt'],
      Constraints: { EncryptionContextEquals: { app: 'backup' } },
    });
    const asRole = await createSandboxPorts({
      dir,
      region: REGION,
      env: {},
      knobs: FAST,
      principal: { kind: 'role', roleName: 'backup', sessionName: 'job' },
    });
    const plaintext = new Uint8Array([7]);
    await expect(
      asRole.kms.encrypt({ KeyId: keyId, Plaintext: plaintext, EncryptionContext: { app: 'backup' } }),
    ).resolves.toHaveProperty('CiphertextBlob');
    expect(
      await caught(
        asRole.kms.encrypt({ KeyId: keyId, Plaintext: plaintext, EncryptionContext: { app: 'backup', extra: 'x' } }),
      ),
    ).toMatchObject({ name: 'AccessDeniedException' });
    expect(await caught(asRole.kms.encrypt({ KeyId: keyId, Plaintext: plaintext }))).toMatchObject({
      name: 'AccessDeniedException',
    });
    const policy = JSON.parse((await ports.kms.getKeyPolicy({ KeyId: keyId })).Policy) as { Statement: object[] };
    policy.Statement.push({
      Sid: 'NoBackupEncrypt',
      Effect: 'Deny',
      Principal: { AWS: roleArn },
      Action: 'kms:Encrypt',
      Resource: '*',
    });
    await ports.kms.putKeyPolicy({ KeyId: keyId, Policy: JSON.stringify(policy) });
    expect(
      await caught(asRole.kms.encrypt({ KeyId: keyId, Plaintext: plaintext, EncryptionContext: { app: 'backup' } })),
    ).toMatchObject({ name: 'AccessDeniedException', message: expect.stringContaining('explicit deny') as unknown });
  });

  it('a grantee with CreateGrant may pass on at most its own operations', async () => {
    const dir = tempDir();
    const ports = await sandbox({ dir, region: REGION });
    const [holder, other] = [await role(ports, 'holder'), await role(ports, 'other')];
    const keyId = (await ports.kms.createKey({})).KeyMetadata.KeyId!;
    await ports.kms.createGrant({ KeyId: keyId, GranteePrincipal: holder, Operations: ['CreateGrant', 'Decrypt'] });
    const asHolder = await createSandboxPorts({
      dir,
      region: REGION,
      env: {},
      knobs: FAST,
      principal: { kind: 'role', roleName: 'holder', sessionName: 's' },
    });
    await expect(
      asHolder.kms.createGrant({ KeyId: keyId, GranteePrincipal: other, Operations: ['Decrypt'] }),
    ).resolves.toHaveProperty('GrantId');
    expect(
      await caught(
        asHolder.kms.createGrant({ KeyId: keyId, GranteePrincipal: other, Operations: ['Decrypt', 'Encrypt'] }),
      ),
    ).toMatchObject({ name: 'AccessDeniedException' });
    // ListGrants is not a grant operation: the holder still cannot list.
    expect(await caught(asHolder.kms.listGrants({ KeyId: keyId }))).toMatchObject({ name: 'AccessDeniedException' });
  });
});
