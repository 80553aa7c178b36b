/**
 * Atomic file writes: write a temp file beside the target, fsync, rename over it, then fsync the
 * directory so the rename itself survives a crash. A reader (or a crash) never sees a half-written
 * file. Mode is applied to the temp file before
 * any byte is written, so secrets-adjacent files are never briefly world-readable. A target that is
 * a named pipe, socket or device (or a link to one) is refused rather than replaced by a file.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CosignerError } from '../errors.js';
import { notRegularFile } from './read-file.js';

export interface AtomicWriteOptions {
  /** File mode of the written file. @default 0o600 */
  mode?: number;
}

export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const mode = options.mode ?? 0o600;
  // What the path names now (links followed): absent or a regular file, or refused.
  const existing = await stat(path).catch(() => undefined);
  if (existing !== undefined && !existing.isFile())
    throw notRegularFile(path, 'output', existing, `choose a file path to write to (${path} is not a regular file)`);
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let handle;
  try {
    handle = await open(temp, 'wx', mode);
  } catch (error) {
    throw unwritable(path, error);
  }
  try {
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temp, path);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw unwritable(path, error);
  }
  await syncDirectory(dirname(path));
}

/** Make a rename durable. Best effort: not every platform can fsync a directory. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // The file is written either way; only the rename's durability is not guaranteed here.
  }
}

function unwritable(path: string, cause: unknown): CosignerError {
  const reason = (cause as NodeJS.ErrnoException | undefined)?.code ?? 'unknown error';
  return new CosignerError('FILE_UNWRITABLE', `cannot write ${path} (${reason})`, {
    hint: 'check that the directory exists and that you may write to it, or choose another path',
    cause,
    context: { path },
  });
}
