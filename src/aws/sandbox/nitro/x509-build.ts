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
  derTlv,
  derUnsignedInteger,
  derUtf8String,
} from './der-writer.js';
import { DER_TAG } from '../../../enclave/der.js';
import { KEY_USAGES, type KeyUsage } from '../../../enclave/x509.js';

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
  /** basicConstraints pathLenConstraint. @default none */
  pathLength?: number;
  /** Mark basicConstraints critical, as RFC 5280 requires of a CA. @default true */
  basicConstraintsCritical?: boolean;
  /**
   * keyUsage (critical), as AWS's Nitro chains carry it; `null` leaves the extension out.
   * @default digitalSignature, keyCertSign and cRLSign for a CA, digitalSignature otherwise
   */
  keyUsage?: readonly KeyUsage[] | null;
  /** More extensions, after basicConstraints and keyUsage (tests build hostile certificates with them). */
  extraExtensions?: readonly { oid: string; critical: boolean; value: Uint8Array }[];
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
  const bcFields = template.isCA === true ? [derBoolean(true)] : [];
  if (template.pathLength !== undefined) bcFields.push(derUnsignedInteger(Uint8Array.of(template.pathLength)));
  const bcCritical = template.basicConstraintsCritical === false ? [] : [derBoolean(true)];
  const extensions = [derSequence(derOid('2.5.29.19'), ...bcCritical, derOctetString(derSequence(...bcFields)))];
  const usages =
    template.keyUsage === undefined
      ? template.isCA === true
        ? (['digitalSignature', 'keyCertSign', 'cRLSign'] as const)
        : (['digitalSignature'] as const)
      : template.keyUsage;
  if (usages !== null)
    extensions.push(derSequence(derOid('2.5.29.15'), derBoolean(true), derOctetString(keyUsageBits(usages))));
  for (const extra of template.extraExtensions ?? [])
    extensions.push(
      derSequence(derOid(extra.oid), ...(extra.critical ? [derBoolean(true)] : []), derOctetString(extra.value)),
    );
  const tbs = derSequence(
    derExplicit(0, derUnsignedInteger(Uint8Array.of(2))), // v3
    derUnsignedInteger(template.serialNumber ?? randomSerial()),
    algorithm,
    encodeName(template.issuer ?? template.subject),
    derSequence(derTime(template.notBefore), derTime(template.notAfter)),
    encodeName(template.subject),
    spki,
    derExplicit(3, derSequence(...extensions)),
  );
  const signature = cryptoSign(hash, tbs, { key: template.signingKey, dsaEncoding: 'der' });
  return derSequence(tbs, algorithm, derBitString(new Uint8Array(signature)));
}

/** KeyUsage as a DER named-bit BIT STRING: bit 0 first, trailing zero bits dropped (X.690 §11.2.2). */
function keyUsageBits(usages: readonly KeyUsage[]): Uint8Array {
  const bits = usages.map((usage) => KEY_USAGES.indexOf(usage));
  const highest = Math.max(-1, ...bits);
  const bytes = new Uint8Array(highest < 0 ? 0 : (highest >> 3) + 1);
  for (const bit of bits) bytes[bit >> 3] = (bytes[bit >> 3] as number) | (0x80 >> (bit & 7));
  const unused = highest < 0 ? 0 : 7 - (highest & 7);
  return derTlv(DER_TAG.BIT_STRING, Uint8Array.of(unused, ...bytes));
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
