// Property tests over hostile bytes: random truncations, bit flips, size-field overflows and
// random input for every parser. The only acceptable failure is a CosignerError; nothing may
// crash, hang or allocate from a size field.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAttestationDocument } from '../../src/enclave/attestation.js';
import { verifyAttestationDocument } from '../../src/enclave/attestation-verify.js';
import { decodeCBOR } from '../../src/enclave/cbor.js';
import { decodeCoseSign1 } from '../../src/enclave/cose.js';
import { createEifMeasurer, measureEIF } from '../../src/enclave/eif-measurer.js';
import { parseEIF } from '../../src/enclave/eif.js';
import { decodeEifSignatureSection } from '../../src/enclave/eif-signature.js';
import { parseDescribeEifOutput } from '../../src/enclave/nitro-cli-output.js';
import { parseCertificate } from '../../src/enclave/x509.js';
import { CosignerError } from '../../src/errors.js';
import { createEifSigner } from '../../src/aws/sandbox/nitro/eif-build.js';
import { documentFor, makeChain, T0 } from './fixtures/attestation.js';
import { fixCrc, fixtureEif, OFFSETS, SIZES } from './fixtures/eif.js';
import { testdataBytes } from './fixtures/testdata.js';

const RUNS = { numRuns: 300 };

/** Run `fn`; a CosignerError or a normal return are fine, anything else fails the property. */
function onlyCoded(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch (error) {
    if (error instanceof CosignerError) return true;
    throw error;
  }
}

function throwsCoded(fn: () => unknown): boolean {
  try {
    fn();
  } catch (error) {
    if (error instanceof CosignerError) return true;
    throw error;
  }
  return false;
}

const signedEif = fixtureEif({ signer: createEifSigner({ now: T0 }) });
const eifs = [signedEif, testdataBytes('eif/v4-signed-metadata.eif'), testdataBytes('eif/v3-minimal-unsigned.eif')];
const chain = makeChain();
const generatedDoc = documentFor(chain);
const realDoc = testdataBytes('attestation/evervault-nondebug-2022-10-13.cose');
const realTime = new Date(1665651482136);

const flip = (bytes: Uint8Array, bit: number): Uint8Array => {
  const copy = bytes.slice();
  const index = bit >>> 3;
  copy[index] = (copy[index] as number) ^ (1 << (bit & 7));
  return copy;
};

describe('EIF properties', () => {
  it('any proper truncation fails with a coded error', () => {
    fc.assert(
      fc.property(fc.constantFrom(...eifs), fc.double({ min: 0, max: 1, noNaN: true }), (eif, fraction) => {
        const length = Math.min(eif.length - 1, Math.floor(fraction * eif.length));
        return throwsCoded(() => parseEIF(eif.subarray(0, length)));
      }),
      RUNS,
    );
  });

  it('any single bit flip is detected with a coded error', () => {
    fc.assert(
      fc.property(fc.constantFrom(...eifs), fc.nat(), (eif, n) =>
        throwsCoded(() => parseEIF(flip(eif, n % (eif.length * 8)))),
      ),
      RUNS,
    );
  });

  it('bit flips with the CRC recomputed still give only coded errors or a valid parse', () => {
    fc.assert(
      fc.property(fc.constantFrom(...eifs), fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), (eif, bits) => {
        let bytes = eif;
        for (const n of bits) bytes = flip(bytes, n % (eif.length * 8));
        return onlyCoded(() => parseEIF(fixCrc(bytes)));
      }),
      RUNS,
    );
  });

  it('any section size or table entry, up to 2^64-1, is refused without allocating', () => {
    const offsetOf = (eif: Uint8Array, i: number): number =>
      Number(new DataView(eif.buffer, eif.byteOffset).getBigUint64(OFFSETS + 8 * i));
    fc.assert(
      fc.property(
        fc.constantFrom(...eifs),
        fc.nat({ max: 4 }),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.boolean(),
        (eif, section, size, table) => {
          const copy = eif.slice();
          const view = new DataView(copy.buffer);
          view.setBigUint64(offsetOf(eif, section) + 4, size);
          if (table) view.setBigUint64(SIZES + 8 * section, size);
          // Most claimed sizes are far beyond what can be allocated: a parser that allocated from
          // one would throw a RangeError, which onlyCoded rejects (no reliance on the GC's timing).
          return onlyCoded(() => parseEIF(fixCrc(copy)));
        },
      ),
      RUNS,
    );
  });

  it('random bytes behind a valid header prefix give only coded errors', () => {
    fc.assert(
      fc.property(fc.nat({ max: 700 }), fc.uint8Array({ maxLength: 2000 }), (keep, tail) => {
        const bytes = new Uint8Array(Math.min(keep, signedEif.length) + tail.length);
        bytes.set(signedEif.subarray(0, keep));
        bytes.set(tail, Math.min(keep, signedEif.length));
        return onlyCoded(() => parseEIF(bytes));
      }),
      RUNS,
    );
  });

  it('the measurements do not depend on how the image is chunked', () => {
    const expected = measureEIF(signedEif).pcrs;
    fc.assert(
      fc.property(fc.array(fc.nat({ max: signedEif.length }), { maxLength: 20 }), (cuts) => {
        const points = [0, ...[...new Set(cuts)].sort((a, b) => a - b), signedEif.length];
        const measurer = createEifMeasurer();
        for (let i = 1; i < points.length; i++) measurer.update(signedEif.subarray(points[i - 1], points[i]));
        expect(measurer.finish().pcrs).toEqual(expected);
      }),
      RUNS,
    );
  });
});

describe('CBOR, COSE and signature-section properties', () => {
  it('random bytes give a value or a coded error', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        (bytes) =>
          onlyCoded(() => decodeCBOR(bytes, 'fuzz')) &&
          onlyCoded(() => decodeCoseSign1(bytes)) &&
          onlyCoded(() => decodeEifSignatureSection(bytes)),
      ),
      { numRuns: 1000 },
    );
  });

  it('CBOR headers claiming huge lengths are refused', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0x5b, 0x7b, 0x9b, 0xbb),
        fc.bigInt({ min: 2n ** 32n, max: 2n ** 64n - 1n }),
        (head, length) => {
          const bytes = new Uint8Array(9);
          bytes[0] = head;
          new DataView(bytes.buffer).setBigUint64(1, length);
          return throwsCoded(() => decodeCBOR(bytes, 'fuzz'));
        },
      ),
    );
  });
});

describe('attestation document properties', () => {
  it('any proper truncation fails with a coded error', () => {
    fc.assert(
      fc.property(fc.constantFrom(realDoc, generatedDoc), fc.double({ min: 0, max: 1, noNaN: true }), (doc, fraction) =>
        throwsCoded(() =>
          parseAttestationDocument(doc.subarray(0, Math.min(doc.length - 1, Math.floor(fraction * doc.length)))),
        ),
      ),
      RUNS,
    );
  });

  it('any single bit flip of a real document makes verification fail with a coded error', () => {
    fc.assert(
      fc.property(fc.nat(), (n) =>
        throwsCoded(() => verifyAttestationDocument(flip(realDoc, n % (realDoc.length * 8)), { now: realTime })),
      ),
      RUNS,
    );
  });

  it('any single bit flip of a generated document makes verification fail with a coded error', () => {
    fc.assert(
      fc.property(fc.nat(), (n) =>
        throwsCoded(() =>
          verifyAttestationDocument(flip(generatedDoc, n % (generatedDoc.length * 8)), {
            now: T0,
            rootCertificate: chain.root,
          }),
        ),
      ),
      RUNS,
    );
  });

  it('random bytes in place of a certificate give only coded errors', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => onlyCoded(() => parseCertificate(bytes))),
      { numRuns: 1000 },
    );
  });
});

describe('nitro-cli output properties', () => {
  it('arbitrary JSON values and text give a value or a coded error', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.string()), (value) => onlyCoded(() => parseDescribeEifOutput(value))),
      RUNS,
    );
  });
});
