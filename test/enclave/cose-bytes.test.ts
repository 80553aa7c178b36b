// COSE_Sign1 primitives, strict CBOR, byte helpers and the bounds-checked cursor.
import { generateKeyPairSync } from 'node:crypto';
import { Tag } from 'cbor2';
import { describe, expect, it } from 'vitest';
import { ByteCursor } from '../../src/enclave/byte-cursor.js';
import {
  bytesEqual,
  concatBytes,
  fromHex,
  fromUtf8,
  isAllZero,
  toColonHex,
  toHex,
  utf8,
} from '../../src/enclave/bytes.js';
import { decodeCBOR, encodeCBOR } from '../../src/enclave/cbor.js';
import { signCoseSign1 } from '../../src/aws/sandbox/nitro/cose-sign.js';
import { coseSigStructure, decodeCoseSign1, verifyCoseSign1 } from '../../src/enclave/cose.js';
import * as api from '../../src/enclave/index.js';

const payload = utf8('payload');

describe('COSE_Sign1', () => {
  it('signs and verifies with ES256, ES384 and ES512, the algorithm following the curve', () => {
    for (const [curve, alg, size] of [
      ['prime256v1', -7, 64],
      ['secp384r1', -35, 96],
      ['secp521r1', -36, 132],
    ] as const) {
      const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: curve });
      const cose = decodeCoseSign1(signCoseSign1(payload, privateKey));
      expect([cose.alg, cose.signature.length]).toEqual([alg, size]);
      expect(verifyCoseSign1(cose, publicKey)).toBe(true);
      expect(verifyCoseSign1({ ...cose, payload: utf8('other') }, publicKey)).toBe(false);
    }
  });

  it('builds the RFC 9052 Sig_structure', () => {
    expect(toHex(coseSigStructure(Uint8Array.of(0xa1, 0x01, 0x38, 0x22), Uint8Array.of(1)))).toBe(
      '846a5369676e61747572653144a1013822404101',
    );
  });

  it('does not verify with a key of another curve, a wrong-size signature or an unknown algorithm', () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const cose = decodeCoseSign1(signCoseSign1(payload, p384.privateKey));
    expect(verifyCoseSign1(cose, p256.publicKey)).toBe(false);
    expect(verifyCoseSign1({ ...cose, signature: cose.signature.subarray(1) }, p384.publicKey)).toBe(false);
    expect(verifyCoseSign1({ ...cose, alg: -8 }, p384.publicKey)).toBe(false);
    expect(verifyCoseSign1(cose, generateKeyPairSync('ed25519').publicKey)).toBe(false);
  });

  it('swallows crypto failures in the primitive', () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const cose = decodeCoseSign1(signCoseSign1(payload, p384.privateKey));
    // Something crypto cannot use as a key makes it throw; the primitive answers false.
    const secret = { asymmetricKeyDetails: { namedCurve: 'secp384r1' } } as unknown as Parameters<
      typeof verifyCoseSign1
    >[1];
    expect(verifyCoseSign1(cose, secret)).toBe(false);
  });

  it('decodes tagged and already-decoded forms, and refuses other tags', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const value = decodeCBOR(signCoseSign1(payload, privateKey), 'test');
    expect(decodeCoseSign1(new Tag(18, value)).payload).toEqual(payload);
    expect(decodeCoseSign1(value).payload).toEqual(payload);
    expect(() => decodeCoseSign1(new Tag(98, value))).toThrowCosignerError('COSE_INVALID');
  });
});

describe('strict CBOR', () => {
  it('round-trips maps with integer keys as Map', () => {
    const decoded = decodeCBOR(encodeCBOR(new Map([[1, -35]])), 'test');
    expect(decoded).toEqual(new Map([[1, -35]]));
  });

  it('throws the requested code with the decoder message', () => {
    expect(() => decodeCBOR(Uint8Array.of(0x01, 0x02), 'thing', 'COSE_INVALID')).toThrowCosignerError('COSE_INVALID');
    expect(() => decodeCBOR(Uint8Array.of(0x01, 0x02), 'thing')).toThrow(
      /^thing is not valid CBOR \(Error: Extra data in input\)$/,
    );
  });
});

describe('bytes', () => {
  it('converts hex strictly', () => {
    expect(toHex(Uint8Array.of(0, 255))).toBe('00ff');
    expect(fromHex('00FF')).toEqual(Uint8Array.of(0, 255));
    expect(fromHex('0')).toBeUndefined();
    expect(fromHex('zz')).toBeUndefined();
    expect(toColonHex(Uint8Array.of(0x0a, 0xbc))).toBe('0A:BC');
  });

  it('compares, concatenates and decodes', () => {
    expect(bytesEqual(Uint8Array.of(1), Uint8Array.of(1))).toBe(true);
    expect(bytesEqual(Uint8Array.of(1), Uint8Array.of(2))).toBe(false);
    expect(bytesEqual(Uint8Array.of(1), Uint8Array.of(1, 1))).toBe(false);
    expect(concatBytes(Uint8Array.of(1), new Uint8Array(0), Uint8Array.of(2, 3))).toEqual(Uint8Array.of(1, 2, 3));
    expect(isAllZero(new Uint8Array(3))).toBe(true);
    expect(isAllZero(Uint8Array.of(0, 1))).toBe(false);
    expect(fromUtf8(utf8('é'))).toBe('é');
    expect(fromUtf8(Uint8Array.of(0xc3))).toBeUndefined();
  });
});

describe('ByteCursor', () => {
  it('reads big-endian fields and tracks its position', () => {
    const cursor = new ByteCursor(Uint8Array.of(0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 9, 9), 'test');
    expect([cursor.u16(), cursor.u32(), cursor.u64()]).toEqual([1, 2, 3n]);
    expect([cursor.offset, cursor.remaining]).toEqual([14, 2]);
    expect(cursor.bytes(2)).toEqual(Uint8Array.of(9, 9));
  });

  it('throws the chosen code past the end, EIF_TRUNCATED by default', () => {
    expect(() => new ByteCursor(Uint8Array.of(1), 'header').u16()).toThrowCosignerError('EIF_TRUNCATED');
    expect(() => new ByteCursor(new Uint8Array(3), 'thing', 'CBOR_INVALID').u32()).toThrowCosignerError('CBOR_INVALID');
    const cursor = new ByteCursor(new Uint8Array(2), 'x');
    expect(() => cursor.skip(3)).toThrow(/needs 3 bytes at offset 0, 2 left/);
  });
});

describe('public API', () => {
  it('exports the contracts other modules import', () => {
    for (const name of [
      'computePCR3',
      'computePCR4',
      'computePCR8',
      'normalizePCR',
      'parseEIF',
      'measureEIF',
      'createEifMeasurer',
      'parseAttestationDocument',
      'verifyAttestationDocument',
      'verifyEifSignature',
      'verifyCoseSign1',
      'parseCertificate',
      'fireblocksPreset',
      'FIREBLOCKS_ENVIRONMENTS',
      'parseBuildEnclaveOutput',
      'parseDescribeEnclavesOutput',
      'describeEIF',
    ]) {
      expect(api, name).toHaveProperty(name);
    }
  });

  it('exports the verifier side only: nothing that issues certificates, documents, signatures or images', () => {
    for (const name of [
      'createAttestationIssuer',
      'attestationPayloadMap',
      'buildCertificate',
      'derToPem',
      'signCoseSign1',
      'buildEIF',
      'createEifSigner',
      'encodeEifHeader',
      'encodeEifSectionHeader',
      'encodeEifSignatureSection',
    ]) {
      expect(api, name).not.toHaveProperty(name);
    }
  });
});
