// The simulated KMS's CiphertextForRecipient: a CMS EnvelopedData (RFC 5652 §6) written with the
// shared DER writer, strict DER throughout, that only the recipient's private key opens.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { envelopeForRecipient, openEnvelope } from '../../../src/aws/sandbox/nitro/cms.js';
import { utf8 } from '../../../src/enclave/bytes.js';
import { DER_TAG, decodeOid, derChildren, readDer, type DerNode } from '../../../src/enclave/der.js';

const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
const recipient = rsa();
const spki = new Uint8Array(recipient.publicKey.export({ format: 'der', type: 'spki' }));
const plaintext = utf8('a 32-byte data key, or any other plaintext, of any length '.repeat(8));

/** The children of a constructed node, read to the end. */
function children(node: DerNode): DerNode[] {
  const reader = derChildren(node);
  const out: DerNode[] = [];
  while (!reader.done) out.push(reader.next());
  return out;
}
const oidOf = (node: DerNode | undefined): string => decodeOid((node as DerNode).content);

describe('CMS EnvelopedData for a recipient', () => {
  it('round-trips any plaintext through the recipient key, with a fresh content key each time', () => {
    const first = envelopeForRecipient(plaintext, spki);
    const second = envelopeForRecipient(plaintext, spki);
    expect(openEnvelope(first, recipient.privateKey)).toEqual(plaintext);
    expect(openEnvelope(second, recipient.privateKey)).toEqual(plaintext);
    expect(first).not.toEqual(second);
    expect(openEnvelope(envelopeForRecipient(new Uint8Array(0), spki), recipient.privateKey)).toEqual(
      new Uint8Array(0),
    );
  });

  it('is strict DER with the RFC 5652 layout: version 2, one key-transport recipient by key id, AES-256-CBC', () => {
    const contentInfo = children(readDer(envelopeForRecipient(plaintext, spki), DER_TAG.SEQUENCE));
    expect(oidOf(contentInfo[0])).toBe('1.2.840.113549.1.7.3');
    expect(contentInfo[1]?.tag).toBe(0xa0);
    const [envelopedData] = children(contentInfo[1] as DerNode);
    const [version, recipientInfos, encryptedContentInfo, ...rest] = children(envelopedData as DerNode);
    expect(rest).toEqual([]);
    expect(Array.from((version as DerNode).encoded)).toEqual([0x02, 0x01, 0x02]);
    expect(recipientInfos?.tag).toBe(DER_TAG.SET);
    const [recipientInfo] = children(recipientInfos as DerNode);
    const [riVersion, keyId, keyAlgorithm, encryptedKey] = children(recipientInfo as DerNode);
    expect(Array.from((riVersion as DerNode).encoded)).toEqual([0x02, 0x01, 0x02]);
    // [0] IMPLICIT SubjectKeyIdentifier: SHA-1 of the recipient's SPKI.
    expect(keyId?.tag).toBe(0x80);
    expect(keyId?.content).toHaveLength(20);
    const [oaep, oaepParams] = children(keyAlgorithm as DerNode);
    expect(oidOf(oaep)).toBe('1.2.840.113549.1.1.7');
    const [hashAlgorithm, maskGen] = children(oaepParams as DerNode);
    expect([hashAlgorithm?.tag, maskGen?.tag]).toEqual([0xa0, 0xa1]);
    expect(oidOf(children(children(hashAlgorithm as DerNode)[0] as DerNode)[0])).toBe('2.16.840.1.101.3.4.2.1');
    expect(encryptedKey?.tag).toBe(DER_TAG.OCTET_STRING);
    expect(encryptedKey?.content).toHaveLength(256);
    const [contentType, contentAlgorithm, encryptedContent] = children(encryptedContentInfo as DerNode);
    expect(oidOf(contentType)).toBe('1.2.840.113549.1.7.1');
    const [aes, iv] = children(contentAlgorithm as DerNode);
    expect(oidOf(aes)).toBe('2.16.840.1.101.3.4.1.42');
    expect(iv?.content).toHaveLength(16);
    expect(encryptedContent?.tag).toBe(0x80);
    // PKCS#7 padding to the next 16-byte block.
    expect(encryptedContent?.content).toHaveLength((Math.floor(plaintext.length / 16) + 1) * 16);
  });

  it('refuses a recipient key that is not RSA', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const ecSpki = new Uint8Array(ec.publicKey.export({ format: 'der', type: 'spki' }));
    expect(() => envelopeForRecipient(plaintext, ecSpki)).toThrowCosignerError('INTERNAL');
  });

  it('opens nothing but an unaltered envelope for this recipient: every failure is INTERNAL', () => {
    const envelope = envelopeForRecipient(plaintext, spki);
    expect(() => openEnvelope(envelope, rsa().privateKey)).toThrowCosignerError('INTERNAL');
    expect(() => openEnvelope(envelope.subarray(0, envelope.length - 1), recipient.privateKey)).toThrowCosignerError(
      'INTERNAL',
    );
    expect(() => openEnvelope(Uint8Array.of(...envelope, 0), recipient.privateKey)).toThrowCosignerError('INTERNAL');
    // The content type OID's last byte (…7.3 → …7.4): another CMS type.
    const otherType = Uint8Array.from(envelope);
    const oidAt = Buffer.from(otherType).indexOf(
      Buffer.from([0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03]),
    );
    expect(oidAt).toBeGreaterThan(0);
    otherType[oidAt + 10] = 0x04;
    expect(() => openEnvelope(otherType, recipient.privateKey)).toThrowCosignerError('INTERNAL');
    // EnvelopedData version 0 instead of 2 (its INTEGER is the first one in the envelope).
    const otherVersion = Uint8Array.from(envelope);
    const versionAt = Buffer.from(otherVersion).indexOf(Buffer.from([0x02, 0x01, 0x02]));
    otherVersion[versionAt + 2] = 0x00;
    expect(() => openEnvelope(otherVersion, recipient.privateKey)).toThrowCosignerError('INTERNAL');
    // Flipping the last byte of the second-to-last ciphertext block flips the padding byte of the
    // last plaintext block (CBC), so the padding check fails for certain.
    const damaged = Uint8Array.from(envelope);
    damaged[damaged.length - 17] = (damaged[damaged.length - 17] as number) ^ 0x01;
    expect(() => openEnvelope(damaged, recipient.privateKey)).toThrowCosignerError('INTERNAL');
    expect(() => openEnvelope(utf8('not DER'), recipient.privateKey)).toThrowCosignerError('INTERNAL');
  });
});
