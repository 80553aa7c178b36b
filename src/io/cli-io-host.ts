/**
 * The terminal IoHost: messages to stderr, prompts and spinners only where a person is watching.
 * ora and @inquirer/prompts are imported only when a TTY makes them useful, keeping start-up fast.
 */
import type * as InquirerModule from '@inquirer/prompts';
import type { Ora, default as OraFactory } from 'ora';
import { CosignerError } from '../errors.js';
import type { IoHost, IoMessage, IoStep, Prompt, PromptAnswer } from './io-host.js';
import { escapeControl } from './safe-text.js';
import { createStyle, type Style } from './style.js';

export interface CliIoHostOptions {
  stdin: NodeJS.ReadStream | { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  color: boolean;
  nonInteractive: boolean;
  assumeYes: boolean;
  /** True in CI (no spinners even on a pseudo-TTY). */
  ci: boolean;
}

type Inquirer = typeof InquirerModule;

export class CliIoHost implements IoHost {
  readonly interactive: boolean;
  readonly assumeYes: boolean;
  readonly json: boolean;
  readonly color: boolean;
  readonly style: Style;
  private readonly spinners: boolean;
  private ora: typeof OraFactory | undefined;
  private inquirer: Inquirer | undefined;
  private readonly options: CliIoHostOptions;

  private constructor(options: CliIoHostOptions) {
    this.options = options;
    this.interactive = !options.nonInteractive && Boolean(options.stdin.isTTY) && Boolean(options.stderr.isTTY);
    this.assumeYes = options.assumeYes;
    this.json = options.json;
    this.color = options.color;
    this.style = createStyle(options.color);
    this.spinners = Boolean(options.stderr.isTTY) && !options.json && !options.ci && !options.quiet;
  }

  /** Create the host; loads ora up front only when spinners will be shown. */
  static async create(options: CliIoHostOptions): Promise<CliIoHost> {
    const host = new CliIoHost(options);
    if (host.spinners) host.ora = (await import('ora')).default;
    return host;
  }

  notify(message: IoMessage): void {
    const { level } = message;
    if (level === 'debug' && !this.options.verbose) return;
    if (level === 'info' && this.options.quiet) return;
    const s = this.style;
    const prefix = level === 'error' ? s.red('✖ ') : level === 'warn' ? s.yellow('⚠ ') : level === 'debug' ? s.dim('· ') : '';
    // Messages carry file names, AWS names and error texts: no terminal controls reach stderr.
    const text = message.preformatted === true ? message.message : escapeControl(message.message, { keepNewlines: true });
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
    const context = { input: this.options.stdin as NodeJS.ReadableStream, output: this.options.stderr, clearPromptOnDone: false };
    prompt = { ...prompt, message: escapeControl(prompt.message, { keepNewlines: true }) };
    try {
      switch (prompt.kind) {
        case 'text':
          return (await inquirer.input({ message: prompt.message, default: prompt.default, validate: prompt.validate, required: true }, context)) as PromptAnswer<P>;
        case 'select':
          return (await inquirer.select({ message: prompt.message, default: prompt.default, choices: prompt.choices.map((c) => ({ ...c, name: escapeControl(c.name ?? c.value), ...(c.description === undefined ? {} : { description: escapeControl(c.description) }) })) }, context)) as PromptAnswer<P>;
        case 'confirm':
          return (await inquirer.confirm({ message: prompt.message, default: prompt.default ?? false }, context)) as PromptAnswer<P>;
        case 'secret':
          return (await inquirer.password({ message: prompt.message, mask: false, validate: prompt.validate }, context)) as PromptAnswer<P>;
      }
    } catch (error) {
      throw toAbort(error);
    }
  }

  async confirm(message: string, flag = '--yes'): Promise<void> {
    if (this.assumeYes) return;
    if (!this.interactive) {
      throw new CosignerError('CONFIRMATION_REQUIRED', `refusing without confirmation: ${message}`, {
        hint: `review the plan, then re-run with ${flag} to confirm non-interactively`,
      });
    }
    const yes = await this.request({ kind: 'confirm', message, flag, default: false });
    if (!yes) throw new CosignerError('ABORTED', 'aborted: not confirmed', { hint: 'nothing was changed' });
  }

  startStep(rawText: string): IoStep {
    // Step texts name resources and carry AWS error messages: one line each, no terminal controls.
    const text = escapeControl(rawText);
    const clean = (t: string | undefined): string | undefined => (t === undefined ? undefined : escapeControl(t));
    if (this.ora) {
      const spinner: Ora = this.ora({ text, stream: this.options.stderr, color: 'cyan', isEnabled: true }).start();
      return {
        update: (t) => {
          spinner.text = escapeControl(t);
        },
        succeed: (t) => void spinner.succeed(clean(t)),
        fail: (t) => void spinner.fail(clean(t)),
        skip: (t) => void spinner.info(clean(t)),
      };
    }
    const s = this.style;
    if (!this.options.quiet) this.write(`${s.dim('…')} ${text}\n`);
    let current = text;
    return {
      update: (t) => {
        current = escapeControl(t);
        if (this.options.verbose) this.write(`${s.dim('…')} ${current}\n`);
      },
      succeed: (t) => {
        if (!this.options.quiet) this.write(`${s.green('✔')} ${clean(t) ?? current}\n`);
      },
      fail: (t) => this.write(`${s.red('✖')} ${clean(t) ?? current}\n`),
      skip: (t) => {
        if (!this.options.quiet) this.write(`${s.dim('-')} ${clean(t) ?? current}\n`);
      },
    };
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
