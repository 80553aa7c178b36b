// The incremental measurer's contract beyond the vectors: digest injection, one-shot use, sticky
// failure, size accounting.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createEifMeasurer, measureEIF, measureEifChunks, type DigestSink } from '../../src/enclave/eif-measurer.js';
import { CosignerError } from '../../src/errors.js';
import { fixtureEif } from './fixtures/eif.js';

const image = fixtureEif();

describe('createEifMeasurer', () => {
  it('uses the supplied digest for each register, and the default where it returns undefined', () => {
    const fed: Record<number, number> = {};
    const createDigest = (register: 0 | 1 | 2): DigestSink | undefined => {
      if (register === 1) return undefined;
      const hash = createHash('sha384');
      return {
        update: (data) => {
          fed[register] = (fed[register] ?? 0) + data.length;
          hash.update(data);
        },
        digest: () => new Uint8Array(hash.digest()),
      };
    };
    const measured = measureEIF(image, { createDigest });
    expect(measured.pcrs).toEqual(measureEIF(image).pcrs);
    // PCR0 sees kernel + cmdline + both ramdisks; PCR2 only the second ramdisk.
    expect(fed).toEqual({ 0: 300 + 13 + 200 + 500, 2: 500 });
  });

  it('reports the size and buffers only metadata and signature', () => {
    const measured = measureEIF(image);
    expect(measured.size).toBe(image.length);
    expect(measured.metadata).toBeInstanceOf(Uint8Array);
    expect(measured.signature).toBeUndefined();
  });

  it('accepts empty chunks and sync iterables', async () => {
    const measured = await measureEifChunks([
      new Uint8Array(0),
      image.subarray(0, 10),
      new Uint8Array(0),
      image.subarray(10),
    ]);
    expect(measured.pcrs).toEqual(measureEIF(image).pcrs);
  });

  it('keeps buffered sections intact when the caller reuses its chunk buffer', () => {
    const measurer = createEifMeasurer();
    const buffer = new Uint8Array(64);
    for (let i = 0; i < image.length; i += 64) {
      const piece = image.subarray(i, i + 64);
      buffer.set(piece);
      measurer.update(buffer.subarray(0, piece.length));
      buffer.fill(0xee);
    }
    expect(measurer.finish().metadata).toEqual(measureEIF(image).metadata);
  });

  describe('when used out of order', () => {
    it('throws INTERNAL after finish()', () => {
      const measurer = createEifMeasurer();
      measurer.update(image);
      measurer.finish();
      expect(() => measurer.update(image)).toThrowCosignerError('INTERNAL');
      expect(() => measurer.finish()).toThrowCosignerError('INTERNAL');
    });

    it('throws INTERNAL when fed more than the declared total size', () => {
      const measurer = createEifMeasurer({ totalSize: 10 });
      expect(() => measurer.update(image)).toThrowCosignerError('INTERNAL');
    });

    it('repeats the first failure on every later call', () => {
      const measurer = createEifMeasurer();
      const bad = image.slice();
      bad[0] = 0;
      let first: unknown;
      try {
        measurer.update(bad);
      } catch (error) {
        first = error;
      }
      expect(first).toBeInstanceOf(CosignerError);
      expect(() => measurer.update(image)).toThrow(first);
      expect(() => measurer.finish()).toThrow(first);
    });
  });
});
