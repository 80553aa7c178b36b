/**
 * The HostFsPort over node:fs, rooted at a directory that stands for `/`: `/` itself on a real
 * host, a directory inside the sandbox for the simulated one. Host paths must be absolute and
 * cannot climb out of the root. Writes go through the one atomic write (src/files/atomic-write.ts).
 */
import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, open, rename, rm, statfs } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize } from 'node:path';
import { CosignerError } from '../errors.js';
import { writeFileAtomic } from '../files/atomic-write.js';
import { fileError, openRegularFile, readTextFile } from '../files/read-file.js';
import type { HostFileKind, HostFileStat, HostFsPort } from './ports.js';

function kindOf(stats: Awaited<ReturnType<typeof lstat>>): HostFileKind {
  if (stats.isSymbolicLink()) return 'symlink';
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'directory';
  if (stats.isCharacterDevice()) return 'character-device';
  return 'other';
}

export function createHostFs(root = '/'): HostFsPort {
  const resolve = (hostPath: string): string => {
    const clean = normalize(hostPath);
    if (!isAbsolute(hostPath) || clean.split('/').includes('..'))
      throw new CosignerError('INTERNAL', `not an absolute host path: ${hostPath}`, { source: 'internal' });
    return root === '/' ? clean : join(root, clean);
  };
  return {
    resolve,
    async stat(hostPath) {
      try {
        const stats = await lstat(resolve(hostPath));
        const result: HostFileStat = {
          kind: kindOf(stats),
          mode: stats.mode & 0o7777,
          uid: stats.uid,
          size: stats.size,
        };
        return result;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw fileError(error, hostPath, 'host file');
      }
    },
    async readText(hostPath, maxBytes) {
      try {
        return await readTextFile(resolve(hostPath), { what: 'host file', maxBytes });
      } catch (error) {
        if (error instanceof CosignerError && error.code === 'FILE_NOT_FOUND') return undefined;
        throw error;
      }
    },
    async writeAtomic(hostPath, data, mode) {
      // The parent is created (0755) when missing, as `install -D` would.
      await mkdir(dirname(resolve(hostPath)), { recursive: true, mode: 0o755 });
      await writeFileAtomic(resolve(hostPath), data, { mode });
    },
    async copyIn(sourcePath, hostPath, mode) {
      const target = resolve(hostPath);
      await mkdir(dirname(target), { recursive: true, mode: 0o755 });
      const temp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      // Open the source as a regular file (a FIFO or device is refused before it is read).
      const { handle } = await openRegularFile(sourcePath, 'enclave image');
      try {
        const out = await open(temp, 'wx', mode);
        try {
          for await (const chunk of handle.createReadStream({ autoClose: false, highWaterMark: 4 * 1024 * 1024 }))
            await out.write(chunk as Buffer);
          await out.sync();
        } finally {
          await out.close();
        }
        await chmod(temp, mode);
        await rename(temp, target);
      } catch (error) {
        await rm(temp, { force: true });
        throw error instanceof CosignerError ? error : fileError(error, hostPath, 'host file');
      } finally {
        await handle.close();
      }
    },
    async rename(fromHostPath, toHostPath) {
      await rename(resolve(fromHostPath), resolve(toHostPath));
    },
    async mkdir(hostPath, mode) {
      await mkdir(resolve(hostPath), { recursive: true, mode });
    },
    async remove(hostPath) {
      await rm(resolve(hostPath), { force: true, recursive: true });
    },
    async freeBytes(hostPath) {
      const stats = await statfs(resolve(hostPath));
      return stats.bavail * stats.bsize;
    },
  };
}
