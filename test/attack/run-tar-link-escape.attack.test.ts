// Attack: the package's symbolic links are judged lexically (posix.normalize of the link's
// directory joined with its target), but the kernel resolves a `..` after a symlink component
// physically. A link `a/b -> ..` (lexically `.`, inside) followed by a link `esc -> a/b/../..`
// (lexically `.`, inside) resolves on disk to the parent of the package directory; chained
// `a/b/a/b/…/../../…` it reaches `/`. Both entries pass the header rules and the second check in
// writeEntry, so the unpacked package holds links that leave it, which README promises cannot
// happen ("no links leaving the directory").
// Impact: the verified package tree under /opt/cosigner-cli/packages/<sha> carries a link to any
// host directory (`/`, `/etc`, `/root`); install.sh and the package's `fireblocks/cosigner` run as
// root with the package as working directory, so anything they read or write through the package
// path (`./config/…`, `./cosigner.eif` resolved through a directory link) can be redirected to host
// files outside it. Files written by the extractor itself through such a link are still refused
// (insideRoot realpaths the parent): the escape is the links left behind.
// Fixed: a `..` segment in a link target is refused (as in entry names), and after extraction
// every link is followed on disk (realpath); one that leads outside the package, dangles or loops
// refuses the whole archive. Nothing is left beside the destination.
import { mkdtemp, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extractTarGz } from '../../src/host/tar.js';
import { tarGz, type TarEntry } from '../host/tar-writer.js';

let dir: string;
let dest: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tar-attack-'));
  dest = join(dir, 'pkg', 'out');
  await import('node:fs/promises').then((fs) => fs.mkdir(join(dir, 'pkg')));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** Extract, then report every link of the result whose physical target is outside `dest`. */
async function escapingLinks(entries: TarEntry[]): Promise<string[]> {
  const archive = join(dir, 'p.tar.gz');
  await writeFile(archive, tarGz(entries));
  const extracted = await extractTarGz(archive, dest);
  const root = await realpath(dest);
  const out: string[] = [];
  for (const e of extracted.filter((x) => x.type === 'symlink')) {
    const real = await realpath(join(dest, e.path)).catch(() => undefined);
    if (real !== undefined && real !== root && !real.startsWith(`${root}${sep}`)) out.push(`${e.path} -> ${real}`);
  }
  return out;
}

describe('run --package: links that leave the package through a `..` after a link', () => {
  it('a link whose target is lexically inside but physically outside is refused (PACKAGE_UNSAFE_ENTRY)', async () => {
    const entries: TarEntry[] = [
      { name: 'a/', type: '5', mode: 0o755 },
      { name: 'a/b', type: '2', linkname: '..' },
      { name: 'esc', type: '2', linkname: 'a/b/../..' },
    ];
    // Either the archive is refused, or no link of what it left leads outside.
    const outcome = await escapingLinks(entries).then(
      (links) => ({ links }),
      (error: { code?: string }) => ({ code: error.code }),
    );
    expect(outcome).toEqual({ code: 'PACKAGE_UNSAFE_ENTRY' });
    // Nothing extracted, nothing half-extracted beside the destination.
    expect(await readdir(join(dir, 'pkg'))).toEqual([]);
  });

  it('a chain of such links cannot reach the host root', async () => {
    const depth = 12;
    const target = `${'a/b/'.repeat(depth)}${'../'.repeat(2 * depth - 1)}..`;
    const entries: TarEntry[] = [
      { name: 'a/', type: '5', mode: 0o755 },
      { name: 'a/b', type: '2', linkname: '..' },
      { name: 'rootfs', type: '2', linkname: target },
    ];
    const archive = join(dir, 'p.tar.gz');
    await writeFile(archive, tarGz(entries));
    const result = await extractTarGz(archive, dest).then(
      async () => realpath(join(dest, 'rootfs')),
      (error: { code?: string }) => error.code,
    );
    // Open: `rootfs` is `/` (its listing is the host's root directory).
    if (result === '/') expect((await readdir(join(dest, 'rootfs'))).includes('etc')).toBe(true);
    expect(result).toBe('PACKAGE_UNSAFE_ENTRY');
    expect(await readdir(join(dir, 'pkg'))).toEqual([]);
  });
});
