/**
 * A CommandContext for the provision, destroy and status command modules on a sandbox in a temp
 * directory (fast knobs written to its aws-sandbox.json), as src/main.ts would build it for
 * `cosigner-cli --sandbox <dir> <command> …`.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandContext, GlobalOptions, Invocation } from '../../src/command-kit.js';
import { SANDBOX_CONFIG_FILE } from '../../src/aws/sandbox/index.js';
import { TestIoHost, type TestIoHostOptions } from '../helpers/test-io-host.js';
import { FAST_KNOBS, REGION, TEST_NETWORK } from './world.js';

export interface CliWorld {
  dir: string;
  sandboxDir: string;
  invocation(command: string, opts?: Record<string, unknown>, globals?: Partial<GlobalOptions>): Invocation;
  context(invocation: Invocation, io?: TestIoHostOptions): CommandContext & { io: TestIoHost };
  writeConfig(config: Record<string, unknown>): Promise<string>;
  cleanup(): Promise<void>;
}

export async function makeCliWorld(): Promise<CliWorld> {
  const dir = await mkdtemp(join(tmpdir(), 'cosigner-cli-'));
  const sandboxDir = join(dir, '.cosigner-sandbox');
  await mkdir(sandboxDir, { recursive: true });
  await writeFile(join(sandboxDir, SANDBOX_CONFIG_FILE), JSON.stringify(FAST_KNOBS));
  return {
    dir,
    sandboxDir,
    invocation: (command, opts = {}, globals = {}) => ({
      command,
      args: [],
      opts,
      globals: {
        quiet: false,
        verbose: false,
        debug: false,
        color: false,
        nonInteractive: true,
        yes: false,
        sandbox: true,
        region: REGION,
        ...globals,
      },
      env: {},
      cwd: dir,
    }),
    context: (invocation, io = {}) => ({
      io: new TestIoHost({ assumeYes: invocation.globals.yes, ...io }),
      invocation,
      now: () => new Date(),
      sandboxDir,
    }),
    async writeConfig(config) {
      const path = join(dir, 'cosigner.json');
      await writeFile(path, JSON.stringify({ schemaVersion: 1, network: TEST_NETWORK, ...config }));
      return path;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
