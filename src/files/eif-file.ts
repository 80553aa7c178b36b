// Measure an EIF from disk: the file is streamed in chunks through the pure incremental measurer
// (src/enclave/eif-measurer.ts), never loaded whole. Two buffers alternate so the next read runs
// while the current chunk is hashed; for large images PCR0's hash runs in a worker thread (or, with
// `allRegisters`, each register's hash in a worker of its own).
import type { FileHandle } from 'node:fs/promises';
import { inspectEIF, type EifImage } from '../enclave/eif.js';
import { createEifMeasurer, type EifMeasurement } from '../enclave/eif-measurer.js';
import { CosignerError } from '../errors.js';
import { fileError, openRegularFile } from './read-file.js';
import { createWorkerDigest, type WorkerDigest } from './sha384-worker.js';

export interface MeasureEifFileOptions {
  /** Read size. @default 4 MiB */
  chunkSize?: number;
  /** Hash PCR0 in a worker thread. @default true for images of 64 MiB or more */
  parallel?: boolean;
  /**
   * When parallel, hash every register (PCR0, PCR1, PCR2) in a worker of its own, leaving the
   * reads and the CRC to this thread: the fastest on two or more cores. @default false
   */
  allRegisters?: boolean;
}

const DEFAULT_CHUNK = 4 * 1024 * 1024;
const PARALLEL_FROM = 64 * 1024 * 1024;

async function readChunk(
  handle: FileHandle,
  buffer: Uint8Array,
  length: number,
  position: number,
  path: string,
): Promise<number> {
  try {
    const { bytesRead } = await handle.read(buffer, 0, length, position);
    return bytesRead;
  } catch (error) {
    throw fileError(error, path, 'enclave image');
  }
}

/** Stream the file through the measurer: structure, CRC and PCR0/1/2. Throws FILE_* or EIF_* errors. */
export async function measureEifFile(path: string, options: MeasureEifFileOptions = {}): Promise<EifMeasurement> {
  const { handle, size } = await openRegularFile(path, 'enclave image');
  const parallel = options.parallel ?? size >= PARALLEL_FROM;
  const workers: WorkerDigest[] = [];
  const inWorker = (register: 0 | 1 | 2): boolean => parallel && (register === 0 || options.allRegisters === true);
  let pending: Promise<number> | undefined;
  try {
    const measurer = createEifMeasurer({
      totalSize: size,
      createDigest: (register) => {
        if (!inWorker(register)) return undefined;
        const worker = createWorkerDigest();
        workers.push(worker);
        return worker;
      },
    });
    const chunkSize = Math.max(4096, options.chunkSize ?? DEFAULT_CHUNK);
    let [current, next] = [new Uint8Array(chunkSize), new Uint8Array(chunkSize)];
    let position = 0;
    // Reads stop at the size stat reported, so the measurer never sees more than it was told.
    const read = (buffer: Uint8Array): Promise<number> =>
      readChunk(handle, buffer, Math.min(chunkSize, size - position), position, path);
    pending = read(current);
    for (;;) {
      const bytesRead = await pending;
      pending = undefined;
      if (bytesRead === 0) break;
      position += bytesRead;
      // Start the next read before hashing this chunk.
      pending = read(next);
      measurer.update(current.subarray(0, bytesRead));
      [current, next] = [next, current];
    }
    // The file shrank between stat and read.
    if (position !== size)
      throw new CosignerError('FILE_UNREADABLE', `enclave image ${path} changed size while being read`, {
        hint: 'measure a file that is not being written',
      });
    return measurer.finish();
  } finally {
    // Never close the handle under an outstanding read.
    await pending?.catch(() => 0);
    await Promise.all(workers.map((worker) => worker.close()));
    await handle.close();
  }
}

/** Measure and fully check an image file (metadata and signature too). */
export async function readEifFile(path: string, options: MeasureEifFileOptions = {}): Promise<EifImage> {
  return inspectEIF(await measureEifFile(path, options));
}
