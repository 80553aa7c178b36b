/**
 * The terminal IoHost: messages to stderr, prompts and live progress only where a person is
 * watching, and the one interruption path (src/io/interrupt.ts) for every command.
 * ora and @inquirer/prompts are imported only when a TTY makes them useful, keeping start-up fast.
 */
import type * as InquirerModule from '@inquirer/prompts';
import type { default as OraFactory } from 'ora';
import { CosignerError } from '../errors.js';
import {
  captureCtrlC,
  Interrupter,
  type InterruptSource,
  type Interruptible,
  type RawInput,
  type SignalSource,
} from './interrupt.js';
import type { IoHost, IoMessage, IoStep, Prompt, PromptAnswer } from './io-host.js';
import { escapeControl } from './safe-text.js';
import { createStyle, type Style } from './style.js';
import { TaskBoard } from './task-board.js';
import { fitWidth, wrapWords } from './text-width.js';

export interface CliIoHostOptions {
  stdin: NodeJS.ReadStream | { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number };
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  color: boolean;
  nonInteractive: boolean;
  assumeYes: boolean;
  /** True in CI (no live progress even on a pseudo-TTY). */
  ci: boolean;
  /** Where SIGINT and SIGTERM arrive (process in the CLI); absent: only Ctrl-C on the TTY. */
  signals?: SignalSource;
  /** The command line that continues an interrupted run. @default 'cosigner-cli' */
  commandLine?: string;
  /**
   * End the process now with an ABORTED error (the second Ctrl-C, or one outside a guarded
   * section). The entry point reports it and exits 130. @default report on stderr, process.exit
   */
  exitNow?: (error: CosignerError<'ABORTED'>) => void;
}

type Inquirer = typeof InquirerModule;

/**
 * Messages a confirmation asks about (`PROVISION_PLAN`, `DESTROY_PLAN`, `ATTEST_DIFF`, …): `-q`
 * still shows them unless `--yes` answers the question, so nobody confirms what they cannot see.
 */
const CONFIRMATION_SUBJECT = /_(PLAN|DIFF)$/;

export class CliIoHost implements IoHost {
  readonly interactive: boolean;
  readonly assumeYes: boolean;
  readonly json: boolean;
  readonly color: boolean;
  readonly style: Style;
  /** Live progress: a TTY on stderr, not --json, -q or CI. */
  private readonly live: boolean;
  private board: TaskBoard | undefined;
  private inquirer: Inquirer | undefined;
  private readonly options: CliIoHostOptions;
  private readonly interrupter: Interrupter;
  /** Releases stdin while the board holds it (raw mode, Ctrl-C read by us). */
  private releaseKeys: (() => void) | undefined;
  /** Cancels the prompt on screen, if any (a SIGINT/SIGTERM sent while it waits). */
  private cancelPrompt: AbortController | undefined;
  /** Messages printed so far: a warning already on screen (alone or inside a plan's note) is not repeated. */
  private readonly shown: string[] = [];

  private constructor(options: CliIoHostOptions) {
    this.options = options;
    this.interactive = !options.nonInteractive && Boolean(options.stdin.isTTY) && Boolean(options.stderr.isTTY);
    this.assumeYes = options.assumeYes;
    this.json = options.json;
    this.color = options.color;
    this.style = createStyle(options.color);
    this.live = Boolean(options.stderr.isTTY) && !options.json && !options.ci && !options.quiet;
    this.interrupter = new Interrupter({
      commandLine: options.commandLine ?? 'cosigner-cli',
      onStopping: (what, source) => this.stopping(what, source),
      exitNow: (error) => this.exitNow(error),
    });
  }

  /** Create the host; loads ora up front only when live progress will be shown. */
  static async create(options: CliIoHostOptions): Promise<CliIoHost> {
    const host = new CliIoHost(options);
    if (host.live) {
      const ora: typeof OraFactory = (await import('ora')).default;
      host.board = new TaskBoard({
        ora,
        stream: options.stderr,
        style: host.style,
        color: options.color,
        onLive: (live) => host.holdKeys(live),
        hint: () => (host.interrupter.guarded && !host.interrupter.stopping ? 'Ctrl-C to stop' : undefined),
      });
    }
    if (options.signals !== undefined) host.interrupter.listen(options.signals);
    return host;
  }

  notify(message: IoMessage): void {
    const { level } = message;
    if (level === 'debug' && !this.options.verbose) return;
    if (level === 'info' && this.options.quiet && !(CONFIRMATION_SUBJECT.test(message.code) && !this.assumeYes)) return;
    if (level === 'warn' && this.shown.some((line) => line.includes(message.message))) return;
    const s = this.style;
    const prefix =
      level === 'error' ? s.red('✖ ') : level === 'warn' ? s.yellow('⚠ ') : level === 'debug' ? s.dim('· ') : '';
    // Messages carry file names, AWS names and error texts: no terminal controls reach stderr.
    let text = message.preformatted === true ? message.message : escapeControl(message.message, { keepNewlines: true });
    let cut = false;
    const columns = this.options.stderr.isTTY === true ? this.options.stderr.columns : undefined;
    if (columns !== undefined && columns > 0) {
      const width = columns - 1 - (prefix === '' ? 0 : 2);
      // On a terminal, a table row is cut to its width rather than wrapped into the next row, and
      // a long message is wrapped at spaces with an indent rather than cut mid-word by the terminal.
      const full = text;
      text =
        message.layout === 'row'
          ? fitWidth(text, width)
          : text
              .split('\n')
              .flatMap((line) => wrapWords(line, width))
              .join('\n');
      // A row cut to the terminal's width did not show all of its text: a warning it held is still printed.
      if (message.layout === 'row' && text !== full) cut = true;
    }
    if (level !== 'debug' && !cut) this.shown.push(message.message);
    this.write(`${prefix}${level === 'debug' ? s.dim(text) : text}\n`);
  }

  async request<P extends Prompt>(prompt: P): Promise<PromptAnswer<P>> {
    if (!this.interactive) {
      if (prompt.default !== undefined) return prompt.default as PromptAnswer<P>;
      throw new CosignerError('INPUT_REQUIRED', `${prompt.message.replace(/[?:]\s*$/, '')} is required`, {
        hint: `pass ${prompt.flag} (no prompt is shown without a terminal or with --non-interactive)`,
        context: { flag: prompt.flag },
      });
    }
    const inquirer = (this.inquirer ??= await import('@inquirer/prompts'));
    // The prompt reads stdin itself (and turns Ctrl-C into ABORTED): stop holding it meanwhile.
    const held = this.releaseKeys !== undefined;
    this.holdKeys(false);
    const cancel = (this.cancelPrompt = new AbortController());
    try {
      return await this.ask(inquirer, prompt, cancel.signal);
    } catch (error) {
      throw toAbort(error);
    } finally {
      this.cancelPrompt = undefined;
      if (held) this.holdKeys(true);
    }
  }

  private async ask<P extends Prompt>(inquirer: Inquirer, raw: P, signal: AbortSignal): Promise<PromptAnswer<P>> {
    const context = {
      input: this.options.stdin as NodeJS.ReadableStream,
      output: this.options.stderr,
      clearPromptOnDone: false,
      signal,
    };
    const prompt = { ...raw, message: escapeControl(raw.message, { keepNewlines: true }) };
    switch (prompt.kind) {
      case 'text':
        return (await inquirer.input(
          {
            message: prompt.message,
            required: true,
            default: prompt.default,
            ...(prompt.validate === undefined ? {} : { validate: prompt.validate }),
          },
          context,
        )) as PromptAnswer<P>;
      case 'select':
        return (await inquirer.select(
          {
            message: prompt.message,
            ...(prompt.default === undefined ? {} : { default: prompt.default }),
            choices: prompt.choices.map((c) => ({
              ...c,
              name: escapeControl(c.name ?? c.value),
              ...(c.description === undefined ? {} : { description: escapeControl(c.description) }),
            })),
          },
          context,
        )) as PromptAnswer<P>;
      case 'confirm':
        return (await inquirer.confirm(
          { message: prompt.message, default: prompt.default ?? false },
          context,
        )) as PromptAnswer<P>;
      case 'secret':
        return (await inquirer.password(
          {
            message: prompt.message,
            mask: false,
            ...(prompt.validate === undefined ? {} : { validate: prompt.validate }),
          },
          context,
        )) as PromptAnswer<P>;
    }
  }

  async confirm(message: string, flag = '--yes', plan?: unknown): Promise<void> {
    if (this.assumeYes) return;
    if (!this.interactive) {
      throw new CosignerError('CONFIRMATION_REQUIRED', `refusing without confirmation: ${message}`, {
        hint: `review the plan, then re-run with ${flag} to confirm non-interactively`,
        ...(plan === undefined ? {} : { context: { plan } }),
      });
    }
    const yes = await this.request({ kind: 'confirm', message, flag, default: false });
    if (!yes) throw new CosignerError('ABORTED', 'aborted: not confirmed', { hint: 'nothing was changed' });
  }

  startStep(rawText: string): IoStep {
    // Step texts name resources and carry AWS error messages: one line each, no terminal controls.
    const text = escapeControl(rawText);
    const clean = (t: string | undefined): string | undefined => (t === undefined ? undefined : escapeControl(t));
    if (this.board !== undefined) {
      const step = this.board.start(text);
      return {
        update: (t) => step.update(escapeControl(t)),
        succeed: (t) => step.succeed(clean(t)),
        fail: (t) => step.fail(clean(t)),
        skip: (t) => step.skip(clean(t)),
      };
    }
    // Off a terminal (or --json, -q, CI): whole lines, never spinner frames.
    const s = this.style;
    if (!this.options.quiet) this.write(`${s.dim('…')} ${text}\n`);
    let open = true;
    const end = (line: string, always = false) => {
      if (!open) return;
      open = false;
      if (always || !this.options.quiet) this.write(`${line}\n`);
    };
    // As on the board: without a final text the step's title is kept, not its last progress detail.
    return {
      update: (t) => {
        if (open && this.options.verbose) this.write(`${s.dim('…')} ${escapeControl(t)}\n`);
      },
      succeed: (t) => end(`${s.green('✔')} ${clean(t) ?? text}`),
      fail: (t) => end(`${s.red('✖')} ${clean(t) ?? text}`, true),
      skip: (t) => end(`${s.dim('-')} ${clean(t) ?? text}`),
    };
  }

  interruptible(what: string): Interruptible {
    const section = this.interrupter.interruptible(what);
    return {
      signal: section.signal,
      end: () => {
        section.end();
      },
    };
  }

  /** Stop listening for signals and give the terminal back (the command is over). */
  dispose(): void {
    this.interrupter.dispose();
    this.board?.close();
    this.holdKeys(false);
  }

  private stopping(what: string, source: InterruptSource): void {
    // A question still on screen is not answered any more: it ends as ABORTED.
    this.cancelPrompt?.abort();
    const again = source === 'SIGTERM' ? 'another SIGTERM or Ctrl-C' : 'Ctrl-C again';
    this.board?.setStatus(`stopping ${what}: calls in flight finishing · ${again} stops at once`);
    this.notify({
      level: 'warn',
      code: 'INTERRUPTED',
      message: `stopping ${what}: no new change is started; the calls in flight finish and are journaled (${again} to stop at once)`,
    });
  }

  private exitNow(error: CosignerError<'ABORTED'>): void {
    // Give the terminal back first: no live region, cursor shown, stdin out of raw mode.
    this.board?.close();
    this.holdKeys(false);
    if (this.options.exitNow !== undefined) {
      this.options.exitNow(error);
      return;
    }
    this.write(
      `${this.style.red('✖')} ${error.message}\n${error.hint === undefined ? '' : `  ${this.style.dim('hint:')} ${error.hint}\n`}`,
    );
    process.exit(error.exitCode);
  }

  /** While the board is live, read the terminal ourselves: typed keys discarded, Ctrl-C handled. */
  private holdKeys(hold: boolean): void {
    if (!hold) {
      this.releaseKeys?.();
      this.releaseKeys = undefined;
      return;
    }
    if (this.releaseKeys !== undefined) return;
    this.releaseKeys = captureCtrlC(this.options.stdin as RawInput, () => this.interrupter.interrupt('Ctrl-C'));
  }

  private write(text: string): void {
    this.options.stderr.write(text);
  }
}

/** Ctrl-C or a closed input during a prompt is an abort (exit 130), never a crash. */
function toAbort(error: unknown): unknown {
  const name = (error as Error | undefined)?.name;
  if (name === 'ExitPromptError' || name === 'AbortPromptError' || name === 'CancelPromptError') {
    return new CosignerError('ABORTED', 'aborted by the user', { hint: 'nothing was written', cause: error });
  }
  return error;
}
