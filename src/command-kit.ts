/**
 * The shape every command module has, and the context the CLI hands it. Keeping this apart from
 * src/cli.ts lets command modules import types without pulling in commander.
 */
import type { CosignerError } from './errors.js';
import { escapeControl } from './io/safe-text.js';
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
  /**
   * Human rendering of the result for stdout. The invocation lets next-step hints repeat the
   * flags that chose the account and files ({@link nextCommand}).
   */
  render(result: R, style: Style, invocation?: Invocation): string;
  /**
   * A result that is itself a failing verdict (doctor checks, audit findings) returns the error
   * that sets the exit code; the JSON envelope then carries both `result` and `error`.
   */
  verdict?(result: R): CosignerError | undefined;
  /**
   * The rendering is made for a pipe (a completion script for `source <(…)`): print it, not the
   * JSON envelope, when stdout is not a terminal; `--json` still gives the envelope.
   */
  textOutput?: true;
}

export const DEFAULT_SANDBOX_DIR = '.cosigner-sandbox';

/**
 * Resolve the sandbox directory from `--sandbox [dir]` or COSIGNER_SANDBOX: a relative path is
 * taken from `cwd`, an absolute one as it is (the caller passes node:path's `resolve`).
 */
export function resolveSandboxDir(
  globals: Pick<GlobalOptions, 'sandbox'>,
  env: NodeJS.ProcessEnv,
  cwd: string,
  resolve: (...p: string[]) => string,
): string | undefined {
  if (typeof globals.sandbox === 'string') return resolve(cwd, globals.sandbox);
  if (globals.sandbox === true) return resolve(cwd, DEFAULT_SANDBOX_DIR);
  const fromEnv = env.COSIGNER_SANDBOX;
  if (fromEnv === undefined || fromEnv === '' || fromEnv === '0' || fromEnv.toLowerCase() === 'false') return undefined;
  if (fromEnv === '1' || fromEnv.toLowerCase() === 'true') return resolve(cwd, DEFAULT_SANDBOX_DIR);
  return resolve(cwd, fromEnv);
}

/**
 * A suggested next command (`next: …` hints) that keeps the global flags which chose the account
 * and the files: `--sandbox [dir]`, `--config`, `--region`, `--profile`. Without them a hint after
 * `--sandbox init` would send the user to real AWS. Values that came from COSIGNER_* variables are
 * left out: the next command inherits the same environment.
 */
export function nextCommand(invocation: Invocation | undefined, rest: string): string {
  const words = ['cosigner-cli'];
  const g = invocation?.globals;
  const env = invocation?.env ?? {};
  if (g?.sandbox === true || g?.sandbox === DEFAULT_SANDBOX_DIR) words.push('--sandbox');
  else if (typeof g?.sandbox === 'string') words.push('--sandbox', shellWord(g.sandbox));
  if (g?.config !== undefined) words.push('--config', shellWord(g.config));
  if (g?.region !== undefined && g.region !== env.COSIGNER_REGION) words.push('--region', shellWord(g.region));
  if (g?.profile !== undefined && g.profile !== env.COSIGNER_PROFILE) words.push('--profile', shellWord(g.profile));
  return [...words, rest].join(' ');
}

/**
 * A value as one POSIX shell word for a hint on the terminal: bare when it is safe, else
 * single-quoted; control characters (a path is untrusted text) shown as escapes, never sent.
 */
export function shellWord(value: string): string {
  const shown = escapeControl(value);
  return /^[\w@%+=:,./-]+$/.test(shown) ? shown : `'${shown.replace(/'/g, `'\\''`)}'`;
}
