/**
 * The one interruption path of every command: Ctrl-C on the terminal, SIGINT or SIGTERM.
 *
 * - Outside a guarded section (reading, computing, prompting) nothing is being changed: the first
 *   interruption ends the process at once with ABORTED (exit 130).
 * - Inside a guarded section (a command that writes: provision, destroy, attest) the first
 *   interruption aborts the section's signal. Its reason is the ABORTED error the command throws
 *   once the calls in flight have finished and been journaled; it names the exact command to run
 *   again. The command starts no new write, never writes a receipt and never prints a success
 *   summary. A second interruption ends the process at once (exit 130).
 *
 * On a terminal, the live progress display holds stdin in raw mode (so typed keys do not echo into
 * it) and hands Ctrl-C here itself: in raw mode the terminal sends no SIGINT. ora's own stdin
 * handling (`discardStdin`) is not used: it set raw mode without reading stdin, so Ctrl-C was lost.
 *
 * Dependency-free (no ora, no AWS): the provision and destroy flows import `interruptedError`.
 */
import { CosignerError, isCosignerError } from '../errors.js';

export type InterruptSource = 'Ctrl-C' | 'SIGINT' | 'SIGTERM';

/** A guarded section: the part of a command that changes things. */
export interface Interruptible {
  /** Aborted at the first interruption; its `reason` is the ABORTED error to throw. */
  readonly signal: AbortSignal;
  /** Leave the section (idempotent); later interruptions end the process at once. */
  end(): void;
}

/** What the interrupter listens on (process in the CLI; an EventEmitter in tests). */
export interface SignalSource {
  on(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  off(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
}

export interface InterrupterOptions {
  /** The command line that continues the work, shown in hints, e.g. `cosigner-cli provision --yes`. */
  commandLine: string;
  /** The first interruption of a guarded section: tell the user the command is stopping. */
  onStopping(what: string, source: InterruptSource): void;
  /** End the process now with this error (exit 130): restore the terminal, report, exit. */
  exitNow(error: CosignerError<'ABORTED'>): void;
}

interface Section {
  what: string;
  controller: AbortController;
}

export class Interrupter {
  private readonly sections = new Set<Section>();
  private readonly options: InterrupterOptions;
  private source: SignalSource | undefined;
  private readonly onSigint = () => this.interrupt('SIGINT');
  private readonly onSigterm = () => this.interrupt('SIGTERM');

  constructor(options: InterrupterOptions) {
    this.options = options;
  }

  /** Listen for SIGINT and SIGTERM (until {@link dispose}). */
  listen(source: SignalSource): void {
    if (this.source !== undefined) return;
    this.source = source;
    source.on('SIGINT', this.onSigint);
    source.on('SIGTERM', this.onSigterm);
  }

  /** Stop listening; Node's default handling applies again. */
  dispose(): void {
    this.source?.off('SIGINT', this.onSigint);
    this.source?.off('SIGTERM', this.onSigterm);
    this.source = undefined;
  }

  /** True while a guarded section is stopping (after the first interruption). */
  get stopping(): boolean {
    return [...this.sections].some((s) => s.controller.signal.aborted);
  }

  /** True while a guarded section is open. */
  get guarded(): boolean {
    return this.sections.size > 0;
  }

  /** Open a guarded section for `what` (e.g. `provisioning`). */
  interruptible(what: string): Interruptible {
    const section: Section = { what, controller: new AbortController() };
    this.sections.add(section);
    return {
      signal: section.controller.signal,
      end: () => {
        this.sections.delete(section);
      },
    };
  }

  /** An interruption from any source. */
  interrupt(source: InterruptSource): void {
    const open = [...this.sections];
    const first = open.find((s) => !s.controller.signal.aborted);
    if (first === undefined) {
      this.options.exitNow(this.atOnce(source, open[0]?.what));
      return;
    }
    const reason = new CosignerError(
      'ABORTED',
      `interrupted (${source}): ${first.what} stopped after the calls in flight finished`,
      {
        hint: `to continue, run \`${this.options.commandLine}\` again: it picks up what this run did`,
        context: { interrupted: source },
      },
    );
    for (const section of open) section.controller.abort(reason);
    this.options.onStopping(first.what, source);
  }

  private atOnce(source: InterruptSource, what: string | undefined): CosignerError<'ABORTED'> {
    if (what === undefined) {
      return new CosignerError('ABORTED', `interrupted (${source})`, {
        hint: `nothing was being changed; run \`${this.options.commandLine}\` again when ready`,
        context: { interrupted: source },
      });
    }
    return new CosignerError('ABORTED', `stopped at once (${source}): ${what} did not finish`, {
      hint: `the calls in flight may or may not have completed; run \`${this.options.commandLine}\` again: it checks what exists and continues`,
      context: { interrupted: source, atOnce: true },
    });
  }
}

/**
 * The error a command throws when its section was interrupted: `message` says what was done and
 * what state things are in; the hint (the exact command to run again) comes from the interruption.
 */
export function interruptedError(
  signal: AbortSignal | undefined,
  message: string,
  context: Record<string, unknown> = {},
): CosignerError<'ABORTED'> {
  const reason: unknown = signal?.reason;
  const hint =
    isCosignerError(reason) && reason.hint !== undefined
      ? reason.hint
      : 'run the same command again to continue: it picks up what this run did';
  const base = isCosignerError(reason) ? reason.context : undefined;
  return new CosignerError('ABORTED', message, {
    hint,
    context: { ...base, ...context },
    ...(reason === undefined ? {} : { cause: reason }),
  });
}

/** A TTY input that can be put in raw mode (process.stdin on a terminal). */
export interface RawInput {
  isTTY?: boolean;
  isRaw?: boolean;
  setRawMode?(mode: boolean): unknown;
  on(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  off(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

const CTRL_C = 0x03;

/**
 * Hold a terminal's stdin in raw mode, discarding typed keys (they would echo into the progress
 * display) and calling `onCtrlC` for each Ctrl-C. Returns the release function, which restores
 * the previous mode and pauses stdin so it no longer keeps the process alive. A no-op without a TTY.
 */
export function captureCtrlC(stdin: RawInput, onCtrlC: () => void): () => void {
  if (stdin.isTTY !== true || typeof stdin.setRawMode !== 'function') return () => undefined;
  const wasRaw = stdin.isRaw === true;
  const onData = (chunk: Buffer | string) => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    // One chunk may hold several keys (two quick presses): each Ctrl-C counts.
    for (const byte of bytes) if (byte === CTRL_C) onCtrlC();
  };
  stdin.setRawMode(true);
  stdin.on('data', onData);
  stdin.resume();
  let released = false;
  return () => {
    if (released) return;
    released = true;
    stdin.off('data', onData);
    stdin.setRawMode?.(wasRaw);
    stdin.pause();
  };
}

/** The command line as a shell would need it typed again (for "run … again" hints). */
export function commandLineOf(args: readonly string[], program = 'cosigner-cli'): string {
  return [program, ...args.map(shellQuote)].join(' ');
}

function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}
