// The package reader (node-tar's parser under our rules): a well-formed archive unpacks; each
// hostile entry is refused before it can write outside the destination, and a refused archive
// leaves nothing behind (no destination, no partial directory).
import { lstat, mkdtemp, readFile, readdir, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { extractTarGz, safeEntryPath } from '../../src/host/tar.js';
import { pax, tar, tarGz, type TarEntry } from './tar-writer.js';

let dir: string;
let dest: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tar-test-'));
  dest = join(dir, 'out');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function extract(entries: TarEntry[] | Buffer, limits?: Parameters<typeof extractTarGz>[2]) {
  const archive = join(dir, 'p.tar.gz');
  await rm(dest, { recursive: true, force: true });
  await writeFile(archive, Buffer.isBuffer(entries) ? entries : tarGz(entries));
  return extractTarGz(archive, dest, limits);
}

/** Nothing was written outside the destination, and nothing half-extracted remains. */
async function nothingLeft() {
  expect((await readdir(dir)).sort()).toEqual(['p.tar.gz']);
}

describe('extractTarGz', () => {
  it('unpacks files, directories, inside links and pax long names; strips setuid and group/other write', async () => {
    const long = `${'d'.repeat(120)}/file.txt`;
    const entries = await extract([
      { name: 'pkg/', type: '5', mode: 0o755 },
      { name: 'pkg/install.sh', body: '#!/bin/sh\necho hi\n', mode: 0o4777 },
      { name: 'pkg/cosigner.eif', body: Buffer.alloc(1500, 7) },
      { name: 'pkg/current', type: '2', linkname: 'cosigner.eif' },
      pax({ path: long }),
      { name: 'ignored-by-pax', body: 'long' },
    ]);
    expect(entries.map((e) => [e.path, e.type])).toEqual([
      ['pkg', 'directory'],
      ['pkg/install.sh', 'file'],
      ['pkg/cosigner.eif', 'file'],
      ['pkg/current', 'symlink'],
      [long, 'file'],
    ]);
    expect((await stat(join(dest, 'pkg/install.sh'))).mode & 0o7777).toBe(0o755);
    expect(await readFile(join(dest, 'pkg/cosigner.eif'))).toEqual(Buffer.alloc(1500, 7));
    expect(await readlink(join(dest, 'pkg/current'))).toBe('cosigner.eif');
    expect(await readFile(join(dest, long), 'utf8')).toBe('long');
    // Moved into place whole: no partial directory left beside it.
    expect((await readdir(dir)).sort()).toEqual(['out', 'p.tar.gz']);
  });

  it('refuses a destination that already exists (it never writes into one)', async () => {
    await writeFile(join(dir, 'p.tar.gz'), tarGz([{ name: 'a', body: 'x' }]));
    await writeFile(dest, 'already here');
    await expect(extractTarGz(join(dir, 'p.tar.gz'), dest)).toThrowCosignerError('INTERNAL');
    expect(await readFile(dest, 'utf8')).toBe('already here');
  });

  const hostile: [string, TarEntry[]][] = [
    ['a ../ entry', [{ name: '../escape.txt', body: 'x' }]],
    ['a ../ in the middle', [{ name: 'a/../../escape.txt', body: 'x' }]],
    ['an absolute path', [{ name: '/tmp/escape.txt', body: 'x' }]],
    ['a pax path that climbs out', [pax({ path: '../../escape.txt' }), { name: 'ok', body: 'x' }]],
    ['a symlink leaving the directory', [{ name: 'evil', type: '2', linkname: '../../etc' }]],
    ['a symlink to an absolute path', [{ name: 'evil', type: '2', linkname: '/etc/passwd' }]],
    [
      'a hard link',
      [
        { name: 'a', body: 'x' },
        { name: 'b', type: '1', linkname: 'a' },
      ],
    ],
    ['a hard link to a host file', [{ name: 'b', type: '1', linkname: '/etc/shadow' }]],
    ['a character device', [{ name: 'dev', type: '3' }]],
    ['a block device', [{ name: 'sda', type: '4' }]],
    ['a GNU dump directory', [{ name: 'dump', type: 'D' }]],
    ['an entry of a type tar does not know', [{ name: 'odd', type: 'Z', body: 'x' }]],
    [
      'a GNU long name that climbs out',
      [
        { name: '././@LongLink', type: 'L', body: '../../escape.txt\0' },
        { name: 'ok', body: 'x' },
      ],
    ],
    [
      'a pax linkpath leaving the directory',
      [pax({ linkpath: '../../../etc' }), { name: 'evil', type: '2', linkname: 'fine' }],
    ],
    [
      'a global pax linkpath to an absolute path',
      [
        { ...pax({ linkpath: '/etc/shadow' }), type: 'g' },
        { name: 'l', type: '2', linkname: 'fine' },
      ],
    ],
    ['a symlink with ".." that stays inside by its text', [{ name: 'a/l', type: '2', linkname: '../a' }]],
    ['a dangling symlink', [{ name: 'l', type: '2', linkname: 'missing' }]],
    [
      'a loop of symlinks',
      [
        { name: 'l1', type: '2', linkname: 'l2' },
        { name: 'l2', type: '2', linkname: 'l1' },
      ],
    ],
    ['a FIFO', [{ name: 'fifo', type: '6' }]],
    ['a backslash path', [{ name: '..\\escape', body: 'x' }]],
    [
      'an entry written twice',
      [
        { name: 'a', body: 'x' },
        { name: 'a', body: 'y' },
      ],
    ],
    [
      'a file written through a link made by an earlier entry',
      [
        { name: 'd1/', type: '5' },
        { name: 'd1/l', type: '2', linkname: '..' },
        { name: 'd1/l/l2', type: '2', linkname: '..' },
        { name: 'd1/l/l2/escape.txt', body: 'x' },
      ],
    ],
  ];
  for (const [what, entries] of hostile) {
    it(`refuses ${what} (PACKAGE_UNSAFE_ENTRY) and writes nothing outside`, async () => {
      await expect(extract(entries)).toThrowCosignerError('PACKAGE_UNSAFE_ENTRY');
      await nothingLeft();
      await expect(lstat(join(dir, '..', 'escape.txt'))).rejects.toThrow();
    });
  }

  it('a bad header checksum, a truncated archive, something that is not gzip → PACKAGE_INVALID', async () => {
    await expect(extract(tarGz([{ name: 'a', body: 'x' }], { corruptChecksumOf: 'a' }))).toThrowCosignerError(
      'PACKAGE_INVALID',
    );
    const whole = tar([{ name: 'a', body: 'x'.repeat(2000) }]);
    await expect(extract(gzipSync(whole.subarray(0, 1200)))).toThrowCosignerError('PACKAGE_INVALID');
    await expect(extract(Buffer.from('PK\x03\x04 not a gzip'))).toThrowCosignerError('PACKAGE_INVALID');
    await expect(extract(tarGz([{ name: 'a', body: 'x' }], { noEnd: true }))).toThrowCosignerError('PACKAGE_INVALID');
    // node-tar would inflate a second layer by itself; a package is compressed once.
    await expect(extract(gzipSync(tarGz([{ name: 'a', body: 'x' }])))).toThrowCosignerError('PACKAGE_INVALID');
    await nothingLeft();
  });

  it('an extended header larger than any honest one → PACKAGE_TOO_LARGE', async () => {
    await expect(extract([pax({ comment: 'c'.repeat(70 * 1024) }), { name: 'a', body: 'x' }])).toThrowCosignerError(
      'PACKAGE_TOO_LARGE',
    );
    await nothingLeft();
  });

  it('a decompression bomb stops at the inflated-bytes limit (PACKAGE_TOO_LARGE)', async () => {
    const bomb = gzipSync(tar([{ name: 'zeros', body: Buffer.alloc(8 * 1024 * 1024) }]));
    expect(bomb.length).toBeLessThan(64 * 1024);
    await expect(
      extract(bomb, { maxTotalBytes: 1024 * 1024, maxFileBytes: 1024 ** 3, maxEntries: 10 }),
    ).toThrowCosignerError('PACKAGE_TOO_LARGE');
    await expect(
      extract(
        [
          { name: 'a', body: 'x' },
          { name: 'b', body: 'y' },
        ],
        { maxTotalBytes: 1e9, maxFileBytes: 1e9, maxEntries: 1 },
      ),
    ).toThrowCosignerError('PACKAGE_TOO_LARGE');
    await expect(
      extract([{ name: 'big', body: 'x'.repeat(5000) }], { maxTotalBytes: 1e9, maxFileBytes: 4096, maxEntries: 10 }),
    ).toThrowCosignerError('PACKAGE_TOO_LARGE');
  });

  it('safeEntryPath normalises harmless forms and refuses the rest', () => {
    expect(safeEntryPath('./pkg//install.sh')).toBe('pkg/install.sh');
    expect(() => safeEntryPath('.')).toThrowCosignerError('PACKAGE_UNSAFE_ENTRY');
    expect(() => safeEntryPath('a\0b')).toThrowCosignerError('PACKAGE_UNSAFE_ENTRY');
  });
});
