/**
 * Ctrl-C during provision or destroy: the first press stops new AWS calls and lets the ones in
 * flight finish and be journaled (a re-run then continues cleanly); a second press interrupts at
 * once (the journal still tells the next run what may have happened).
 */
import type { IoHost } from '../io/io-host.js';

export interface Interrupt {
  signal: AbortSignal;
  dispose(): void;
}

export function onInterrupt(io: IoHost, what: string): Interrupt {
  const controller = new AbortController();
  const second = () => {
    process.off('SIGINT', second);
    // Hand the signal back to Node's default handling: the process ends now.
    process.kill(process.pid, 'SIGINT');
  };
  const first = () => {
    process.off('SIGINT', first);
    process.on('SIGINT', second);
    controller.abort();
    io.notify({ level: 'warn', code: 'INTERRUPTED', message: `stopping ${what}: finishing the calls in flight (press Ctrl-C again to stop at once; run again to continue)` });
  };
  process.on('SIGINT', first);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', first);
      process.off('SIGINT', second);
    },
  };
}
