// The simulated COSE_Sign1 signer: Nitro's shape (protected {1: alg}, untagged, raw r||s), which
// src/enclave's decoder and verifier accept.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signCoseSign1 } from '../../../src/aws/sandbox/nitro/cose-sign.js';
import { utf8 } from '../../../src/enclave/bytes.js';
import { decodeCBOR } from '../../../src/enclave/cbor.js';
import { decodeCoseSign1, verifyCoseSign1 } from '../../../src/enclave/cose.js';

const payload = utf8('payload');

describe('signCoseSign1', () => {
  it('writes an untagged four-item array with an empty unprotected header, verifiable by the enclave core', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const bytes = signCoseSign1(payload, privateKey);
    const value = decodeCBOR(bytes, 'test');
    expect(Array.isArray(value) && value.length === 4).toBe(true);
    const [protectedBytes, unprotected, body] = value as [Uint8Array, Map<unknown, unknown>, Uint8Array];
    expect(decodeCBOR(protectedBytes, 'protected')).toEqual(new Map([[1, -35]]));
    expect(unprotected.size).toBe(0);
    expect(body).toEqual(payload);
    expect(verifyCoseSign1(decodeCoseSign1(bytes), publicKey)).toBe(true);
  });

  it('refuses to sign with a key that is not ECDSA', () => {
    expect(() => signCoseSign1(payload, generateKeyPairSync('ed25519').privateKey)).toThrowCosignerError('INTERNAL');
    expect(() =>
      signCoseSign1(payload, generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey),
    ).toThrowCosignerError('INTERNAL');
  });
});
