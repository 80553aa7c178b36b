// The three real Nitro attestation documents (testdata README §2): parsed fields equal the
// independent reference verifier's output, they verify at their own timestamp against the pinned
// AWS root, and fail once expired.
import { describe, expect, it } from 'vitest';
import { parseAttestationDocument } from '../../src/enclave/attestation.js';
import { verifyAttestationDocument } from '../../src/enclave/attestation-verify.js';
import { toHex } from '../../src/enclave/bytes.js';
import { computePCR4 } from '../../src/enclave/pcr.js';
import {
  AFTER_EXPIRY,
  ATTESTATION_DOCS,
  testdataBytes,
  testdataJson,
  testdataText,
  type AttestationExpected,
} from './fixtures/testdata.js';

const hexOrNull = (bytes: Uint8Array | null): string | null => (bytes === null ? null : toHex(bytes));

describe.each(ATTESTATION_DOCS)('real attestation document %s', (name) => {
  const bytes = testdataBytes(`attestation/${name}.cose`);
  const expected = testdataJson<AttestationExpected>(`attestation/${name}.expected.json`);
  const documentTime = new Date(expected.timestamp_ms);
  const debug = expected.pcrs['0'] === '0'.repeat(96);

  it('parses every field as the reference verifier reports it', () => {
    const document = parseAttestationDocument(bytes);
    expect(document.moduleId).toBe(expected.module_id);
    expect(document.digest).toBe(expected.digest);
    expect(document.timestamp.getTime()).toBe(expected.timestamp_ms);
    expect(Object.fromEntries([...document.pcrs].map(([k, v]) => [String(k), v]))).toEqual(expected.pcrs);
    expect(hexOrNull(document.publicKey)).toBe(expected.public_key);
    expect(hexOrNull(document.userData)).toBe(expected.user_data);
    expect(hexOrNull(document.nonce)).toBe(expected.nonce);
    expect(document.cabundle.length).toBe(expected.chain.length - 1);
  });

  it('verifies at its own timestamp against the pinned AWS Nitro root', () => {
    const result = verifyAttestationDocument(bytes, { now: documentTime, allowDebugMode: true });
    expect(result.debugMode).toBe(debug);
    expect(result.chain.map((c) => ({ subject: c.subject, sha256: c.sha256 }))).toEqual(
      expected.chain.map((c) => ({ subject: c.subject, sha256: c.sha256 })),
    );
    expect(result.chain.map((c) => [c.notBefore.getTime(), c.notAfter.getTime()])).toEqual(
      expected.chain.map((c) => [Date.parse(c.not_before), Date.parse(c.not_after)]),
    );
    expect([result.validFrom.getTime(), result.validUntil.getTime()]).toEqual(
      expected.chain_valid_window.map((t) => Date.parse(t)),
    );
    expect(result.steps.map((s) => s.name)).toEqual(['parse', 'chain', 'signature', 'validity', 'debug-mode']);
  });

  it('checks its own PCRs, including PCR4 recomputed from the instance id in module_id', () => {
    const instanceId = expected.module_id.split('-enc')[0] as string;
    expect(computePCR4(instanceId)).toBe(expected.pcrs['4']);
    const result = verifyAttestationDocument(bytes, {
      now: documentTime,
      allowDebugMode: true,
      expectedPcrs: { 3: expected.pcrs['3'] as string, 4: computePCR4(instanceId), 8: expected.pcrs['8'] as string },
    });
    expect(result.steps.at(-1)).toEqual({ name: 'pcrs', detail: 'PCR3, PCR4, PCR8 match' });
  });

  it('fails once its certificates have expired', () => {
    expect(() => verifyAttestationDocument(bytes, { now: AFTER_EXPIRY, allowDebugMode: true })).toThrowCosignerError(
      'ATTESTATION_EXPIRED',
    );
    expect(() =>
      verifyAttestationDocument(bytes, {
        now: new Date(Date.parse(expected.chain_valid_window[1]) + 1000),
        allowDebugMode: true,
      }),
    ).toThrowCosignerError('ATTESTATION_EXPIRED');
  });

  it('fails before its certificates were issued', () => {
    expect(() =>
      verifyAttestationDocument(bytes, {
        now: new Date(Date.parse(expected.chain_valid_window[0]) - 1000),
        allowDebugMode: true,
      }),
    ).toThrowCosignerError('ATTESTATION_NOT_YET_VALID');
  });

  it(debug ? 'is reported as debug mode and refused unless allowed' : 'is not a debug-mode document', () => {
    if (debug)
      expect(() => verifyAttestationDocument(bytes, { now: documentTime })).toThrowCosignerError(
        'ATTESTATION_DEBUG_MODE',
      );
    else expect(verifyAttestationDocument(bytes, { now: documentTime }).debugMode).toBe(false);
  });

  it('fails when a payload byte is flipped', () => {
    // Change one character of the module_id text inside the signed payload; the CBOR stays valid.
    const tampered = bytes.slice();
    const at = Buffer.from(tampered).indexOf(expected.module_id) + expected.module_id.length - 1;
    expect(at).toBeGreaterThan(0);
    tampered[at] = tampered[at] === 0x30 ? 0x31 : 0x30;
    expect(() => verifyAttestationDocument(tampered, { now: documentTime, allowDebugMode: true })).toThrowCosignerError(
      'ATTESTATION_SIGNATURE_INVALID',
    );
  });
});

describe('real attestation documents, cross-cutting', () => {
  it('the base64 copy decodes to the same bytes as the binary', () => {
    const base64 = testdataText('attestation/evervault-ga-2023-09-18.b64');
    expect(toHex(new Uint8Array(Buffer.from(base64, 'base64')))).toBe(
      toHex(testdataBytes('attestation/evervault-ga-2023-09-18.cose')),
    );
  });

  it('share the same PCR3 (one role ARN) across documents', () => {
    const pcr3 = ATTESTATION_DOCS.map((name) =>
      parseAttestationDocument(testdataBytes(`attestation/${name}.cose`)).pcrs.get(3),
    );
    expect(new Set(pcr3).size).toBe(1);
  });

  it('rejects the real non-debug document when it expects a Fireblocks PCR8', () => {
    const bytes = testdataBytes('attestation/evervault-nondebug-2022-10-13.cose');
    const now = new Date(1665651482136);
    expect(() =>
      verifyAttestationDocument(bytes, {
        now,
        expectedPcrs: {
          8: 'da1d9eca20ce98ab4fdbc51f8e5a2307fd4c61829b7d8bff40976cd6676862c8f3476ff4bdd0f65ecf4a48d6eb3099a8',
        },
      }),
    ).toThrowCosignerError('ATTESTATION_PCR_MISMATCH');
  });
});
