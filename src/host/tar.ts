/**
 * Unpacking a downloaded .tar.gz (the Fireblocks package) without letting it write anywhere else.
 * The archive format (ustar, pax `x`/`g` records, GNU long names, header checksums, base-256
 * numbers) is read by node-tar's `Parser`, the npm CLI's tar reader; the entries are written here,
 * one at a time, under our own rules, never by node-tar's `Unpack`:
 *
 * - Refused (PACKAGE_UNSAFE_ENTRY): absolute paths, `..` segments, backslashes and NULs in names,
 *   hard links, device files, FIFOs and any other special or unknown entry, symbolic links whose
 *   target is absolute or holds a `..` segment (the kernel resolves a `..` after a link component
 *   physically, so no textual judgement of one is sound), an entry written twice, and any write whose
 *   parent directory resolves (through links made by earlier entries) outside the destination. Once
 *   every entry is written, each link is followed on disk (realpath) and one that does not resolve to
 *   an entry inside the destination (outside, dangling or a loop) refuses the whole archive. Files are
 *   created exclusively without following links, with permissions cut to 0755 (no setuid, setgid,
 *   sticky, group or other write).
 * - Limits (PACKAGE_TOO_LARGE): bytes inflated (counted here, as gunzip produces them), bytes per
 *   file and in total (declared sizes, judged before any byte of the entry is written), entries,
 *   extended-header sizes.
 * - Malformed input (bad header checksum, truncation, no end-of-archive marker, not gzip, an
 *   archive compressed twice) is PACKAGE_INVALID: node-tar runs in strict mode, so each of its
 *   warnings is an error.
 * - Nothing half-extracted: the entries go into a fresh private directory beside the destination,
 *   renamed to the destination only when the whole archive passed; on any failure it is removed.
 */
import { constants, createReadStream } from 'node:fs';
import { lstat, mkdir, mkdtemp, open, realpath, rename, rm, symlink } from 'node:fs/promises';
import { basename, dirname, join, posix, sep } from 'node:path';
import { createGunzip } from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';
import { CosignerError } from '../errors.js';
import { escapeControl } from '../io/safe-text.js';

export interface ExtractLimits {
  /** Bytes of the inflated archive. @default 4 GiB */
  maxTotalBytes: number;
  /** Bytes of one file. @default 2 GiB */
  maxFileBytes: number;
  /** @default 10000 */
  maxEntries: number;
}

export const DEFAULT_EXTRACT_LIMITS: ExtractLimits = {
  maxTotalBytes: 4 * 1024 ** 3,
  maxFileBytes: 2 * 1024 ** 3,
  maxEntries: 10_000,
};

export interface ExtractedEntry {
  /** Relative path inside the destination. */
  path: string;
  type: 'file' | 'directory' | 'symlink';
  size: number;
  mode: number;
}

const MAX_NAME = 4096;
/** A pax or GNU long-name record larger than this is no honest package's. */
const MAX_EXTENSION = 64 * 1024;
/** Inflated bytes handed to the parser at a time (it passes slices of them on, uncopied). */
const INFLATE_CHUNK = 1024 * 1024;

function shown(name: string): string {
  return escapeControl(name).slice(0, 200);
}

function unsafe(name: string, why: string): CosignerError {
  return new CosignerError(
    'PACKAGE_UNSAFE_ENTRY',
    `the package holds an unsafe entry ${JSON.stringify(shown(name))}: ${why}`,
    {
      hint: 'do not install this package: get it again from the Fireblocks Console link and check its SHA-256',
      context: { entry: shown(name), why },
    },
  );
}

function invalid(why: string): CosignerError {
  return new CosignerError('PACKAGE_INVALID', `the package is not a readable .tar.gz: ${escapeControl(why)}`, {
    hint: 'download it again (the link is valid for seven days) and check its SHA-256',
  });
}

function tooLarge(why: string): CosignerError {
  return new CosignerError('PACKAGE_TOO_LARGE', `the package exceeds the extraction limits: ${why}`, {
    hint: 'this is not the size of a Fireblocks co-signer package: do not install it',
  });
}

/** A relative, normalised path that stays inside the destination; throws PACKAGE_UNSAFE_ENTRY. */
export function safeEntryPath(name: string): string {
  if (name.includes('\0') || name.includes('\\')) throw unsafe(name, 'NUL or backslash in the name');
  if (name.startsWith('/')) throw unsafe(name, 'absolute path');
  if (name.split('/').includes('..')) throw unsafe(name, '".." in the path');
  if (name.length > MAX_NAME) throw unsafe(name, 'name too long');
  const clean = posix.normalize(name).replace(/\/+$/, '');
  if (clean === '' || clean === '.' || clean.startsWith('../') || clean === '..')
    throw unsafe(name, 'empty or escaping path');
  return clean;
}

/**
 * A symlink target that only descends from the link's own directory: relative, without `..`. A `..`
 * cannot be judged from the text (after a link component the kernel climbs from where that link
 * lands, not from its name), so it is refused outright, as in entry names.
 */
function checkLinkTarget(entry: string, target: string): void {
  if (target === '' || target.includes('\0')) throw unsafe(entry, 'empty link target');
  if (target.startsWith('/')) throw unsafe(entry, `link to an absolute path ${target}`);
  if (target.split('/').includes('..')) throw unsafe(entry, `".." in the link target (${target})`);
}

/**
 * After extraction: follow every link on disk and refuse one that does not land on an entry inside
 * `root` (outside, dangling, or a loop). The textual rules above should make this unreachable; it
 * is the check of what the kernel actually does, not of what the names say.
 */
async function checkLinksOnDisk(root: string, entries: readonly ExtractedEntry[]): Promise<void> {
  for (const entry of entries) {
    if (entry.type !== 'symlink') continue;
    const real = await realpath(`${root}/${entry.path}`).catch((error: NodeJS.ErrnoException) => {
      throw unsafe(entry.path, `link that does not resolve inside the package (${error.code ?? 'error'})`);
    });
    if (real !== root && !real.startsWith(`${root}${sep}`))
      throw unsafe(entry.path, 'link that resolves outside the package');
  }
}

/** What an entry will become, decided from its header alone, before any of its bytes are written. */
type Admitted =
  | { type: 'file'; path: string; size: number; mode: number }
  | { type: 'directory'; path: string; mode: number }
  | { type: 'symlink'; path: string; target: string; mode: number };

/** The header-only rules: path, duplicates, type, sizes and counts. */
class Admission {
  readonly #seen = new Set<string>();
  readonly #limits: ExtractLimits;
  #declared = 0;

  constructor(limits: ExtractLimits) {
    this.#limits = limits;
  }

  admit(entry: ReadEntry): Admitted {
    if (this.#seen.size >= this.#limits.maxEntries) throw tooLarge(`more than ${this.#limits.maxEntries} entries`);
    const path = safeEntryPath(entry.path);
    if (this.#seen.has(path)) throw unsafe(entry.path, 'the entry appears twice');
    this.#seen.add(path);
    const mode = (entry.mode ?? 0o644) & 0o755;
    switch (entry.type) {
      case 'File':
      case 'OldFile':
      case 'ContiguousFile': {
        // The size the parser cuts the stream by (pax `size` included).
        const size = entry.header.size ?? 0;
        if (size > this.#limits.maxFileBytes) throw tooLarge(`${path} is ${size} bytes`);
        this.#declared += size;
        if (this.#declared > this.#limits.maxTotalBytes)
          throw tooLarge(`its files declare more than ${this.#limits.maxTotalBytes} bytes`);
        return { type: 'file', path, size, mode };
      }
      case 'Directory':
        return { type: 'directory', path, mode };
      case 'SymbolicLink': {
        const target = entry.linkpath ?? '';
        checkLinkTarget(path, target);
        return { type: 'symlink', path, target, mode };
      }
      case 'Link':
        throw unsafe(entry.path, `hard link to ${entry.linkpath ?? '?'}`);
      default:
        throw unsafe(entry.path, `special file of type ${entry.type} (device, FIFO or other)`);
    }
  }
}

/** The host path for `relative`, whose parent must resolve inside `root` even through earlier links. */
async function insideRoot(root: string, relative: string): Promise<string> {
  const parent = posix.dirname(relative);
  const absolute = parent === '.' ? root : `${root}/${parent}`;
  await mkdir(absolute, { recursive: true, mode: 0o755 });
  const real = await realpath(absolute);
  if (real !== root && !real.startsWith(`${root}${sep}`))
    throw unsafe(relative, 'its directory leads outside the package');
  return `${real}/${posix.basename(relative)}`;
}

/** Write one admitted entry, consuming its body. */
async function writeEntry(root: string, admitted: Admitted, entry: ReadEntry): Promise<ExtractedEntry> {
  const target = await insideRoot(root, admitted.path);
  switch (admitted.type) {
    case 'file': {
      // Exclusive create, never through a link.
      const handle = await open(
        target,
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0),
        admitted.mode,
      );
      try {
        let written = 0;
        for await (const chunk of entry as AsyncIterable<Buffer>) {
          written += chunk.length;
          await handle.write(chunk);
        }
        if (written !== admitted.size) throw invalid(`truncated in ${admitted.path}`);
        await handle.chmod(admitted.mode);
      } finally {
        await handle.close();
      }
      return { path: admitted.path, type: 'file', size: admitted.size, mode: admitted.mode };
    }
    case 'directory':
      entry.resume();
      await mkdir(target, { recursive: true, mode: admitted.mode | 0o700 });
      return { path: admitted.path, type: 'directory', size: 0, mode: admitted.mode };
    case 'symlink':
      entry.resume();
      await symlink(admitted.target, target);
      return { path: admitted.path, type: 'symlink', size: 0, mode: admitted.mode };
  }
}

/** An error of node-tar, zlib or the file system, as our coded error. */
function classify(error: unknown): CosignerError {
  if (error instanceof CosignerError) return error as CosignerError;
  const e = error as NodeJS.ErrnoException;
  if (e.code === 'Z_DATA_ERROR' || e.code === 'Z_BUF_ERROR' || e.code === 'ERR_PADDING_1')
    return invalid('not gzip data, or cut short');
  if (e.code === 'EEXIST' || e.code === 'ELOOP')
    return unsafe(String(e.path ?? ''), 'it would overwrite or write through a link');
  return invalid(String(e.message ?? error));
}

/** Parse the inflated stream of `archive` and write its entries under `root`. */
async function unpackInto(archive: string, root: string, limits: ExtractLimits): Promise<ExtractedEntry[]> {
  const parser = new Parser({ strict: true, maxMetaEntrySize: MAX_EXTENSION, brotli: false, zstd: false });
  const admission = new Admission(limits);
  const entries: ExtractedEntry[] = [];
  let failure: CosignerError | undefined;
  let current: ReadEntry | undefined;
  let signalFailure: (error: CosignerError) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => {
    signalFailure = reject;
  });
  failed.catch(() => undefined);
  // The first failure wins; the entry being written is destroyed so its writer stops and closes.
  const stop = (error: unknown): void => {
    if (failure !== undefined) return;
    failure = classify(error);
    if (current !== undefined) {
      current.on('error', () => undefined);
      current.destroy();
    }
    signalFailure(failure);
  };

  let sawEnd = false;
  const ended = new Promise<void>((resolve) => parser.on('end', () => resolve()));
  // Entries are written strictly in order: the parser hands out the next one only when this one's
  // body was read, and `writing` waits for the previous file to be closed.
  let writing = Promise.resolve();
  parser.on('error', stop);
  parser.on('eof', () => {
    sawEnd = true;
  });
  // node-tar skips meta entries over maxMetaEntrySize and entries of unknown types: refused here.
  parser.on('ignoredEntry', (entry: ReadEntry) =>
    stop(
      entry.meta
        ? tooLarge(`an extended header of ${entry.size} bytes`)
        : unsafe(entry.path, 'an entry type tar does not define'),
    ),
  );
  parser.on('entry', (entry: ReadEntry) => {
    let admitted: Admitted;
    try {
      admitted = admission.admit(entry);
    } catch (error) {
      stop(error);
      entry.resume();
      return;
    }
    writing = writing.then(async () => {
      if (failure !== undefined) {
        entry.resume();
        return;
      }
      current = entry;
      try {
        entries.push(await writeEntry(root, admitted, entry));
      } catch (error) {
        stop(error);
        entry.resume();
      } finally {
        current = undefined;
      }
    });
  });

  const input = createReadStream(archive, { highWaterMark: INFLATE_CHUNK });
  const gunzip = createGunzip({ chunkSize: INFLATE_CHUNK });
  input.on('error', (error) => gunzip.destroy(error));
  let inflated = 0;
  try {
    for await (const chunk of input.pipe(gunzip) as AsyncIterable<Buffer>) {
      if (failure !== undefined) break;
      // node-tar would inflate a second gzip layer by itself: a package is compressed once.
      if (inflated === 0 && chunk[0] === 0x1f && chunk[1] === 0x8b) throw invalid('an archive compressed twice');
      inflated += chunk.length;
      if (inflated > limits.maxTotalBytes) throw tooLarge(`more than ${limits.maxTotalBytes} bytes inflated`);
      if (!parser.write(chunk)) await Promise.race([new Promise((resolve) => parser.once('drain', resolve)), failed]);
    }
    if (failure === undefined) {
      parser.end();
      await Promise.race([ended, failed]);
    }
  } catch (error) {
    stop(error);
  } finally {
    input.destroy();
    gunzip.destroy();
  }
  // The last file is closed before anything is reported or removed.
  await writing;
  if (failure !== undefined) throw failure;
  if (!sawEnd) throw invalid('no end-of-archive marker');
  return entries;
}

/**
 * Extract `archive` (a .tar.gz) to `destination`, which must not exist yet (its parent must): the
 * entries are written into a fresh private directory beside it, moved to `destination` only when
 * the whole archive passed.
 */
export async function extractTarGz(
  archive: string,
  destination: string,
  limits: ExtractLimits = DEFAULT_EXTRACT_LIMITS,
): Promise<ExtractedEntry[]> {
  const parent = await realpath(dirname(destination));
  const target = join(parent, basename(destination));
  const exists = await lstat(target).then(
    () => true,
    () => false,
  );
  if (exists)
    throw new CosignerError('INTERNAL', `the extraction target ${target} already exists`, { source: 'internal' });
  const partial = await mkdtemp(join(parent, `.${basename(destination)}.partial-`));
  try {
    const root = await realpath(partial);
    const entries = await unpackInto(archive, root, limits);
    await checkLinksOnDisk(root, entries);
    await rename(partial, target);
    return entries;
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    throw error;
  }
}
