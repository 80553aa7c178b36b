/**
 * The IoHost is the only way commands talk to the user. Commands return data and never write to
 * the terminal themselves: results go to stdout (once, at the end, through the renderer), every
 * other message goes to stderr, and prompts and live progress appear only on an interactive
 * terminal. It is also where the user's interruption (Ctrl-C, SIGINT, SIGTERM) reaches a command.
 */
import type { Interruptible } from './interrupt.js';
import type { MessageCode } from './message-codes.js';

export type { Interruptible } from './interrupt.js';

export type MessageLevel = 'error' | 'warn' | 'info' | 'result' | 'debug';

export interface IoMessage {
  level: Exclude<MessageLevel, 'result'>;
  /** Stable machine-readable code of the message, from the registry in ./message-codes.ts. */
  code: MessageCode;
  message: string;
  /** Structured detail (never a secret). */
  data?: Record<string, unknown>;
  /**
   * The caller rendered the message itself, its untrusted parts escaped (src/io/safe-text.ts) and
   * its colours applied: printed as it is. Otherwise the host escapes terminal controls in it.
   */
  preformatted?: boolean;
  /**
   * `row`: a line of a table (a plan row), cut to the terminal's width on a terminal instead of
   * wrapping into the next row. Full detail stays in `--dry-run`/`--json`. @default 'text'
   */
  layout?: 'text' | 'row';
}

/** A step in a step list (a spinner on a TTY, a plain line otherwise). */
export interface IoStep {
  /** Update the text while the step runs. */
  update(text: string): void;
  succeed(text?: string): void;
  fail(text?: string): void;
  /** Finish the step without success or failure (skipped, no-op). */
  skip(text?: string): void;
}

export interface SelectChoice<T extends string> {
  value: T;
  name?: string;
  description?: string;
}

/** One prompt. Every prompt names the flag that answers it non-interactively. */
export interface PromptBase<T> {
  message: string;
  /** The flag that answers this prompt, e.g. `--name`; used in INPUT_REQUIRED errors. */
  flag: string;
  default?: T;
}

export interface TextPrompt extends PromptBase<string> {
  kind: 'text';
  /** Return an error message or `true`. */
  validate?: (value: string) => string | true;
}
export interface SelectPrompt<T extends string = string> extends PromptBase<T> {
  kind: 'select';
  choices: SelectChoice<T>[];
}
export interface ConfirmPrompt extends PromptBase<boolean> {
  kind: 'confirm';
}
export interface SecretPrompt extends PromptBase<never> {
  kind: 'secret';
  validate?: (value: string) => string | true;
}
export type Prompt = TextPrompt | SelectPrompt | ConfirmPrompt | SecretPrompt;
export type PromptAnswer<P extends Prompt> = P extends ConfirmPrompt ? boolean : string;

export interface IoHost {
  /** True when prompts may be shown (a TTY on stdin and stderr, not `--non-interactive`). */
  readonly interactive: boolean;
  /** True when `--yes` was given: confirmations are answered yes without asking. */
  readonly assumeYes: boolean;
  /** True when the result goes out as the JSON envelope. */
  readonly json: boolean;
  /** Whether colour may be used on stderr. */
  readonly color: boolean;

  notify(message: IoMessage): void;
  /**
   * Ask the user. Without a TTY (or with `--non-interactive`) it returns the default, or throws
   * INPUT_REQUIRED naming `prompt.flag` when there is none. Ctrl-C throws ABORTED.
   */
  request<P extends Prompt>(prompt: P): Promise<PromptAnswer<P>>;
  /**
   * Ask for confirmation of a destructive or custody-changing action. `--yes` answers yes;
   * non-interactive without `--yes` throws CONFIRMATION_REQUIRED (exit 5) carrying `plan` (what
   * was to be confirmed) in its context; "no" throws ABORTED.
   */
  confirm(message: string, flag?: string, plan?: unknown): Promise<void>;
  /**
   * Start a step: a row of the live task list on a TTY (without --json, -q or CI), plain stderr
   * lines otherwise. Steps may run concurrently; each is shown on its own line.
   */
  startStep(text: string): IoStep;
  /**
   * Open the part of a command that changes things (`what`, e.g. `provisioning`). Until `end()`,
   * the first interruption aborts `signal`: start no new write, let the calls in flight finish and
   * be journaled, then throw an ABORTED error (see `interruptedError` in ./interrupt.js) and never
   * write a receipt or print a success summary. A second interruption ends the process at once.
   * Outside such a section an interruption ends the process at once (exit 130).
   */
  interruptible(what: string): Interruptible;
}

/** Convenience wrappers so commands read naturally. */
export const log = {
  info: (io: IoHost, code: MessageCode, message: string, data?: Record<string, unknown>) =>
    io.notify({ level: 'info', code, message, ...(data ? { data } : {}) }),
  warn: (io: IoHost, code: MessageCode, message: string, data?: Record<string, unknown>) =>
    io.notify({ level: 'warn', code, message, ...(data ? { data } : {}) }),
  debug: (io: IoHost, code: MessageCode, message: string, data?: Record<string, unknown>) =>
    io.notify({ level: 'debug', code, message, ...(data ? { data } : {}) }),
};
