/**
 * `demo`: the whole lifecycle on a fresh simulated account in a temporary directory (src/demo):
 * init, provision, a signed sample image, attest, run (database created, then read back after a
 * restart), verify, and the two attacks that must fail; each step timed, a summary of what was
 * proved. Nothing is left behind unless `--keep`.
 */
import type { CommandContext, Invocation } from '../command-kit.js';
import type { DemoOptions } from '../demo/demo.js';
import type { DemoResult } from '../demo/result.js';

export { render } from '../demo/render.js';
export { demoVerdict as verdict } from '../demo/result.js';

export function parseOptions(invocation: Invocation): DemoOptions {
  return {
    keep: invocation.opts['keep'] === true,
    verbose: invocation.globals.verbose || invocation.globals.debug,
    env: invocation.env,
  };
}

export async function execute(options: DemoOptions, context: CommandContext): Promise<DemoResult> {
  const { runDemo } = await import('../demo/demo.js');
  return runDemo(options, { io: context.io });
}
