// Reading images from disk: the streamed measurement equals the in-memory one for every vector,
// with and without the worker-thread hasher and for any read size; file errors are coded.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureEIF } from '../../src/enclave/eif-measurer.js';
import { measureEifFile, readEifFile } from '../../src/files/eif-file.js';
import { fixtureEif } from '../enclave/fixtures/eif.js';
import { EIF_MANIFEST, TESTDATA } from '../enclave/fixtures/testdata.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosigner-eif-file-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('measureEifFile', () => {
  it.each(EIF_MANIFEST.vectors.filter((v) => v.expect === 'ok'))(
    '$file: streamed PCRs equal the manifest, with and without the worker',
    async (vector) => {
      const path = resolve(TESTDATA, 'eif', vector.file);
      expect((await readEifFile(path)).pcrs).toEqual(vector.pcrs);
      const parallel = await measureEifFile(path, { parallel: true, chunkSize: 4096 });
      expect({ PCR0: parallel.pcrs.PCR0, PCR1: parallel.pcrs.PCR1, PCR2: parallel.pcrs.PCR2 }).toEqual({
        PCR0: vector.pcrs?.PCR0,
        PCR1: vector.pcrs?.PCR1,
        PCR2: vector.pcrs?.PCR2,
      });
    },
  );

  it.each(
    EIF_MANIFEST.vectors.filter(
      (v) =>
        v.expect === 'error' &&
        v.error_kind !== 'signature_invalid' &&
        v.error_kind !== 'signature_mismatch' &&
        v.error_kind !== 'metadata_invalid',
    ),
  )('$file: fails as the in-memory parser does', async (vector) => {
    const path = resolve(TESTDATA, 'eif', vector.file);
    const inMemory = (() => {
      try {
        measureEIF(new Uint8Array(readFileSync(path)));
      } catch (error) {
        return (error as { code: string }).code;
      }
      return 'none';
    })();
    await expect(measureEifFile(path, { parallel: true })).rejects.toMatchObject({ code: inMemory });
  });

  it('measures a multi-chunk image with the worker the same as in memory, for any read size', async () => {
    const big = fixtureEif({
      ramdisks: [new Uint8Array(3 * 1024 * 1024).fill(7), new Uint8Array(5 * 1024 * 1024 + 3).fill(9)],
    });
    const path = join(dir, 'big.eif');
    await writeFile(path, big);
    const expected = measureEIF(big).pcrs;
    for (const chunkSize of [1, 65_536, 1_048_576, 16 * 1_048_576]) {
      expect((await measureEifFile(path, { parallel: true, chunkSize })).pcrs, String(chunkSize)).toEqual(expected);
    }
    expect((await measureEifFile(path)).pcrs).toEqual(expected);
  });

  it('uses the worker by default from 64 MiB', async () => {
    const big = fixtureEif({ ramdisks: [new Uint8Array(1024), new Uint8Array(64 * 1024 * 1024).fill(1)] });
    const path = join(dir, 'default.eif');
    await writeFile(path, big);
    expect((await measureEifFile(path)).pcrs).toEqual(measureEIF(big).pcrs);
  });

  it('stops the worker when the image is bad', async () => {
    const path = join(dir, 'bad.eif');
    const bad = fixtureEif();
    bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 1;
    await writeFile(path, bad);
    await expect(measureEifFile(path, { parallel: true })).toThrowCosignerError('EIF_CRC_MISMATCH');
    await writeFile(path, new Uint8Array(10));
    await expect(measureEifFile(path, { parallel: true })).toThrowCosignerError('EIF_TRUNCATED');
  });

  it('throws FILE_NOT_FOUND and FILE_NOT_REGULAR', async () => {
    await expect(measureEifFile(join(dir, 'missing.eif'))).toThrowCosignerError('FILE_NOT_FOUND');
    await expect(measureEifFile(dir)).toThrowCosignerError('FILE_NOT_REGULAR');
  });
});
