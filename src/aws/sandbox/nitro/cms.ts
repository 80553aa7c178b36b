/**
 * `CiphertextForRecipient`: KMS returns plaintext for an attested enclave as a CMS
 * EnvelopedData (RFC 5652 §6): the content encrypted with AES-256-CBC under a fresh key, that key
 * encrypted with RSAES-OAEP/SHA-256 to the public key in the attestation document. This module
 * writes that structure (for the simulated KMS) and reads back exactly what it writes (for the
 * simulated enclave), with the shared DER writer and the strict DER reader of src/enclave.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPublicKey,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  constants,
  type KeyObject,
} from 'node:crypto';
import { bytesEqual } from '../../../enclave/bytes.js';
import { DER_TAG, decodeOid, derChildren, readDer, type DerNode, type DerReader } from '../../../enclave/der.js';
import { CosignerError, fail } from '../../../errors.js';
import {
  derExplicit,
  derImplicit,
  derOctetString,
  derOid,
  derSequence,
  derSet,
  derUnsignedInteger,
} from './der-writer.js';

const OID = {
  envelopedData: '1.2.840.113549.1.7.3',
  data: '1.2.840.113549.1.7.1',
  rsaesOaep: '1.2.840.113549.1.1.7',
  mgf1: '1.2.840.113549.1.1.8',
  sha256: '2.16.840.1.101.3.4.2.1',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
};

/** CMSVersion 2: EnvelopedData with a subjectKeyIdentifier recipient (RFC 5652 §6.1, §6.2.1). */
const CMS_VERSION_2 = derUnsignedInteger(Uint8Array.of(2));

/** Encrypts `plaintext` to the RSA public key `spki` (DER SubjectPublicKeyInfo). */
export function envelopeForRecipient(plaintext: Uint8Array, spki: Uint8Array): Uint8Array {
  const publicKey = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  if (publicKey.asymmetricKeyType !== 'rsa') fail('INTERNAL', 'the attestation document public key is not an RSA key');
  const contentKey = randomBytes(32);
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', contentKey, iv);
  const encryptedContent = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const encryptedKey = publicEncrypt(
    { key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
    contentKey,
  );
  // RSAES-OAEP-params (RFC 4055 §4.1): [0] hashAlgorithm SHA-256, [1] maskGenAlgorithm MGF1(SHA-256).
  const sha256Algorithm = derSequence(derOid(OID.sha256));
  const oaepParams = derSequence(
    derExplicit(0, sha256Algorithm),
    derExplicit(1, derSequence(derOid(OID.mgf1), sha256Algorithm)),
  );
  const subjectKeyId = new Uint8Array(createHash('sha1').update(spki).digest());
  const recipientInfo = derSequence(
    CMS_VERSION_2,
    derImplicit(0, subjectKeyId),
    derSequence(derOid(OID.rsaesOaep), oaepParams),
    derOctetString(new Uint8Array(encryptedKey)),
  );
  const encryptedContentInfo = derSequence(
    derOid(OID.data),
    derSequence(derOid(OID.aes256Cbc), derOctetString(new Uint8Array(iv))),
    derImplicit(0, new Uint8Array(encryptedContent)),
  );
  const envelopedData = derSequence(CMS_VERSION_2, derSet(recipientInfo), encryptedContentInfo);
  return derSequence(derOid(OID.envelopedData), derExplicit(0, envelopedData));
}

/** The next TLV of `reader`, with `tag`, and nothing after it when `last`. */
function field(reader: DerReader, tag: number, last = false): DerNode {
  const node = reader.next(tag);
  if (last) reader.end();
  return node;
}

function expectOid(reader: DerReader, oid: string): void {
  const found = decodeOid(field(reader, DER_TAG.OID).content);
  if (found !== oid) throw new Error(`expected OID ${oid}, found ${found}`);
}

/** The encrypted key, IV and ciphertext of an envelope {@link envelopeForRecipient} wrote. */
function readEnvelope(cms: Uint8Array): { encryptedKey: Uint8Array; iv: Uint8Array; encryptedContent: Uint8Array } {
  const contentInfo = derChildren(readDer(cms, DER_TAG.SEQUENCE));
  expectOid(contentInfo, OID.envelopedData);
  const envelopedData = derChildren(field(derChildren(field(contentInfo, 0xa0, true)), DER_TAG.SEQUENCE, true));
  if (!bytesEqual(field(envelopedData, DER_TAG.INTEGER).encoded, CMS_VERSION_2)) throw new Error('not CMS version 2');
  const recipientInfos = derChildren(field(envelopedData, DER_TAG.SET));
  const recipientInfo = derChildren(field(recipientInfos, DER_TAG.SEQUENCE, true));
  field(recipientInfo, DER_TAG.INTEGER);
  field(recipientInfo, 0x80);
  expectOid(derChildren(field(recipientInfo, DER_TAG.SEQUENCE)), OID.rsaesOaep);
  const encryptedKey = field(recipientInfo, DER_TAG.OCTET_STRING, true).content;
  const encryptedContentInfo = derChildren(field(envelopedData, DER_TAG.SEQUENCE, true));
  expectOid(encryptedContentInfo, OID.data);
  const algorithm = derChildren(field(encryptedContentInfo, DER_TAG.SEQUENCE));
  expectOid(algorithm, OID.aes256Cbc);
  const iv = field(algorithm, DER_TAG.OCTET_STRING, true).content;
  const encryptedContent = field(encryptedContentInfo, 0x80, true).content;
  return { encryptedKey, iv, encryptedContent };
}

/**
 * Decrypts what {@link envelopeForRecipient} produced, with the recipient's RSA private key.
 * Anything else (another structure, a damaged envelope, another recipient's key) is INTERNAL: the
 * simulated enclave only ever opens what the simulated KMS wrote for it.
 */
export function openEnvelope(cms: Uint8Array, privateKey: KeyObject): Uint8Array {
  try {
    const { encryptedKey, iv, encryptedContent } = readEnvelope(cms);
    const contentKey = privateDecrypt(
      { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      encryptedKey,
    );
    const decipher = createDecipheriv('aes-256-cbc', contentKey, iv);
    return new Uint8Array(Buffer.concat([decipher.update(encryptedContent), decipher.final()]));
  } catch (error) {
    throw new CosignerError('INTERNAL', `cannot open the CiphertextForRecipient: ${String(error)}`, {
      hint: 'pass the CiphertextForRecipient the sandbox KMS returned to this enclave session, unaltered',
      cause: error,
    });
  }
}
