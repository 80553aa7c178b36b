/**
 * A minimal, strict reader for gzip'd ustar archives (POSIX.1-1988 ustar, with pax `x` records and
 * GNU `L`/`K` long names), written for one job: unpacking a downloaded package into a fresh
 * directory without letting it write anywhere else. No tar library is among the dependencies.
 *
 * Refused (PACKAGE_UNSAFE_ENTRY): absolute paths, `..` segments, backslashes and NULs in names,
 * hard links, device files, FIFOs and any other special entry, symbolic links whose target is
 * absolute or leaves the directory, an entry written twice, and any write whose parent directory
 * resolves (through links) outside the destination. Files are created exclusively without
 * following links, with permissions cut to 0755 (no setuid, setgid, sticky or group/other write).
 * Limits (PACKAGE_TOO_LARGE): bytes inflated, bytes per file, entries, name and header sizes.
 * Malformed input (bad header checksum, truncation, sizes that do not parse) is PACKAGE_INVALID.
 */
import { constants, createReadStream } from 'node:fs';
import { mkdir, open, realpath, symlink } from 'node:fs/promises';
import { posix, sep } from 'node:path';
import { createGunzip } from 'node:zlib';
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

const BLOCK = 512;
const MAX_NAME = 4096;
const MAX_EXTENSION = 64 * 1024;

function unsafe(name: string, why: string): CosignerError {
  return new CosignerError(
    'PACKAGE_UNSAFE_ENTRY',
    `the package holds an unsafe entry ${JSON.stringify(escapeControl(name).slice(0, 200))}: ${why}`,
    {
      hint: 'do not install this package: get it again from the Fireblocks Console link and check its SHA-256',
      context: { entry: escapeControl(name).slice(0, 200), why },
    },
  );
}

function invalid(why: string): CosignerError {
  return new CosignerError('PACKAGE_INVALID', `the package is not a readable .tar.gz: ${why}`, {
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

/** A symlink target that resolves inside the destination from the link's own directory. */
function checkLinkTarget(entry: string, target: string): void {
  if (target === '' || target.includes('\0')) throw unsafe(entry, 'empty link target');
  if (target.startsWith('/')) throw unsafe(entry, `link to an absolute path ${target}`);
  const resolved = posix.normalize(posix.join(posix.dirname(entry), target));
  if (resolved === '..' || resolved.startsWith('../')) throw unsafe(entry, `link leaving the directory (${target})`);
}

function octal(field: Buffer, what: string): number {
  // Base-256 (GNU) for large numbers: high bit of the first byte set.
  if (((field[0] ?? 0) & 0x80) !== 0) {
    let value = (field[0] ?? 0) & 0x7f;
    for (const byte of field.subarray(1)) {
      value = value * 256 + byte;
      if (value > Number.MAX_SAFE_INTEGER) throw invalid(`${what} is out of range`);
    }
    return value;
  }
  const text = field.toString('ascii').replace(/\0.*$/s, '').trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw invalid(`${what} is not an octal number`);
  return parseInt(text, 8);
}

function cString(field: Buffer): string {
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? field.length : end).toString('utf8');
}

/** Pulls exact byte counts out of the inflated stream, counting them against the limit. */
class BlockReader {
  readonly #iterator: AsyncIterator<Buffer>;
  readonly #limit: number;
  #buffer: Buffer = Buffer.alloc(0);
  total = 0;

  constructor(stream: AsyncIterable<Buffer>, limit: number) {
    this.#iterator = stream[Symbol.asyncIterator]();
    this.#limit = limit;
  }

  /** Exactly `n` bytes, or fewer at the end of the stream. */
  async read(n: number): Promise<Buffer> {
    while (this.#buffer.length < n) {
      const next = await this.#iterator.next();
      if (next.done === true) break;
      this.total += next.value.length;
      if (this.total > this.#limit) throw tooLarge(`more than ${this.#limit} bytes inflated`);
      this.#buffer = this.#buffer.length === 0 ? next.value : Buffer.concat([this.#buffer, next.value]);
    }
    const out = this.#buffer.subarray(0, n);
    this.#buffer = this.#buffer.subarray(out.length);
    return out;
  }

  async exact(n: number, what: string): Promise<Buffer> {
    const out = await this.read(n);
    if (out.length < n) throw invalid(`truncated in ${what}`);
    return out;
  }
}

/** Parse `length key=value\n` pax records; only path, linkpath and size are used. */
function paxRecords(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space < 0) throw invalid('a pax record has no length');
    const length = Number(data.subarray(at, space).toString('ascii'));
    if (!Number.isInteger(length) || length <= 0 || at + length > data.length)
      throw invalid('a pax record length is wrong');
    const record = data.subarray(space + 1, at + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    at += length;
  }
  return out;
}

/** Extract `archive` (a .tar.gz) into `destination`, which must exist and be empty. */
export async function extractTarGz(
  archive: string,
  destination: string,
  limits: ExtractLimits = DEFAULT_EXTRACT_LIMITS,
): Promise<ExtractedEntry[]> {
  const root = await realpath(destination);
  const gunzip = createGunzip();
  const input = createReadStream(archive);
  input.on('error', (error) => gunzip.destroy(error));
  const reader = new BlockReader(input.pipe(gunzip) as AsyncIterable<Buffer>, limits.maxTotalBytes + 2 * BLOCK * 20);
  const entries: ExtractedEntry[] = [];
  const seen = new Set<string>();
  let pending: { path?: string; linkpath?: string; size?: number } = {};

  // The parent must resolve inside the destination even through links made by earlier entries.
  const parentInside = async (relative: string): Promise<string> => {
    const parent = posix.dirname(relative);
    const absolute = parent === '.' ? root : `${root}/${parent}`;
    await mkdir(absolute, { recursive: true, mode: 0o755 });
    const real = await realpath(absolute);
    if (real !== root && !real.startsWith(`${root}${sep}`))
      throw unsafe(relative, 'its directory leads outside the package');
    return `${real}/${posix.basename(relative)}`;
  };

  try {
    for (;;) {
      const header = await reader.read(BLOCK);
      if (header.length === 0) throw invalid('no end-of-archive marker');
      if (header.length < BLOCK) throw invalid('truncated header');
      if (header.every((b) => b === 0)) break; // end of archive
      // Header checksum: the sum of all bytes with the checksum field read as spaces.
      const stored = octal(header.subarray(148, 156), 'the header checksum');
      let sum = 0;
      for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (header[i] ?? 0);
      if (sum !== stored) throw invalid('a header checksum does not match');
      const magic = header.subarray(257, 263).toString('ascii');
      if (!magic.startsWith('ustar')) throw invalid('not a ustar archive');
      const type = String.fromCharCode(header[156] ?? 0);
      const size = pending.size ?? octal(header.subarray(124, 136), 'an entry size');
      const prefix = cString(header.subarray(345, 500));
      const rawName =
        pending.path ??
        (prefix === '' ? cString(header.subarray(0, 100)) : `${prefix}/${cString(header.subarray(0, 100))}`);
      const linkName = pending.linkpath ?? cString(header.subarray(157, 257));
      const mode = octal(header.subarray(100, 108), 'an entry mode') & 0o755;
      const padded = Math.ceil(size / BLOCK) * BLOCK;

      // Extension headers apply to the next entry.
      if (type === 'x' || type === 'g' || type === 'L' || type === 'K') {
        if (size > MAX_EXTENSION) throw tooLarge('an extended header is too large');
        const data = (await reader.exact(padded, 'an extended header')).subarray(0, size);
        if (type === 'x') {
          const records = paxRecords(data);
          pending = {
            ...(records['path'] === undefined ? {} : { path: records['path'] }),
            ...(records['linkpath'] === undefined ? {} : { linkpath: records['linkpath'] }),
            ...(records['size'] === undefined ? {} : { size: Number(records['size']) }),
          };
          if (pending.size !== undefined && !(Number.isSafeInteger(pending.size) && pending.size >= 0))
            throw invalid('a pax size is not a number');
        } else if (type === 'L') pending = { ...pending, path: cString(data) };
        else if (type === 'K') pending = { ...pending, linkpath: cString(data) };
        continue;
      }
      pending = {};
      if (entries.length >= limits.maxEntries) throw tooLarge(`more than ${limits.maxEntries} entries`);
      const path = safeEntryPath(rawName);
      if (seen.has(path)) throw unsafe(rawName, 'the entry appears twice');
      seen.add(path);

      if (type === '0' || type === '\0' || type === '7') {
        if (size > limits.maxFileBytes) throw tooLarge(`${path} is ${size} bytes`);
        const target = await parentInside(path);
        // Exclusive create, never through a link.
        const handle = await open(
          target,
          constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0),
          mode,
        );
        try {
          let left = size;
          while (left > 0) {
            const chunk = await reader.exact(Math.min(left, 1024 * 1024), path);
            await handle.write(chunk);
            left -= chunk.length;
          }
          await handle.chmod(mode);
        } finally {
          await handle.close();
        }
        await reader.exact(padded - size, `${path} padding`);
        entries.push({ path, type: 'file', size, mode });
      } else if (type === '5') {
        await reader.exact(padded, path);
        const target = await parentInside(path);
        await mkdir(target, { recursive: true, mode: mode | 0o700 });
        entries.push({ path, type: 'directory', size: 0, mode });
      } else if (type === '2') {
        await reader.exact(padded, path);
        // Judged from where the link really lands (its parent may itself be reached through a link).
        const target = await parentInside(path);
        checkLinkTarget(posix.relative(root, target).split(sep).join('/'), linkName);
        await symlink(linkName, target);
        entries.push({ path, type: 'symlink', size: 0, mode });
      } else if (type === '1') {
        throw unsafe(rawName, `hard link to ${linkName}`);
      } else {
        throw unsafe(rawName, `special file of type ${JSON.stringify(type)} (device, FIFO or unknown)`);
      }
    }
  } catch (error) {
    input.destroy();
    gunzip.destroy();
    if (error instanceof CosignerError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR' || code === 'ERR_PADDING_1') throw invalid('not gzip data');
    if (code === 'EEXIST' || code === 'ELOOP')
      throw unsafe(String((error as NodeJS.ErrnoException).path ?? ''), 'it would overwrite or write through a link');
    throw invalid(String((error as Error).message ?? error));
  }
  return entries;
}
