/**
 * Running the built CLI (bin/cosigner-cli.js → dist/) as a real process, under a pseudo-terminal
 * (@lydell/node-pty: Ctrl-C is a keystroke, the screen is what a person sees) or with plain pipes
 * (signals sent with kill), on a sandbox in a temp directory. Waits are for text on the screen or
 * on stderr, never fixed sleeps, with generous bounds for a loaded machine.
 */
import { spawn as spawnProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import type * as NodePty from '@lydell/node-pty';
import { createSandboxPorts, SANDBOX_CONFIG_FILE, type SandboxState } from '../../src/aws/sandbox/index.js';
import { runCli, type CliRun } from '../helpers/run-cli.js';
import { Screen } from '../helpers/screen.js';
import { REGION } from './world.js';

const root = resolve(import.meta.dirname, '../..');
const BIN = join(root, 'bin', 'cosigner-cli.js');
const pty = createRequire(import.meta.url)('@lydell/node-pty') as typeof NodePty;

/** The tests run the build: refuse a missing or stale dist/ rather than test old code. */
export function assertBuilt(): void {
  const stale: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) {
        const built = join(root, 'dist', path.slice(join(root, 'src').length + 1).replace(/\.ts$/, '.js'));
        if (!existsSync(built) || statSync(built).mtimeMs < statSync(path).mtimeMs)
          stale.push(path.slice(root.length + 1));
      }
    }
  };
  walk(join(root, 'src'));
  if (stale.length > 0)
    throw new Error(
      `dist/ is missing or older than ${stale.slice(0, 3).join(', ')}${stale.length > 3 ? ' …' : ''}: run \`npm run build\` first`,
    );
}

export interface Exit {
  code: number | null;
  signal: string | number | null | undefined;
}

export interface CliProcess {
  /** Everything written so far (stdout and stderr on a pty; stderr alone with pipes). */
  output(): string;
  /** stdout alone (pipes only). */
  stdout(): string;
  /** Resolve once `pattern` is in the output (escape codes removed). */
  waitFor(pattern: string | RegExp, timeoutMs?: number): Promise<void>;
  /** Type on the terminal (pty only). */
  press(keys: string): void;
  /** Send a signal to the process (pipes only). */
  kill(signal: NodeJS.Signals): void;
  exited: Promise<Exit>;
}

function watcher(read: () => string, exited: Promise<Exit>) {
  const waiters = new Set<() => void>();
  let done = false;
  void exited.then(() => {
    done = true;
    for (const check of waiters) check();
  });
  return {
    notify: () => {
      for (const check of waiters) check();
    },
    waitFor: (pattern: string | RegExp, timeoutMs = 60_000) =>
      new Promise<void>((resolvePromise, reject) => {
        const matches = () => {
          const text = stripVTControlCharacters(read());
          return typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text);
        };
        const timer = setTimeout(
          () =>
            finish(
              new Error(
                `timed out after ${timeoutMs} ms waiting for ${String(pattern)}; output:\n${stripVTControlCharacters(read()).slice(-3000)}`,
              ),
            ),
          timeoutMs,
        );
        const finish = (error?: Error) => {
          clearTimeout(timer);
          waiters.delete(check);
          if (error === undefined) resolvePromise();
          else reject(error);
        };
        const check = () => {
          if (matches()) finish();
          else if (done)
            finish(
              new Error(
                `the CLI exited before ${String(pattern)} appeared; output:\n${stripVTControlCharacters(read()).slice(-3000)}`,
              ),
            );
        };
        waiters.add(check);
        check();
      }),
  };
}

export interface SandboxCli {
  dir: string;
  sandboxDir: string;
  configPath: string;
  /** The global flags every run uses. */
  globals: string[];
  /** The command line the CLI prints in its "run … again" hints. */
  commandLine(args: string[]): string;
  /** Run under a pseudo-terminal of `columns` × 40. */
  pty(args: string[], options?: { latencyMs?: number; columns?: number }): CliProcess;
  /** Run with plain pipes (no TTY anywhere). */
  piped(args: string[], options?: { latencyMs?: number }): CliProcess;
  /** Run in process (from the sources, no latency): set-up and re-runs. */
  inProcess(args: string[]): Promise<CliRun>;
  state(): Promise<SandboxState>;
  receiptExists(): Promise<boolean>;
  /** The receipt's text, or undefined when there is none. */
  receipt(): Promise<string | undefined>;
  cleanup(): Promise<void>;
}

/** A temp directory with a config (`init`) and a sandbox account whose IAM propagation is short. */
export async function makeSandboxCli(name = 'demo'): Promise<SandboxCli> {
  const dir = await mkdtemp(join(tmpdir(), 'cosigner-interrupt-'));
  const sandboxDir = join(dir, 'sandbox');
  const configPath = join(dir, 'cosigner.json');
  await mkdir(sandboxDir);
  await writeFile(
    join(sandboxDir, SANDBOX_CONFIG_FILE),
    JSON.stringify({ iamPropagationDelayMs: 1000, retryBaseMs: 0 }),
  );
  const globals = ['--sandbox', sandboxDir, '--config', configPath];
  // Only what the CLI needs: no CI (it would turn the live display off), no AWS settings.
  const env = (latencyMs: number | undefined): Record<string, string> => ({
    PATH: process.env.PATH ?? '',
    HOME: dir,
    LANG: 'C.UTF-8',
    TERM: 'xterm-256color',
    ...(latencyMs === undefined ? {} : { COSIGNER_SANDBOX_LATENCY_MS: String(latencyMs) }),
  });
  const cli: SandboxCli = {
    dir,
    sandboxDir,
    configPath,
    globals,
    commandLine: (args) => ['cosigner-cli', ...globals, ...args].join(' '),
    pty(args, options = {}) {
      const term = pty.spawn(process.execPath, [BIN, ...globals, ...args], {
        name: 'xterm-256color',
        cols: options.columns ?? 120,
        rows: 40,
        cwd: dir,
        env: env(options.latencyMs),
      });
      let out = '';
      const exited = new Promise<Exit>((done) =>
        term.onExit(({ exitCode, signal }) => done({ code: exitCode, signal })),
      );
      const w = watcher(() => out, exited);
      term.onData((data) => {
        out += data;
        w.notify();
      });
      return {
        output: () => out,
        stdout: () => out,
        waitFor: w.waitFor,
        press: (keys) => term.write(keys),
        kill: () => undefined,
        exited,
      };
    },
    piped(args, options = {}) {
      const child = spawnProcess(process.execPath, [BIN, ...globals, ...args], {
        cwd: dir,
        env: env(options.latencyMs),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let err = '';
      let out = '';
      const exited = new Promise<Exit>((done) => child.on('exit', (code, signal) => done({ code, signal })));
      const w = watcher(() => err, exited);
      child.stderr.on('data', (chunk: Buffer) => {
        err += chunk.toString();
        w.notify();
      });
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      return {
        output: () => err,
        stdout: () => out,
        waitFor: w.waitFor,
        press: () => undefined,
        kill: (signal) => child.kill(signal),
        exited,
      };
    },
    inProcess: (args) => runCli([...globals, ...args], { cwd: dir }),
    async state() {
      const ports = await createSandboxPorts({ dir: sandboxDir, region: REGION, env: {} });
      try {
        return await ports.readState();
      } finally {
        ports.destroy();
      }
    },
    receiptExists: () =>
      access(join(dir, 'cosigner.receipt.json')).then(
        () => true,
        () => false,
      ),
    receipt: () => readFile(join(dir, 'cosigner.receipt.json'), 'utf8').catch(() => undefined),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
  // The default VPC's only way out is its internet gateway: the host needs a public IP there.
  const init = await cli.inProcess([
    '--json',
    'init',
    '--name',
    name,
    '--region',
    REGION,
    '--fb-env',
    'global',
    '--network-mode',
    'public-ip',
  ]);
  if (init.code !== 0) throw new Error(`init failed: ${init.stdout}${init.stderr}`);
  return cli;
}

/** The screen a person would see after this output, on a terminal `columns` wide. */
export function screenOf(output: string, columns = 120): Screen {
  const screen = new Screen(columns);
  screen.write(output);
  return screen;
}
