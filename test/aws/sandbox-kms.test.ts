// The sandbox's KMS: key policies validated on write, evaluated on every call with the attestation
// context of a simulated enclave, real encryption, rotation and deletion windows.
import { describe, expect, it } from 'vitest';
import { isAwsErrorNamed, isIamPropagationError } from '../../src/aws/errors.js';
import { createSandboxEnclaveSession, type SandboxPorts } from '../../src/aws/sandbox/index.js';
import { buildKeyPolicy } from '../../src/policy/key-policy.js';
import { buildRoleInlinePolicy } from '../../src/policy/iam-policies.js';
import { caught, EC2_TRUST, FakeClock, sandbox, tempDir } from './helpers.js';

const ACCOUNT = '111122223333';
const GLOBAL_PCR8 = 'da1d9eca20ce98ab4fdbc51f8e5a2307fd4c61829b7d8bff40976cd6676862c8f3476ff4bdd0f65ecf4a48d6eb3099a8';
const EU_PCR8 = 'fffc94d68a150b49dc39b23954c793cd1a4f7972f528a1ee258dc130b6cd9454e29ae72ef66bd9697a55e774e17a2d49';
const PCR0 = 'a1'.repeat(48);
const ZERO = '00'.repeat(48);

async function withRole(ports: SandboxPorts, name = 'cosigner-prod') {
  const role = await ports.iam.createRole({ RoleName: name, AssumeRolePolicyDocument: EC2_TRUST });
  return role.Role!.Arn!;
}

/** The co-signer setup as provision builds it: role, key with the attested policy, inline policy. */
async function cosignerKey(
  ports: SandboxPorts,
  profile: 'hardened' | 'fireblocks-exact' = 'hardened',
  pcr8 = [GLOBAL_PCR8],
) {
  const roleArn = await withRole(ports);
  const policy = JSON.stringify(buildKeyPolicy({ accountId: ACCOUNT, roleArn, pcr8, profile }));
  const key = await ports.kms.createKey({ Policy: policy, Description: 'cosigner' });
  const keyArn = key.KeyMetadata.Arn!;
  await ports.iam.putRolePolicy({
    RoleName: 'cosigner-prod',
    PolicyName: 'cosigner-access',
    PolicyDocument: JSON.stringify(buildRoleInlinePolicy({ bucketName: 'cosigner-prod-bucket', keyArn })),
  });
  return { roleArn, keyArn, keyId: key.KeyMetadata.KeyId! };
}

describe('sandbox KMS keys', () => {
  it('creates a symmetric key with an ARN, metadata and the default policy', async () => {
    const ports = await sandbox({ region: 'eu-west-1' });
    const { KeyMetadata } = await ports.kms.createKey({
      Description: 'demo',
      Tags: [{ TagKey: 'cosigner-cli:name', TagValue: 'prod' }],
    });
    expect(KeyMetadata?.KeyId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(KeyMetadata?.Arn).toBe(`arn:aws:kms:eu-west-1:${ACCOUNT}:key/${KeyMetadata?.KeyId}`);
    expect(KeyMetadata).toMatchObject({
      KeyState: 'Enabled',
      KeySpec: 'SYMMETRIC_DEFAULT',
      KeyUsage: 'ENCRYPT_DECRYPT',
      Origin: 'AWS_KMS',
      MultiRegion: false,
    });
    const policy = JSON.parse((await ports.kms.getKeyPolicy({ KeyId: KeyMetadata.KeyId! })).Policy) as {
      Statement: { Principal: unknown }[];
    };
    expect(policy.Statement[0]?.Principal).toEqual({ AWS: `arn:aws:iam::${ACCOUNT}:root` });
    expect((await ports.kms.listResourceTags({ KeyId: KeyMetadata.KeyId! })).Tags).toEqual([
      { TagKey: 'cosigner-cli:name', TagValue: 'prod' },
    ]);
  });

  it('finds keys by id, ARN, alias and alias ARN; not by an ARN of another region', async () => {
    const ports = await sandbox({ region: 'eu-west-1' });
    const { KeyMetadata } = await ports.kms.createKey({});
    await ports.kms.createAlias({ AliasName: 'alias/cosigner-prod', TargetKeyId: KeyMetadata.KeyId! });
    for (const id of [
      KeyMetadata.KeyId!,
      KeyMetadata.Arn!,
      'alias/cosigner-prod',
      `arn:aws:kms:eu-west-1:${ACCOUNT}:alias/cosigner-prod`,
    ]) {
      expect((await ports.kms.describeKey({ KeyId: id })).KeyMetadata?.KeyId).toBe(KeyMetadata.KeyId);
    }
    const other = await caught(ports.kms.describeKey({ KeyId: KeyMetadata.Arn!.replace('eu-west-1', 'us-east-1') }));
    expect(other.name).toBe('NotFoundException');
    expect(
      await caught(ports.kms.createAlias({ AliasName: 'alias/cosigner-prod', TargetKeyId: KeyMetadata.KeyId! })),
    ).toMatchObject({ name: 'AlreadyExistsException' });
    expect(await caught(ports.kms.getKeyPolicy({ KeyId: 'alias/cosigner-prod' }))).toMatchObject({
      name: 'NotFoundException',
    });
    expect(
      await caught(ports.kms.createAlias({ AliasName: 'alias/aws/mine', TargetKeyId: KeyMetadata.KeyId! })),
    ).toMatchObject({ name: 'NotAuthorizedException' });
  });

  it('paginates aliases with a small page and an opaque marker', async () => {
    const ports = await sandbox();
    const { KeyMetadata } = await ports.kms.createKey({});
    for (const n of [1, 2, 3, 4])
      await ports.kms.createAlias({ AliasName: `alias/k${n}`, TargetKeyId: KeyMetadata.KeyId! });
    const names: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const page = await ports.kms.listAliases({
        KeyId: KeyMetadata.KeyId!,
        ...(marker === undefined ? {} : { Marker: marker }),
      });
      names.push(...(page.Aliases ?? []).map((alias) => alias.AliasName!));
      marker = page.Truncated === true ? page.NextMarker : undefined;
      pages += 1;
    } while (marker !== undefined);
    expect(names).toEqual(['alias/k1', 'alias/k2', 'alias/k3', 'alias/k4']);
    expect(pages).toBe(2);
    expect(await caught(ports.kms.listAliases({ Marker: 'garbage' }))).toMatchObject({
      name: 'InvalidMarkerException',
    });
  });

  it('rotates and schedules deletion within the allowed windows; the key disappears after the window', async () => {
    const clock = new FakeClock();
    const ports = await sandbox({ now: clock.now });
    const { KeyMetadata } = await ports.kms.createKey({});
    const keyId = KeyMetadata.KeyId!;
    expect((await ports.kms.getKeyRotationStatus({ KeyId: keyId })).KeyRotationEnabled).toBe(false);
    expect(await caught(ports.kms.enableKeyRotation({ KeyId: keyId, RotationPeriodInDays: 30 }))).toMatchObject({
      name: 'ValidationException',
    });
    await ports.kms.enableKeyRotation({ KeyId: keyId });
    expect(await ports.kms.getKeyRotationStatus({ KeyId: keyId })).toMatchObject({
      KeyRotationEnabled: true,
      RotationPeriodInDays: 365,
    });
    expect(await caught(ports.kms.scheduleKeyDeletion({ KeyId: keyId, PendingWindowInDays: 6 }))).toMatchObject({
      name: 'ValidationException',
    });
    const scheduled = await ports.kms.scheduleKeyDeletion({ KeyId: keyId });
    expect(scheduled).toMatchObject({ KeyState: 'PendingDeletion', PendingWindowInDays: 30 });
    expect(scheduled.DeletionDate?.getTime()).toBe(clock.time + 30 * 86_400_000);
    const pending = await caught(ports.kms.encrypt({ KeyId: keyId, Plaintext: new Uint8Array([1]) }));
    expect(pending).toMatchObject({ name: 'KMSInvalidStateException' });
    expect(pending.message).toContain('pending deletion');
    await ports.kms.cancelKeyDeletion({ KeyId: keyId });
    expect((await ports.kms.describeKey({ KeyId: keyId })).KeyMetadata?.KeyState).toBe('Disabled');
    expect(await caught(ports.kms.encrypt({ KeyId: keyId, Plaintext: new Uint8Array([1]) }))).toMatchObject({
      name: 'DisabledException',
    });
    await ports.kms.scheduleKeyDeletion({ KeyId: keyId, PendingWindowInDays: 7 });
    clock.advance(7 * 86_400_000);
    expect(await caught(ports.kms.describeKey({ KeyId: keyId }))).toMatchObject({ name: 'NotFoundException' });
  });

  it('really encrypts: round trip, encryption context bound, tampering detected', async () => {
    const ports = await sandbox();
    const { KeyMetadata } = await ports.kms.createKey({});
    const keyId = KeyMetadata.KeyId!;
    const plaintext = new TextEncoder().encode('secret shares');
    const context = { purpose: 'db' };
    const { CiphertextBlob } = await ports.kms.encrypt({
      KeyId: keyId,
      Plaintext: plaintext,
      EncryptionContext: context,
    });
    expect(Buffer.from(CiphertextBlob).includes(Buffer.from('secret shares'))).toBe(false);
    const decrypted = await ports.kms.decrypt({ CiphertextBlob: CiphertextBlob, EncryptionContext: context });
    expect(new TextDecoder().decode(decrypted.Plaintext)).toBe('secret shares');
    expect(decrypted.KeyId).toBe(KeyMetadata.Arn);
    expect(await caught(ports.kms.decrypt({ CiphertextBlob: CiphertextBlob }))).toMatchObject({
      name: 'InvalidCiphertextException',
    });
    const tampered = new Uint8Array(CiphertextBlob);
    tampered[tampered.length - 1]! ^= 1;
    expect(await caught(ports.kms.decrypt({ CiphertextBlob: tampered, EncryptionContext: context }))).toMatchObject({
      name: 'InvalidCiphertextException',
    });
    const other = await ports.kms.createKey({});
    expect(
      await caught(
        ports.kms.decrypt({
          CiphertextBlob: CiphertextBlob,
          EncryptionContext: context,
          KeyId: other.KeyMetadata.KeyId!,
        }),
      ),
    ).toMatchObject({ name: 'IncorrectKeyException' });
    const dataKey = await ports.kms.generateDataKey({ KeyId: keyId, KeySpec: 'AES_128' });
    expect(dataKey.Plaintext).toHaveLength(16);
    const unwrapped = await ports.kms.decrypt({ CiphertextBlob: dataKey.CiphertextBlob });
    expect(Buffer.from(unwrapped.Plaintext!).equals(Buffer.from(dataKey.Plaintext!))).toBe(true);
    expect(
      await caught(ports.kms.generateDataKey({ KeyId: keyId, KeySpec: 'AES_256', NumberOfBytes: 32 })),
    ).toMatchObject({ name: 'ValidationException' });
    expect(await caught(ports.kms.generateDataKey({ KeyId: keyId }))).toMatchObject({ name: 'ValidationException' });
  });
});

describe('sandbox KMS key policies on write', () => {
  it('rejects unknown principals with the AWS error', async () => {
    const ports = await sandbox();
    const policy = JSON.stringify(
      buildKeyPolicy({ accountId: ACCOUNT, roleArn: `arn:aws:iam::${ACCOUNT}:role/missing`, pcr8: [GLOBAL_PCR8] }),
    );
    const error = await caught(ports.kms.createKey({ Policy: policy }));
    expect(error).toMatchObject({
      name: 'MalformedPolicyDocumentException',
      message: 'Policy contains a statement with one or more invalid principals.',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
    expect(isIamPropagationError(error)).toBe(true);
  });

  it('rejects a new role until the IAM propagation delay has passed', async () => {
    const clock = new FakeClock();
    const ports = await sandbox({ now: clock.now, knobs: { iamPropagationDelayMs: 8_000 } });
    const roleArn = await withRole(ports);
    const policy = JSON.stringify(buildKeyPolicy({ accountId: ACCOUNT, roleArn, pcr8: [GLOBAL_PCR8] }));
    expect(isIamPropagationError(await caught(ports.kms.createKey({ Policy: policy })))).toBe(true);
    clock.advance(7_999);
    expect(isIamPropagationError(await caught(ports.kms.createKey({ Policy: policy })))).toBe(true);
    clock.advance(1);
    await expect(ports.kms.createKey({ Policy: policy })).resolves.toMatchObject({
      KeyMetadata: { KeyState: 'Enabled' },
    });
  });

  it('applies the lockout safety check to the caller', async () => {
    const ports = await sandbox();
    const roleArn = await withRole(ports);
    const noAdmin = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: roleArn }, Action: 'kms:*', Resource: '*' }],
    });
    const error = await caught(ports.kms.createKey({ Policy: noAdmin }));
    expect(error).toMatchObject({
      name: 'MalformedPolicyDocumentException',
      message: 'The new key policy will not allow you to update the key policy in the future.',
    });
    expect(isIamPropagationError(error)).toBe(false);
    const { KeyMetadata } = await ports.kms.createKey({});
    expect(await caught(ports.kms.putKeyPolicy({ KeyId: KeyMetadata.KeyId!, Policy: noAdmin }))).toMatchObject({
      name: 'MalformedPolicyDocumentException',
    });
    // AWS honours the bypass flag (the CLI never sets it).
    await ports.kms.putKeyPolicy({ KeyId: KeyMetadata.KeyId!, Policy: noAdmin, BypassPolicyLockoutSafetyCheck: true });
    const locked = await caught(ports.kms.putKeyPolicy({ KeyId: KeyMetadata.KeyId!, Policy: noAdmin }));
    expect(locked).toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
    expect(locked.message).toContain('is not authorized to perform: kms:PutKeyPolicy');
  });

  it("writes a key policy while the key is pending deletion (KMS's key-state table), with the same checks", async () => {
    const ports = await sandbox();
    const { KeyMetadata } = await ports.kms.createKey({});
    const keyId = KeyMetadata.KeyId!;
    await ports.kms.scheduleKeyDeletion({ KeyId: keyId, PendingWindowInDays: 7 });
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'Admins',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
          Action: ['kms:PutKeyPolicy', 'kms:GetKeyPolicy', 'kms:DescribeKey', 'kms:CancelKeyDeletion', 'kms:EnableKey'],
          Resource: '*',
        },
      ],
    });
    await ports.kms.putKeyPolicy({ KeyId: keyId, PolicyName: 'default', Policy: policy });
    expect((await ports.kms.getKeyPolicy({ KeyId: keyId, PolicyName: 'default' })).Policy).toBe(policy);
    expect((await ports.kms.describeKey({ KeyId: keyId })).KeyMetadata?.KeyState).toBe('PendingDeletion');
    // Validation and the lockout safety check still apply in that state.
    expect(await caught(ports.kms.putKeyPolicy({ KeyId: keyId, Policy: '{not json' }))).toMatchObject({
      name: 'MalformedPolicyDocumentException',
    });
    const noAdmin = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:Decrypt', Resource: '*' },
      ],
    });
    expect(await caught(ports.kms.putKeyPolicy({ KeyId: keyId, Policy: noAdmin }))).toMatchObject({
      name: 'MalformedPolicyDocumentException',
      message: 'The new key policy will not allow you to update the key policy in the future.',
    });
    // The repaired policy lets the administrators undo the deletion.
    await ports.kms.cancelKeyDeletion({ KeyId: keyId });
    await ports.kms.enableKey({ KeyId: keyId });
    expect((await ports.kms.describeKey({ KeyId: keyId })).KeyMetadata?.KeyState).toBe('Enabled');
  });

  it('rejects malformed, oversized and misnamed policies', async () => {
    const ports = await sandbox();
    const { KeyMetadata } = await ports.kms.createKey({});
    const keyId = KeyMetadata.KeyId!;
    expect(await caught(ports.kms.putKeyPolicy({ KeyId: keyId, Policy: '{not json' }))).toMatchObject({
      name: 'MalformedPolicyDocumentException',
    });
    expect(
      await caught(
        ports.kms.putKeyPolicy({
          KeyId: keyId,
          Policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] }),
        }),
      ),
    ).toMatchObject({ name: 'MalformedPolicyDocumentException' });
    const big = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'x'.repeat(33_000),
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
      ],
    });
    expect(await caught(ports.kms.putKeyPolicy({ KeyId: keyId, Policy: big }))).toMatchObject({
      name: 'LimitExceededException',
    });
    expect(await caught(ports.kms.putKeyPolicy({ KeyId: keyId, PolicyName: 'other', Policy: '{}' }))).toMatchObject({
      name: 'ValidationException',
    });
  });

  it('authorizes admin actions by the key policy: the FB admin statement does not allow rotation', async () => {
    const ports = await sandbox();
    const { keyId } = await cosignerKey(ports, 'fireblocks-exact');
    await expect(ports.kms.describeKey({ KeyId: keyId })).resolves.toBeDefined();
    const denied = await caught(ports.kms.enableKeyRotation({ KeyId: keyId }));
    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.message).toMatch(
      /kms:EnableKeyRotation on resource: arn:aws:kms:us-east-1:111122223333:key\/.* because no resource-based policy allows/,
    );
  });
});

describe('sandbox KMS with a simulated enclave (the cases of the key-policy proofs)', () => {
  it.each(['hardened', 'fireblocks-exact'] as const)(
    '%s: the right PCR8 is allowed, another PCR8 and no attestation are denied',
    async (profile) => {
      const dir = tempDir();
      const ports = await sandbox({ dir });
      const { roleArn, keyId } = await cosignerKey(ports, profile);
      const good = await createSandboxEnclaveSession({
        sandboxDir: dir,
        env: {},
        knobs: { iamPropagationDelayMs: 0 },
        roleArn,
        pcrs: { 0: PCR0, 8: GLOBAL_PCR8.toUpperCase() },
      });
      expect(good.callerArn).toMatch(new RegExp(`^arn:aws:sts::${ACCOUNT}:assumed-role/cosigner-prod/i-`));
      const dataKey = await good.kms.generateDataKey({ KeyId: keyId, KeySpec: 'AES_256' });
      expect(dataKey.Plaintext).toBeUndefined();
      const plaintext = good.openCiphertextForRecipient(dataKey.CiphertextForRecipient!);
      expect(plaintext).toHaveLength(32);
      const again = await good.kms.decrypt({ CiphertextBlob: dataKey.CiphertextBlob! });
      expect(
        Buffer.from(good.openCiphertextForRecipient(again.CiphertextForRecipient!)).equals(Buffer.from(plaintext)),
      ).toBe(true);

      const wrong = await createSandboxEnclaveSession({
        sandboxDir: dir,
        env: {},
        roleArn,
        pcrs: { 0: PCR0, 8: EU_PCR8 },
      });
      const denied = await caught(wrong.kms.decrypt({ CiphertextBlob: dataKey.CiphertextBlob! }));
      expect(denied).toMatchObject({ name: 'AccessDeniedException' });
      expect(denied.message).toContain(`User: ${wrong.callerArn} is not authorized to perform: kms:Decrypt`);

      const plain = await createSandboxEnclaveSession({
        sandboxDir: dir,
        env: {},
        roleArn,
        pcrs: { 0: PCR0, 8: GLOBAL_PCR8 },
        attest: false,
      });
      expect(await caught(plain.kms.decrypt({ CiphertextBlob: dataKey.CiphertextBlob! }))).toMatchObject({
        name: 'AccessDeniedException',
      });
      expect(await caught(plain.kms.generateDataKey({ KeyId: keyId, KeySpec: 'AES_256' }))).toMatchObject({
        name: 'AccessDeniedException',
      });
      // The role's unconditioned GetKeyPolicy statement.
      await expect(plain.kms.getKeyPolicy({ KeyId: keyId })).resolves.toMatchObject({ PolicyName: 'default' });
      // The administrator keeps PutKeyPolicy, and cannot use the key without the enclave.
      const policy = (await ports.kms.getKeyPolicy({ KeyId: keyId })).Policy;
      await ports.kms.putKeyPolicy({ KeyId: keyId, Policy: policy });
      expect(await caught(ports.kms.decrypt({ CiphertextBlob: dataKey.CiphertextBlob! }))).toMatchObject({
        name: 'AccessDeniedException',
      });
    },
  );

  it('a debug-mode enclave with the right PCR8 is denied by the hardened policy but not by fireblocks-exact', async () => {
    for (const [profile, allowed] of [
      ['hardened', false],
      ['fireblocks-exact', true],
    ] as const) {
      const dir = tempDir();
      const ports = await sandbox({ dir });
      const { roleArn, keyId } = await cosignerKey(ports, profile);
      const debug = await createSandboxEnclaveSession({
        sandboxDir: dir,
        env: {},
        roleArn,
        pcrs: { 0: ZERO, 1: ZERO, 2: ZERO, 8: GLOBAL_PCR8 },
      });
      const result = debug.kms.generateDataKey({ KeyId: keyId, KeySpec: 'AES_256' });
      if (allowed) await expect(result).resolves.toHaveProperty('CiphertextForRecipient');
      else
        expect(await caught(result)).toMatchObject({
          name: 'AccessDeniedException',
          message: expect.stringContaining('explicit deny') as unknown,
        });
    }
  });

  it('accepts a PCR8 list during rotation', async () => {
    const dir = tempDir();
    const ports = await sandbox({ dir });
    const { roleArn, keyId } = await cosignerKey(ports, 'hardened', [GLOBAL_PCR8, EU_PCR8]);
    for (const pcr8 of [GLOBAL_PCR8, EU_PCR8]) {
      const session = await createSandboxEnclaveSession({
        sandboxDir: dir,
        env: {},
        roleArn,
        pcrs: { 0: PCR0, 8: pcr8 },
      });
      await expect(session.kms.generateDataKey({ KeyId: keyId, NumberOfBytes: 16 })).resolves.toHaveProperty(
        'CiphertextBlob',
      );
    }
  });

  it('rejects attestation documents from an untrusted root and stale ones', async () => {
    const dir = tempDir();
    const clock = new FakeClock();
    const ports = await sandbox({ dir, now: clock.now });
    const { roleArn, keyId } = await cosignerKey(ports);
    const session = await createSandboxEnclaveSession({
      sandboxDir: dir,
      env: {},
      roleArn,
      pcrs: { 0: PCR0, 8: GLOBAL_PCR8 },
      now: clock.now,
    });
    const stale = session.attestationDocument();
    clock.advance(6 * 60_000);
    const error = await caught(
      session.kms.generateDataKey({
        KeyId: keyId,
        KeySpec: 'AES_256',
        Recipient: { AttestationDocument: stale, KeyEncryptionAlgorithm: 'RSAES_OAEP_SHA_256' },
      }),
    );
    expect(error).toMatchObject({ name: 'ValidationException' });
    const { createAttestationIssuer } = await import('../../src/aws/sandbox/nitro/attestation-mint.js');
    const rogue = createAttestationIssuer({ now: clock.now() }).mint({
      moduleId: 'i-0123456789abcdef0-enc0123456789abcdef',
      pcrs: { 0: PCR0, 8: GLOBAL_PCR8 },
      timestamp: clock.now(),
    });
    const untrusted = await caught(
      session.kms.generateDataKey({ KeyId: keyId, KeySpec: 'AES_256', Recipient: { AttestationDocument: rogue } }),
    );
    expect(untrusted).toMatchObject({ name: 'ValidationException' });
    expect(untrusted.message).toContain('not valid');
  });

  it('records the attestation PCRs of enclave calls in CloudTrail', async () => {
    const dir = tempDir();
    const ports = await sandbox({ dir });
    const { roleArn, keyId } = await cosignerKey(ports);
    const session = await createSandboxEnclaveSession({
      sandboxDir: dir,
      env: {},
      roleArn,
      pcrs: { 0: PCR0, 8: GLOBAL_PCR8 },
    });
    await session.kms.generateDataKey({ KeyId: keyId, KeySpec: 'AES_256' });
    const wrong = await createSandboxEnclaveSession({
      sandboxDir: dir,
      env: {},
      roleArn,
      pcrs: { 0: PCR0, 8: EU_PCR8 },
    });
    await wrong.kms.generateDataKey({ KeyId: keyId, KeySpec: 'AES_256' }).catch(() => undefined);
    const { Events } = await ports.cloudtrail.lookupEvents({
      LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'GenerateDataKey' }],
    });
    expect(Events).toHaveLength(2);
    type TrailEvent = {
      errorCode?: string;
      userIdentity: unknown;
      additionalEventData: { recipient: Record<string, string> };
    };
    const [denied, allowed] = Events!.map((event) => JSON.parse(event.CloudTrailEvent!) as TrailEvent);
    expect(allowed!.additionalEventData.recipient).toMatchObject({
      attestationDocumentModuleId: session.moduleId,
      attestationDocumentEnclaveImageDigest: Buffer.from(PCR0, 'hex').toString('base64'),
      attestationDocumentEnclavePCR8: Buffer.from(GLOBAL_PCR8, 'hex').toString('base64'),
      attestationDocumentEnclavePCR1: 'A'.repeat(64),
    });
    expect(allowed!.errorCode).toBeUndefined();
    expect(denied!.errorCode).toBe('AccessDeniedException');
    expect(denied!.additionalEventData.recipient.attestationDocumentEnclavePCR8).toBe(
      Buffer.from(EU_PCR8, 'hex').toString('base64'),
    );
    expect(denied!.userIdentity).toMatchObject({
      type: 'AssumedRole',
      sessionContext: { sessionIssuer: { arn: roleArn } },
    });
    expect(isAwsErrorNamed({ name: denied!.errorCode }, 'AccessDenied')).toBe(true);
  });
});
