/**
 * Names and action lists shared by the builders, the merge and the proofs. Sids are API: a merge
 * finds our statements by them, so they never change once released.
 */

/** Fireblocks' literal Sids (FB-INSTALL §1.4, fireblocks-aws.md §1.6). */
export const FIREBLOCKS_SIDS = {
  attested: 'Enable enclave data processing for specific role',
  getKeyPolicy: 'Allow GetKeyPolicy to co-signer',
  admin: 'Allow policy management to root user',
} as const;

/** The Sids of the hardened profile. */
export const HARDENED_SIDS = {
  attested: 'CosignerEnclaveAttestedAccess',
  getKeyPolicy: 'CosignerRoleGetKeyPolicy',
  admin: 'CosignerKeyAdministration',
  denyDebug: 'CosignerDenyDebugEnclave',
  rotation: 'CosignerKeyRotation',
} as const;

/**
 * Every key-policy Sid this tool owns, in both profiles. A merge replaces or removes statements
 * with these Sids and keeps every other statement as it is, so switching profile (or adopting a
 * policy pasted from the Fireblocks guide) leaves no stale statement behind.
 */
export const OWNED_KEY_POLICY_SIDS: readonly string[] = [...Object.values(FIREBLOCKS_SIDS), ...Object.values(HARDENED_SIDS)];

export const BUCKET_SIDS = {
  denyAllButRole: 'CosignerDenyAllButRole',
  tlsOnly: 'CosignerDenyInsecureTransport',
} as const;
export const OWNED_BUCKET_POLICY_SIDS: readonly string[] = Object.values(BUCKET_SIDS);

/** The KMS actions of Fireblocks' attested statement, in Fireblocks' order. */
export const FIREBLOCKS_ROLE_KMS_ACTIONS: readonly string[] = [
  'kms:Decrypt',
  'kms:Encrypt',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyPair',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:GenerateDataKeyPairWithoutPlaintext',
  'kms:GenerateRandom',
  'kms:GetKeyPolicy',
];

/** Fireblocks' administrator actions (root statement). */
export const FIREBLOCKS_ADMIN_ACTIONS: readonly string[] = ['kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:PutKeyPolicy', 'kms:CreateAlias'];

/** Actions added for administrators when key rotation is managed by this tool. */
export const ROTATION_ACTIONS: readonly string[] = ['kms:EnableKeyRotation', 'kms:GetKeyRotationStatus'];

/**
 * The operations that accept a `Recipient` (an attestation document), so the only ones on which
 * `kms:RecipientAttestation:*` keys are ever present (KMS-NE; fireblocks-aws.md §2.1, §2.3).
 */
export const ATTESTATION_CAPABLE_ACTIONS: readonly string[] = [
  'kms:Decrypt',
  'kms:DeriveSharedSecret',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyPair',
  'kms:GenerateRandom',
];

/**
 * Operations that release key material or hand the key's power to someone else. A grant of any of
 * them without an attestation condition is a way around the enclave: Decrypt and GenerateDataKey
 * return plaintext; ReEncryptFrom moves a ciphertext under a key the caller controls; CreateGrant
 * issues grants that key-policy conditions do not constrain.
 */
export const SENSITIVE_ACTIONS: readonly string[] = [
  'kms:Decrypt',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyPair',
  'kms:DeriveSharedSecret',
  'kms:ReEncryptFrom',
  'kms:CreateGrant',
];

/** The actions the co-signer role must be able to call from an attested enclave. */
export const ROLE_ATTESTED_ACTIONS: readonly string[] = ['kms:Decrypt', 'kms:GenerateDataKey'];

/** An all-zero SHA-384 measurement: what a debug-mode enclave reports for PCR0/1/2 (ImageSha384). */
export const ZERO_MEASUREMENT = '0'.repeat(96);

/** The Fireblocks key policy's `Id`. */
export const FIREBLOCKS_KEY_POLICY_ID = 'key-consolepolicy-4';
export const HARDENED_KEY_POLICY_ID = 'cosigner-cli-key-policy';

export const POLICY_VERSION = '2012-10-17';

/** KMS's key policy size quota in bytes (PutKeyPolicy). */
export const KEY_POLICY_MAX_BYTES = 32_768;
