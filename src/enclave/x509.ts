// X.509 certificates (RFC 5280 §4.1) read with the strict DER reader: the fields the tool needs
// to verify attestation chains and EIF signing certificates and to print them like nitro-cli.
import { createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { fail } from '../errors.js';
import { fromUtf8, toHex } from './bytes.js';
import {
  DER_TAG,
  decodeBitString,
  decodeBoolean,
  decodeOid,
  decodeTime,
  derChildren,
  readDer,
  type DerNode,
} from './der.js';

/** One attribute of a distinguished name, e.g. `{ oid: '2.5.4.3', shortName: 'CN', longName: 'commonName', value: '…' }`. */
export interface NameAttribute {
  readonly oid: string;
  readonly shortName: string;
  readonly longName: string;
  readonly value: string;
}

export type CurveName = 'P-256' | 'P-384' | 'P-521';

export interface Certificate {
  /** The whole certificate, DER. */
  readonly der: Uint8Array;
  /** The signed part (TBSCertificate), DER. */
  readonly tbs: Uint8Array;
  /** X.509 version: 1, 2 or 3. */
  readonly version: number;
  /** Serial number, hex of the INTEGER content. */
  readonly serialNumber: string;
  /** Signature algorithm OID, e.g. 1.2.840.10045.4.3.3. */
  readonly signatureAlgorithmOid: string;
  /** OpenSSL's long name of the signature algorithm, e.g. `ecdsa-with-SHA384`, or the OID. */
  readonly signatureAlgorithm: string;
  /** The signature (BIT STRING content; DER ECDSA-Sig-Value for ECDSA). */
  readonly signature: Uint8Array;
  readonly issuer: readonly NameAttribute[];
  readonly subject: readonly NameAttribute[];
  /** Encoded Name fields, compared byte for byte when chaining (RFC 5280 §7.1 simplified to exact match). */
  readonly issuerDer: Uint8Array;
  readonly subjectDer: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** SubjectPublicKeyInfo, DER. */
  readonly spki: Uint8Array;
  readonly publicKey: KeyObject;
  /** The named curve of an EC key; undefined for other key types. */
  readonly curve: CurveName | undefined;
  /** basicConstraints cA; false when the extension is absent. */
  readonly isCA: boolean;
  /** basicConstraints pathLenConstraint; undefined when absent (no limit). */
  readonly pathLength: number | undefined;
  /** The keyUsage bits asserted (RFC 5280 §4.2.1.3); undefined when the extension is absent. */
  readonly keyUsage: readonly KeyUsage[] | undefined;
  /** The OIDs of the extensions marked critical. */
  readonly criticalExtensions: readonly string[];
}

/** KeyUsage ::= BIT STRING, bit 0 first (RFC 5280 §4.2.1.3). */
export const KEY_USAGES = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;
export type KeyUsage = (typeof KEY_USAGES)[number];

const ATTRIBUTE_NAMES: Readonly<Record<string, readonly [short: string, long: string]>> = {
  '2.5.4.3': ['CN', 'commonName'],
  '2.5.4.5': ['serialNumber', 'serialNumber'],
  '2.5.4.6': ['C', 'countryName'],
  '2.5.4.7': ['L', 'localityName'],
  '2.5.4.8': ['ST', 'stateOrProvinceName'],
  '2.5.4.9': ['street', 'streetAddress'],
  '2.5.4.10': ['O', 'organizationName'],
  '2.5.4.11': ['OU', 'organizationalUnitName'],
  '0.9.2342.19200300.100.1.25': ['DC', 'domainComponent'],
  '1.2.840.113549.1.9.1': ['emailAddress', 'emailAddress'],
};

/** ECDSA signature algorithms (RFC 5758 §3.2) and the hash each uses. */
const SIGNATURE_ALGORITHMS: Readonly<Record<string, readonly [name: string, hash: string]>> = {
  '1.2.840.10045.4.3.2': ['ecdsa-with-SHA256', 'sha256'],
  '1.2.840.10045.4.3.3': ['ecdsa-with-SHA384', 'sha384'],
  '1.2.840.10045.4.3.4': ['ecdsa-with-SHA512', 'sha512'],
};

const CURVES: Readonly<Record<string, CurveName>> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

export const OID_BASIC_CONSTRAINTS = '2.5.29.19';
export const OID_KEY_USAGE = '2.5.29.15';

function invalid(what: string, cause?: unknown): never {
  return fail(
    'CERT_INVALID',
    `invalid certificate: ${what}`,
    'check that the certificate is a DER or PEM X.509 certificate and was not altered',
    { cause },
  );
}

function decodeString(node: DerNode): string {
  switch (node.tag) {
    case DER_TAG.UTF8_STRING:
    case DER_TAG.PRINTABLE_STRING:
    case DER_TAG.IA5_STRING: {
      return fromUtf8(node.content) ?? invalid('name attribute is not valid UTF-8');
    }
    case DER_TAG.TELETEX_STRING:
      // T.61 is in practice Latin-1.
      return String.fromCharCode(...node.content);
    default:
      return invalid(`unsupported string type 0x${node.tag.toString(16)} in a name`);
  }
}

/** Name ::= SEQUENCE OF RelativeDistinguishedName (RFC 5280 §4.1.2.4). */
function decodeName(node: DerNode): NameAttribute[] {
  const attributes: NameAttribute[] = [];
  const rdns = derChildren(node);
  while (!rdns.done) {
    const set = derChildren(rdns.next(DER_TAG.SET));
    if (set.done) invalid('empty relative distinguished name');
    while (!set.done) {
      const pair = derChildren(set.next(DER_TAG.SEQUENCE));
      const oid = decodeOid(pair.next(DER_TAG.OID).content);
      const value = decodeString(pair.next());
      pair.end();
      const [shortName, longName] = ATTRIBUTE_NAMES[oid] ?? [oid, oid];
      attributes.push({ oid, shortName, longName, value });
    }
  }
  return attributes;
}

interface Extensions {
  isCA: boolean;
  pathLength: number | undefined;
  keyUsage: KeyUsage[] | undefined;
  criticalExtensions: string[];
}

/** pathLenConstraint INTEGER (0..MAX): DER, non-negative, small. */
function decodePathLength(content: Uint8Array): number {
  if (content.length === 0 || content.length > 2 || ((content[0] as number) & 0x80) !== 0)
    invalid('bad pathLenConstraint');
  if (content.length === 2 && content[0] === 0 && ((content[1] as number) & 0x80) === 0)
    invalid('non-minimal pathLenConstraint');
  return content.reduce((value, byte) => value * 256 + byte, 0);
}

/** KeyUsage ::= BIT STRING: the named bits set (unused trailing bits must be zero). */
function decodeKeyUsage(value: Uint8Array): KeyUsage[] {
  const content = readDer(value, DER_TAG.BIT_STRING).content;
  const unused = content[0] as number;
  const bits = content.subarray(1);
  if (content.length === 0 || unused > 7 || (bits.length === 0 && unused !== 0)) invalid('bad keyUsage');
  if (bits.length > 0 && ((bits[bits.length - 1] as number) & ((1 << unused) - 1)) !== 0) invalid('bad keyUsage');
  return KEY_USAGES.filter((_, bit) => (((bits[bit >> 3] ?? 0) >> (7 - (bit & 7))) & 1) === 1);
}

/** Extensions ::= SEQUENCE OF Extension (RFC 5280 §4.1.2.9): basicConstraints and keyUsage are interpreted. */
function decodeExtensions(node: DerNode): Extensions {
  const seen = new Set<string>();
  const out: Extensions = { isCA: false, pathLength: undefined, keyUsage: undefined, criticalExtensions: [] };
  const list = derChildren(readDer(node.content, DER_TAG.SEQUENCE));
  while (!list.done) {
    const ext = derChildren(list.next(DER_TAG.SEQUENCE));
    const oid = decodeOid(ext.next(DER_TAG.OID).content);
    if (seen.has(oid)) invalid(`duplicate extension ${oid}`);
    seen.add(oid);
    if (ext.peekTag() === DER_TAG.BOOLEAN && decodeBoolean(ext.next().content)) out.criticalExtensions.push(oid);
    const value = ext.next(DER_TAG.OCTET_STRING).content;
    ext.end();
    if (oid === OID_BASIC_CONSTRAINTS) {
      // BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL }
      const bc = derChildren(readDer(value, DER_TAG.SEQUENCE));
      if (bc.peekTag() === DER_TAG.BOOLEAN) out.isCA = decodeBoolean(bc.next().content);
      if (!bc.done) out.pathLength = decodePathLength(bc.next(DER_TAG.INTEGER).content);
      bc.end();
    } else if (oid === OID_KEY_USAGE) out.keyUsage = decodeKeyUsage(value);
  }
  return out;
}

/** Parse a DER certificate strictly. Throws CERT_INVALID. */
export function parseCertificate(der: Uint8Array): Certificate {
  const certificate = derChildren(readDer(der, DER_TAG.SEQUENCE));
  const tbsNode = certificate.next(DER_TAG.SEQUENCE);
  const outerAlgorithm = certificate.next(DER_TAG.SEQUENCE);
  const signature = decodeBitString(certificate.next(DER_TAG.BIT_STRING).content);
  certificate.end();

  const tbs = derChildren(tbsNode);
  // version [0] EXPLICIT Version DEFAULT v1
  let version = 1;
  if (tbs.peekTag() === 0xa0) {
    const v = readDer(tbs.next().content, DER_TAG.INTEGER).content;
    if (v.length !== 1 || (v[0] as number) > 2) invalid('unsupported version');
    version = (v[0] as number) + 1;
  }
  const serialNumber = toHex(tbs.next(DER_TAG.INTEGER).content);
  const innerAlgorithm = tbs.next(DER_TAG.SEQUENCE);
  // RFC 5280 §4.1.1.2: the two AlgorithmIdentifiers must be identical.
  if (toHex(innerAlgorithm.encoded) !== toHex(outerAlgorithm.encoded)) invalid('signature algorithm mismatch');
  const signatureAlgorithmOid = decodeOid(derChildren(outerAlgorithm).next(DER_TAG.OID).content);
  const issuerNode = tbs.next(DER_TAG.SEQUENCE);
  const validity = derChildren(tbs.next(DER_TAG.SEQUENCE));
  const notBefore = decodeTime(validity.next());
  const notAfter = decodeTime(validity.next());
  validity.end();
  const subjectNode = tbs.next(DER_TAG.SEQUENCE);
  const spkiNode = tbs.next(DER_TAG.SEQUENCE);
  // issuerUniqueID [1] and subjectUniqueID [2] are skipped; extensions [3] are read.
  let extensions: Extensions = { isCA: false, pathLength: undefined, keyUsage: undefined, criticalExtensions: [] };
  while (!tbs.done) {
    const node = tbs.next();
    if (node.tag === 0xa3) extensions = decodeExtensions(node);
    else if (node.tag !== 0x81 && node.tag !== 0x82) invalid(`unexpected field 0x${node.tag.toString(16)}`);
  }

  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: Buffer.from(spkiNode.encoded), format: 'der', type: 'spki' });
  } catch (error) {
    return invalid('unreadable public key', error);
  }
  const namedCurve = publicKey.asymmetricKeyDetails?.namedCurve;
  return {
    der,
    tbs: tbsNode.encoded,
    version,
    serialNumber,
    signatureAlgorithmOid,
    signatureAlgorithm: SIGNATURE_ALGORITHMS[signatureAlgorithmOid]?.[0] ?? signatureAlgorithmOid,
    signature,
    issuer: decodeName(issuerNode),
    subject: decodeName(subjectNode),
    issuerDer: issuerNode.encoded,
    subjectDer: subjectNode.encoded,
    notBefore,
    notAfter,
    spki: spkiNode.encoded,
    publicKey,
    curve: namedCurve === undefined ? undefined : CURVES[namedCurve],
    ...extensions,
  };
}

/**
 * True when `certificate` carries a valid ECDSA signature by `issuerKey`. A primitive: it never
 * throws, unsupported algorithms simply do not verify.
 */
export function verifyCertificateSignature(certificate: Certificate, issuerKey: KeyObject): boolean {
  const algorithm = SIGNATURE_ALGORITHMS[certificate.signatureAlgorithmOid];
  if (algorithm === undefined) return false;
  try {
    return cryptoVerify(algorithm[1], certificate.tbs, { key: issuerKey, dsaEncoding: 'der' }, certificate.signature);
  } catch {
    return false;
  }
}

/** Where `at` falls relative to the certificate's validity window (both ends inclusive, RFC 5280 §4.1.2.5). */
export function certificateValidity(certificate: Certificate, at: Date): 'valid' | 'expired' | 'not-yet-valid' {
  if (at.getTime() < certificate.notBefore.getTime()) return 'not-yet-valid';
  if (at.getTime() > certificate.notAfter.getTime()) return 'expired';
  return 'valid';
}

/** RFC 4514 string form, most specific attribute first: `CN=…,OU=AWS,O=Amazon,C=US`. */
export function formatName(name: readonly NameAttribute[]): string {
  return [...name]
    .reverse()
    .map((a) => `${a.shortName}=${a.value.replace(/[,+"\\<>;]/g, (c) => `\\${c}`)}`)
    .join(',');
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]*)-----END CERTIFICATE-----/;

/** The DER of the first CERTIFICATE block of a PEM text (as openssl's PEM reader takes the first). */
export function pemToDer(pem: string): Uint8Array {
  const match = PEM_BLOCK.exec(pem);
  const body = match?.[1]?.replace(/\s+/g, '');
  if (body === undefined || body.length === 0 || body.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(body)) {
    return fail('CERT_INVALID', 'no PEM certificate found', 'pass a PEM file with a -----BEGIN CERTIFICATE----- block');
  }
  return new Uint8Array(Buffer.from(body, 'base64'));
}
