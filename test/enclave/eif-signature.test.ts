// The signature section: nitro-cli's serde shape (arrays of uints), every curve sign-eif supports,
// and each way the section can be unreadable.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeCBOR } from '../../src/enclave/cbor.js';
import { signCoseSign1 } from '../../src/aws/sandbox/nitro/cose-sign.js';
import { createEifSigner } from '../../src/aws/sandbox/nitro/eif-build.js';
import { encodeEifSignatureSection } from '../../src/aws/sandbox/nitro/eif-encode.js';
import { buildCertificate, derToPem } from '../../src/aws/sandbox/nitro/x509-build.js';
import { decodeEifSignatureSection, encodePcrInfo, verifyEifSignature } from '../../src/enclave/eif-signature.js';
import { parseEIF } from '../../src/enclave/eif.js';
import { T0 } from './fixtures/attestation.js';
import { fixtureEif } from './fixtures/eif.js';

const PCR0 = new Uint8Array(48).fill(0x42);
const hex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
const signer = createEifSigner({ now: T0 });
const section = (pem: string, cose: Uint8Array): Uint8Array => encodeEifSignatureSection(pem, cose);
const entry = (fields: Record<string, unknown>): Uint8Array => encodeCBOR([new Map(Object.entries(fields))]);

describe('EIF signature section', () => {
  it('encodes PcrInfo exactly as serde_cbor does (spec §3.2)', () => {
    const encoded = encodePcrInfo(0, PCR0);
    const prefix = 'a2 6e 72656769737465725f696e646578 00 6e 72656769737465725f76616c7565 98 30';
    expect(Buffer.from(encoded).toString('hex')).toBe(prefix.replace(/\s+/g, '') + '1842'.repeat(48));
  });

  it('verifies P-256, P-384 and P-521 signers and reports PCR8 and the algorithm', () => {
    for (const [curve, name] of [
      ['prime256v1', 'ES256'],
      ['secp384r1', 'ES384'],
      ['secp521r1', 'ES512'],
    ] as const) {
      const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: curve });
      const der = buildCertificate({
        subject: [['CN', curve]],
        publicKey,
        signingKey: privateKey,
        notBefore: T0,
        notAfter: T0,
      });
      const result = verifyEifSignature(
        section(derToPem(der), signCoseSign1(encodePcrInfo(0, PCR0), privateKey)),
        PCR0,
      );
      expect(result.algorithm, curve).toBe(name);
      expect(result.certificateDer).toEqual(der);
      expect(result.pcr8).toHaveLength(96);
    }
  });

  it('checks only the first of several entries, as nitro-cli does', () => {
    const good = signCoseSign1(encodePcrInfo(0, PCR0), signer.privateKey);
    const first = new Map<string, unknown>([
      ['signing_certificate', Array.from(Buffer.from(signer.certificatePem))],
      ['signature', Array.from(good)],
    ]);
    const two = encodeCBOR([
      first,
      new Map<string, unknown>([
        ['signing_certificate', [1]],
        ['signature', [2]],
      ]),
    ]);
    expect(decodeEifSignatureSection(two)).toHaveLength(2);
    expect(verifyEifSignature(two, PCR0).pcr8).toBe(
      verifyEifSignature(section(signer.certificatePem, good), PCR0).pcr8,
    );
  });

  describe('when the section is unreadable', () => {
    const cases: [string, Uint8Array][] = [
      ['not CBOR', hex('ff')],
      ['not an array', hex('a0')],
      ['an empty array', hex('80')],
      [
        'nine entries',
        encodeCBOR(
          Array.from(
            { length: 9 },
            () =>
              new Map([
                ['signing_certificate', []],
                ['signature', []],
              ]),
          ),
        ),
      ],
      ['an entry that is not a map', hex('8100')],
      ['an entry with a third key', entry({ signing_certificate: [], signature: [], extra: 1 })],
      ['an entry missing the signature', entry({ signing_certificate: [], other: [] })],
      ['byte strings instead of uint arrays', entry({ signing_certificate: new Uint8Array(1), signature: [] })],
      ['a value above 255', entry({ signing_certificate: [256], signature: [] })],
      ['a negative value', entry({ signing_certificate: [-1], signature: [] })],
      ['a text item', entry({ signing_certificate: ['a'], signature: [] })],
    ];
    it.each(cases)('throws EIF_SIGNATURE_INVALID for %s', (_, bytes) => {
      expect(() => verifyEifSignature(bytes, PCR0)).toThrowCosignerError('EIF_SIGNATURE_INVALID');
    });

    it('throws EIF_SIGNATURE_INVALID for a certificate that is not UTF-8, not PEM or not X.509', () => {
      const cose = signCoseSign1(encodePcrInfo(0, PCR0), signer.privateKey);
      expect(() =>
        verifyEifSignature(entry({ signing_certificate: [0xff, 0xfe], signature: Array.from(cose) }), PCR0),
      ).toThrowCosignerError('EIF_SIGNATURE_INVALID');
      expect(() => verifyEifSignature(section('hello', cose), PCR0)).toThrowCosignerError('EIF_SIGNATURE_INVALID');
      expect(() =>
        verifyEifSignature(section('-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n', cose), PCR0),
      ).toThrowCosignerError('EIF_SIGNATURE_INVALID');
    });

    it('throws EIF_SIGNATURE_INVALID for a signature that is not a COSE_Sign1 or uses another algorithm', () => {
      expect(() => verifyEifSignature(section(signer.certificatePem, hex('80')), PCR0)).toThrowCosignerError(
        'EIF_SIGNATURE_INVALID',
      );
      const eddsa = encodeCBOR([encodeCBOR(new Map([[1, -8]])), new Map(), encodePcrInfo(0, PCR0), new Uint8Array(64)]);
      expect(() => verifyEifSignature(section(signer.certificatePem, eddsa), PCR0)).toThrowCosignerError(
        'EIF_SIGNATURE_INVALID',
      );
    });
  });

  describe('when the signature does not match', () => {
    it('throws EIF_SIGNATURE_MISMATCH for a signature by another key', () => {
      const other = createEifSigner({ now: T0 });
      expect(() =>
        verifyEifSignature(
          section(signer.certificatePem, signCoseSign1(encodePcrInfo(0, PCR0), other.privateKey)),
          PCR0,
        ),
      ).toThrowCosignerError('EIF_SIGNATURE_MISMATCH');
    });

    it('throws EIF_SIGNATURE_MISMATCH for a payload of another register or value', () => {
      for (const payload of [
        encodePcrInfo(1, PCR0),
        encodePcrInfo(0, new Uint8Array(48)),
        encodeCBOR({ register_index: 0, register_value: new Uint8Array(PCR0) }),
      ]) {
        expect(() =>
          verifyEifSignature(section(signer.certificatePem, signCoseSign1(payload, signer.privateKey)), PCR0),
        ).toThrowCosignerError('EIF_SIGNATURE_MISMATCH');
      }
    });
  });

  it('signed fixture images verify end to end and report the signer certificate', () => {
    const image = parseEIF(fixtureEif({ signer }));
    expect(image.pcrs.PCR8).toBe(image.signature?.pcr8);
    expect(image.signature?.certificate.subject.map((a) => a.value)).toEqual(['US', 'cosigner-cli', 'eif-signer']);
  });
});
