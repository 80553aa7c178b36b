/**
 * `verify --attestation-doc <file> (--expect-pcr8 hex | --fb-env env | --any-image) [--nonce hex]
 * [--max-age duration] [--at time]`: verify a Nitro attestation document in-process: chain to the
 * pinned AWS Nitro root (with AWS's constraints on each certificate), ES384 signature, certificate
 * validity at `--at` (default now), freshness, debug mode, the expected PCR8 and nonce. A document
 * is only reported verified against an expected PCR8, unless `--any-image` says on purpose that
 * authenticity alone is wanted. Any failure is a coded error with exit code 3; bad flags exit 2.
 */
import { resolve } from 'node:path';
import type { CommandContext, Invocation } from '../command-kit.js';
import { verifyAttestationDocument, type AttestationVerification } from '../enclave/attestation-verify.js';
import { toHex } from '../enclave/bytes.js';
import { fireblocksPreset, isFireblocksEnv, type FireblocksEnv } from '../enclave/fireblocks-presets.js';
import { normalizePCR } from '../enclave/pcr.js';
import { fail } from '../errors.js';
import { readFileBytes } from '../files/read-file.js';
import { log, type IoHost } from '../io/io-host.js';
import { escapeControl } from '../io/safe-text.js';
import type { Style } from '../io/style.js';

export interface VerifyAttestationOptions {
  /** The document file: raw CBOR (COSE_Sign1) or its base64 text. */
  documentPath: string;
  /** PCR8 the document must carry (96 hex). */
  expectPcr8?: string;
  /** Expect the PCR8 Fireblocks publishes for this environment. */
  fbEnv?: FireblocksEnv;
  /** Judge certificate validity at this time. @default deps.now() */
  at?: Date;
  /** No expected PCR8, on purpose: authenticity only. */
  anyImage?: boolean;
  /** The nonce the document must carry. */
  nonce?: Uint8Array;
  /** The document must be at most this old (milliseconds). */
  maxAgeMs?: number;
}

export interface VerifyAttestationResult {
  documentPath: string;
  verified: true;
  /** The time certificate validity was checked at (ISO 8601). */
  checkedAt: string;
  moduleId: string;
  /** The document's own timestamp (ISO 8601). */
  timestamp: string;
  debugMode: boolean;
  /** Register index → 96 hex. */
  pcrs: Record<string, string>;
  /** The PCR8 the document was checked against, and where that value came from; null with --any-image. */
  expectedPcr8: { value: string; source: string } | null;
  /** True when no image was expected, on purpose (--any-image). */
  anyImage: boolean;
  chain: { subject: string; notBefore: string; notAfter: string; sha256: string }[];
  /** The window in which the whole chain is valid. */
  validFrom: string;
  validUntil: string;
  publicKey: string | null;
  userData: string | null;
  nonce: string | null;
  steps: { name: string; detail: string }[];
}

export interface VerifyAttestationDeps {
  io: IoHost;
  now: () => Date;
}

/** Attestation documents are a few KiB; anything far larger is not one. */
const MAX_DOCUMENT_BYTES = 64 * 1024;

/** `5m`, `30s`, `1h`, `2d`: milliseconds. */
function parseDuration(flag: string, text: string): number {
  const match = /^(\d+)\s*(s|m|h|d)$/.exec(text.trim());
  if (match === null)
    fail('INVALID_OPTION', `${flag} ${JSON.stringify(text)} is not a duration`, `pass e.g. ${flag} 5m (s, m, h or d)`);
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 's' | 'm' | 'h' | 'd'];
  const ms = Number(match[1]) * unit;
  if (ms <= 0) fail('INVALID_OPTION', `${flag} must be longer than zero`, `pass e.g. ${flag} 5m`);
  return ms;
}

export function parseOptions(invocation: Invocation): VerifyAttestationOptions {
  const { opts } = invocation;
  const path = opts.attestationDoc;
  if (typeof path !== 'string' || path === '')
    fail('USAGE', 'verify --attestation-doc needs a file', 'pass --attestation-doc <file>');
  const options: VerifyAttestationOptions = { documentPath: resolve(invocation.cwd, path) };
  const raw: unknown = opts.expectPcr8;
  const expect = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? [raw] : [];
  if (expect.length > 1)
    fail(
      'INVALID_OPTION',
      'an attestation document carries one PCR8: pass --expect-pcr8 once',
      'pass the one PCR8 the image must have',
    );
  if (expect.length > 0 && opts.fbEnv !== undefined) {
    fail('INVALID_OPTION', '--expect-pcr8 and --fb-env both name the expected PCR8', 'pass only one of them');
  }
  if (expect[0] !== undefined) options.expectPcr8 = normalizePCR(expect[0]);
  if (typeof opts.fbEnv === 'string') {
    if (!isFireblocksEnv(opts.fbEnv))
      fail(
        'INVALID_OPTION',
        `unknown Fireblocks environment ${JSON.stringify(opts.fbEnv)}`,
        'use one of: global, eu, swiss',
      );
    options.fbEnv = opts.fbEnv;
  }
  const expected = options.expectPcr8 !== undefined || options.fbEnv !== undefined;
  if (opts.anyImage === true) {
    if (expected)
      fail(
        'INVALID_OPTION',
        '--any-image contradicts --expect-pcr8 / --fb-env',
        'pass the expected PCR8, or --any-image alone',
      );
    options.anyImage = true;
  } else if (!expected) {
    fail(
      'INPUT_REQUIRED',
      'which image should the document attest? a document is only reported verified against an expected PCR8',
      'pass --fb-env <env> or --expect-pcr8 <hex>, or --any-image to check authenticity alone on purpose',
      { context: { flag: '--expect-pcr8' } },
    );
  }
  if (typeof opts.nonce === 'string') {
    const hex = opts.nonce.trim().replace(/^0x/i, '');
    if (!/^([0-9a-fA-F]{2})+$/.test(hex) || hex.length > 1024)
      fail(
        'INVALID_OPTION',
        '--nonce must be hex, 1 to 512 bytes',
        'pass the nonce as even-length hex, as you sent it',
      );
    options.nonce = new Uint8Array(Buffer.from(hex, 'hex'));
  }
  if (typeof opts.maxAge === 'string') options.maxAgeMs = parseDuration('--max-age', opts.maxAge);
  if (typeof opts.at === 'string') {
    const at = new Date(opts.at);
    if (!/^\d{4}-\d{2}-\d{2}/.test(opts.at) || Number.isNaN(at.getTime()))
      fail(
        'INVALID_OPTION',
        `--at ${JSON.stringify(opts.at)} is not an ISO 8601 time`,
        'pass e.g. --at 2026-01-01T00:00:00Z',
      );
    options.at = at;
  }
  return options;
}

/** Raw CBOR starts with an array of 4 (0x84) or tag 18 (0xd2); otherwise accept base64 text. */
export function decodeDocumentFile(bytes: Uint8Array): Uint8Array {
  if (bytes[0] === 0x84 || bytes[0] === 0xd2) return bytes;
  const text = new TextDecoder().decode(bytes).replace(/\s+/g, '');
  if (text.length > 0 && text.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(text))
    return new Uint8Array(Buffer.from(text, 'base64'));
  return bytes;
}

const hexOrNull = (bytes: Uint8Array | null): string | null => (bytes === null ? null : toHex(bytes));

export async function runVerifyAttestation(
  options: VerifyAttestationOptions,
  deps: VerifyAttestationDeps,
): Promise<VerifyAttestationResult> {
  const bytes = decodeDocumentFile(
    await readFileBytes(options.documentPath, { what: 'attestation document', maxBytes: MAX_DOCUMENT_BYTES }),
  );
  const at = options.at ?? deps.now();
  const expectedPcr8 =
    options.expectPcr8 !== undefined
      ? { value: normalizePCR(options.expectPcr8), source: '--expect-pcr8' }
      : options.fbEnv !== undefined
        ? { value: fireblocksPreset(options.fbEnv).pcr8, source: `Fireblocks ${options.fbEnv} (published PCR8)` }
        : null;
  if (expectedPcr8 === null && options.anyImage !== true)
    fail(
      'INPUT_REQUIRED',
      'which image should the document attest? a document is only reported verified against an expected PCR8',
      'pass --fb-env <env> or --expect-pcr8 <hex>, or --any-image to check authenticity alone on purpose',
      { context: { flag: '--expect-pcr8' } },
    );
  const verification: AttestationVerification = verifyAttestationDocument(bytes, {
    now: at,
    ...(expectedPcr8 === null ? {} : { expectedPcrs: { 8: expectedPcr8.value } }),
    ...(options.nonce === undefined ? {} : { expectedNonce: options.nonce }),
    ...(options.maxAgeMs === undefined ? {} : { maxAgeMs: options.maxAgeMs }),
  });
  // Only now, with every step passed, may anything call the document authentic.
  if (expectedPcr8 === null)
    log.warn(
      deps.io,
      'ATTESTATION_PCR8_UNCHECKED',
      '--any-image: the document is authentic, but nothing checks which image it attests (pass --fb-env or --expect-pcr8)',
      { hint: 'pass --fb-env or --expect-pcr8' },
    );
  const { document } = verification;
  return {
    documentPath: options.documentPath,
    verified: true,
    checkedAt: at.toISOString(),
    moduleId: document.moduleId,
    timestamp: document.timestamp.toISOString(),
    debugMode: verification.debugMode,
    pcrs: Object.fromEntries([...document.pcrs].map(([index, value]) => [String(index), value])),
    expectedPcr8,
    anyImage: expectedPcr8 === null,
    chain: verification.chain.map((c) => ({
      subject: c.subject,
      notBefore: c.notBefore.toISOString(),
      notAfter: c.notAfter.toISOString(),
      sha256: c.sha256,
    })),
    validFrom: verification.validFrom.toISOString(),
    validUntil: verification.validUntil.toISOString(),
    publicKey: hexOrNull(document.publicKey),
    userData: hexOrNull(document.userData),
    nonce: hexOrNull(document.nonce),
    steps: verification.steps.map((s) => ({ name: s.name, detail: s.detail })),
  };
}

function renderVerifyAttestation(result: VerifyAttestationResult, style?: Style): string {
  const green = (t: string): string => (style ? style.green(t) : t);
  const bold = (t: string): string => (style ? style.bold(t) : t);
  const lines = [
    `${green('✔')} ${bold('attestation document verified')} ${escapeControl(result.documentPath)}`,
    `  module     ${escapeControl(result.moduleId)}`,
    `  timestamp  ${result.timestamp} (checked at ${result.checkedAt})`,
    `  chain      valid ${result.validFrom} to ${result.validUntil}`,
    ...result.steps.map((s) => `  ${green('✔')} ${escapeControl(s.name).padEnd(11)}${escapeControl(s.detail)}`),
    ...['0', '1', '2', '3', '4', '8']
      .filter((i) => result.pcrs[i] !== undefined)
      .map((i) => `  PCR${i.padEnd(7)} ${result.pcrs[i]}`),
  ];
  if (result.expectedPcr8 !== null) lines.push(`  expected PCR8 from ${escapeControl(result.expectedPcr8.source)}`);
  else
    lines.push(`  ${style ? style.yellow('▲') : '▲'} any image (--any-image): which image it attests was not checked`);
  return lines.join('\n');
}

export function execute(options: VerifyAttestationOptions, context: CommandContext): Promise<VerifyAttestationResult> {
  return runVerifyAttestation(options, { io: context.io, now: context.now });
}

export const render = renderVerifyAttestation;
