// AWS's procedure for an attestation document's chain (nsm-api attestation_process.md §3.2.3):
// key usage, basic constraints with path length, no unknown critical extension, bundle entry
// sizes; and the freshness step. Each defect is a coded refusal; the real documents still pass.
import { describe, expect, it } from 'vitest';
import { verifyAttestationDocument } from '../../src/enclave/attestation-verify.js';
import {
  derBoolean,
  derExplicit,
  derOctetString,
  derOid,
  derSequence,
  derTlv,
  derUnsignedInteger,
} from '../../src/aws/sandbox/nitro/der-writer.js';
import { KEY_USAGES, parseCertificate } from '../../src/enclave/x509.js';
import { buildCertificate } from '../../src/aws/sandbox/nitro/x509-build.js';
import { CosignerError } from '../../src/errors.js';
import { at, documentFor, makeChain, p384, T0, type ChainOptions } from './fixtures/attestation.js';

function refusal(options: ChainOptions, over: Parameters<typeof documentFor>[1] = {}): CosignerError {
  const chain = makeChain(options);
  try {
    verifyAttestationDocument(documentFor(chain, over), { now: T0, rootCertificate: chain.root });
  } catch (error) {
    if (error instanceof CosignerError) return error as CosignerError;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('certificate constraints in the chain', () => {
  it('accepts the generated chain: CAs with keyCertSign, a signing leaf, no pathLen, known critical extensions', () => {
    const chain = makeChain();
    const result = verifyAttestationDocument(documentFor(chain), { now: T0, rootCertificate: chain.root });
    expect(result.steps[1]?.name).toBe('chain');
    expect(parseCertificate(chain.intermediate).keyUsage).toEqual(['digitalSignature', 'keyCertSign', 'cRLSign']);
    expect(parseCertificate(chain.leaf).keyUsage).toEqual(['digitalSignature']);
  });

  it('accepts path lengths that allow the path, as AWS sets them', () => {
    const chain = makeChain({ root: { pathLength: 1 }, intermediate: { pathLength: 0 } });
    expect(() => verifyAttestationDocument(documentFor(chain), { now: T0, rootCertificate: chain.root })).not.toThrow();
  });

  describe('when a CA', () => {
    it('may not sign certificates, refuses it', () => {
      const error = refusal({ intermediate: { keyUsage: ['digitalSignature'] } });
      expect(error.code).toBe('ATTESTATION_CHAIN_INVALID');
      expect(error.message).toMatch(/intermediate.* may not sign certificates/);
      expect(refusal({ root: { keyUsage: null } }).message).toMatch(/root.* may not sign certificates/);
    });

    it('does not mark basicConstraints critical, refuses it', () => {
      expect(refusal({ intermediate: { basicConstraintsCritical: false } }).message).toMatch(
        /does not mark basicConstraints critical/,
      );
    });

    it('heads a longer path of CAs than its pathLenConstraint, refuses it', () => {
      expect(refusal({ root: { pathLength: 0 } }).message).toMatch(
        /allows 0 CA certificate\(s\) below it, the path has 1/,
      );
    });
  });

  describe('when the leaf', () => {
    it('is a CA or carries a path length, refuses it', () => {
      expect(refusal({ leaf: { isCA: true } }).message).toMatch(/the leaf .* is a CA certificate/);
      expect(refusal({ leaf: { pathLength: 0 } }).message).toMatch(/the leaf .* is a CA certificate/);
    });

    it('may not sign, refuses it', () => {
      expect(refusal({ leaf: { keyUsage: ['keyEncipherment'] } }).message).toMatch(/may not sign/);
      expect(refusal({ leaf: { keyUsage: null } }).message).toMatch(/may not sign/);
    });
  });

  it('refuses an unknown critical extension and accepts an unknown non-critical one', () => {
    const unknown = { oid: '1.3.6.1.4.1.99999.1', value: derTlv(0x05, new Uint8Array(0)) };
    expect(refusal({ leaf: { extraExtensions: [{ ...unknown, critical: true }] } }).message).toMatch(
      /unknown critical extension 1\.3\.6\.1\.4\.1\.99999\.1/,
    );
    const chain = makeChain({ leaf: { extraExtensions: [{ ...unknown, critical: false }] } });
    expect(() => verifyAttestationDocument(documentFor(chain), { now: T0, rootCertificate: chain.root })).not.toThrow();
  });

  it('refuses a bundle entry or certificate over the specification’s 1024 bytes', () => {
    const padding = { oid: '1.3.6.1.4.1.99999.2', critical: false, value: derOctetString(new Uint8Array(900)) };
    expect(refusal({ intermediate: { extraExtensions: [padding] } }).message).toMatch(
      /cabundle\[1\] certificate is \d+ bytes; .* at most 1024/,
    );
    expect(refusal({ leaf: { extraExtensions: [padding] } }).message).toMatch(/^leaf certificate is \d+ bytes/);
  });
});

describe('freshness', () => {
  const chain = makeChain();
  const document = documentFor(chain);
  const verify = (now: Date, maxAgeMs: number) =>
    verifyAttestationDocument(document, { now, rootCertificate: chain.root, maxAgeMs });

  it('passes a document younger than maxAgeMs and says how old it is', () => {
    expect(verify(at(0.5), 3_600_000).steps.find((s) => s.name === 'freshness')?.detail).toBe(
      `produced 1800 s before ${at(0.5).toISOString()}`,
    );
    expect(verify(new Date(T0.getTime() - 30_000), 60_000).steps.find((s) => s.name === 'freshness')?.detail).toMatch(
      /^produced 0 s before/,
    );
  });

  it('refuses an older document (ATTESTATION_STALE) and one from the future', () => {
    expect(() => verify(at(2), 3_600_000)).toThrowCosignerError('ATTESTATION_STALE');
    expect(() => verify(new Date(T0.getTime() - 120_000), 3_600_000)).toThrowCosignerError('ATTESTATION_NOT_YET_VALID');
  });
});

describe('parsing keyUsage and basicConstraints', () => {
  const key = p384();
  const certificateWith = (...extensions: Uint8Array[]): Uint8Array => {
    // A valid certificate, then its extensions replaced (signature no longer matters to the parser).
    const der = buildCertificate({
      subject: [['CN', 'x']],
      publicKey: key.publicKey,
      signingKey: key.privateKey,
      notBefore: at(-1),
      notAfter: at(1),
      keyUsage: null,
    });
    return rebuild(der, derExplicit(3, derSequence(...extensions)));
  };
  const ext = (oid: string, value: Uint8Array, critical = true) =>
    derSequence(derOid(oid), ...(critical ? [derBoolean(true)] : []), derOctetString(value));
  const bitString = (...bytes: number[]) => derTlv(0x03, Uint8Array.from(bytes));

  it('reads every key usage bit, the second byte included', () => {
    const all = certificateWith(ext('2.5.29.15', bitString(7, 0xff, 0x80)));
    expect(parseCertificate(all).keyUsage).toEqual([...KEY_USAGES]);
    expect(parseCertificate(certificateWith(ext('2.5.29.15', bitString(0)))).keyUsage).toEqual([]);
    expect(parseCertificate(certificateWith(ext('2.5.29.19', derSequence()))).keyUsage).toBeUndefined();
  });

  it('writes and reads an empty key usage (no bit set)', () => {
    const der = buildCertificate({
      subject: [['CN', 'x']],
      publicKey: key.publicKey,
      signingKey: key.privateKey,
      notBefore: at(-1),
      notAfter: at(1),
      keyUsage: [],
    });
    expect(parseCertificate(der).keyUsage).toEqual([]);
  });

  it('reads pathLenConstraint values, and records which extensions are critical', () => {
    const parsed = parseCertificate(
      certificateWith(
        ext('2.5.29.19', derSequence(derBoolean(true), derUnsignedInteger(Uint8Array.of(0x00, 0x80)))),
        ext('1.2.3.4', new Uint8Array(0), false),
      ),
    );
    expect(parsed.pathLength).toBe(128);
    expect(parsed.criticalExtensions).toEqual(['2.5.29.19']);
  });

  describe('when they are malformed', () => {
    it.each([
      ['a negative pathLen', ext('2.5.29.19', derSequence(derBoolean(true), derTlv(0x02, Uint8Array.of(0xff))))],
      ['a pathLen too long', ext('2.5.29.19', derSequence(derBoolean(true), derTlv(0x02, Uint8Array.of(1, 2, 3))))],
      ['an empty pathLen', ext('2.5.29.19', derSequence(derBoolean(true), derTlv(0x02, new Uint8Array(0))))],
      ['a non-minimal pathLen', ext('2.5.29.19', derSequence(derBoolean(true), derTlv(0x02, Uint8Array.of(0, 1))))],
      ['more than 7 unused bits', ext('2.5.29.15', bitString(8, 0x80))],
      ['unused bits that are set', ext('2.5.29.15', bitString(1, 0x81))],
      ['unused bits without any byte', ext('2.5.29.15', bitString(3))],
      ['an empty bit string', ext('2.5.29.15', bitString())],
    ])('throws CERT_INVALID for %s', (_name, extension) => {
      expect(() => parseCertificate(certificateWith(extension))).toThrowCosignerError('CERT_INVALID');
    });
  });
});

/** Replace a certificate's extensions field ([3], the TBS's last element) with `extensions`. */
function rebuild(der: Uint8Array, extensions: Uint8Array): Uint8Array {
  const parsed = parseCertificate(der);
  const tbs = parsed.tbs;
  // The TBS content without its trailing [3] element: find the [3] tag from the end.
  const content = tbsContent(tbs);
  const last = lastElementOffset(content);
  const newTbs = derSequence(content.subarray(0, last), extensions);
  const algorithm = derSequence(derOid(parsed.signatureAlgorithmOid));
  return derSequence(newTbs, algorithm, derTlv(0x03, Uint8Array.of(0, ...parsed.signature)));
}

function tbsContent(tbs: Uint8Array): Uint8Array {
  const lengthByte = tbs[1] as number;
  const header = lengthByte < 0x80 ? 2 : 2 + (lengthByte & 0x7f);
  return tbs.subarray(header);
}

function lastElementOffset(content: Uint8Array): number {
  let offset = 0;
  let last = 0;
  while (offset < content.length) {
    last = offset;
    const lengthByte = content[offset + 1] as number;
    let length = lengthByte;
    let header = 2;
    if (lengthByte >= 0x80) {
      const count = lengthByte & 0x7f;
      length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + (content[offset + 2 + i] as number);
      header = 2 + count;
    }
    offset += header + length;
  }
  return last;
}
