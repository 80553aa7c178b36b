/**
 * The demo's scratch directory: a private temporary directory holding the simulated account, the
 * config, the images and the signing keys. It goes when the demo ends, however it ends (a failed
 * step, Ctrl-C, a second Ctrl-C that ends the process at once), unless `--keep` asked for it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Workspace {
  dir: string;
  sandboxDir: string;
  configPath: string;
  /** Remove the directory now (idempotent); with `keep`, leave it and only drop the exit hook. */
  close(keep: boolean): Promise<void>;
}

/** Where process exit hooks are registered (the process; an EventEmitter in tests). */
export interface ExitSource {
  once(event: 'exit', listener: () => void): unknown;
  off(event: 'exit', listener: () => void): unknown;
}

export async function openWorkspace(options: { parent?: string; exits?: ExitSource } = {}): Promise<Workspace> {
  // mkdtemp creates the directory with mode 0700: the signing key in it is the user's only.
  const dir = await mkdtemp(join(options.parent ?? tmpdir(), 'cosigner-demo-'));
  const exits = options.exits ?? process;
  // A process that ends before close() (a second Ctrl-C exits at once) still removes it.
  const onExit = () => rmSync(dir, { recursive: true, force: true });
  exits.once('exit', onExit);
  let closed = false;
  return {
    dir,
    sandboxDir: join(dir, 'sandbox'),
    configPath: join(dir, 'cosigner.json'),
    async close(keep) {
      if (closed) return;
      closed = true;
      exits.off('exit', onExit);
      if (!keep) await rm(dir, { recursive: true, force: true });
    },
  };
}
