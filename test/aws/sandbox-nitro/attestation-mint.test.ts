// The simulated Nitro issuer: its documents verify against its own root, carry what was asked,
// and never against the pinned AWS root.
import { describe, expect, it } from 'vitest';
import { createAttestationIssuer } from '../../../src/aws/sandbox/nitro/attestation-mint.js';
import { verifyAttestationDocument } from '../../../src/enclave/attestation-verify.js';
import { parseCertificate } from '../../../src/enclave/x509.js';
import { at, PCR_A, PCR_B, T0 } from '../../enclave/fixtures/attestation.js';

const issuer = createAttestationIssuer({ now: T0 });
const moduleId = 'i-0123456789abcdef0-enc0123456789abcdef';

describe('createAttestationIssuer', () => {
  it('mints documents that verify against its root, with the requested fields', () => {
    const bytes = issuer.mint({
      moduleId,
      pcrs: { 0: PCR_A, 1: PCR_A, 2: PCR_A, 8: PCR_B.toUpperCase(), 20: PCR_B },
      timestamp: at(1),
      nonce: Uint8Array.of(9),
      userData: Uint8Array.of(8),
      publicKey: Uint8Array.of(7),
    });
    const result = verifyAttestationDocument(bytes, {
      now: at(1),
      rootCertificate: issuer.rootCertificateDer,
      expectedPcrs: { 0: PCR_A, 8: PCR_B },
      expectedNonce: Uint8Array.of(9),
    });
    const { document } = result;
    expect(document.moduleId).toBe(moduleId);
    expect(document.timestamp).toEqual(at(1));
    expect([...document.pcrs.keys()]).toEqual([...Array.from({ length: 16 }, (_, i) => i), 20]);
    expect(document.pcrs.get(3)).toBe('0'.repeat(96));
    expect([document.userData, document.publicKey]).toEqual([Uint8Array.of(8), Uint8Array.of(7)]);
    expect(result.chain).toHaveLength(3);
  });

  it('leaves optional fields null and works as a debug-mode enclave with zero PCRs', () => {
    const bytes = issuer.mint({ moduleId, pcrs: {}, timestamp: T0 });
    const result = verifyAttestationDocument(bytes, {
      now: T0,
      rootCertificate: issuer.rootCertificateDer,
      allowDebugMode: true,
    });
    expect(result.debugMode).toBe(true);
    expect([result.document.nonce, result.document.userData, result.document.publicKey]).toEqual([null, null, null]);
  });

  it('issues a P-384 chain valid from an hour before now for the requested days', () => {
    const short = createAttestationIssuer({ now: T0, validityDays: 2 });
    for (const der of [short.rootCertificateDer, short.intermediateCertificateDer, short.leafCertificateDer]) {
      const certificate = parseCertificate(der);
      expect(certificate.curve).toBe('P-384');
      expect(certificate.notBefore).toEqual(at(-1));
      expect(certificate.notAfter).toEqual(at(48));
    }
    expect(parseCertificate(short.rootCertificateDer).isCA).toBe(true);
    expect(parseCertificate(short.leafCertificateDer).isCA).toBe(false);
    expect(parseCertificate(issuer.leafCertificateDer).notAfter).toEqual(at(30 * 24));
  });

  it('is not trusted by default: only the pinned AWS root is', () => {
    const bytes = issuer.mint({ moduleId, pcrs: { 0: PCR_A }, timestamp: T0 });
    expect(() => verifyAttestationDocument(bytes, { now: T0 })).toThrowCosignerError('ATTESTATION_ROOT_UNTRUSTED');
  });

  it('rejects bad input', () => {
    expect(() => createAttestationIssuer({ now: new Date(Number.NaN) })).toThrowCosignerError('INTERNAL');
    expect(() => createAttestationIssuer({ now: T0, validityDays: 0 })).toThrowCosignerError('INTERNAL');
    expect(() => issuer.mint({ moduleId: '', pcrs: {}, timestamp: T0 })).toThrowCosignerError('INTERNAL');
    expect(() => issuer.mint({ moduleId, pcrs: { 32: PCR_A }, timestamp: T0 })).toThrowCosignerError('PCR_INVALID');
    expect(() => issuer.mint({ moduleId, pcrs: { 0: 'abc' }, timestamp: T0 })).toThrowCosignerError('PCR_INVALID');
  });
});
