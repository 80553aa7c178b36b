// Issue X.509 v3 certificates (RFC 5280 §4.1) with ECDSA: used by the simulated Nitro issuer
// (attestation-mint.ts) and to make EIF signing certificates (eif-build.ts). Not used to verify
// anything: src/enclave/x509.ts reads and verifies certificates.
import { randomBytes, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { fail } from '../../../errors.js';
import {
  derBitString,
  derBoolean,
  derExplicit,
  derOctetString,
  derOid,
  derPrintableString,
  derSequence,
  derSet,
  derTime,
  derUnsignedInteger,
  derUtf8String,
} from './der-writer.js';

/** Attribute types accepted in names, RFC 4514 short names. */
export type NameAttributeType = 'C' | 'ST' | 'L' | 'O' | 'OU' | 'CN';
/** A distinguished name, most general first: `[['C', 'US'], ['O', 'Amazon'], ['CN', '…']]`. */
export type NameSpec = readonly (readonly [NameAttributeType, string])[];

const ATTRIBUTE_OIDS: Readonly<Record<NameAttributeType, string>> = {
  C: '2.5.4.6',
  ST: '2.5.4.8',
  L: '2.5.4.7',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  CN: '2.5.4.3',
};

/** ECDSA signature algorithm and hash per signing curve (RFC 5758 §3.2). */
const SIGNING: Readonly<Record<string, readonly [oid: string, hash: string]>> = {
  prime256v1: ['1.2.840.10045.4.3.2', 'sha256'],
  secp384r1: ['1.2.840.10045.4.3.3', 'sha384'],
  secp521r1: ['1.2.840.10045.4.3.4', 'sha512'],
};

export interface CertificateTemplate {
  subject: NameSpec;
  /** @default the subject (self-signed) */
  issuer?: NameSpec;
  /** The certified public key. */
  publicKey: KeyObject;
  /** The issuer's EC private key; its curve picks the signature algorithm. */
  signingKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  /** Adds basicConstraints cA=TRUE (critical). @default false */
  isCA?: boolean;
  /** Big-endian magnitude. @default 16 random bytes */
  serialNumber?: Uint8Array;
}

/** Name ::= SEQUENCE OF SET OF AttributeTypeAndValue, one attribute per RDN. */
export function encodeName(name: NameSpec): Uint8Array {
  return derSequence(
    ...name.map(([type, value]) =>
      derSet(
        derSequence(derOid(ATTRIBUTE_OIDS[type]), type === 'C' ? derPrintableString(value) : derUtf8String(value)),
      ),
    ),
  );
}

/** Build and sign a certificate; returns its DER. */
export function buildCertificate(template: CertificateTemplate): Uint8Array {
  const curve = template.signingKey.asymmetricKeyDetails?.namedCurve;
  const signing = curve === undefined ? undefined : SIGNING[curve];
  if (signing === undefined)
    return fail('INTERNAL', 'certificates can only be signed with a P-256, P-384 or P-521 key');
  const [algorithmOid, hash] = signing;
  const algorithm = derSequence(derOid(algorithmOid));
  const spki = new Uint8Array(template.publicKey.export({ format: 'der', type: 'spki' }));
  // basicConstraints (RFC 5280 §4.2.1.9): critical, cA=TRUE for CAs, empty (cA=FALSE) otherwise.
  const basicConstraints = derSequence(
    derOid('2.5.29.19'),
    derBoolean(true),
    derOctetString(template.isCA === true ? derSequence(derBoolean(true)) : derSequence()),
  );
  const tbs = derSequence(
    derExplicit(0, derUnsignedInteger(Uint8Array.of(2))), // v3
    derUnsignedInteger(template.serialNumber ?? randomSerial()),
    algorithm,
    encodeName(template.issuer ?? template.subject),
    derSequence(derTime(template.notBefore), derTime(template.notAfter)),
    encodeName(template.subject),
    spki,
    derExplicit(3, derSequence(basicConstraints)),
  );
  const signature = cryptoSign(hash, tbs, { key: template.signingKey, dsaEncoding: 'der' });
  return derSequence(tbs, algorithm, derBitString(new Uint8Array(signature)));
}

function randomSerial(): Uint8Array {
  const serial = new Uint8Array(randomBytes(16));
  // Positive and non-zero (RFC 5280 §4.1.2.2).
  serial[0] = ((serial[0] as number) & 0x7f) | 0x01;
  return serial;
}

/** PEM text of a DER certificate, 64 characters a line (the inverse of src/enclave's pemToDer). */
export function derToPem(der: Uint8Array): string {
  const base64 = Buffer.from(der).toString('base64');
  const lines = base64.match(/.{1,64}/g) as string[];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}
