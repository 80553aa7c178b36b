// Each verification step against generated chains and documents on a fixed clock: the branches
// the real documents cannot reach (a bad chain, a wrong signer, PCR and nonce policy).
import { describe, expect, it } from 'vitest';
import { verifyAttestationDocument } from '../../src/enclave/attestation-verify.js';
import { CosignerError } from '../../src/errors.js';
import { at, documentFor, makeChain, p256, p384, PCR_A, PCR_B, signPayload, T0 } from './fixtures/attestation.js';
import { attestationPayloadMap } from '../../src/aws/sandbox/nitro/attestation-mint.js';
import { fieldsFor } from './fixtures/attestation.js';

const chain = makeChain();
const good = documentFor(chain);
const verify = (bytes: Uint8Array, over: Partial<Parameters<typeof verifyAttestationDocument>[1]> = {}) =>
  verifyAttestationDocument(bytes, { now: T0, rootCertificate: chain.root, ...over });

function thrown(fn: () => unknown): CosignerError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CosignerError) return error as CosignerError;
    throw error;
  }
  throw new Error('expected a CosignerError');
}

describe('verifyAttestationDocument', () => {
  it('runs every step in order and reports what each established', () => {
    const result = verify(good, {
      expectedPcrs: { 0: PCR_A, 8: PCR_A.toUpperCase() },
      expectedNonce: Uint8Array.of(1, 2, 3),
    });
    expect(result.steps.map((s) => s.name)).toEqual([
      'parse',
      'chain',
      'signature',
      'validity',
      'debug-mode',
      'pcrs',
      'nonce',
    ]);
    expect(result.steps[4]?.detail).toBe('not a debug-mode enclave');
    expect(result.steps[5]?.detail).toBe('PCR0, PCR8 match');
    expect(result.steps[6]?.detail).toBe('nonce matches (3 bytes)');
    expect(result.debugMode).toBe(false);
    expect(result.chain.map((c) => c.subject)).toEqual([
      'CN=root,O=Fixture,C=US',
      'CN=intermediate,O=Fixture,C=US',
      'CN=leaf,O=Fixture,C=US',
    ]);
    expect([result.validFrom, result.validUntil]).toEqual([at(-1), at(3)]);
  });

  it('reports an empty PCR expectation as such', () => {
    expect(verify(good, { expectedPcrs: {} }).steps.at(-1)).toEqual({ name: 'pcrs', detail: 'no PCRs expected' });
  });

  describe('when the verification time is not a date', () => {
    it('throws INVALID_OPTION', () => {
      expect(() => verify(good, { now: new Date(Number.NaN) })).toThrowCosignerError('INVALID_OPTION');
    });
  });

  describe('chain', () => {
    it('throws ATTESTATION_ROOT_UNTRUSTED for a document not rooted in the pinned AWS root', () => {
      const error = thrown(() => verifyAttestationDocument(good, { now: T0 }));
      expect(error.code).toBe('ATTESTATION_ROOT_UNTRUSTED');
      expect(error.hint).toMatch(/^its root has SHA-256 [0-9a-f]{64}/);
    });

    it('throws ATTESTATION_CHAIN_INVALID when a certificate is not DER', () => {
      const garbage = Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x01);
      expect(() =>
        verifyAttestationDocument(documentFor(chain, { cabundle: [garbage] }), { now: T0, rootCertificate: garbage }),
      ).toThrowCosignerError('ATTESTATION_CHAIN_INVALID');
      expect(thrown(() => verify(documentFor(chain, { cabundle: [chain.root, garbage] }))).message).toBe(
        'cabundle[1] certificate is malformed',
      );
      expect(thrown(() => verify(documentFor(chain, { certificate: garbage }))).message).toBe(
        'leaf certificate is malformed',
      );
    });

    it('throws ATTESTATION_CHAIN_INVALID when an issuer is not a CA', () => {
      const bad = makeChain({ intermediate: { isCA: false } });
      expect(
        thrown(() => verifyAttestationDocument(documentFor(bad), { now: T0, rootCertificate: bad.root })).message,
      ).toMatch(/intermediate.* is not a CA certificate/);
    });

    it('throws ATTESTATION_CHAIN_INVALID when a certificate names another issuer', () => {
      const bad = makeChain({ leaf: { issuer: [['CN', 'someone else']] } });
      expect(
        thrown(() => verifyAttestationDocument(documentFor(bad), { now: T0, rootCertificate: bad.root })).message,
      ).toMatch(/is not issued by/);
    });

    it('throws ATTESTATION_CHAIN_INVALID when a certificate signature does not verify', () => {
      const bad = makeChain({ leaf: { signingKey: p384().privateKey } });
      const error = thrown(() => verifyAttestationDocument(documentFor(bad), { now: T0, rootCertificate: bad.root }));
      expect(error.code).toBe('ATTESTATION_CHAIN_INVALID');
      expect(error.message).toMatch(/signature on CN=leaf.* does not verify/);
    });

    it('throws ATTESTATION_CHAIN_INVALID when the bundle skips the intermediate', () => {
      expect(() => verify(documentFor(chain, { cabundle: [chain.root] }))).toThrowCosignerError(
        'ATTESTATION_CHAIN_INVALID',
      );
    });
  });

  describe('signature', () => {
    it('throws ATTESTATION_SIGNATURE_INVALID when another key signed the document', () => {
      const forged = signPayload(attestationPayloadMap(fieldsFor(chain)), p384().privateKey);
      expect(() => verify(forged)).toThrowCosignerError('ATTESTATION_SIGNATURE_INVALID');
    });

    it('throws ATTESTATION_SIGNATURE_INVALID when the leaf key is not P-384', () => {
      const small = makeChain({ leafKey: p256() });
      const document = signPayload(attestationPayloadMap(fieldsFor(small)), p384().privateKey);
      expect(() => verifyAttestationDocument(document, { now: T0, rootCertificate: small.root })).toThrowCosignerError(
        'ATTESTATION_SIGNATURE_INVALID',
      );
    });
  });

  describe('validity', () => {
    it('accepts both ends of the window', () => {
      expect(verify(good, { now: at(-1) }).steps).toHaveLength(5);
      expect(verify(good, { now: at(3) }).steps).toHaveLength(5);
    });

    it('throws ATTESTATION_EXPIRED a millisecond after the window', () => {
      expect(() => verify(good, { now: new Date(at(3).getTime() + 1) })).toThrowCosignerError('ATTESTATION_EXPIRED');
    });

    it('throws ATTESTATION_NOT_YET_VALID a millisecond before it', () => {
      expect(() => verify(good, { now: new Date(at(-1).getTime() - 1) })).toThrowCosignerError(
        'ATTESTATION_NOT_YET_VALID',
      );
    });

    it('judges every certificate, not only the leaf', () => {
      const short = makeChain({ intermediate: { notAfter: at(1) } });
      const error = thrown(() =>
        verifyAttestationDocument(documentFor(short), { now: at(2), rootCertificate: short.root }),
      );
      expect(error.code).toBe('ATTESTATION_EXPIRED');
      expect(error.message).toMatch(/^certificate CN=intermediate/);
    });
  });

  describe('debug mode', () => {
    const zeros = new Map(Array.from({ length: 16 }, (_, i) => [i, new Uint8Array(48)] as const));
    zeros.set(4, new Uint8Array(48).fill(4));
    const debugDoc = documentFor(chain, { pcrs: zeros });

    it('throws ATTESTATION_DEBUG_MODE when PCR0, PCR1 and PCR2 are zero', () => {
      expect(() => verify(debugDoc)).toThrowCosignerError('ATTESTATION_DEBUG_MODE');
    });

    it('reports it when the caller allows it', () => {
      const result = verify(debugDoc, { allowDebugMode: true });
      expect(result.debugMode).toBe(true);
      expect(result.steps[4]?.detail).toMatch(/^DEBUG MODE/);
    });

    it('is not debug mode when only some of PCR0..2 are zero, or PCR0 is missing', () => {
      const partial = new Map(zeros);
      partial.set(2, new Uint8Array(48).fill(2));
      expect(verify(documentFor(chain, { pcrs: partial })).debugMode).toBe(false);
      const missing = new Map([[4, new Uint8Array(48)]]);
      expect(verify(documentFor(chain, { pcrs: missing })).debugMode).toBe(false);
    });
  });

  describe('pcrs', () => {
    it('throws ATTESTATION_PCR_MISMATCH naming the register and both values', () => {
      const error = thrown(() => verify(good, { expectedPcrs: { 8: PCR_B } }));
      expect(error.code).toBe('ATTESTATION_PCR_MISMATCH');
      expect(error.message).toBe('PCR8 does not match');
      expect(error.context).toEqual({ mismatches: [{ index: 8, expected: PCR_B, actual: PCR_A }] });
    });

    it('reports every mismatch at once, and a register the document lacks', () => {
      const error = thrown(() => verify(good, { expectedPcrs: { 0: PCR_B, 20: PCR_A } }));
      expect(error.message).toBe('PCR0, PCR20 do not match');
      expect(error.context?.mismatches).toContainEqual({ index: 20, expected: PCR_A, actual: null });
    });

    it('throws PCR_INVALID for a bad expected value or register index', () => {
      expect(() => verify(good, { expectedPcrs: { 8: 'abc' } })).toThrowCosignerError('PCR_INVALID');
      for (const key of ['08', '32', 'x', '-1']) {
        expect(() => verify(good, { expectedPcrs: { [key]: PCR_A } }), key).toThrowCosignerError('PCR_INVALID');
      }
    });
  });

  describe('nonce', () => {
    it('throws ATTESTATION_NONCE_MISMATCH for another nonce', () => {
      expect(() => verify(good, { expectedNonce: Uint8Array.of(1, 2, 4) })).toThrowCosignerError(
        'ATTESTATION_NONCE_MISMATCH',
      );
      expect(() => verify(good, { expectedNonce: Uint8Array.of(1, 2) })).toThrowCosignerError(
        'ATTESTATION_NONCE_MISMATCH',
      );
    });

    it('throws ATTESTATION_NONCE_MISMATCH when the document has none', () => {
      const error = thrown(() => verify(documentFor(chain, { nonce: null }), { expectedNonce: Uint8Array.of(1) }));
      expect(error.code).toBe('ATTESTATION_NONCE_MISMATCH');
      expect(error.message).toBe('the attestation document carries no nonce');
    });
  });
});
