// Reading user-named files with coded errors: a missing file is FILE_NOT_FOUND, anything else
// that stops the read (a directory, permissions, I/O) is FILE_UNREADABLE, an oversized file
// FILE_TOO_LARGE. Paths are resolved by the caller.
import { open, type FileHandle } from 'node:fs/promises';
import { CosignerError } from '../errors.js';

/** Turn a Node fs error into the coded error for `path`. */
export function fileError(error: unknown, path: string, what: string): CosignerError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new CosignerError('FILE_NOT_FOUND', `${what} ${path} does not exist`, { hint: 'check the path', cause: error, context: { path } });
  }
  return new CosignerError('FILE_UNREADABLE', `cannot read ${what} ${path} (${code ?? 'error'})`, { hint: 'check that it is a readable regular file', cause: error, context: { path } });
}

/** Open a regular file for reading and return it with its size. */
export async function openRegularFile(path: string, what: string): Promise<{ handle: FileHandle; size: number }> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw fileError(error, path, what);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw Object.assign(new Error(`${path} is not a regular file`), { code: 'EISDIR' });
    return { handle, size: stat.size };
  } catch (error) {
    await handle.close();
    throw fileError(error, path, what);
  }
}

/** Read a whole (small) file; refuses files larger than `maxBytes` before reading them. */
export async function readFileBytes(path: string, options: { what: string; maxBytes: number }): Promise<Uint8Array> {
  const { handle, size } = await openRegularFile(path, options.what);
  try {
    if (size > options.maxBytes) {
      throw new CosignerError('FILE_TOO_LARGE', `${options.what} ${path} is ${size} bytes, more than ${options.maxBytes}`, { hint: `pass the ${options.what} itself`, context: { path } });
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
