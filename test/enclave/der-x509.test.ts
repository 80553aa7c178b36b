// DER reading and writing, X.509 parsing and verification, PEM handling, the pinned root.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  AWS_NITRO_ROOT_G1_DER,
  AWS_NITRO_ROOT_G1_SHA256,
  certificateFingerprint,
  loadPinnedRoot,
} from '../../src/enclave/aws-nitro-root.js';
import { DER_TAG, DerReader, decodeOid, decodeTime, derChildren, readDer } from '../../src/enclave/der.js';
import { derOid, derTime, derTlv, derUnsignedInteger } from '../../src/aws/sandbox/nitro/der-writer.js';
import { buildCertificate, derToPem } from '../../src/aws/sandbox/nitro/x509-build.js';
import {
  certificateValidity,
  formatName,
  parseCertificate,
  pemToDer,
  verifyCertificateSignature,
} from '../../src/enclave/x509.js';
import { at, p384, T0 } from './fixtures/attestation.js';
import { testdataBytes, testdataText } from './fixtures/testdata.js';

const hex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
const toHexString = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('pinned AWS Nitro Enclaves Root-G1', () => {
  it('is byte for byte the published root, with the published fingerprint', () => {
    expect(AWS_NITRO_ROOT_G1_DER).toEqual(testdataBytes('root/aws-nitro-enclaves-root-g1.der'));
    expect(certificateFingerprint(AWS_NITRO_ROOT_G1_DER)).toBe(
      '641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b',
    );
    expect(pemToDer(testdataText('root/aws-nitro-enclaves-root-g1.pem'))).toEqual(AWS_NITRO_ROOT_G1_DER);
  });

  it('refuses to load a pinned constant whose fingerprint does not match', () => {
    const base64 = Buffer.from(AWS_NITRO_ROOT_G1_DER).toString('base64');
    expect(loadPinnedRoot(base64, AWS_NITRO_ROOT_G1_SHA256)).toEqual(AWS_NITRO_ROOT_G1_DER);
    expect(() => loadPinnedRoot(base64.replace('A', 'B'), AWS_NITRO_ROOT_G1_SHA256)).toThrowCosignerError('INTERNAL');
  });

  it('parses as the root the testdata README describes', () => {
    const root = parseCertificate(AWS_NITRO_ROOT_G1_DER);
    expect(formatName(root.subject)).toBe('CN=aws.nitro-enclaves,OU=AWS,O=Amazon,C=US');
    expect(root.issuerDer).toEqual(root.subjectDer);
    expect([root.notBefore.toISOString(), root.notAfter.toISOString()]).toEqual([
      '2019-10-28T13:28:05.000Z',
      '2049-10-28T14:28:05.000Z',
    ]);
    expect(root).toMatchObject({
      version: 3,
      curve: 'P-384',
      isCA: true,
      signatureAlgorithm: 'ecdsa-with-SHA384',
      serialNumber: '00f93175681b90afe11d46ccb4e4e7f856',
    });
    expect(verifyCertificateSignature(root, root.publicKey)).toBe(true);
  });
});

describe('DER reader', () => {
  it('reads short and long lengths, and exposes content and encoding', () => {
    const node = readDer(hex('0403 010203'));
    expect([node.tag, toHexString(node.content), toHexString(node.encoded)]).toEqual([4, '010203', '0403010203']);
    const long = readDer(derTlv(DER_TAG.OCTET_STRING, new Uint8Array(300)));
    expect(long.content.length).toBe(300);
    const reader = new DerReader(hex('0500 0500'));
    expect(reader.peekTag()).toBe(5);
    reader.next();
    reader.next();
    expect(reader.done).toBe(true);
    expect(reader.peekTag()).toBeUndefined();
  });

  describe('when the encoding is not DER', () => {
    const cases: [string, string][] = [
      ['empty input', ''],
      ['a missing length', '04'],
      ['an indefinite length', '0480 0000'],
      ['a 5-byte length', '0485 0000000001 00'],
      ['a truncated long length', '0482 01'],
      ['a long form for a short length', '0481 05 0000000000'],
      ['a length with a leading zero', '0482 0005 0000000000'],
      ['content past the end', '0405 0102'],
      ['a multi-byte tag', '1f01 00'],
      ['trailing bytes', '0500 00'],
      ['an unexpected tag', '0500'],
    ];
    it.each(cases)('throws CERT_INVALID for %s', (what, input) => {
      expect(() =>
        readDer(hex(input), what === 'an unexpected tag' ? DER_TAG.SEQUENCE : undefined),
      ).toThrowCosignerError('CERT_INVALID');
    });
  });

  it('refuses to descend into a primitive value', () => {
    expect(() => derChildren(readDer(hex('0400')))).toThrowCosignerError('CERT_INVALID');
  });

  it('decodes object identifiers, rejecting non-minimal or truncated arcs', () => {
    expect(decodeOid(hex('2a8648ce3d040303'))).toBe('1.2.840.10045.4.3.3');
    expect(decodeOid(hex('06'))).toBe('0.6');
    expect(decodeOid(hex('55'))).toBe('2.5');
    expect(decodeOid(hex('8837'))).toBe('2.999');
    for (const bad of ['', '2a80 01', '2a86', 'ffffffffffffffffff7f'])
      expect(() => decodeOid(hex(bad)), bad).toThrowCosignerError('CERT_INVALID');
  });

  it('decodes RFC 5280 times and rejects anything else', () => {
    const time = (tag: number, text: string): Date =>
      decodeTime({ tag, content: Buffer.from(text), encoded: new Uint8Array(0) });
    expect(time(DER_TAG.UTC_TIME, '491231235959Z').toISOString()).toBe('2049-12-31T23:59:59.000Z');
    expect(time(DER_TAG.UTC_TIME, '500101000000Z').toISOString()).toBe('1950-01-01T00:00:00.000Z');
    expect(time(DER_TAG.GENERALIZED_TIME, '00490101000000Z').toISOString()).toBe('0049-01-01T00:00:00.000Z');
    for (const [tag, text] of [
      [DER_TAG.UTC_TIME, '4912312359Z'],
      [DER_TAG.UTC_TIME, '491231235959+0100'],
      [DER_TAG.GENERALIZED_TIME, '20491231235959.5Z'],
      [DER_TAG.UTC_TIME, '491301000000Z'],
      [DER_TAG.UTC_TIME, '490230000000Z'],
      [DER_TAG.UTC_TIME, '490101240000Z'],
      [DER_TAG.INTEGER, '0'],
    ] as const) {
      expect(() => time(tag, text), text).toThrowCosignerError('CERT_INVALID');
    }
  });
});

describe('DER writer', () => {
  it('writes minimal integers and OIDs that the reader reads back', () => {
    expect(toHexString(derUnsignedInteger(new Uint8Array(0)))).toBe('020100');
    expect(toHexString(derUnsignedInteger(hex('000000')))).toBe('020100');
    expect(toHexString(derUnsignedInteger(hex('0080')))).toBe('02020080');
    expect(toHexString(derUnsignedInteger(hex('7f')))).toBe('02017f');
    expect(decodeOid(readDer(derOid('1.2.840.10045.4.3.3')).content)).toBe('1.2.840.10045.4.3.3');
    expect(toHexString(derTlv(4, new Uint8Array(256)).subarray(0, 4))).toBe('04820100');
  });

  it('writes UTCTime until 2049 and GeneralizedTime from 2050 (RFC 5280 §4.1.2.5)', () => {
    for (const iso of [
      '1950-01-01T00:00:00.000Z',
      '2049-12-31T23:59:59.000Z',
      '2050-01-01T00:00:00.000Z',
      '1949-12-31T23:59:59.000Z',
    ]) {
      const node = readDer(derTime(new Date(iso)));
      expect(node.tag, iso).toBe(
        iso.startsWith('2050') || iso.startsWith('1949') ? DER_TAG.GENERALIZED_TIME : DER_TAG.UTC_TIME,
      );
      expect(decodeTime(node).toISOString()).toBe(iso);
    }
  });
});

describe('X.509', () => {
  const key = p384();
  const certificate = (over: Partial<Parameters<typeof buildCertificate>[0]> = {}) =>
    buildCertificate({
      subject: [
        ['C', 'US'],
        ['ST', 'WA'],
        ['L', 'Seattle'],
        ['O', 'A, Inc.'],
        ['OU', 'x+y'],
        ['CN', 'leaf'],
      ],
      publicKey: key.publicKey,
      signingKey: key.privateKey,
      notBefore: at(-1),
      notAfter: at(1),
      ...over,
    });

  it('parses what the builder writes', () => {
    const parsed = parseCertificate(certificate({ serialNumber: hex('0102') }));
    expect(formatName(parsed.subject)).toBe('CN=leaf,OU=x\\+y,O=A\\, Inc.,L=Seattle,ST=WA,C=US');
    expect(parsed.subject.map((a) => a.longName)).toEqual([
      'countryName',
      'stateOrProvinceName',
      'localityName',
      'organizationName',
      'organizationalUnitName',
      'commonName',
    ]);
    expect(parsed).toMatchObject({ serialNumber: '0102', isCA: false, curve: 'P-384', version: 3 });
    expect(verifyCertificateSignature(parsed, key.publicKey)).toBe(true);
    expect(verifyCertificateSignature(parsed, p384().publicKey)).toBe(false);
  });

  it('judges validity with both ends inclusive', () => {
    const parsed = parseCertificate(certificate());
    expect([at(-1), at(1), T0].map((t) => certificateValidity(parsed, t))).toEqual(['valid', 'valid', 'valid']);
    expect(certificateValidity(parsed, new Date(at(-1).getTime() - 1))).toBe('not-yet-valid');
    expect(certificateValidity(parsed, new Date(at(1).getTime() + 1))).toBe('expired');
  });

  it('signs with SHA-256 and SHA-512 for P-256 and P-521 issuers', () => {
    for (const [curve, name] of [
      ['prime256v1', 'ecdsa-with-SHA256'],
      ['secp521r1', 'ecdsa-with-SHA512'],
    ] as const) {
      const issuer = generateKeyPairSync('ec', { namedCurve: curve });
      const parsed = parseCertificate(certificate({ signingKey: issuer.privateKey }));
      expect(parsed.signatureAlgorithm).toBe(name);
      expect(verifyCertificateSignature(parsed, issuer.publicKey)).toBe(true);
    }
  });

  it('refuses to sign with a key that is not ECDSA P-256/384/521', () => {
    expect(() => certificate({ signingKey: generateKeyPairSync('ed25519').privateKey })).toThrowCosignerError(
      'INTERNAL',
    );
    expect(() =>
      certificate({ signingKey: generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey }),
    ).toThrowCosignerError('INTERNAL');
  });

  it('reads certificates with non-EC keys, and never verifies an unknown signature algorithm', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const parsed = parseCertificate(certificate({ publicKey: rsa.publicKey }));
    expect(parsed.curve).toBeUndefined();
    expect(
      verifyCertificateSignature({ ...parsed, signatureAlgorithmOid: '1.2.840.113549.1.1.11' }, key.publicKey),
    ).toBe(false);
    expect(verifyCertificateSignature(parsed, rsa.publicKey)).toBe(false);
    // Something crypto cannot use as a key makes it throw; the primitive answers false.
    expect(verifyCertificateSignature(parsed, {} as KeyObject)).toBe(false);
  });

  it('converts between PEM and DER, taking the first block of a PEM text', () => {
    const der = certificate();
    const pem = derToPem(der);
    expect(pem.split('\n').every((line) => line.length <= 64)).toBe(true);
    expect(pemToDer(`subject=CN=leaf\n${pem}${derToPem(certificate())}`)).toEqual(der);
    for (const bad of [
      '',
      'no pem here',
      '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----',
      '-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----',
      '-----BEGIN CERTIFICATE-----\na=bc\n-----END CERTIFICATE-----',
    ]) {
      expect(() => pemToDer(bad), bad).toThrowCosignerError('CERT_INVALID');
    }
  });
});
