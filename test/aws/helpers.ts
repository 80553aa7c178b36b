// Shared setup for the AWS layer tests: a fresh sandbox directory, fast knobs, a fake clock.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createSandboxPorts,
  type SandboxKnobsInput,
  type SandboxPorts,
  type SandboxPortsOptions,
} from '../../src/aws/sandbox/index.js';

/** A new empty directory, in the run's scratch directory (removed with it: test/global-setup.ts). */
export function tempDir(prefix = 'cosigner-sbx-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A settable clock starting at a fixed instant. */
export class FakeClock {
  time: number;
  constructor(start = '2026-03-01T12:00:00.000Z') {
    this.time = Date.parse(start);
  }
  now = (): Date => new Date(this.time);
  advance(ms: number): void {
    this.time += ms;
  }
}

/** Knobs for fast tests: no latency, no propagation delay, no retry waits. */
export const FAST: SandboxKnobsInput = {
  latencyMs: 0,
  iamPropagationDelayMs: 0,
  instanceTransitionMs: 0,
  retryBaseMs: 0,
};

export async function sandbox(
  options: Partial<SandboxPortsOptions> & { knobs?: SandboxKnobsInput } = {},
): Promise<SandboxPorts> {
  return createSandboxPorts({
    dir: options.dir ?? tempDir(),
    env: {},
    ...options,
    knobs: { ...FAST, ...(options.knobs ?? {}) },
  });
}

export const EC2_TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

/** Catches a rejected promise's error (for shape assertions). */
export async function caught(promise: Promise<unknown>): Promise<Record<string, unknown> & Error> {
  try {
    await promise;
  } catch (error) {
    return error as Record<string, unknown> & Error;
  }
  throw new Error('expected the call to fail');
}
