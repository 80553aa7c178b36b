// Sign COSE_Sign1 (RFC 9052 §4.2) with ECDSA the way Nitro does (spec §3.2, §6.1): protected
// header {1: alg}, raw r||s signature, untagged. For the simulated attestation issuer and EIF
// signer; src/enclave/cose.ts decodes and verifies.
import { sign as cryptoSign, type KeyObject } from 'node:crypto';
import { encodeCBOR } from '../../../enclave/cbor.js';
import { COSE_ALGORITHMS, coseSigStructure } from '../../../enclave/cose.js';
import { fail } from '../../../errors.js';

/** Sign `payload` as an untagged COSE_Sign1 with an EC private key; the algorithm follows the curve. */
export function signCoseSign1(payload: Uint8Array, privateKey: KeyObject): Uint8Array {
  const curve = privateKey.asymmetricKeyDetails?.namedCurve;
  const entry = Object.entries(COSE_ALGORITHMS).find(([, a]) => a.curve === curve);
  if (entry === undefined)
    return fail('INTERNAL', `cannot sign COSE with a ${String(curve ?? privateKey.asymmetricKeyType)} key`);
  const [alg, algorithm] = entry;
  const protectedBytes = encodeCBOR(new Map([[1, Number(alg)]]));
  const signature = cryptoSign(algorithm.hash, coseSigStructure(protectedBytes, payload), {
    key: privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  return encodeCBOR([protectedBytes, new Map(), payload, new Uint8Array(signature)]);
}
