// A fake Nitro attestation issuer: mints a root → intermediate → leaf ECDSA P-384 chain and
// signs attestation documents with the leaf, the way the Nitro hypervisor does (spec §6). The
// simulated AWS uses it for its simulated enclave; tests use it as a clock-driven fake issuer
// (conventions item 11). Its documents verify with verifyAttestationDocument when its root is
// passed as `rootCertificate`; they never verify against the pinned AWS root.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { fromHex } from '../../../enclave/bytes.js';
import { encodeCBOR } from '../../../enclave/cbor.js';
import { normalizePCR, PCR_BYTES } from '../../../enclave/pcr.js';
import { fail } from '../../../errors.js';
import { signCoseSign1 } from './cose-sign.js';
import { buildCertificate, type NameSpec } from './x509-build.js';

/** The fields of an attestation payload, for building one (the issuer below, tests). */
export interface AttestationPayloadFields {
  moduleId: string;
  timestamp: Date;
  pcrs: ReadonlyMap<number, Uint8Array>;
  certificate: Uint8Array;
  cabundle: readonly Uint8Array[];
  publicKey?: Uint8Array | null;
  userData?: Uint8Array | null;
  nonce?: Uint8Array | null;
}

/** The payload map in the field order Nitro writes, absent optional fields as CBOR null (spec §6.2). */
export function attestationPayloadMap(fields: AttestationPayloadFields): Map<string, unknown> {
  return new Map<string, unknown>([
    ['module_id', fields.moduleId],
    ['digest', 'SHA384'],
    ['timestamp', fields.timestamp.getTime()],
    ['pcrs', new Map(fields.pcrs)],
    ['certificate', fields.certificate],
    ['cabundle', [...fields.cabundle]],
    ['public_key', fields.publicKey ?? null],
    ['user_data', fields.userData ?? null],
    ['nonce', fields.nonce ?? null],
  ]);
}

export interface AttestationIssuerOptions {
  /** Start of every certificate's validity window (backdated by one hour, as real chains are). */
  now: Date;
  /** Lifetime of the chain from `now`. @default 30 */
  validityDays?: number;
}

export interface MintAttestationOptions {
  /** `module_id`, e.g. `i-0123456789abcdef0-enc0123456789abcdef`. */
  moduleId: string;
  /** Registers to set, index → 96 hex; registers 0..15 not given are zero, as on real hardware. */
  pcrs: Record<number, string>;
  timestamp: Date;
  nonce?: Uint8Array;
  userData?: Uint8Array;
  publicKey?: Uint8Array;
}

export interface AttestationIssuer {
  /** The issuer's root certificate, DER: pass it as `rootCertificate` to verify its documents. */
  readonly rootCertificateDer: Uint8Array;
  readonly intermediateCertificateDer: Uint8Array;
  readonly leafCertificateDer: Uint8Array;
  /** Mint a signed attestation document (untagged COSE_Sign1 bytes). */
  mint(options: MintAttestationOptions): Uint8Array;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const ORG: NameSpec = [
  ['C', 'US'],
  ['O', 'cosigner-cli simulated Nitro'],
  ['OU', 'sandbox'],
];

const newKey = (): { publicKey: KeyObject; privateKey: KeyObject } =>
  generateKeyPairSync('ec', { namedCurve: 'secp384r1' });

/** Create an issuer with a fresh key and certificate chain. */
export function createAttestationIssuer(options: AttestationIssuerOptions): AttestationIssuer {
  const validityDays = options.validityDays ?? 30;
  if (Number.isNaN(options.now.getTime()) || !(validityDays > 0))
    fail('INTERNAL', 'attestation issuer needs a valid time and a positive validity');
  const notBefore = new Date(options.now.getTime() - HOUR_MS);
  const notAfter = new Date(options.now.getTime() + validityDays * DAY_MS);

  const root = newKey();
  const intermediate = newKey();
  const leaf = newKey();
  const rootName: NameSpec = [...ORG, ['CN', 'simulated.nitro-enclaves']];
  const intermediateName: NameSpec = [...ORG, ['CN', 'zonal.simulated.nitro-enclaves']];
  const leafName: NameSpec = [...ORG, ['CN', 'enclave.simulated.nitro-enclaves']];
  const rootCertificateDer = buildCertificate({
    subject: rootName,
    publicKey: root.publicKey,
    signingKey: root.privateKey,
    notBefore,
    notAfter,
    isCA: true,
  });
  const intermediateCertificateDer = buildCertificate({
    subject: intermediateName,
    issuer: rootName,
    publicKey: intermediate.publicKey,
    signingKey: root.privateKey,
    notBefore,
    notAfter,
    isCA: true,
  });
  const leafCertificateDer = buildCertificate({
    subject: leafName,
    issuer: intermediateName,
    publicKey: leaf.publicKey,
    signingKey: intermediate.privateKey,
    notBefore,
    notAfter,
  });

  return {
    rootCertificateDer,
    intermediateCertificateDer,
    leafCertificateDer,
    mint(mintOptions: MintAttestationOptions): Uint8Array {
      if (mintOptions.moduleId.length === 0) fail('INTERNAL', 'an attestation document needs a module id');
      const registers = new Map<number, Uint8Array>();
      for (let i = 0; i < 16; i++) registers.set(i, new Uint8Array(PCR_BYTES));
      for (const [key, value] of Object.entries(mintOptions.pcrs)) {
        const index = Number(key);
        if (!Number.isInteger(index) || index < 0 || index > 31)
          fail('PCR_INVALID', `invalid PCR index ${key}`, 'use register indexes 0 to 31');
        registers.set(index, fromHex(normalizePCR(value)) as Uint8Array);
      }
      const payload = attestationPayloadMap({
        moduleId: mintOptions.moduleId,
        timestamp: mintOptions.timestamp,
        pcrs: new Map([...registers].sort(([a], [b]) => a - b)),
        certificate: leafCertificateDer,
        cabundle: [rootCertificateDer, intermediateCertificateDer],
        publicKey: mintOptions.publicKey ?? null,
        userData: mintOptions.userData ?? null,
        nonce: mintOptions.nonce ?? null,
      });
      return signCoseSign1(encodeCBOR(payload), leaf.privateKey);
    },
  };
}
