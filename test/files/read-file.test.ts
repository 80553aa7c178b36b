import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileError, readFileBytes } from '../../src/files/read-file.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosigner-read-file-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readFileBytes', () => {
  it('reads a whole file', async () => {
    const path = join(dir, 'doc.bin');
    await writeFile(path, Uint8Array.of(1, 2, 3));
    expect(await readFileBytes(path, { what: 'document', maxBytes: 3 })).toEqual(Uint8Array.of(1, 2, 3));
  });

  it('refuses a file over the limit before reading it', async () => {
    const path = join(dir, 'big.bin');
    await writeFile(path, new Uint8Array(10));
    await expect(readFileBytes(path, { what: 'document', maxBytes: 9 })).toThrowCosignerError('FILE_TOO_LARGE');
  });

  it('throws FILE_NOT_FOUND for a missing file or a missing directory on the way', async () => {
    await expect(readFileBytes(join(dir, 'missing'), { what: 'document', maxBytes: 9 })).toThrowCosignerError(
      'FILE_NOT_FOUND',
    );
    const file = join(dir, 'doc.bin');
    await expect(readFileBytes(join(file, 'below'), { what: 'document', maxBytes: 9 })).toThrowCosignerError(
      'FILE_NOT_FOUND',
    );
  });

  it('throws FILE_NOT_REGULAR for a directory', async () => {
    await expect(readFileBytes(dir, { what: 'document', maxBytes: 9 })).toThrowCosignerError('FILE_NOT_REGULAR');
  });

  it('maps other errors to FILE_UNREADABLE with the errno code and path', () => {
    const error = fileError(Object.assign(new Error('denied'), { code: 'EACCES' }), '/x', 'document');
    expect(error).toMatchObject({
      code: 'FILE_UNREADABLE',
      message: 'cannot read document /x (EACCES)',
      context: { path: '/x' },
    });
    expect(fileError(undefined, '/x', 'document').message).toBe('cannot read document /x (error)');
  });
});
