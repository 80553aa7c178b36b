// Reading user-named files with coded errors: a missing file is FILE_NOT_FOUND, a directory, named
// pipe, socket or device FILE_NOT_REGULAR (refused before it is opened: opening a FIFO for reading
// waits for a writer forever), anything else that stops the read (permissions, I/O)
// FILE_UNREADABLE, an oversized file FILE_TOO_LARGE. Paths are resolved by the caller.
import { constants, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { CosignerError } from '../errors.js';

/** Turn a Node fs error into the coded error for `path`. */
export function fileError(error: unknown, path: string, what: string): CosignerError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new CosignerError('FILE_NOT_FOUND', `${what} ${path} does not exist`, {
      hint: 'check the path',
      cause: error,
      context: { path },
    });
  }
  return new CosignerError('FILE_UNREADABLE', `cannot read ${what} ${path} (${code ?? 'error'})`, {
    hint: 'check that it is a readable regular file',
    cause: error,
    context: { path },
  });
}

/** What a non-regular file is, in words. */
function fileKind(stats: Stats): string {
  if (stats.isDirectory()) return 'directory';
  if (stats.isFIFO()) return 'named pipe (FIFO)';
  if (stats.isSocket()) return 'socket';
  if (stats.isCharacterDevice()) return 'character device';
  if (stats.isBlockDevice()) return 'block device';
  return 'special file';
}

/** FILE_NOT_REGULAR for `path`, which `stats` shows is a directory, pipe, socket or device. */
export function notRegularFile(
  path: string,
  what: string,
  stats: Stats,
  hint = `pass the path of the ${what} file itself (${path} is a ${fileKind(stats)})`,
): CosignerError {
  const kind = fileKind(stats);
  return new CosignerError('FILE_NOT_REGULAR', `${what} ${path} is a ${kind}, not a regular file`, {
    hint,
    context: { path, kind },
  });
}

/**
 * Open flags: read-only, and never wait. O_NONBLOCK makes the open of a FIFO return at once even if
 * the path was swapped for one after the stat (it changes nothing for a regular file); O_NOCTTY
 * keeps a terminal device from becoming our controlling terminal. Both are 0 where undefined.
 */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);

/**
 * Open a regular file for reading and return it with its size. The path is stat'ed first (following
 * symlinks: the target must be a regular file) and refused unless it is one, then opened without
 * blocking, and the opened descriptor is checked again, closing the window between stat and open.
 */
export async function openRegularFile(path: string, what: string): Promise<{ handle: FileHandle; size: number }> {
  // 1. What the path names, before anything opens it.
  let named: Stats;
  try {
    named = await stat(path);
  } catch (error) {
    throw fileError(error, path, what);
  }
  if (!named.isFile()) throw notRegularFile(path, what, named);
  // 2. Open without blocking.
  let handle: FileHandle;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch (error) {
    throw fileError(error, path, what);
  }
  // 3. What was opened: still a regular file.
  try {
    const opened = await handle.stat();
    if (!opened.isFile()) throw notRegularFile(path, what, opened);
    return { handle, size: opened.size };
  } catch (error) {
    await handle.close();
    throw error instanceof CosignerError ? error : fileError(error, path, what);
  }
}

/** Read a whole (small) file; refuses files larger than `maxBytes` before reading them. */
export async function readFileBytes(path: string, options: { what: string; maxBytes: number }): Promise<Uint8Array> {
  const { handle, size } = await openRegularFile(path, options.what);
  try {
    if (size > options.maxBytes) {
      throw new CosignerError(
        'FILE_TOO_LARGE',
        `${options.what} ${path} is ${size} bytes, more than ${options.maxBytes}`,
        { hint: `pass the ${options.what} itself`, context: { path } },
      );
    }
    const bytes = new Uint8Array(size);
    let filled = 0;
    while (filled < size) {
      const { bytesRead } = await handle.read(bytes, filled, size - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return bytes.subarray(0, filled);
  } catch (error) {
    throw error instanceof CosignerError ? error : fileError(error, path, options.what);
  } finally {
    await handle.close();
  }
}

/** Read a whole (small) UTF-8 text file, with the checks of {@link readFileBytes}. */
export async function readTextFile(path: string, options: { what: string; maxBytes: number }): Promise<string> {
  return new TextDecoder().decode(await readFileBytes(path, options));
}
