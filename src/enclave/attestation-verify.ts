// Attestation document verification as ordered, named steps (spec §6.3). Each step either records
// what it checked or throws one coded error; the caller gets the list of steps it passed.
import type { KeyObject } from 'node:crypto';
import { CosignerError, fail } from '../errors.js';
import { bytesEqual } from './bytes.js';
import { parseAttestationDocument, type AttestationDocument } from './attestation.js';
import { AWS_NITRO_ROOT_G1_DER, certificateFingerprint } from './aws-nitro-root.js';
import { verifyCoseSign1 } from './cose.js';
import { isZeroPCR, normalizePCR, pcrEquals } from './pcr.js';
import {
  certificateValidity,
  formatName,
  OID_BASIC_CONSTRAINTS,
  OID_KEY_USAGE,
  parseCertificate,
  verifyCertificateSignature,
  type Certificate,
} from './x509.js';

export interface VerifyAttestationOptions {
  /** The verification time; validity windows are checked against it. Never read from a clock here. */
  now: Date;
  /**
   * The trusted root, DER. `cabundle[0]` must equal it byte for byte.
   * @default the pinned AWS Nitro Enclaves Root-G1 (fingerprint-checked)
   */
  rootCertificate?: Uint8Array;
  /** PCRs that must match, register index → 96 hex characters (any case). */
  expectedPcrs?: Record<number, string>;
  /** The nonce the document must carry. */
  expectedNonce?: Uint8Array;
  /** The document must be at most this old at `now` (its timestamp), and not from the future. */
  maxAgeMs?: number;
  /**
   * Accept a debug-mode document (PCR0, PCR1 and PCR2 all zero). Debug mode is always reported;
   * without this flag it fails with ATTESTATION_DEBUG_MODE, because a debug enclave's memory is
   * readable from the host and its PCR8 may still match a PCR8-only key policy (spec §2.5).
   * @default false
   */
  allowDebugMode?: boolean;
}

export type AttestationStepName =
  'parse' | 'chain' | 'signature' | 'validity' | 'freshness' | 'debug-mode' | 'pcrs' | 'nonce';

export interface AttestationStep {
  readonly name: AttestationStepName;
  /** What the step established, in words. */
  readonly detail: string;
}

export interface CertificateSummary {
  readonly subject: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** SHA-256 fingerprint of the DER, lowercase hex. */
  readonly sha256: string;
}

export interface AttestationVerification {
  readonly document: AttestationDocument;
  /** PCR0, PCR1 and PCR2 are all zero. */
  readonly debugMode: boolean;
  /** Root first, leaf last. */
  readonly chain: readonly CertificateSummary[];
  /** The window in which every certificate of the chain is valid. */
  readonly validFrom: Date;
  readonly validUntil: Date;
  /** The steps passed, in order. */
  readonly steps: readonly AttestationStep[];
}

const HINT_CHAIN = 'the document was not issued by the AWS Nitro hypervisor, or was altered';
/** cert = bytes .size (1..1024) in the attestation document specification (AWS nsm-api, §2.2). */
const MAX_CERTIFICATE_BYTES = 1024;
/** The extensions this verifier understands; any other marked critical is refused (RFC 5280 §4.2). */
const KNOWN_CRITICAL = new Set([OID_BASIC_CONSTRAINTS, OID_KEY_USAGE]);
/** Clock skew tolerated for a document timestamp ahead of `now` (with maxAgeMs). */
const FUTURE_SKEW_MS = 60_000;

/**
 * The constraints AWS's validation procedure puts on each certificate of the path (nsm-api
 * attestation_process.md §3.2.3): every CA has basicConstraints (critical, cA) and keyCertSign, and
 * no CA heads a longer path of CAs than its pathLenConstraint; the leaf is not a CA, has no
 * pathLenConstraint and has digitalSignature; no certificate has a critical extension we do not read.
 */
function verifyConstraints(chain: readonly Certificate[]): void {
  chain.forEach((certificate, i) => {
    const name = formatName(certificate.subject);
    const leaf = i === chain.length - 1;
    const unknown = certificate.criticalExtensions.filter((oid) => !KNOWN_CRITICAL.has(oid));
    if (unknown.length > 0)
      fail('ATTESTATION_CHAIN_INVALID', `${name} has an unknown critical extension ${unknown.join(', ')}`, HINT_CHAIN);
    const usage = certificate.keyUsage ?? [];
    if (leaf) {
      if (certificate.isCA || certificate.pathLength !== undefined)
        fail('ATTESTATION_CHAIN_INVALID', `the leaf ${name} is a CA certificate`, HINT_CHAIN);
      if (!usage.includes('digitalSignature'))
        fail('ATTESTATION_CHAIN_INVALID', `the leaf ${name} may not sign (no digitalSignature key usage)`, HINT_CHAIN);
      return;
    }
    if (!certificate.criticalExtensions.includes(OID_BASIC_CONSTRAINTS))
      fail('ATTESTATION_CHAIN_INVALID', `${name} does not mark basicConstraints critical`, HINT_CHAIN);
    if (!usage.includes('keyCertSign'))
      fail('ATTESTATION_CHAIN_INVALID', `${name} may not sign certificates (no keyCertSign key usage)`, HINT_CHAIN);
    // The CAs below this one, the leaf excluded.
    const below = chain.length - i - 2;
    if (certificate.pathLength !== undefined && below > certificate.pathLength)
      fail(
        'ATTESTATION_CHAIN_INVALID',
        `${name} allows ${certificate.pathLength} CA certificate(s) below it, the path has ${below}`,
        HINT_CHAIN,
      );
  });
}

function parseChainCertificate(der: Uint8Array, position: string): Certificate {
  try {
    return parseCertificate(der);
  } catch (error) {
    throw new CosignerError('ATTESTATION_CHAIN_INVALID', `${position} certificate is malformed`, {
      hint: HINT_CHAIN,
      cause: error,
    });
  }
}

// chain: cabundle[0] is the trusted root byte for byte; every next certificate (the rest of the
// bundle, then the leaf) names the previous one as issuer, is signed by its key, and every
// certificate but the leaf is a CA.
function verifyChain(document: AttestationDocument, root: Uint8Array): Certificate[] {
  if (!bytesEqual(document.cabundle[0] as Uint8Array, root)) {
    fail(
      'ATTESTATION_ROOT_UNTRUSTED',
      'the attestation document does not chain to the trusted root',
      `its root has SHA-256 ${certificateFingerprint(document.cabundle[0] as Uint8Array)}; only documents from the AWS Nitro hypervisor are trusted`,
    );
  }
  const ders = [...document.cabundle, document.certificate];
  const position = (i: number) => (i === 0 ? 'root' : i === ders.length - 1 ? 'leaf' : `cabundle[${i}]`);
  ders.forEach((der, i) => {
    if (der.length > MAX_CERTIFICATE_BYTES)
      fail(
        'ATTESTATION_CHAIN_INVALID',
        `${position(i)} certificate is ${der.length} bytes; the attestation document specification allows at most ${MAX_CERTIFICATE_BYTES}`,
        HINT_CHAIN,
      );
  });
  const chain = ders.map((der, i) => parseChainCertificate(der, position(i)));
  for (let i = 1; i < chain.length; i++) {
    const issuer = chain[i - 1] as Certificate;
    const subject = chain[i] as Certificate;
    const name = formatName(subject.subject);
    if (!issuer.isCA)
      fail('ATTESTATION_CHAIN_INVALID', `${formatName(issuer.subject)} is not a CA certificate`, HINT_CHAIN);
    if (!bytesEqual(subject.issuerDer, issuer.subjectDer))
      fail('ATTESTATION_CHAIN_INVALID', `${name} is not issued by ${formatName(issuer.subject)}`, HINT_CHAIN);
    if (!verifyCertificateSignature(subject, issuer.publicKey))
      fail('ATTESTATION_CHAIN_INVALID', `the signature on ${name} does not verify`, HINT_CHAIN);
  }
  verifyConstraints(chain);
  return chain;
}

// signature: the COSE_Sign1 verifies (ES384) with the leaf certificate's key.
function verifySignature(document: AttestationDocument, leafKey: KeyObject): void {
  if (!verifyCoseSign1(document.cose, leafKey)) {
    fail(
      'ATTESTATION_SIGNATURE_INVALID',
      'the attestation document signature does not verify with its certificate',
      'the document was altered after the enclave produced it',
    );
  }
}

// validity: `now` lies inside every certificate's window (inclusive).
function verifyValidity(chain: readonly Certificate[], now: Date): void {
  for (const certificate of chain) {
    const state = certificateValidity(certificate, now);
    const name = formatName(certificate.subject);
    if (state === 'expired') {
      fail(
        'ATTESTATION_EXPIRED',
        `certificate ${name} expired at ${certificate.notAfter.toISOString()} (checked at ${now.toISOString()})`,
        'request a fresh attestation document, or pass --at with the time the document was produced',
      );
    }
    if (state === 'not-yet-valid') {
      fail(
        'ATTESTATION_NOT_YET_VALID',
        `certificate ${name} is valid only from ${certificate.notBefore.toISOString()} (checked at ${now.toISOString()})`,
        'check the clock, or pass --at with the time the document was produced',
      );
    }
  }
}

// pcrs: each expected register is present and equal, compared in constant time; every mismatch
// is reported at once.
function verifyPcrs(document: AttestationDocument, expected: Record<number, string>): string {
  const mismatches: { index: number; expected: string; actual: string | null }[] = [];
  const entries = Object.entries(expected);
  for (const [key, value] of entries) {
    if (!/^(0|[1-9]\d?)$/.test(key) || Number(key) > 31)
      fail('PCR_INVALID', `invalid PCR index ${JSON.stringify(key)}`, 'use register indexes 0 to 31');
    const index = Number(key);
    const want = normalizePCR(value);
    const actual = document.pcrs.get(index);
    if (actual === undefined || !pcrEquals(actual, want))
      mismatches.push({ index, expected: want, actual: actual ?? null });
  }
  if (mismatches.length > 0) {
    fail(
      'ATTESTATION_PCR_MISMATCH',
      `PCR${mismatches.map((m) => m.index).join(', PCR')} ${mismatches.length === 1 ? 'does' : 'do'} not match`,
      'the enclave runs a different image, signer, role or instance than expected',
      { context: { mismatches } },
    );
  }
  return entries.map(([key]) => `PCR${key}`).join(', ');
}

/**
 * Verify an attestation document: parse → chain → signature → validity → debug-mode → pcrs →
 * nonce. Returns the parsed document and the steps passed, or throws the first failure's coded
 * error (ATTESTATION_ROOT_UNTRUSTED, ATTESTATION_CHAIN_INVALID, ATTESTATION_SIGNATURE_INVALID,
 * ATTESTATION_EXPIRED, ATTESTATION_NOT_YET_VALID, ATTESTATION_DEBUG_MODE, ATTESTATION_PCR_MISMATCH,
 * ATTESTATION_NONCE_MISMATCH, or a parse error).
 */
export function verifyAttestationDocument(
  bytes: Uint8Array,
  options: VerifyAttestationOptions,
): AttestationVerification {
  const steps: AttestationStep[] = [];
  const now = options.now;
  if (Number.isNaN(now.getTime()))
    fail('INVALID_OPTION', 'the verification time is not a valid date', 'pass an ISO 8601 time');

  const document = parseAttestationDocument(bytes);
  steps.push({ name: 'parse', detail: `COSE_Sign1 ES384, module ${document.moduleId}, ${document.pcrs.size} PCRs` });

  const root = options.rootCertificate ?? AWS_NITRO_ROOT_G1_DER;
  const chain = verifyChain(document, root);
  steps.push({
    name: 'chain',
    detail: `${chain.length} certificates from the root with SHA-256 ${certificateFingerprint(root)}`,
  });

  const leaf = chain[chain.length - 1] as Certificate;
  verifySignature(document, leaf.publicKey);
  steps.push({ name: 'signature', detail: `ES384 signature verifies with ${formatName(leaf.subject)}` });

  verifyValidity(chain, now);
  const validFrom = new Date(Math.max(...chain.map((c) => c.notBefore.getTime())));
  const validUntil = new Date(Math.min(...chain.map((c) => c.notAfter.getTime())));
  steps.push({
    name: 'validity',
    detail: `every certificate valid at ${now.toISOString()} (chain valid ${validFrom.toISOString()} to ${validUntil.toISOString()})`,
  });

  // freshness: the document was produced at most maxAgeMs before `now`, and not after it.
  if (options.maxAgeMs !== undefined) {
    const age = now.getTime() - document.timestamp.getTime();
    if (age > options.maxAgeMs)
      fail(
        'ATTESTATION_STALE',
        `the attestation document is ${Math.round(age / 1000)} s old, more than the ${Math.round(options.maxAgeMs / 1000)} s allowed`,
        'request a fresh document from the enclave; an old document may be a replay',
      );
    if (age < -FUTURE_SKEW_MS)
      fail(
        'ATTESTATION_NOT_YET_VALID',
        `the attestation document is dated ${document.timestamp.toISOString()}, after ${now.toISOString()}`,
        'check the clock, or pass --at with the time the document was produced',
      );
    steps.push({
      name: 'freshness',
      detail: `produced ${Math.max(0, Math.round(age / 1000))} s before ${now.toISOString()}`,
    });
  }

  // debug-mode: PCR0, PCR1 and PCR2 all zero means the enclave ran with --debug-mode (spec §2.5).
  const debugMode = [0, 1, 2].every((i) => isZeroPCR(document.pcrs.get(i) ?? ''));
  if (debugMode && options.allowDebugMode !== true) {
    fail(
      'ATTESTATION_DEBUG_MODE',
      'the attestation document comes from a debug-mode enclave (PCR0, PCR1 and PCR2 are zero)',
      'run the enclave without --debug-mode; a debug enclave cannot be trusted with keys',
    );
  }
  steps.push({
    name: 'debug-mode',
    detail: debugMode ? 'DEBUG MODE: PCR0, PCR1 and PCR2 are zero (allowed by the caller)' : 'not a debug-mode enclave',
  });

  if (options.expectedPcrs !== undefined) {
    const checked = verifyPcrs(document, options.expectedPcrs);
    steps.push({ name: 'pcrs', detail: checked === '' ? 'no PCRs expected' : `${checked} match` });
  }

  // nonce: the document answers this request, not an earlier one (constant-time comparison).
  if (options.expectedNonce !== undefined) {
    if (document.nonce === null || !bytesEqual(document.nonce, options.expectedNonce)) {
      fail(
        'ATTESTATION_NONCE_MISMATCH',
        document.nonce === null
          ? 'the attestation document carries no nonce'
          : 'the attestation document nonce does not match',
        'request a fresh document with the expected nonce; a replayed document cannot be trusted',
      );
    }
    steps.push({ name: 'nonce', detail: `nonce matches (${document.nonce.length} bytes)` });
  }

  return {
    document,
    debugMode,
    chain: chain.map((c) => ({
      subject: formatName(c.subject),
      notBefore: c.notBefore,
      notAfter: c.notAfter,
      sha256: certificateFingerprint(c.der),
    })),
    validFrom,
    validUntil,
    steps,
  };
}
