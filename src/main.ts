/**
 * The entry point and the only place that turns errors into exit codes. It parses argv, runs the
 * command, prints the result (JSON envelope or human rendering) on stdout, and maps any failure
 * to the exit code of design.md's table through `process.exitCode` (never `process.exit`).
 */
import { resolve } from 'node:path';
import { CommanderError } from 'commander';
import { createProgram, normalizeArgv, VERSION, type Loader } from './cli.js';
import { resolveSandboxDir, type Invocation } from './command-kit.js';
import { CosignerError, ExitCode, isCosignerError } from './errors.js';
import { colorAllowed } from './io/color-policy.js';
import { errorEnvelope, formatEnvelope, successEnvelope } from './io/envelope.js';
import type { escapeControl as EscapeControl } from './io/safe-text.js';
import type { Style } from './io/style.js';
import type { SignalSource } from './io/interrupt.js';

export interface MainIo {
  argv: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdin: NodeJS.ReadStream | { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** Where SIGINT and SIGTERM arrive (the process); absent in in-process tests. */
  signals?: SignalSource;
  /** End the process at once (a second Ctrl-C); only used together with `signals`. */
  exit?: (code: number) => void;
}

/** What the run learned before it failed, so the error is reported in the same mode. */
export interface RunState {
  command: string;
  json: boolean;
  debug: boolean;
  color: boolean;
  /** The JSON envelope is already on stdout (a verdict result); do not print a second one. */
  reported?: boolean;
}

/** Run the CLI and return its exit code. */
export async function runMain(io: MainIo): Promise<number> {
  const state: RunState = {
    command: 'cosigner-cli',
    json: io.argv.includes('--json') || (!io.argv.includes('--no-json') && !io.stdout.isTTY),
    debug: io.argv.includes('--debug'),
    color: colorAllowed({ noColorFlag: io.argv.includes('--no-color'), env: io.env, isTTY: io.stderr.isTTY }),
  };
  const dispatch = async (invocation: Invocation, load: Loader): Promise<void> => {
    const g = invocation.globals;
    state.command = invocation.command;
    state.json = g.json ?? !io.stdout.isTTY;
    const module = await load();
    // A command whose output is made for a pipe (a completion script) prints text unless --json.
    if (g.json === undefined && module.textOutput === true) state.json = false;
    state.debug = g.debug;
    state.color = colorAllowed({ noColorFlag: !g.color, env: io.env, isTTY: io.stderr.isTTY });
    // Terminal code loads only when a command runs: --help and --version stay commander alone.
    const [{ CliIoHost }, { createStyle }, { commandLineOf }, { escapeControl }] = await Promise.all([
      import('./io/cli-io-host.js'),
      import('./io/style.js'),
      import('./io/interrupt.js'),
      import('./io/safe-text.js'),
    ]);
    const host = await CliIoHost.create({
      stdin: io.stdin,
      stderr: io.stderr,
      json: state.json,
      quiet: g.quiet,
      verbose: g.verbose || g.debug,
      color: state.color,
      nonInteractive: g.nonInteractive,
      assumeYes: g.yes,
      ci: Boolean(io.env.CI),
      commandLine: commandLineOf(io.argv.slice(2)),
      ...(io.signals === undefined ? {} : { signals: io.signals }),
      // A second Ctrl-C (or one while nothing is being changed): report as usual, exit 130 now.
      exitNow: (error) => {
        reportNow(error, state, io, { style: createStyle(state.color), escapeControl });
        state.reported = true;
        (io.exit ?? ((code: number) => process.exit(code)))(error.exitCode);
      },
    });
    try {
      const options = await module.parseOptions(invocation);
      const result = await module.execute(options, {
        io: host,
        invocation,
        now: () => new Date(),
        sandboxDir: resolveSandboxDir(g, invocation.env, invocation.cwd, resolve),
      });
      const verdict = module.verdict?.(result);
      if (state.json) {
        io.stdout.write(
          formatEnvelope(
            verdict
              ? errorEnvelope(invocation.command, verdict.toJSON(), result)
              : successEnvelope(invocation.command, result),
          ),
        );
        state.reported = true;
      } else {
        const text = module.render(
          result,
          createStyle(colorAllowed({ noColorFlag: !g.color, env: io.env, isTTY: io.stdout.isTTY })),
          invocation,
        );
        if (text) io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
      }
      if (verdict) throw verdict;
    } finally {
      host.dispose();
    }
  };

  const program = createProgram({
    dispatch,
    env: io.env,
    cwd: io.cwd,
    writeOut: (text) => io.stdout.write(text),
    writeErr: (text) => io.stderr.write(text),
  });

  try {
    if (io.argv.length <= 2) {
      io.stderr.write(program.helpInformation());
      throw new CosignerError('USAGE', 'no command given', { hint: 'run `cosigner-cli --help` to see the commands' });
    }
    await program.parseAsync(normalizeArgv(io.argv, program));
    return ExitCode.ok;
  } catch (error) {
    return await report(error, state, io);
  }
}

/** Print an error in the run's mode and return its exit code (exported for tests). */
export async function report(thrown: unknown, state: RunState, io: MainIo): Promise<number> {
  if (thrown instanceof CommanderError) {
    if (thrown.code === 'commander.version') {
      // Plain text unless --json is on the line: `cosigner-cli --version | cat` stays a bare version.
      io.stdout.write(
        io.argv.includes('--json') ? formatEnvelope(successEnvelope('version', { version: VERSION })) : `${VERSION}\n`,
      );
      return ExitCode.ok;
    }
    if (['commander.helpDisplayed', 'commander.help'].includes(thrown.code)) return ExitCode.ok;
  }
  const [{ createStyle }, { escapeControl, hideTokens }] = await Promise.all([
    import('./io/style.js'),
    import('./io/safe-text.js'),
  ]);
  // Commander quotes what it did not understand (`--pairing-token=<token>`): never a token.
  if (thrown instanceof CommanderError) thrown = fromCommander(thrown, hideTokens);
  const style = createStyle(state.color);
  const error = isCosignerError(thrown)
    ? thrown
    : new CosignerError(
        'INTERNAL',
        `unexpected error: ${scrub(String((thrown as Error | undefined)?.message ?? thrown))}`,
        {
          hint: 'please report this at the project issue tracker with the command you ran (re-run with --debug for a stack trace)',
          cause: thrown,
          source: 'internal',
        },
      );
  reportNow(error, state, io, { style, escapeControl }, thrown);
  return error.exitCode;
}

/** Print a coded error in the run's mode: the JSON envelope on stdout (once), the message on stderr. */
function reportNow(
  error: CosignerError,
  state: RunState,
  io: MainIo,
  { style, escapeControl }: { style: Style; escapeControl: typeof EscapeControl },
  thrown: unknown = error,
): void {
  if (state.json && !state.reported) io.stdout.write(formatEnvelope(errorEnvelope(state.command, error.toJSON())));
  // Messages echo file contents and AWS strings: terminal controls are shown, never acted on.
  io.stderr.write(`${style.red('✖')} ${escapeControl(error.message, { keepNewlines: true })}\n`);
  if (error.hint) io.stderr.write(`  ${style.dim('hint:')} ${escapeControl(error.hint, { keepNewlines: true })}\n`);
  if (state.debug) {
    const stack = error.source === 'internal' ? (thrown as Error | undefined)?.stack : error.stack;
    if (stack) io.stderr.write(`${style.dim(scrub(stack))}\n`);
  }
}

const COMMANDER_CODES: Record<string, 'UNKNOWN_COMMAND' | 'UNKNOWN_OPTION'> = {
  'commander.unknownCommand': 'UNKNOWN_COMMAND',
  'commander.unknownOption': 'UNKNOWN_OPTION',
};

function fromCommander(error: CommanderError, hideTokens: (text: string) => string): CosignerError {
  const message = hideTokens(error.message.replace(/^error:\s*/, '').replace(/\n/g, ' '));
  const code = COMMANDER_CODES[error.code] ?? 'USAGE';
  return new CosignerError(code, message, {
    hint: 'run `cosigner-cli <command> --help` for the accepted options',
    cause: error,
  });
}

/** Remove the home directory from paths in messages that may be pasted into a bug report. */
function scrub(text: string): string {
  const home = process.env.HOME;
  return home && home.length > 1 ? text.split(home).join('~') : text;
}

/**
 * A reader that went away (`cosigner-cli --help | head -1`) is not a failure of the CLI: further
 * output is dropped quietly and the exit code is the command's own. Any other stream error is
 * still thrown.
 */
export function ignoreClosedPipe(stream: NodeJS.WritableStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return;
    throw error;
  });
}

/** The process entry used by bin/cosigner-cli.js. */
export async function main(): Promise<void> {
  ignoreClosedPipe(process.stdout);
  ignoreClosedPipe(process.stderr);
  // The SDK warns on every run under Node < 22; `doctor` reports that once, where it belongs.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  process.exitCode = await runMain({
    argv: process.argv,
    env: process.env,
    cwd: process.cwd(),
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    signals: process,
    exit: (code) => process.exit(code),
  });
}
