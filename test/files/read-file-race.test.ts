// The window between stat and open: a path that was a regular file when stat'ed and a named pipe
// when opened (swapped in between) is opened without blocking and refused from its descriptor.
// stat is made to lie here, standing in for the swap.
import type * as FsPromises from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeSpecialFiles, type SpecialFiles } from './special-files.js';

const swapped = new Set<string>();
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof FsPromises>();
  return {
    ...actual,
    // For a swapped path, report what a regular file's stat would.
    stat: async (path: string, ...rest: []) => {
      const stats = await actual.stat(path, ...rest);
      if (!swapped.has(path)) return stats;
      return Object.assign(Object.create(Object.getPrototypeOf(stats) as object) as typeof stats, stats, {
        isFile: () => true,
        isFIFO: () => false,
        isCharacterDevice: () => false,
        isDirectory: () => false,
      });
    },
  };
});

const { readFileBytes } = await import('../../src/files/read-file.js');
const { measureEifFile } = await import('../../src/files/eif-file.js');

let dir: string;
let special: SpecialFiles;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosigner-race-'));
  special = await makeSpecialFiles(dir);
});
afterAll(async () => {
  await special.release();
  await rm(dir, { recursive: true, force: true });
});

describe('a path swapped for a special file between stat and open', () => {
  it('is refused from the opened descriptor, without waiting for a writer', async () => {
    for (const [kind, path] of special.cases.filter(([name]) => !name.includes('socket'))) {
      swapped.add(path);
      await expect(readFileBytes(path, { what: 'document', maxBytes: 1024 }), kind).rejects.toMatchObject({
        code: 'FILE_NOT_REGULAR',
        exitCode: 2,
      });
      await expect(measureEifFile(path), kind).rejects.toMatchObject({ code: 'FILE_NOT_REGULAR' });
    }
  }, 5_000);
});
