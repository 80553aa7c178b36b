// Paths that are not regular files, for the readers' refusal tests: a named pipe (FIFO), a symlink
// to it, a directory, a Unix socket and a character device (/dev/null).
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { mkdir, symlink } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';

export interface SpecialFiles {
  /** Name → path, for `it.each`. */
  cases: [string, string][];
  fifo: string;
  /** Unblock any reader a broken implementation left waiting on the FIFO, and stop the socket. */
  release(): Promise<void>;
}

export async function makeSpecialFiles(dir: string): Promise<SpecialFiles> {
  const fifo = join(dir, 'pipe.eif');
  execFileSync('mkfifo', [fifo]);
  const link = join(dir, 'link-to-pipe.json');
  await symlink(fifo, link);
  const directory = join(dir, 'a-directory.eif');
  await mkdir(directory);
  const socket = join(dir, 'sock');
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return {
    cases: [
      ['a named pipe (FIFO)', fifo],
      ['a symlink to a named pipe', link],
      ['a directory', directory],
      ['a Unix socket', socket],
      ['a character device (/dev/null)', '/dev/null'],
    ],
    fifo,
    async release() {
      // A reader blocked in open(2) on the FIFO is let go by a writer's open; none is waiting when
      // the code under test is right (ENXIO).
      try {
        closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
      } catch {
        // no reader was waiting
      }
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
