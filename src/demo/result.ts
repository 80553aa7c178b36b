/**
 * What `demo` returns (the JSON envelope's `result`) and its verdict. Kept apart from the steps so
 * the command module can render and judge a result without loading them.
 */
import { CosignerError } from '../errors.js';
import type { DemoStep } from './steps.js';

export type { DemoStep } from './steps.js';

export interface DemoFailure {
  /** The id of the step that did not behave. */
  step: string;
  expected: string;
  got: string;
  /** The coded error of the command that did not behave, as it reported it. */
  error?: { code: string; message: string; hint?: string };
}

export interface DemoResult {
  /** The temporary directory, when `--keep` left it; otherwise null (it is gone). */
  keptDir: string | null;
  steps: DemoStep[];
  summary: {
    ok: boolean;
    totalMs: number;
    /** What the run proved, one sentence per step that proved something (empty when a step failed). */
    proved: string[];
    failure?: DemoFailure;
  };
}

/** A step that did not behave: DEMO_STEP_FAILED (exit 3), naming the step, what it had to do and what it did. */
export function demoVerdict(result: DemoResult): CosignerError | undefined {
  const failure = result.summary.failure;
  if (failure === undefined) return undefined;
  return new CosignerError(
    'DEMO_STEP_FAILED',
    `demo step ${failure.step}: expected ${failure.expected}, got ${failure.got}`,
    {
      hint:
        result.keptDir === null
          ? 'run `cosigner-cli demo --keep --verbose` to see each command’s messages and keep the sandbox for a look'
          : `the sandbox and config are in ${result.keptDir}; run the failing command there with --verbose`,
      context: { ...failure },
    },
  );
}
