/**
 * Once per test run, in Vitest's main process: one scratch directory for every temporary file the
 * run makes (the tests' and the processes they spawn, through TMPDIR), removed when the run ends,
 * whatever the tests left in it.
 *
 * It lives on a RAM disk when there is one (Linux /dev/shm: tmpfs, mounted without noexec, 1 GiB
 * free): the suites write and fsync thousands of small files (sandbox accounts, journals, locks),
 * and the durability of scratch space is not what they test. Otherwise it is in the system's
 * temporary directory. TEST_TMPDIR chooses where it goes.
 */
import { mkdtempSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function ramDisk(): string | undefined {
  try {
    const mount = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' '))
      .find((fields) => fields[1] === '/dev/shm');
    if (mount?.[2] !== 'tmpfs' || (mount[3] ?? '').split(',').includes('noexec')) return undefined;
    const { bavail, bsize } = statfsSync('/dev/shm');
    return bavail * bsize >= 2 ** 30 ? '/dev/shm' : undefined;
  } catch {
    return undefined;
  }
}

export function setup(): () => void {
  const chosen = process.env.TEST_TMPDIR;
  const base = chosen !== undefined && chosen !== '' ? chosen : (ramDisk() ?? tmpdir());
  const scratch = mkdtempSync(join(base, 'cosigner-tests-'));
  // Workers start after this and inherit it; os.tmpdir() reads it on every call.
  process.env.TMPDIR = scratch;
  return () => rmSync(scratch, { recursive: true, force: true });
}
