import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createWorkerDigest } from '../../src/files/sha384-worker.js';

describe('createWorkerDigest', () => {
  it('hashes what it is given, across slot boundaries and with a tiny ring', async () => {
    const data = new Uint8Array(randomBytes(300_000));
    for (const options of [{}, { slots: 1, slotSize: 1000 }, { slots: 2, slotSize: 4096 }]) {
      const worker = createWorkerDigest(options);
      const reference = createHash('sha384');
      for (let at = 0; at < data.length; at += 7777) {
        const chunk = data.subarray(at, at + 7777);
        worker.update(chunk);
        reference.update(chunk);
      }
      worker.update(new Uint8Array(0));
      expect(Buffer.from(worker.digest()).toString('hex')).toBe(reference.digest('hex'));
      await worker.close();
    }
  });

  it('copies each chunk, so the caller may reuse its buffer at once', async () => {
    const worker = createWorkerDigest({ slots: 4, slotSize: 16 });
    const buffer = new Uint8Array(16);
    const reference = createHash('sha384');
    for (let i = 0; i < 50; i++) {
      buffer.fill(i);
      worker.update(buffer);
      reference.update(buffer);
    }
    expect(Buffer.from(worker.digest()).toString('hex')).toBe(reference.digest('hex'));
    await worker.close();
  });

  it('hashes empty input, and can be closed without a digest', async () => {
    const empty = createWorkerDigest();
    expect(Buffer.from(empty.digest()).toString('hex')).toBe(createHash('sha384').digest('hex'));
    await empty.close();
    const abandoned = createWorkerDigest();
    abandoned.update(Uint8Array.of(1));
    await abandoned.close();
    await abandoned.close();
  });
});
