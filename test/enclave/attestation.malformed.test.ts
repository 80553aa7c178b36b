// Hostile attestation documents: every structural check of parseAttestationDocument and of the
// COSE envelope fails with its own coded error, never a crash.
import { describe, expect, it } from 'vitest';
import { decode, Tag } from 'cbor2';
import { attestationPayloadMap } from '../../src/aws/sandbox/nitro/attestation-mint.js';
import { ATTESTATION_LIMITS, parseAttestationDocument } from '../../src/enclave/attestation.js';
import { encodeCBOR } from '../../src/enclave/cbor.js';
import { fieldsFor, makeChain, p256, signPayload } from './fixtures/attestation.js';

const chain = makeChain();
const hex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

/** A document whose payload map was edited, validly signed (parsing checks structure, not trust). */
function withPayload(edit: (payload: Map<string, unknown>) => void): Uint8Array {
  const payload = attestationPayloadMap(fieldsFor(chain));
  edit(payload);
  return signPayload(payload, chain.leafKey.privateKey);
}

/** A COSE_Sign1 with an ES384 header around arbitrary payload bytes. */
const envelope = (payload: Uint8Array): Uint8Array =>
  encodeCBOR([hex('a1013822'), new Map(), payload, new Uint8Array(96)]);

describe('parseAttestationDocument on hostile input', () => {
  describe('when the bytes are not CBOR', () => {
    it('throws CBOR_INVALID', () => {
      for (const input of [
        '',
        'ff',
        '84',
        '5bffffffffffffffff',
        '9bffffffffffffffff',
        '8440a0405f',
        '84 40 a0 40 60 00',
      ]) {
        expect(() => parseAttestationDocument(hex(input)), input).toThrowCosignerError('CBOR_INVALID');
      }
    });

    it('throws CBOR_INVALID for indefinite lengths and duplicate keys', () => {
      expect(() => parseAttestationDocument(hex('9f40a04040ff'))).toThrowCosignerError('CBOR_INVALID');
      expect(() => parseAttestationDocument(hex('84 40 a2 0101 0102 40 40'))).toThrowCosignerError('CBOR_INVALID');
    });

    it('throws CBOR_INVALID for nesting deeper than any real structure', () => {
      expect(() => parseAttestationDocument(hex('81'.repeat(64) + '00'))).toThrowCosignerError('CBOR_INVALID');
    });
  });

  describe('when the envelope is not a COSE_Sign1', () => {
    it('throws COSE_INVALID', () => {
      const cases = {
        'a map': 'a0',
        'an array of 3': '83404040',
        'a text protected header': '8460a04040',
        'an array unprotected header': '844080 4040',
        'a text payload': '8440a06040',
        'a text signature': '8440a04060',
        'another tag': 'd3 8440a04040',
        'a protected header that is not a map': '84 4101 a0 40 40',
        'a protected header without alg': '84 41a0 a0 40 40',
        'a text alg': '84 43a10160 a0 40 40',
        'a protected header that is not CBOR': '84 41ff a0 40 40',
      };
      for (const [what, input] of Object.entries(cases)) {
        expect(() => parseAttestationDocument(hex(input)), what).toThrowCosignerError('COSE_INVALID');
      }
    });
  });

  describe('when the algorithm is not ES384', () => {
    it('throws ATTESTATION_MALFORMED', () => {
      const es256 = signPayload(attestationPayloadMap(fieldsFor(chain)), p256().privateKey);
      expect(() => parseAttestationDocument(es256)).toThrowCosignerError('ATTESTATION_MALFORMED');
    });
  });

  it('accepts the tagged form (tag 18)', () => {
    const untagged = withPayload(() => undefined);
    const tagged = encodeCBOR(new Tag(18, decode(untagged, { preferMap: true })));
    expect(parseAttestationDocument(tagged).moduleId).toBe('i-0123456789abcdef0-enc0123456789abcdef');
  });

  describe('when the payload is wrong', () => {
    it('throws ATTESTATION_MALFORMED for a payload that is not CBOR or not a map', () => {
      expect(() => parseAttestationDocument(envelope(hex('ff')))).toThrowCosignerError('ATTESTATION_MALFORMED');
      expect(() => parseAttestationDocument(envelope(hex('80')))).toThrowCosignerError('ATTESTATION_MALFORMED');
    });

    const cases: [string, (p: Map<string, unknown>) => void][] = [
      ['an unknown field', (p) => p.set('extra', 1)],
      ['a non-text key', (p) => (p as Map<unknown, unknown>).set(7, 1)],
      ['no module_id', (p) => p.delete('module_id')],
      ['an empty module_id', (p) => p.set('module_id', '')],
      ['a digest other than SHA384', (p) => p.set('digest', 'SHA256')],
      ['no timestamp', (p) => p.delete('timestamp')],
      ['a text timestamp', (p) => p.set('timestamp', '1')],
      ['a zero timestamp', (p) => p.set('timestamp', 0)],
      ['a fractional timestamp', (p) => p.set('timestamp', 1.5)],
      ['a huge timestamp', (p) => p.set('timestamp', 2n ** 60n)],
      ['a text certificate', (p) => p.set('certificate', 'x')],
      ['an empty certificate', (p) => p.set('certificate', new Uint8Array(0))],
      ['a cabundle that is not an array', (p) => p.set('cabundle', new Uint8Array(1))],
      ['an empty cabundle', (p) => p.set('cabundle', [])],
      [
        'an oversized cabundle',
        (p) =>
          p.set(
            'cabundle',
            Array.from({ length: ATTESTATION_LIMITS.cabundle + 1 }, () => new Uint8Array(1)),
          ),
      ],
      ['a text cabundle entry', (p) => p.set('cabundle', ['x'])],
      ['an empty cabundle entry', (p) => p.set('cabundle', [new Uint8Array(0)])],
      ['a text public_key', (p) => p.set('public_key', 'x')],
      ['an oversized public_key', (p) => p.set('public_key', new Uint8Array(ATTESTATION_LIMITS.publicKey + 1))],
      ['an oversized user_data', (p) => p.set('user_data', new Uint8Array(ATTESTATION_LIMITS.userData + 1))],
      ['an oversized nonce', (p) => p.set('nonce', new Uint8Array(ATTESTATION_LIMITS.nonce + 1))],
      ['pcrs that are not a map', (p) => p.set('pcrs', [])],
      ['no pcrs', (p) => p.set('pcrs', new Map())],
      ['too many pcrs', (p) => p.set('pcrs', new Map(Array.from({ length: 33 }, (_, i) => [i, new Uint8Array(48)])))],
      ['a text pcr index', (p) => p.set('pcrs', new Map([['0', new Uint8Array(48)]]))],
      ['a negative pcr index', (p) => p.set('pcrs', new Map([[-1, new Uint8Array(48)]]))],
      ['a fractional pcr index', (p) => p.set('pcrs', new Map([[0.5, new Uint8Array(48)]]))],
      ['a pcr index beyond 31', (p) => p.set('pcrs', new Map([[32, new Uint8Array(48)]]))],
      ['a short pcr', (p) => p.set('pcrs', new Map([[0, new Uint8Array(32)]]))],
      ['a text pcr', (p) => p.set('pcrs', new Map([[0, 'aa']]))],
    ];
    it.each(cases)('throws ATTESTATION_MALFORMED for %s', (_, edit) => {
      expect(() => parseAttestationDocument(withPayload(edit))).toThrowCosignerError('ATTESTATION_MALFORMED');
    });
  });

  it('treats absent and null optional fields alike, and sorts PCRs by index', () => {
    const document = parseAttestationDocument(
      withPayload((p) => {
        p.delete('public_key');
        p.set('user_data', null);
        p.set(
          'pcrs',
          new Map([
            [8, new Uint8Array(48)],
            [0, new Uint8Array(48).fill(1)],
          ]),
        );
      }),
    );
    expect([document.publicKey, document.userData]).toEqual([null, null]);
    expect([...document.pcrs.keys()]).toEqual([0, 8]);
  });
});
