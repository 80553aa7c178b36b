/**
 * `cosigner-cli demo`: the whole lifecycle of one co-signer on a fresh simulated account in a
 * temporary directory (./lifecycle.ts), each step timed, then a summary of what was proved. The
 * directory goes at the end unless `keep`; Ctrl-C stops after the step in progress and removes it.
 */
import { interruptedError } from '../io/interrupt.js';
import type { IoHost } from '../io/io-host.js';
import { STEPS, type DemoFacts, type StepDefinition } from './lifecycle.js';
import type { DemoFailure, DemoResult } from './result.js';
import { formatMs, StepMisbehaved, StepRecorder, type DemoStep } from './steps.js';
import { openWorkspace, type ExitSource } from './workspace.js';

export interface DemoOptions {
  /** Leave the temporary directory (sandbox, config, images) for a look afterwards. @default false */
  keep: boolean;
  /** Show each command's own messages (and its AWS calls). @default false */
  verbose: boolean;
  /** The environment the demo was started with (sandbox knobs are kept, other COSIGNER_* dropped). */
  env: NodeJS.ProcessEnv;
}

export interface DemoDeps {
  io: IoHost;
  /** The parent of the temporary directory. @default os.tmpdir() */
  tmpParent?: string;
  exits?: ExitSource;
  /** The steps to run. @default STEPS */
  steps?: StepDefinition[];
}

/** IAM propagation the sandbox simulates during the demo: short, but the wait is visible. */
const DEMO_IAM_DELAY_MS = '1500';

/**
 * The commands' environment: the caller's, without COSIGNER_* settings (the demo's account and
 * config are its own) or AWS profile and region, keeping the sandbox's knobs (latency, faults).
 */
export function demoEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const kept: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (name === 'COSIGNER_SANDBOX' || name === 'COSIGNER_SANDBOX_HOST_ROOT') continue;
    if (name.startsWith('COSIGNER_') && !name.startsWith('COSIGNER_SANDBOX_')) continue;
    if (['AWS_PROFILE', 'AWS_REGION', 'AWS_DEFAULT_REGION'].includes(name)) continue;
    kept[name] = value;
  }
  kept.COSIGNER_SANDBOX_IAM_DELAY_MS ??= DEMO_IAM_DELAY_MS;
  return kept;
}

export async function runDemo(options: DemoOptions, deps: DemoDeps): Promise<DemoResult> {
  const { io } = deps;
  const workspace = await openWorkspace({
    ...(deps.tmpParent === undefined ? {} : { parent: deps.tmpParent }),
    ...(deps.exits === undefined ? {} : { exits: deps.exits }),
  });
  // The whole demo is one guarded section: the first Ctrl-C lets the step in progress finish,
  // then the directory is removed; a second one exits at once (the exit hook removes it).
  const section = io.interruptible('the demo');
  const env = demoEnvironment(options.env);
  const facts: DemoFacts = { dir: workspace.dir, sandboxDir: workspace.sandboxDir, env };
  const context = {
    cwd: workspace.dir,
    sandboxDir: workspace.sandboxDir,
    configPath: workspace.configPath,
    env,
    verbose: options.verbose,
  };
  const steps: DemoStep[] = [];
  const proved: string[] = [];
  let failure: DemoFailure | undefined;
  const started = performance.now();
  try {
    for (const definition of deps.steps ?? STEPS) {
      if (section.signal.aborted)
        throw interruptedError(
          section.signal,
          `the demo stopped after ${steps.length} of ${(deps.steps ?? STEPS).length} steps; its temporary directory was removed`,
        );
      const shown = io.startStep(definition.title);
      const recorder = new StepRecorder(
        context,
        options.verbose
          ? (invoked) =>
              io.notify({
                level: 'info',
                code: 'DEMO_COMMAND',
                message: `$ ${invoked.commandLine}  (exit ${invoked.exitCode}, ${formatMs(invoked.ms)})\n${invoked.stderr.trimEnd()}`,
              })
          : undefined,
      );
      const stepStarted = performance.now();
      try {
        const outcome = await definition.run(recorder, facts);
        const ms = Math.round(performance.now() - stepStarted);
        steps.push({
          id: definition.id,
          title: definition.title,
          ok: true,
          ms,
          outcome: outcome.outcome,
          commands: recorder.commands,
          evidence: outcome.evidence,
        });
        if (outcome.proved !== undefined) proved.push(outcome.proved);
        shown.succeed(`${definition.title}  ${formatMs(ms)}`);
      } catch (error) {
        if (!(error instanceof StepMisbehaved)) {
          shown.fail(definition.title);
          throw error;
        }
        const ms = Math.round(performance.now() - stepStarted);
        failure = {
          step: definition.id,
          expected: error.expected,
          got: error.got,
          ...(error.error === undefined ? {} : { error: error.error }),
        };
        steps.push({
          id: definition.id,
          title: definition.title,
          ok: false,
          ms,
          outcome: `expected ${error.expected}, got ${error.got}`,
          commands: recorder.commands,
          evidence: {},
        });
        shown.fail(`${definition.title}  ${formatMs(ms)}`);
        break;
      }
    }
  } finally {
    section.end();
    await workspace.close(options.keep);
  }
  return {
    keptDir: options.keep ? workspace.dir : null,
    steps,
    summary: {
      ok: failure === undefined,
      totalMs: Math.round(performance.now() - started),
      proved: failure === undefined ? proved : [],
      ...(failure === undefined ? {} : { failure }),
    },
  };
}
