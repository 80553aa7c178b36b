/**
 * The shape every command module has, and the context the CLI hands it. Keeping this apart from
 * src/cli.ts lets command modules import types without pulling in commander.
 */
import type { CosignerError } from './errors.js';
import type { IoHost } from './io/io-host.js';
import type { Style } from './io/style.js';

/** Options every command accepts (src/cli.ts declares them). */
export interface GlobalOptions {
  /** `--json` true, `--no-json` false, absent: JSON when stdout is not a TTY. */
  json?: boolean | undefined;
  quiet: boolean;
  verbose: boolean;
  debug: boolean;
  /** False with `--no-color`. */
  color: boolean;
  nonInteractive: boolean;
  yes: boolean;
  config?: string | undefined;
  profile?: string | undefined;
  region?: string | undefined;
  /** `--sandbox` alone is true; `--sandbox <dir>` is the dir. */
  sandbox?: string | boolean | undefined;
}

/** What the parser hands a command: positional args, its own options, the globals. */
export interface Invocation {
  /** Command path, e.g. `attest describe-eif`. */
  command: string;
  args: string[];
  opts: Record<string, unknown>;
  globals: GlobalOptions;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** Side effects a command may use; tests replace every member. */
export interface CommandContext {
  io: IoHost;
  invocation: Invocation;
  now: () => Date;
  /** The sandbox directory when `--sandbox`/COSIGNER_SANDBOX is in force. */
  sandboxDir: string | undefined;
}

export interface CommandModule<O = unknown, R = unknown> {
  /** argv → typed options; validates every flag once, here. */
  parseOptions(invocation: Invocation): O | Promise<O>;
  /** Runs the command with real dependencies built from the context. */
  execute(options: O, context: CommandContext): Promise<R>;
  /** Human rendering of the result for stdout. */
  render(result: R, style: Style): string;
  /**
   * A result that is itself a failing verdict (doctor checks, audit findings) returns the error
   * that sets the exit code; the JSON envelope then carries both `result` and `error`.
   */
  verdict?(result: R): CosignerError | undefined;
}

export const DEFAULT_SANDBOX_DIR = '.cosigner-sandbox';

/**
 * Resolve the sandbox directory from `--sandbox [dir]` or COSIGNER_SANDBOX: a relative path is
 * taken from `cwd`, an absolute one as it is (the caller passes node:path's `resolve`).
 */
export function resolveSandboxDir(globals: GlobalOptions, env: NodeJS.ProcessEnv, cwd: string, resolve: (...p: string[]) => string): string | undefined {
  if (typeof globals.sandbox === 'string') return resolve(cwd, globals.sandbox);
  if (globals.sandbox === true) return resolve(cwd, DEFAULT_SANDBOX_DIR);
  const fromEnv = env.COSIGNER_SANDBOX;
  if (fromEnv === undefined || fromEnv === '' || fromEnv === '0' || fromEnv.toLowerCase() === 'false') return undefined;
  if (fromEnv === '1' || fromEnv.toLowerCase() === 'true') return resolve(cwd, DEFAULT_SANDBOX_DIR);
  return resolve(cwd, fromEnv);
}
