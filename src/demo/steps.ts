/**
 * The demo's step machinery: each step runs one or more `cosigner-cli` commands (./invoke.ts) and
 * checks that each behaved as it must (succeeded, or failed with the one expected code and exit
 * code); a step that does not behave stops the demo with what happened.
 */
import type { CosignerErrorJSON } from '../errors.js';
import { invoke, type InvokeContext, type Invoked } from './invoke.js';

export interface DemoCommand {
  /** As typed, e.g. `cosigner-cli run --eif sample.eif --debug-mode`. */
  command: string;
  exitCode: number;
  /** The error code of a command that failed, as it must (an attack refused). */
  errorCode?: string;
  ms: number;
}

export interface DemoStep {
  id: string;
  title: string;
  ok: boolean;
  ms: number;
  /** One line: what the step showed. */
  outcome: string;
  commands: DemoCommand[];
  /** The facts the outcome rests on (ids, codes, AWS error texts; never a secret). */
  evidence: Record<string, unknown>;
}

/** A step that did not behave: what was expected and what happened. */
export class StepMisbehaved extends Error {
  readonly expected: string;
  readonly got: string;
  readonly error: CosignerErrorJSON | undefined;

  constructor(expected: string, got: string, invoked?: Invoked) {
    super(`expected ${expected}, got ${got}`);
    this.expected = expected;
    this.got = got;
    this.error = invoked?.error;
  }
}

/** What a command must do: succeed, or fail with this code and exit code. */
export type Expectation = { ok: true } | { code: string; exit: number };

/** Runs commands for one step, recording each. */
export class StepRecorder {
  readonly commands: DemoCommand[] = [];
  readonly #context: InvokeContext;
  readonly #echo: ((invoked: Invoked) => void) | undefined;

  /** `echo` sees each command once it ran (the demo's --verbose prints its messages). */
  constructor(context: InvokeContext, echo?: (invoked: Invoked) => void) {
    this.#context = context;
    this.#echo = echo;
  }

  /** Run `cosigner-cli <args>` and hold it to `expect`; returns its result (success) or error (refusal). */
  async run(args: string[], expect: Expectation = { ok: true }): Promise<Invoked> {
    const invoked = await invoke(args, this.#context);
    this.#echo?.(invoked);
    this.commands.push({
      command: invoked.commandLine,
      exitCode: invoked.exitCode,
      ...(invoked.error === undefined ? {} : { errorCode: invoked.error.code }),
      ms: invoked.ms,
    });
    const got = invoked.ok
      ? 'success (exit 0)'
      : `${invoked.error?.code ?? 'no JSON document'} (exit ${invoked.exitCode})${invoked.error ? `: ${invoked.error.message}` : ''}`;
    if ('ok' in expect) {
      if (!invoked.ok) throw new StepMisbehaved(`\`${invoked.commandLine}\` to succeed`, got, invoked);
    } else if (invoked.ok || invoked.error?.code !== expect.code || invoked.exitCode !== expect.exit) {
      throw new StepMisbehaved(
        `\`${invoked.commandLine}\` to fail with ${expect.code} (exit ${expect.exit})`,
        got,
        invoked,
      );
    }
    return invoked;
  }
}

/** Check a fact a step rests on; a false one stops the demo. */
export function must(condition: boolean, expected: string, got: string): asserts condition {
  if (!condition) throw new StepMisbehaved(expected, got);
}

/** `350 ms`, `1.2 s`. */
export function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
