/**
 * `CiphertextForRecipient`: KMS returns plaintext for an attested enclave as a CMS
 * EnvelopedData (RFC 5652): the content encrypted with AES-256-CBC under a fresh key, that key
 * encrypted with RSAES-OAEP/SHA-256 to the public key in the attestation document. This module
 * writes that structure and reads back exactly what it writes (for the simulated enclave).
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

function length(size: number): Buffer {
  if (size < 0x80) return Buffer.from([size]);
  const bytes: number[] = [];
  for (let rest = size; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const bytes: number[] = [40 * parts[0]! + parts[1]!];
  for (const part of parts.slice(2)) {
    const chunk: number[] = [part & 0x7f];
    for (let rest = part >> 7; rest > 0; rest >>= 7) chunk.unshift((rest & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

const seq = (...items: Buffer[]) => tlv(0x30, ...items);
const int = (value: number) => tlv(0x02, Buffer.from([value]));
const octets = (bytes: Uint8Array) => tlv(0x04, Buffer.from(bytes));

const OID = {
  envelopedData: '1.2.840.113549.1.7.3',
  data: '1.2.840.113549.1.7.1',
  rsaesOaep: '1.2.840.113549.1.1.7',
  mgf1: '1.2.840.113549.1.1.8',
  sha256: '2.16.840.1.101.3.4.2.1',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
};

/** Encrypts `plaintext` to the RSA public key `spki` (DER SubjectPublicKeyInfo). */
export function envelopeForRecipient(plaintext: Uint8Array, spki: Uint8Array): Uint8Array {
  const publicKey = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  if (publicKey.asymmetricKeyType !== 'rsa') throw new Error('the attestation document public key is not an RSA key');
  const contentKey = randomBytes(32);
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', contentKey, iv);
  const encryptedContent = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const encryptedKey = publicEncrypt(
    { key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
    contentKey,
  );
  const sha256Algorithm = seq(oid(OID.sha256));
  const oaepParams = seq(tlv(0xa0, sha256Algorithm), tlv(0xa1, seq(oid(OID.mgf1), sha256Algorithm)));
  const subjectKeyId = createHash('sha1').update(spki).digest();
  const recipientInfo = seq(int(2), tlv(0x80, subjectKeyId), seq(oid(OID.rsaesOaep), oaepParams), octets(encryptedKey));
  const encryptedContentInfo = seq(oid(OID.data), seq(oid(OID.aes256Cbc), octets(iv)), tlv(0x80, encryptedContent));
  const envelopedData = seq(int(2), tlv(0x31, recipientInfo), encryptedContentInfo);
  return new Uint8Array(seq(oid(OID.envelopedData), tlv(0xa0, envelopedData)));
}

interface Node {
  tag: number;
  content: Buffer;
}

function readNodes(bytes: Buffer): Node[] {
  const nodes: Node[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const tag = bytes[offset]!;
    let size = bytes[offset + 1]!;
    let header = 2;
    if (size & 0x80) {
      const count = size & 0x7f;
      size = 0;
      for (let i = 0; i < count; i += 1) size = size * 256 + bytes[offset + 2 + i]!;
      header += count;
    }
    const content = bytes.subarray(offset + header, offset + header + size);
    if (content.length !== size) throw new Error('truncated CMS structure');
    nodes.push({ tag, content });
    offset += header + size;
  }
  return nodes;
}

function child(node: Node | undefined, index: number): Node {
  const found = node === undefined ? undefined : readNodes(node.content)[index];
  if (found === undefined) throw new Error('unexpected CMS structure');
  return found;
}

/** Decrypts what {@link envelopeForRecipient} produced, with the recipient's RSA private key. */
export function openEnvelope(cms: Uint8Array, privateKey: KeyObject): Uint8Array {
  const contentInfo = readNodes(Buffer.from(cms))[0];
  const envelopedData = child(child(contentInfo, 1), 0);
  const recipientInfo = child(child(envelopedData, 1), 0);
  const encryptedKey = child(recipientInfo, 3).content;
  const encryptedContentInfo = child(envelopedData, 2);
  const iv = child(child(encryptedContentInfo, 1), 1).content;
  const encryptedContent = child(encryptedContentInfo, 2).content;
  const contentKey = privateDecrypt(
    { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
    encryptedKey,
  );
  const decipher = createDecipheriv('aes-256-cbc', contentKey, iv);
  return new Uint8Array(Buffer.concat([decipher.update(encryptedContent), decipher.final()]));
}
