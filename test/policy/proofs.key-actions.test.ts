// Each KMS operation on a key, granted to the co-signer role by a foreign Allow: the proofs accept
// only reads and operations that return no plaintext; everything that changes the key (policy,
// grants, state, material, regions, rotation, description, tags, aliases) or returns plaintext is
// refused.
import { describe, expect, it } from 'vitest';
import { buildKeyPolicy } from '../../src/policy/key-policy.js';
import { proveKeyPolicy, type KeyPolicyProofInput } from '../../src/policy/proofs.js';
import { ACCOUNT, GLOBAL_PCR8, KEY_ARN, ROLE } from './golden-cases.js';

const base: KeyPolicyProofInput = {
  keyArn: KEY_ARN,
  roleArn: ROLE,
  pcr8: [GLOBAL_PCR8],
  adminArns: [`arn:aws:iam::${ACCOUNT}:root`],
};
const hardened = () => buildKeyPolicy({ accountId: ACCOUNT, roleArn: ROLE, pcr8: [GLOBAL_PCR8] });

describe('every KMS operation on a key, granted to the co-signer role without an attestation', () => {
  // Every action of the Service Authorization Reference whose resource is a key, written out here
  // (not taken from src) so that an action missing from the proofs' lists shows up.
  const ALL_KEY_ACTIONS = [
    'CancelKeyDeletion',
    'CreateAlias',
    'CreateGrant',
    'Decrypt',
    'DeleteAlias',
    'DeleteImportedKeyMaterial',
    'DeriveSharedSecret',
    'DescribeKey',
    'DisableKey',
    'DisableKeyRotation',
    'EnableKey',
    'EnableKeyRotation',
    'Encrypt',
    'GenerateDataKey',
    'GenerateDataKeyPair',
    'GenerateDataKeyPairWithoutPlaintext',
    'GenerateDataKeyWithoutPlaintext',
    'GenerateMac',
    'GetKeyPolicy',
    'GetKeyRotationStatus',
    'GetParametersForImport',
    'GetPublicKey',
    'ImportKeyMaterial',
    'ListGrants',
    'ListKeyPolicies',
    'ListKeyRotations',
    'ListResourceTags',
    'PutKeyPolicy',
    'ReEncryptFrom',
    'ReEncryptTo',
    'ReplicateKey',
    'RetireGrant',
    'RevokeGrant',
    'RotateKeyOnDemand',
    'ScheduleKeyDeletion',
    'Sign',
    'SynchronizeMultiRegionKey',
    'TagResource',
    'UntagResource',
    'UpdateAlias',
    'UpdateKeyDescription',
    'UpdatePrimaryRegion',
    'Verify',
    'VerifyMac',
  ];
  // Reads, and operations that return no plaintext and change nothing: the only ones a foreign
  // Allow may give the role.
  const HARMLESS = new Set([
    'DescribeKey',
    'Encrypt',
    'GenerateDataKeyPairWithoutPlaintext',
    'GenerateDataKeyWithoutPlaintext',
    'GenerateMac',
    'GetKeyPolicy',
    'GetKeyRotationStatus',
    'GetParametersForImport',
    'GetPublicKey',
    'ListGrants',
    'ListKeyPolicies',
    'ListKeyRotations',
    'ListResourceTags',
    'Sign',
    'Verify',
    'VerifyMac',
  ]);
  it.each(ALL_KEY_ACTIONS)('kms:%s is accepted only when it is a read or returns no plaintext', (action) => {
    const policy = hardened();
    policy.Statement.push({
      Sid: 'Foreign',
      Effect: 'Allow',
      Principal: { AWS: ROLE },
      Action: `kms:${action}`,
      Resource: '*',
    });
    expect(proveKeyPolicy(policy, base).ok).toBe(HARMLESS.has(action));
  });
});
