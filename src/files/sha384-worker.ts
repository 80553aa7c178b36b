// SHA-384 in a worker thread, behind the synchronous DigestSink interface of the pure EIF
// measurer, so that a large image's two hash streams (PCR0, and PCR1 or PCR2) use two cores.
//
// Data moves through a fixed ring of slots in one SharedArrayBuffer: update() copies the chunk
// into free slots (the caller may reuse its buffer at once) and the worker hashes slots in order.
// Memory is constant (slots × slot size) and nothing is allocated per chunk. Both sides
// coordinate with Atomics on shared counters; update() blocks only while every slot is full, and
// digest() blocks until the worker has hashed everything.
import { Worker } from 'node:worker_threads';
import type { DigestSink } from '../enclave/eif-measurer.js';

// Shared control words (Int32): counters only ever increase, so a waiter compares values.
const PRODUCED = 0; // slots filled by update()
const CONSUMED = 1; // slots hashed by the worker
const STATE = 2; // 0 running, 1 digest requested, 2 aborted
const READY = 3; // 1 once the digest is in the result buffer
const SIGNAL = 4; // bumped on every producer event; the worker sleeps on it
const CONTROL_WORDS = 5;

// Plain CommonJS so the worker runs the same under tsx, vitest and the built package.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { control: controlBuffer, lengths: lengthsBuffer, data, result: resultBuffer, slots, slotSize } = workerData;
const control = new Int32Array(controlBuffer);
const lengths = new Int32Array(lengthsBuffer);
const result = new Uint8Array(resultBuffer);
const hash = createHash('sha384');
let consumed = 0;
for (;;) {
  const signal = Atomics.load(control, ${SIGNAL});
  if (consumed < Atomics.load(control, ${PRODUCED})) {
    const slot = consumed % slots;
    hash.update(new Uint8Array(data, slot * slotSize, lengths[slot]));
    consumed++;
    Atomics.store(control, ${CONSUMED}, consumed);
    Atomics.notify(control, ${CONSUMED});
    continue;
  }
  const state = Atomics.load(control, ${STATE});
  if (state === 2) break;
  if (state === 1) {
    result.set(hash.digest());
    Atomics.store(control, ${READY}, 1);
    Atomics.notify(control, ${READY});
    break;
  }
  Atomics.wait(control, ${SIGNAL}, signal);
}
`;

export interface WorkerDigestOptions {
  /** Ring slots. @default 8 */
  slots?: number;
  /** Bytes per slot. @default 1 MiB */
  slotSize?: number;
}

export interface WorkerDigest extends DigestSink {
  /** Stop the worker (after a failure, or to release it); safe to call more than once. */
  close(): Promise<void>;
}

/** Start a worker that hashes what update() is given. */
export function createWorkerDigest(options: WorkerDigestOptions = {}): WorkerDigest {
  const slots = options.slots ?? 8;
  const slotSize = options.slotSize ?? 1024 * 1024;
  const controlBuffer = new SharedArrayBuffer(CONTROL_WORDS * 4);
  const lengthsBuffer = new SharedArrayBuffer(slots * 4);
  const data = new SharedArrayBuffer(slots * slotSize);
  const resultBuffer = new SharedArrayBuffer(48);
  const control = new Int32Array(controlBuffer);
  const lengths = new Int32Array(lengthsBuffer);
  const ring = new Uint8Array(data);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { control: controlBuffer, lengths: lengthsBuffer, data, result: resultBuffer, slots, slotSize },
  });
  worker.unref();
  let produced = 0;
  let stopped = false;

  const signal = (): void => {
    Atomics.add(control, SIGNAL, 1);
    Atomics.notify(control, SIGNAL);
  };

  return {
    update(chunk: Uint8Array): void {
      for (let at = 0; at < chunk.length; at += slotSize) {
        // Wait for a free slot: at most `slots` filled and not yet hashed.
        for (
          let consumed = Atomics.load(control, CONSUMED);
          produced - consumed >= slots;
          consumed = Atomics.load(control, CONSUMED)
        ) {
          Atomics.wait(control, CONSUMED, consumed);
        }
        const piece = chunk.subarray(at, at + slotSize);
        const slot = produced % slots;
        ring.set(piece, slot * slotSize);
        lengths[slot] = piece.length;
        produced++;
        Atomics.store(control, PRODUCED, produced);
        signal();
      }
    },
    digest(): Uint8Array {
      Atomics.store(control, STATE, 1);
      signal();
      while (Atomics.load(control, READY) === 0) Atomics.wait(control, READY, 0);
      stopped = true;
      return new Uint8Array(resultBuffer).slice();
    },
    async close(): Promise<void> {
      if (!stopped) {
        stopped = true;
        Atomics.store(control, STATE, 2);
        signal();
      }
      await worker.terminate();
    },
  };
}
