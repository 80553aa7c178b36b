// The file readers refuse what is not a regular file before opening it: a named pipe would make
// them wait for a writer forever, a device would never end. Each test has a short timeout, so the
// old open-then-check code fails here instead of hanging the run.
import { mkdtemp, rm, writeFile, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureEifFile, readEifFile } from '../../src/files/eif-file.js';
import { openRegularFile, readFileBytes, readTextFile } from '../../src/files/read-file.js';
import { writeFileAtomic } from '../../src/files/atomic-write.js';
import { makeSpecialFiles, type SpecialFiles } from './special-files.js';

const PROMPT = 5_000;
let dir: string;
let special: SpecialFiles;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosigner-non-regular-'));
  special = await makeSpecialFiles(dir);
});
afterAll(async () => {
  await special.release();
  await rm(dir, { recursive: true, force: true });
});

const readers: [string, (path: string) => Promise<unknown>][] = [
  ['openRegularFile', (path) => openRegularFile(path, 'document')],
  ['readFileBytes', (path) => readFileBytes(path, { what: 'document', maxBytes: 1024 })],
  ['readTextFile', (path) => readTextFile(path, { what: 'document', maxBytes: 1024 })],
  ['measureEifFile', (path) => measureEifFile(path)],
  ['readEifFile', (path) => readEifFile(path)],
];

describe('readers refuse non-regular files with FILE_NOT_REGULAR (exit 2)', () => {
  for (const [reader, read] of readers) {
    it(
      `${reader}: every kind`,
      async () => {
        for (const [kind, path] of special.cases) {
          const error = await read(path).then(
            () => undefined,
            (thrown: unknown) =>
              thrown as { code?: string; exitCode?: number; hint?: string; context?: Record<string, unknown> },
          );
          expect(error?.code, kind).toBe('FILE_NOT_REGULAR');
          expect(error?.exitCode, kind).toBe(2);
          expect(error?.hint, kind).toContain(path);
          expect(error?.context?.path, kind).toBe(path);
        }
      },
      PROMPT,
    );
  }

  it(
    'names what the path is',
    async () => {
      const kinds = await Promise.all(
        special.cases.map(([, path]) =>
          readFileBytes(path, { what: 'document', maxBytes: 1 }).catch(
            (e: { context: { kind: string } }) => e.context.kind,
          ),
        ),
      );
      expect(kinds).toEqual(['named pipe (FIFO)', 'named pipe (FIFO)', 'directory', 'socket', 'character device']);
    },
    PROMPT,
  );

  it('still reads a regular file, also through a symlink', async () => {
    const file = join(dir, 'doc.txt');
    await writeFile(file, 'hello');
    const link = join(dir, 'doc-link.txt');
    await symlink(file, link);
    expect(await readTextFile(file, { what: 'document', maxBytes: 5 })).toBe('hello');
    expect(await readTextFile(link, { what: 'document', maxBytes: 5 })).toBe('hello');
    await expect(readTextFile(join(dir, 'dangling'), { what: 'document', maxBytes: 5 })).toThrowCosignerError(
      'FILE_NOT_FOUND',
    );
  });
});

describe('writeFileAtomic', () => {
  it(
    'refuses to replace a named pipe, socket or device (and a directory) with a file',
    async () => {
      for (const [kind, path] of special.cases.filter(([, p]) => p !== '/dev/null')) {
        await expect(writeFileAtomic(path, 'x'), kind).rejects.toMatchObject({
          code: expect.stringMatching(/^FILE_(NOT_REGULAR|UNWRITABLE)$/) as unknown,
        });
      }
      await expect(writeFileAtomic(special.fifo, 'x')).toThrowCosignerError('FILE_NOT_REGULAR');
    },
    PROMPT,
  );
});
