/**
 * Waiting for a resource to reach a state (a NAT gateway available, a host terminated, a group no
 * longer held by a network interface): poll a check, bounded and visible, never a blind sleep.
 * Not a retry: nothing failed, the resource is just not there yet.
 */
import { CosignerError } from '../errors.js';
import { setTimeout as realSleep } from 'node:timers/promises';

export interface WaitOptions {
  maxWaitMs: number;
  pollMs: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Set when the run must stop (Ctrl-C, another part failed): no new check starts, the wait ends with that error. */
  stopped?: () => Error | undefined;
  /** Shown while waiting (`waiting for … (12 s)`). */
  progress: (text: string) => void;
  /** What to tell the user to do after the bound. */
  hint: string;
}

/** Poll `check` until it holds; past `maxWaitMs` the wait ends with AWS_PROPAGATION_TIMEOUT. */
export async function waitUntil(what: string, check: () => Promise<boolean>, options: WaitOptions): Promise<void> {
  const sleep = options.sleep ?? realSleep;
  const now = options.now ?? Date.now;
  const started = now();
  for (;;) {
    // No new check (nor the call some checks make) once the run is stopping.
    const stop = options.stopped?.();
    if (stop !== undefined) throw stop;
    if (await check()) return;
    const elapsed = now() - started;
    if (elapsed > options.maxWaitMs)
      throw new CosignerError(
        'AWS_PROPAGATION_TIMEOUT',
        `gave up waiting for ${what} after ${Math.round(elapsed / 1000)} s`,
        { hint: options.hint },
      );
    options.progress(`waiting for ${what} (${Math.round(elapsed / 1000)} s)`);
    await sleep(options.pollMs);
  }
}
