/**
 * A recording IoHost for tests: captures every message and step, answers prompts from a queue
 * (or behaves like a non-interactive host when the queue is empty).
 */
import { CosignerError } from '../../src/errors.js';
import { Interrupter } from '../../src/io/interrupt.js';
import type { Interruptible, IoHost, IoMessage, IoStep, Prompt, PromptAnswer } from '../../src/io/io-host.js';

export interface TestIoHostOptions {
  interactive?: boolean;
  assumeYes?: boolean;
  json?: boolean;
  /** Answers given to prompts in order; a function receives the prompt. */
  answers?: (string | boolean | ((prompt: Prompt) => string | boolean))[];
  /**
   * Interrupt (as a first Ctrl-C would) when this returns true for a step being started or a
   * message being sent: lets a test stop a command at a precise point.
   */
  interruptOn?: ((event: { kind: 'step' | 'message'; text: string; code?: string | undefined }) => boolean) | undefined;
}

export interface RecordedStep {
  text: string;
  updates: string[];
  outcome?: 'succeed' | 'fail' | 'skip';
  final?: string | undefined;
}

export class TestIoHost implements IoHost {
  readonly interactive: boolean;
  readonly assumeYes: boolean;
  readonly json: boolean;
  readonly color = false;
  readonly messages: IoMessage[] = [];
  readonly prompts: Prompt[] = [];
  readonly confirmations: string[] = [];
  readonly steps: RecordedStep[] = [];
  /** Guarded sections opened by the command, and whether they were closed. */
  readonly sections: { what: string; ended: boolean }[] = [];
  /** Set when an interruption came outside a guarded section (the CLI would have exited 130). */
  exitedAtOnce: CosignerError | undefined;
  private readonly answers: NonNullable<TestIoHostOptions['answers']>;
  private readonly interruptOn: TestIoHostOptions['interruptOn'];
  private readonly interrupter = new Interrupter({
    commandLine: 'cosigner-cli test-command',
    onStopping: (what) => this.messages.push({ level: 'warn', code: 'INTERRUPTED', message: `stopping ${what}` }),
    exitNow: (error) => {
      this.exitedAtOnce = error;
    },
  });

  constructor(options: TestIoHostOptions = {}) {
    this.interactive = options.interactive ?? options.answers !== undefined;
    this.assumeYes = options.assumeYes ?? false;
    this.json = options.json ?? false;
    this.answers = [...(options.answers ?? [])];
    this.interruptOn = options.interruptOn;
  }

  notify(message: IoMessage): void {
    this.messages.push(message);
    if (this.interruptOn?.({ kind: 'message', text: message.message, code: message.code }) === true) this.interrupt();
  }

  interruptible(what: string): Interruptible {
    const record = { what, ended: false };
    this.sections.push(record);
    const section = this.interrupter.interruptible(what);
    return {
      signal: section.signal,
      end: () => {
        record.ended = true;
        section.end();
      },
    };
  }

  /** A Ctrl-C: the first aborts the open sections, a second (or one outside) "exits at once". */
  interrupt(): void {
    this.interrupter.interrupt('Ctrl-C');
  }

  request<P extends Prompt>(prompt: P): Promise<PromptAnswer<P>> {
    this.prompts.push(prompt);
    if (!this.interactive) {
      if (prompt.default !== undefined) return Promise.resolve(prompt.default as PromptAnswer<P>);
      return Promise.reject(
        new CosignerError('INPUT_REQUIRED', `${prompt.message} is required`, {
          hint: `pass ${prompt.flag}`,
          context: { flag: prompt.flag },
        }),
      );
    }
    const next = this.answers.shift();
    if (next === undefined)
      return Promise.reject(new CosignerError('ABORTED', `no scripted answer for "${prompt.message}"`));
    const answer = typeof next === 'function' ? next(prompt) : next;
    if (typeof answer === 'string' && 'validate' in prompt && prompt.validate) {
      const verdict = prompt.validate(answer);
      if (verdict !== true) return Promise.reject(new Error(`scripted answer "${answer}" rejected: ${verdict}`));
    }
    return Promise.resolve(answer as PromptAnswer<P>);
  }

  async confirm(message: string, flag = '--yes', plan?: unknown): Promise<void> {
    this.confirmations.push(message);
    if (this.assumeYes) return;
    if (!this.interactive) {
      throw new CosignerError('CONFIRMATION_REQUIRED', `refusing without confirmation: ${message}`, {
        hint: `re-run with ${flag}`,
        ...(plan === undefined ? {} : { context: { plan } }),
      });
    }
    const yes = await this.request({ kind: 'confirm', message, flag });
    if (!yes) throw new CosignerError('ABORTED', 'aborted: not confirmed');
  }

  startStep(text: string): IoStep {
    const step: RecordedStep = { text, updates: [] };
    this.steps.push(step);
    if (this.interruptOn?.({ kind: 'step', text }) === true) this.interrupt();
    const finish = (outcome: NonNullable<RecordedStep['outcome']>) => (final?: string) => {
      step.outcome = outcome;
      step.final = final;
    };
    return {
      update: (t) => step.updates.push(t),
      succeed: finish('succeed'),
      fail: finish('fail'),
      skip: finish('skip'),
    };
  }

  /** Every message text at a level, for assertions. */
  texts(level?: IoMessage['level']): string[] {
    return this.messages.filter((m) => level === undefined || m.level === level).map((m) => m.message);
  }
}
