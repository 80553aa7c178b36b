/**
 * The live progress display on a terminal: ONE ora spinner whose text is a multi-line task list.
 *
 * Why one ora and not one per step, nor listr2: the provision and destroy executors run several
 * steps at once and start them from their own DAG scheduling, through the imperative IoStep API.
 * One ora per step made several spinners fight over the same lines (fragments, lost and glued
 * lines, ora's "multiple concurrent spinners" warning). listr2 wants to own the task functions and
 * installs its own SIGINT handling, which would compete with src/io/interrupt.ts. A single ora
 * gives what is needed and nothing more: one render loop, a live region of several lines that it
 * clears and redraws as a whole, and its hook on the stream, so a message written while the board
 * is live lands above it instead of inside it.
 *
 * Layout: finished steps are printed once as plain lines (`✔ created …`) above the board; the board
 * itself is a header line with the spinner and counts, then one line per running step. Every live
 * line is cut to the terminal width, so nothing wraps and ora's line count stays exact.
 */
import type { Ora, default as OraFactory } from 'ora';
import type { IoStep } from './io-host.js';
import type { Style } from './style.js';
import { fitWidth } from './text-width.js';

export interface TaskBoardOptions {
  ora: typeof OraFactory;
  stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number };
  style: Style;
  color: boolean;
  /** Called when the board appears (first step) and when it goes away (last step finished). */
  onLive(live: boolean): void;
  /** The hint shown in the header while the command can be interrupted. */
  hint(): string | undefined;
  /** @default Date.now */
  now?: () => number;
}

interface Task {
  text: string;
  started: number;
}

const TICK_MS = 1000;

export class TaskBoard {
  private readonly options: TaskBoardOptions;
  private readonly tasks = new Set<Task>();
  private spinner: Ora | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private finished = 0;
  private status: string | undefined;
  private readonly now: () => number;

  constructor(options: TaskBoardOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  get live(): boolean {
    return this.spinner !== undefined;
  }

  /** A step on the board until it succeeds, fails or is skipped. */
  start(text: string): IoStep {
    const task: Task = { text, started: this.now() };
    this.tasks.add(task);
    this.show();
    // A new row is drawn at once (text updates wait for the next frame, 80 ms at most).
    this.spinner?.render();
    let open = true;
    const finish = (line: string) => {
      if (!open) return;
      open = false;
      this.tasks.delete(task);
      this.finished += 1;
      // Through ora's stream hook: the board is cleared, the line written, the board redrawn.
      this.refresh();
      this.options.stream.write(`${line}\n`);
      if (this.tasks.size === 0) this.hide();
    };
    const s = this.options.style;
    return {
      update: (t) => {
        if (!open) return;
        task.text = t;
        this.refresh();
      },
      // Without a final text the step's own title is kept, not its last progress detail.
      succeed: (t) => finish(`${s.green('✔')} ${t ?? text}`),
      fail: (t) => finish(`${s.red('✖')} ${t ?? text}`),
      skip: (t) => finish(`${s.dim('-')} ${t ?? text}`),
    };
  }

  /** A status for the header (e.g. "stopping…"); undefined restores the counts. */
  setStatus(text: string | undefined): void {
    this.status = text;
    this.refresh();
    this.spinner?.render();
  }

  /** Take the board off the screen now (before an immediate exit, or when the host is disposed). */
  close(): void {
    this.tasks.clear();
    this.hide();
  }

  private show(): void {
    if (this.spinner !== undefined) {
      this.refresh();
      return;
    }
    this.finished = 0;
    // discardStdin is off: src/io/interrupt.ts holds stdin (raw mode, Ctrl-C handled) while live.
    this.spinner = this.options.ora({
      text: this.text(),
      stream: this.options.stream,
      color: this.options.color ? 'cyan' : false,
      isEnabled: true,
      discardStdin: false,
      hideCursor: true,
    });
    this.spinner.start();
    this.ticker = setInterval(() => this.refresh(), TICK_MS);
    this.options.onLive(true);
  }

  private hide(): void {
    if (this.spinner === undefined) return;
    clearInterval(this.ticker);
    this.ticker = undefined;
    this.spinner.stop();
    this.spinner = undefined;
    this.status = undefined;
    this.options.onLive(false);
  }

  private refresh(): void {
    if (this.spinner !== undefined) this.spinner.text = this.text();
  }

  /** Header and rows, each cut to the terminal width (the spinner glyph takes two columns). */
  private text(): string {
    const s = this.options.style;
    const columns = Math.max(20, this.options.stream.columns ?? 80);
    const now = this.now();
    const seconds = (since: number) => Math.floor((now - since) / 1000);
    const rows = [...this.tasks];
    const oldest = Math.min(...rows.map((t) => t.started));
    const counts = `${rows.length} running${this.finished > 0 ? `, ${this.finished} done` : ''}${rows.length > 0 && seconds(oldest) >= 1 ? ` · ${seconds(oldest)} s` : ''}`;
    const hint = this.options.hint();
    const header =
      this.status !== undefined
        ? fitWidth(this.status, columns - 3, (t) => s.yellow(t))
        : fitWidth(`${counts}${hint === undefined ? '' : ` · ${hint}`}`, columns - 3, (t) =>
            t.replace(counts, s.bold(counts)),
          );
    // Leave room for the header and for ora's own truncation line on a short terminal.
    const room = this.options.stream.rows === undefined ? rows.length : Math.max(1, this.options.stream.rows - 3);
    const shown = rows.slice(0, room).map((task) => {
      const elapsed = seconds(task.started);
      const suffix = elapsed >= 2 ? ` · ${elapsed} s` : '';
      return `  ${s.dim('›')} ${fitWidth(`${task.text}${suffix}`, columns - 5, (t) => (suffix === '' ? t : t.replace(suffix, s.dim(suffix))))}`;
    });
    if (rows.length > shown.length) shown.push(s.dim(`  … ${rows.length - shown.length} more`));
    return [header, ...shown].join('\n');
  }
}
