// Build EIF images in memory, in the layout nitro-cli writes (spec §1.4: kernel, cmdline,
// metadata, ramdisks, signature), optionally signed (spec §3). Used by the simulated nitro-cli and
// by tests; real images come from nitro-cli build-enclave.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { concatBytes, fromHex, utf8 } from '../../../enclave/bytes.js';
import {
  EIF_CRC_OFFSET,
  EIF_HEADER_SIZE,
  EIF_MAX_SECTIONS,
  EIF_SECTION_HEADER_SIZE,
  type EifSectionType,
} from '../../../enclave/eif-format.js';
import { encodePcrInfo } from '../../../enclave/eif-signature.js';
import { extendPCR, sha384 } from '../../../enclave/pcr.js';
import { fail } from '../../../errors.js';
import { signCoseSign1 } from './cose-sign.js';
import { encodeEifHeader, encodeEifSectionHeader, encodeEifSignatureSection } from './eif-encode.js';
import { buildCertificate, derToPem, type NameSpec } from './x509-build.js';

export interface EifSigner {
  /** The signing certificate as PEM text (what nitro-cli embeds). */
  readonly certificatePem: string;
  readonly certificateDer: Uint8Array;
  readonly privateKey: KeyObject;
}

export interface BuildEifInput {
  kernel: Uint8Array;
  /** Kernel command line, without a trailing NUL. */
  cmdline: Uint8Array | string;
  /** First = bootstrap (PCR1), the rest = application (PCR2). At least one. */
  ramdisks: readonly Uint8Array[];
  /** Metadata JSON value (serialised compactly) or raw bytes. Required for version 4. */
  metadata?: Uint8Array | Record<string, unknown>;
  /** @default 4 with metadata, 3 without */
  version?: number;
  /** @default 0 (x86_64); 1 = aarch64 */
  flags?: number;
  /** @default 1 GiB */
  defaultMemory?: bigint;
  /** @default 2 */
  defaultCpus?: bigint;
  /** Adds a signature section over PCR0. */
  signer?: Pick<EifSigner, 'certificatePem' | 'privateKey'>;
}

/** Build a complete image. */
export function buildEIF(input: BuildEifInput): Uint8Array {
  if (input.ramdisks.length === 0) fail('INTERNAL', 'an EIF needs at least one ramdisk');
  const cmdline = typeof input.cmdline === 'string' ? utf8(input.cmdline) : input.cmdline;
  const sections: [EifSectionType, Uint8Array][] = [
    ['kernel', input.kernel],
    ['cmdline', cmdline],
  ];
  if (input.metadata !== undefined) {
    sections.push([
      'metadata',
      input.metadata instanceof Uint8Array ? input.metadata : utf8(JSON.stringify(input.metadata)),
    ]);
  }
  for (const ramdisk of input.ramdisks) sections.push(['ramdisk', ramdisk]);
  if (input.signer !== undefined) {
    // PCR0 = SHA384(Z48 || SHA384(kernel || cmdline || ramdisks…)); the signed payload is PcrInfo(0, PCR0).
    const pcr0 = fromHex(extendPCR(sha384(concatBytes(input.kernel, cmdline, ...input.ramdisks)))) as Uint8Array;
    const cose = signCoseSign1(encodePcrInfo(0, pcr0), input.signer.privateKey);
    sections.push(['signature', encodeEifSignatureSection(input.signer.certificatePem, cose)]);
  }
  if (sections.length > EIF_MAX_SECTIONS) fail('INTERNAL', `an EIF holds at most ${EIF_MAX_SECTIONS} sections`);

  let offset = EIF_HEADER_SIZE;
  const layout = sections.map(([, data]) => {
    const entry = { offset, size: data.length };
    offset += EIF_SECTION_HEADER_SIZE + data.length;
    return entry;
  });
  const body = concatBytes(...sections.flatMap(([type, data]) => [encodeEifSectionHeader(type, data.length), data]));
  const fields = {
    version: input.version ?? (input.metadata === undefined ? 3 : 4),
    flags: input.flags ?? 0,
    defaultMemory: input.defaultMemory ?? 1_073_741_824n,
    defaultCpus: input.defaultCpus ?? 2n,
    sections: layout,
  };
  const unsigned = encodeEifHeader({ ...fields, crc32: 0 });
  const crc = crc32(body, crc32(unsigned.subarray(0, EIF_CRC_OFFSET)));
  return concatBytes(encodeEifHeader({ ...fields, crc32: crc }), body);
}

export interface EifSignerOptions {
  /** Start of the certificate's validity. */
  now: Date;
  /** @default 365 */
  validityDays?: number;
  /** @default C=US, O=cosigner-cli, CN=eif-signer */
  subject?: NameSpec;
}

/** A fresh P-384 key and self-signed certificate for signing images (like the AWS guide's openssl steps). */
export function createEifSigner(options: EifSignerOptions): EifSigner {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
  const notAfter = new Date(options.now.getTime() + (options.validityDays ?? 365) * 86_400_000);
  const certificateDer = buildCertificate({
    subject: options.subject ?? [
      ['C', 'US'],
      ['O', 'cosigner-cli'],
      ['CN', 'eif-signer'],
    ],
    publicKey,
    signingKey: privateKey,
    notBefore: options.now,
    notAfter,
  });
  return { certificatePem: derToPem(certificateDer), certificateDer, privateKey };
}
