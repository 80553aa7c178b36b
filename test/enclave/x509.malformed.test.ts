// Hostile certificates, assembled field by field: each structural defect is CERT_INVALID.
import { describe, expect, it } from 'vitest';
import {
  derBitString,
  derBoolean,
  derExplicit,
  derOctetString,
  derOid,
  derSequence,
  derSet,
  derTime,
  derTlv,
  derUnsignedInteger,
  derUtf8String,
} from '../../src/aws/sandbox/nitro/der-writer.js';
import { encodeName } from '../../src/aws/sandbox/nitro/x509-build.js';
import { parseCertificate } from '../../src/enclave/x509.js';
import { at, p384 } from './fixtures/attestation.js';

const key = p384();
const spki = new Uint8Array(key.publicKey.export({ format: 'der', type: 'spki' }));
const ecdsa384 = derSequence(derOid('1.2.840.10045.4.3.3'));
const name = encodeName([['CN', 'x']]);
const extension = (oid: string, value: Uint8Array, critical?: boolean): Uint8Array =>
  derSequence(derOid(oid), ...(critical === undefined ? [] : [derBoolean(critical)]), derOctetString(value));

interface Parts {
  version: Uint8Array | null;
  serial: Uint8Array;
  algorithm: Uint8Array;
  issuer: Uint8Array;
  validity: Uint8Array;
  subject: Uint8Array;
  spki: Uint8Array;
  extra: Uint8Array[];
  outerAlgorithm: Uint8Array;
  signature: Uint8Array;
}

function assemble(over: Partial<Parts> = {}): Uint8Array {
  const p: Parts = {
    version: derExplicit(0, derUnsignedInteger(Uint8Array.of(2))),
    serial: derUnsignedInteger(Uint8Array.of(1)),
    algorithm: ecdsa384,
    issuer: name,
    validity: derSequence(derTime(at(-1)), derTime(at(1))),
    subject: name,
    spki,
    extra: [],
    outerAlgorithm: ecdsa384,
    signature: derBitString(Uint8Array.of(0x30, 0x00)),
    ...over,
  };
  const tbs = derSequence(
    ...(p.version === null ? [] : [p.version]),
    p.serial,
    p.algorithm,
    p.issuer,
    p.validity,
    p.subject,
    p.spki,
    ...p.extra,
  );
  return derSequence(tbs, p.outerAlgorithm, p.signature);
}

describe('parseCertificate on hostile input', () => {
  it('accepts the well-formed baseline, v1 without version, and unique IDs', () => {
    expect(parseCertificate(assemble()).version).toBe(3);
    expect(parseCertificate(assemble({ version: null })).version).toBe(1);
    expect(
      parseCertificate(assemble({ extra: [derTlv(0x81, Uint8Array.of(0)), derTlv(0x82, Uint8Array.of(0))] })).isCA,
    ).toBe(false);
    const rsaSha256 = derSequence(derOid('1.2.840.113549.1.1.11'), derTlv(5, new Uint8Array(0)));
    expect(parseCertificate(assemble({ algorithm: rsaSha256, outerAlgorithm: rsaSha256 })).signatureAlgorithm).toBe(
      '1.2.840.113549.1.1.11',
    );
  });

  it('reads basicConstraints with and without cA, pathLen and an explicit critical flag', () => {
    const bc = (value: Uint8Array, critical?: boolean) =>
      parseCertificate(assemble({ extra: [derExplicit(3, derSequence(extension('2.5.29.19', value, critical)))] }))
        .isCA;
    expect(bc(derSequence(derBoolean(true), derUnsignedInteger(Uint8Array.of(0))), true)).toBe(true);
    expect(bc(derSequence(derBoolean(false)), false)).toBe(false);
    expect(bc(derSequence())).toBe(false);
    const other = parseCertificate(
      assemble({ extra: [derExplicit(3, derSequence(extension('2.5.29.15', derBitString(Uint8Array.of(0x86)))))] }),
    );
    expect(other.isCA).toBe(false);
  });

  it('reads Teletex, IA5 and unknown attribute types in names', () => {
    const dn = derSequence(
      derSet(derSequence(derOid('2.5.4.3'), derTlv(0x14, Uint8Array.of(0xe9)))),
      derSet(derSequence(derOid('1.2.840.113549.1.9.1'), derTlv(0x16, Buffer.from('a@b')))),
      derSet(derSequence(derOid('1.2.3.4'), derUtf8String('v'))),
    );
    const parsed = parseCertificate(assemble({ subject: dn }));
    expect(parsed.subject.map((a) => [a.shortName, a.value])).toEqual([
      ['CN', 'é'],
      ['emailAddress', 'a@b'],
      ['1.2.3.4', 'v'],
    ]);
  });

  const cases: [string, Partial<Parts> | Uint8Array][] = [
    ['not a sequence', Uint8Array.of(0x04, 0x00)],
    ['a missing signature', derSequence(derSequence(), ecdsa384)],
    [
      'trailing fields after the signature',
      derSequence(derSequence(), ecdsa384, derBitString(new Uint8Array(1)), derTlv(5, new Uint8Array(0))),
    ],
    ['version 4', { version: derExplicit(0, derUnsignedInteger(Uint8Array.of(3))) }],
    ['a two-byte version', { version: derExplicit(0, derUnsignedInteger(Uint8Array.of(1, 0))) }],
    ['a version that is not an INTEGER', { version: derExplicit(0, derUtf8String('3')) }],
    ['different inner and outer algorithms', { outerAlgorithm: derSequence(derOid('1.2.840.10045.4.3.2')) }],
    ['a signature with unused bits', { signature: derTlv(3, Uint8Array.of(1, 0)) }],
    ['a validity with three times', { validity: derSequence(derTime(at(0)), derTime(at(1)), derTime(at(2))) }],
    ['a validity with text times', { validity: derSequence(derUtf8String('now'), derUtf8String('later')) }],
    ['an empty RDN', { subject: derSequence(derSet()) }],
    ['an RDN that is not a SET', { subject: derSequence(derSequence()) }],
    [
      'an attribute with three parts',
      { subject: derSequence(derSet(derSequence(derOid('2.5.4.3'), derUtf8String('a'), derUtf8String('b')))) },
    ],
    [
      'a BMPString attribute',
      { subject: derSequence(derSet(derSequence(derOid('2.5.4.3'), derTlv(0x1e, Uint8Array.of(0, 0x41))))) },
    ],
    [
      'an attribute that is not UTF-8',
      { subject: derSequence(derSet(derSequence(derOid('2.5.4.3'), derTlv(0x0c, Uint8Array.of(0xff))))) },
    ],
    ['a primitive name', { subject: derTlv(0x10, new Uint8Array(0)) }],
    [
      'an unreadable public key',
      { spki: derSequence(derSequence(derOid('1.2.840.10045.2.1')), derBitString(Uint8Array.of(4, 1, 2))) },
    ],
    ['an unknown trailing field', { extra: [derTlv(0x84, new Uint8Array(0))] }],
    [
      'duplicate extensions',
      {
        extra: [
          derExplicit(3, derSequence(extension('2.5.29.19', derSequence()), extension('2.5.29.19', derSequence()))),
        ],
      },
    ],
    [
      'a non-DER boolean',
      {
        extra: [
          derExplicit(
            3,
            derSequence(derSequence(derOid('2.5.29.19'), derTlv(1, Uint8Array.of(1)), derOctetString(derSequence()))),
          ),
        ],
      },
    ],
    [
      'an extension value that is not an OCTET STRING',
      { extra: [derExplicit(3, derSequence(derSequence(derOid('2.5.29.19'), derSequence())))] },
    ],
    [
      'basicConstraints that is not a SEQUENCE',
      { extra: [derExplicit(3, derSequence(extension('2.5.29.19', derBoolean(true))))] },
    ],
    [
      'basicConstraints with a text pathLen',
      {
        extra: [derExplicit(3, derSequence(extension('2.5.29.19', derSequence(derBoolean(true), derUtf8String('0')))))],
      },
    ],
    [
      'basicConstraints with extra fields',
      {
        extra: [
          derExplicit(
            3,
            derSequence(
              extension(
                '2.5.29.19',
                derSequence(
                  derBoolean(true),
                  derUnsignedInteger(Uint8Array.of(0)),
                  derUnsignedInteger(Uint8Array.of(0)),
                ),
              ),
            ),
          ),
        ],
      },
    ],
  ];
  it.each(cases)('throws CERT_INVALID for %s', (_, input) => {
    expect(() => parseCertificate(input instanceof Uint8Array ? input : assemble(input))).toThrowCosignerError(
      'CERT_INVALID',
    );
  });
});
