/**
 * The IoHost the benchmarks run the flows with: quiet, non-interactive, answering every
 * confirmation yes, refusing prompts (a benchmark that would ask something is broken).
 */
import type { IoHost } from '../src/io/io-host.js';

export const benchIo: IoHost = {
  interactive: false,
  assumeYes: true,
  json: true,
  color: false,
  notify: () => undefined,
  request: () => Promise.reject(new Error('no prompts in the benchmark')),
  confirm: () => Promise.resolve(),
  startStep: () => ({
    update: () => undefined,
    succeed: () => undefined,
    fail: () => undefined,
    skip: () => undefined,
  }),
  interruptible: () => ({ signal: new AbortController().signal, end: () => undefined }),
};
