/** Cryptographic operations: the ciphertext format (AES-256-GCM under the key's material), GenerateDataKey, Encrypt, Decrypt. */
import type * as SDK from '@aws-sdk/client-kms';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { ContextValue } from '../../policy/types.js';
import { envelopeForRecipient } from './nitro/cms.js';
import type { Tx } from './engine.js';
import { attest } from './kms-attestation.js';
import {
  authorizeKey,
  KEY_ID,
  keySpecOf,
  keyTrail,
  keyUsageOf,
  requireState,
  resolveKey,
  type ResolvedKey,
} from './kms-keys.js';
import type { KeyRecord } from './state.js';

// ----------------------------------------------------------------------------------------------
// Ciphertext: version byte, key id, material id, IV, tag, AES-256-GCM ciphertext. The encryption
// context is the additional authenticated data, as in KMS.

const BLOB_VERSION = 0x01;
const MAGIC = Buffer.from('sbx', 'ascii');

function canonicalContext(context: Record<string, string> | undefined): string {
  return JSON.stringify(Object.entries(context ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function seal(key: KeyRecord, plaintext: Uint8Array, context: Record<string, string> | undefined): Uint8Array {
  const material = key.material[key.material.length - 1]!;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(material.key, 'base64'), iv);
  cipher.setAAD(Buffer.from(`${key.id}|${canonicalContext(context)}`));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return new Uint8Array(
    Buffer.concat([
      Buffer.from([BLOB_VERSION]),
      MAGIC,
      Buffer.from(key.id, 'ascii'),
      Buffer.from(material.id, 'ascii'),
      iv,
      cipher.getAuthTag(),
      body,
    ]),
  );
}

function blobKeyId(blob: Uint8Array): string | undefined {
  const bytes = Buffer.from(blob);
  if (bytes.length < 1 + 3 + 36 + 8 + 12 + 16 || bytes[0] !== BLOB_VERSION || !bytes.subarray(1, 4).equals(MAGIC))
    return undefined;
  const id = bytes.subarray(4, 40).toString('ascii');
  return KEY_ID.test(id) ? id : undefined;
}

function open(tx: Tx, key: KeyRecord, blob: Uint8Array, context: Record<string, string> | undefined): Uint8Array {
  const bytes = Buffer.from(blob);
  const materialId = bytes.subarray(40, 48).toString('ascii');
  const material = key.material.find((candidate) => candidate.id === materialId);
  if (material === undefined) throw tx.error('InvalidCiphertextException', '');
  try {
    const decipher = createDecipheriv('aes-256-gcm', Buffer.from(material.key, 'base64'), bytes.subarray(48, 60));
    decipher.setAAD(Buffer.from(`${key.id}|${canonicalContext(context)}`));
    decipher.setAuthTag(bytes.subarray(60, 76));
    return new Uint8Array(Buffer.concat([decipher.update(bytes.subarray(76)), decipher.final()]));
  } catch {
    // Wrong encryption context, tampered blob: KMS says nothing more.
    throw tx.error('InvalidCiphertextException', '');
  }
}

export function newMaterial(now: Date): KeyRecord['material'][number] {
  return { id: randomBytes(4).toString('hex'), createdAt: now.toISOString(), key: randomBytes(32).toString('base64') };
}

/**
 * Symmetric cryptography only: GenerateDataKey needs a symmetric key in any case; Encrypt and
 * Decrypt under an RSA encryption key are real KMS operations the sandbox does not perform.
 */
function requireSymmetric(tx: Tx, key: KeyRecord, operation: string): void {
  const spec = keySpecOf(key);
  if (spec === 'SYMMETRIC_DEFAULT') return;
  const usage = keyUsageOf(key);
  if (operation === 'GenerateDataKey' || usage !== 'ENCRYPT_DECRYPT')
    throw tx.error(
      'InvalidKeyUsageException',
      `${key.arn} key usage is ${usage} and key spec is ${spec}, which is not valid for ${operation}.`,
    );
  throw tx.error(
    'UnsupportedOperationException',
    `The cosigner-cli sandbox does not perform ${operation} under ${spec} keys.`,
  );
}

function encryptionContextKeys(context: Record<string, string> | undefined): Record<string, ContextValue> {
  const entries = Object.entries(context ?? {});
  return {
    'kms:EncryptionAlgorithm': 'SYMMETRIC_DEFAULT',
    ...(entries.length === 0 ? {} : { 'kms:EncryptionContextKeys': entries.map(([key]) => key) }),
    ...Object.fromEntries(entries.map(([key, value]) => [`kms:EncryptionContext:${key}`, value])),
  };
}

export function generateDataKey(tx: Tx, input: SDK.GenerateDataKeyCommandInput) {
  const resolved = resolveKey(tx, input.KeyId, true);
  keyTrail(tx, resolved.key);
  if (input.KeySpec !== undefined && input.NumberOfBytes !== undefined)
    throw tx.error('ValidationException', 'Please specify either number of bytes or key spec.');
  if (input.KeySpec === undefined && input.NumberOfBytes === undefined)
    throw tx.error('ValidationException', 'Please specify either number of bytes or key spec.');
  if (input.KeySpec !== undefined && !['AES_128', 'AES_256'].includes(input.KeySpec))
    throw tx.error(
      'ValidationException',
      `1 validation error detected: Value '${input.KeySpec}' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]`,
    );
  const size = input.KeySpec === 'AES_128' ? 16 : input.KeySpec === 'AES_256' ? 32 : input.NumberOfBytes!;
  if (!Number.isInteger(size) || size < 1 || size > 1024)
    throw tx.error(
      'ValidationException',
      `1 validation error detected: Value '${size}' at 'numberOfBytes' failed to satisfy constraint: Member must have value between 1 and 1024`,
    );
  const attested = attest(tx, input.Recipient);
  authorizeKey(tx, resolved, 'kms:GenerateDataKey', {
    ...encryptionContextKeys(input.EncryptionContext),
    ...(attested?.context ?? {}),
  });
  requireState(tx, resolved.key, ['Enabled']);
  requireSymmetric(tx, resolved.key, 'GenerateDataKey');
  const plaintext = new Uint8Array(randomBytes(size));
  const ciphertext = seal(resolved.key, plaintext, input.EncryptionContext);
  if (attested !== undefined) {
    return {
      KeyId: resolved.key.arn,
      CiphertextBlob: ciphertext,
      CiphertextForRecipient: envelopeForRecipient(plaintext, attested.publicKey),
    };
  }
  return { KeyId: resolved.key.arn, CiphertextBlob: ciphertext, Plaintext: plaintext };
}

export function encrypt(tx: Tx, input: SDK.EncryptCommandInput) {
  const resolved = resolveKey(tx, input.KeyId, true);
  keyTrail(tx, resolved.key);
  const plaintext = input.Plaintext;
  if (plaintext === undefined || plaintext.length < 1 || plaintext.length > 4096)
    throw tx.error(
      'ValidationException',
      "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length between 1 and 4096",
    );
  if (input.EncryptionAlgorithm !== undefined && input.EncryptionAlgorithm !== 'SYMMETRIC_DEFAULT')
    throw tx.error(
      'InvalidKeyUsageException',
      `The encryption algorithm ${input.EncryptionAlgorithm} is not compatible with the type of key.`,
    );
  authorizeKey(tx, resolved, 'kms:Encrypt', encryptionContextKeys(input.EncryptionContext));
  requireState(tx, resolved.key, ['Enabled']);
  requireSymmetric(tx, resolved.key, 'Encrypt');
  return {
    KeyId: resolved.key.arn,
    CiphertextBlob: seal(resolved.key, plaintext, input.EncryptionContext),
    EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' as const,
  };
}

export function decrypt(tx: Tx, input: SDK.DecryptCommandInput) {
  const blob = input.CiphertextBlob;
  if (blob === undefined || blob.length === 0)
    throw tx.error(
      'ValidationException',
      "1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null",
    );
  const blobKey = blobKeyId(blob);
  if (blobKey === undefined) throw tx.error('InvalidCiphertextException', '');
  const resolved: ResolvedKey =
    input.KeyId === undefined ? resolveKey(tx, blobKey, false) : resolveKey(tx, input.KeyId, true);
  keyTrail(tx, resolved.key);
  if (resolved.key.id !== blobKey)
    throw tx.error(
      'IncorrectKeyException',
      'The key ID in the request does not identify a KMS key that can perform this operation.',
    );
  const attested = attest(tx, input.Recipient);
  authorizeKey(tx, resolved, 'kms:Decrypt', {
    ...encryptionContextKeys(input.EncryptionContext),
    ...(attested?.context ?? {}),
  });
  requireState(tx, resolved.key, ['Enabled']);
  const plaintext = open(tx, resolved.key, blob, input.EncryptionContext);
  if (attested !== undefined)
    return {
      KeyId: resolved.key.arn,
      CiphertextForRecipient: envelopeForRecipient(plaintext, attested.publicKey),
      EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' as const,
    };
  return { KeyId: resolved.key.arn, Plaintext: plaintext, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' as const };
}
