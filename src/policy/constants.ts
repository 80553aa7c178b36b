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

/**
 * The Sids of the statements the hardened profile adds to Fireblocks' three. `attested` and
 * `getKeyPolicy` are the names earlier releases gave their copies of Fireblocks' statements: still
 * owned, so a merge replaces them with Fireblocks' own.
 */
export const HARDENED_SIDS = {
  attested: 'CosignerEnclaveAttestedAccess',
  getKeyPolicy: 'CosignerRoleGetKeyPolicy',
  admin: 'CosignerKeyAdministration',
  recovery: 'CosignerKeyRecovery',
  denyDebug: 'CosignerDenyDebugEnclave',
  bindParentRole: 'CosignerBindParentRole',
  rotation: 'CosignerKeyRotation',
} as const;

/**
 * Every key-policy Sid this tool owns, in both profiles. A merge replaces or removes statements
 * with these Sids and keeps every other statement as it is, so switching profile (or adopting a
 * policy pasted from the Fireblocks guide) leaves no stale statement behind.
 */
export const OWNED_KEY_POLICY_SIDS: readonly string[] = [
  ...Object.values(FIREBLOCKS_SIDS),
  ...Object.values(HARDENED_SIDS),
];

export const BUCKET_SIDS = {
  denyAllButRole: 'CosignerDenyAllButRole',
  denyObjectsButRole: 'CosignerDenyObjectAccessButRole',
  denyIndirectObjectAccess: 'CosignerDenyLifecycleAndReplication',
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
export const FIREBLOCKS_ADMIN_ACTIONS: readonly string[] = [
  'kms:DescribeKey',
  'kms:GetKeyPolicy',
  'kms:PutKeyPolicy',
  'kms:CreateAlias',
];

/**
 * Actions the administrators need to undo a scheduled deletion (`destroy --delete-key`), and to
 * list the key's grants (a grant bypasses the key policy, so `attest` and `provision` check them).
 */
export const RECOVERY_ACTIONS: readonly string[] = ['kms:CancelKeyDeletion', 'kms:EnableKey', 'kms:ListGrants'];

/** Actions added for administrators when key rotation is managed by this tool. */
export const ROTATION_ACTIONS: readonly string[] = ['kms:EnableKeyRotation', 'kms:GetKeyRotationStatus'];

/**
 * The operations that accept a `Recipient` (an attestation document), so the only ones on which
 * `kms:RecipientAttestation:*` keys are ever present (KMS-NE; fireblocks-aws.md §2.1, §2.3).
 */
const ATTESTATION_CAPABLE_ACTIONS: readonly string[] = [
  'kms:Decrypt',
  'kms:DeriveSharedSecret',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyPair',
  'kms:GenerateRandom',
];

/**
 * Operations that can return key material or plaintext (or move a ciphertext under another key):
 * every Allow that covers one of them, by name, wildcard or NotAction, must be gated on an attested
 * PCR8 (invariant 1 of the key-policy proofs).
 */
export const KEY_DATA_ACTIONS: readonly string[] = [
  'kms:Decrypt',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyPair',
  'kms:DeriveSharedSecret',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
];

/** The data operations that accept an attestation: the ones a debug-mode enclave could call. */
export const ATTESTED_DATA_ACTIONS: readonly string[] = KEY_DATA_ACTIONS.filter((action) =>
  ATTESTATION_CAPABLE_ACTIONS.includes(action),
);

/**
 * Operations that change the key: who controls it, its material, its state, its regions, its
 * rotation, its description, tags and aliases (invariant 2). Only the configured administrators
 * and the account principal may be allowed them, never the co-signer role, `*`, a NotPrincipal or
 * another account. These are the KMS actions on a key resource of access level Write,
 * Permissions management or Tagging in the Service Authorization Reference, less the data
 * operations (KEY_DATA_ACTIONS, Encrypt, Sign, Verify, GenerateMac…); the reads (Describe*, Get*,
 * List*) are not here either.
 *
 * - The description carries the marker that decides which co-signer owns the key
 *   (provision/ownership.ts), and tags can allow or deny access (ABAC): both are control.
 * - An alias is how the co-signer and the tool find the key; UpdateAlias needs the permission on
 *   both keys, so an Allow on this key is enough to move its alias away.
 * - Rotation off (DisableKeyRotation) or on demand (RotateKeyOnDemand) changes the key material's
 *   life, which KMS.4 / the rotation setting decide.
 * - SynchronizeMultiRegionKey is the permission-only action that updates a multi-Region key's
 *   shared properties.
 */
export const KEY_CONTROL_ACTIONS: readonly string[] = [
  'kms:PutKeyPolicy',
  'kms:CreateGrant',
  'kms:RetireGrant',
  'kms:RevokeGrant',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
  'kms:DisableKey',
  'kms:EnableKey',
  'kms:ImportKeyMaterial',
  'kms:DeleteImportedKeyMaterial',
  'kms:ReplicateKey',
  'kms:UpdatePrimaryRegion',
  'kms:SynchronizeMultiRegionKey',
  'kms:EnableKeyRotation',
  'kms:DisableKeyRotation',
  'kms:RotateKeyOnDemand',
  'kms:UpdateKeyDescription',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:CreateAlias',
  'kms:UpdateAlias',
  'kms:DeleteAlias',
];

/**
 * S3 operations that read, write or delete objects or object versions (resource `bucket/*`). No
 * principal but the co-signer role may reach any of them (invariant 5).
 */
export const S3_OBJECT_ACTIONS: readonly string[] = [
  's3:GetObject',
  's3:PutObject',
  's3:DeleteObject',
  's3:RestoreObject',
  's3:GetObjectVersion',
  's3:DeleteObjectVersion',
  's3:GetObjectAcl',
  's3:PutObjectAcl',
  's3:GetObjectVersionAcl',
  's3:PutObjectVersionAcl',
  's3:GetObjectAttributes',
  's3:GetObjectVersionAttributes',
  's3:GetObjectTagging',
  's3:PutObjectTagging',
  's3:DeleteObjectTagging',
  's3:GetObjectVersionTagging',
  's3:PutObjectVersionTagging',
  's3:DeleteObjectVersionTagging',
  's3:GetObjectTorrent',
  's3:GetObjectVersionTorrent',
  's3:GetObjectVersionForReplication',
  's3:GetObjectRetention',
  's3:PutObjectRetention',
  's3:GetObjectLegalHold',
  's3:PutObjectLegalHold',
  's3:BypassGovernanceRetention',
  's3:ObjectOwnerOverrideToBucketOwner',
  's3:ReplicateObject',
  's3:ReplicateDelete',
  's3:ReplicateTags',
  's3:InitiateReplication',
  's3:AbortMultipartUpload',
  's3:ListMultipartUploadParts',
];

/**
 * Bucket configurations that reach the objects without an object call: a lifecycle rule can expire
 * every version (deleting the key shares), a replication rule copies every object to another
 * bucket. Nobody may set them while the bucket policy stands (an administrator edits the policy
 * first).
 */
export const S3_INDIRECT_OBJECT_ACTIONS: readonly string[] = [
  's3:PutLifecycleConfiguration',
  's3:PutReplicationConfiguration',
];

/** The bucket-policy operations an administrator must keep (a bucket-policy lockout needs the root user). */
export const S3_POLICY_ADMIN_ACTIONS: readonly string[] = [
  's3:GetBucketPolicy',
  's3:PutBucketPolicy',
  's3:DeleteBucketPolicy',
];

/** The actions the co-signer role must be able to call from an attested enclave. */
export const ROLE_ATTESTED_ACTIONS: readonly string[] = ['kms:Decrypt', 'kms:GenerateDataKey'];

/** An all-zero SHA-384 measurement: what a debug-mode enclave reports for PCR0/1/2 (ImageSha384). */
export const ZERO_MEASUREMENT = '0'.repeat(96);

/** The Fireblocks key policy's `Id`. */
export const FIREBLOCKS_KEY_POLICY_ID = 'key-consolepolicy-4';

export const POLICY_VERSION = '2012-10-17';

/** KMS's key policy size quota in bytes (PutKeyPolicy). */
export const KEY_POLICY_MAX_BYTES = 32_768;
