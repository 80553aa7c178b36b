// The demo's machinery without the full lifecycle (test/e2e/lifecycle.e2e.test.ts runs that): a
// step that does not behave stops the demo with DEMO_STEP_FAILED (exit 3); Ctrl-C stops it after
// the step in progress with ABORTED; either way the temporary directory goes, unless --keep; the
// exit hook removes it when the process ends at once; the commands get the demo's own environment.
import { EventEmitter } from 'node:events';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoEnvironment, runDemo } from '../../src/demo/demo.js';
import type { StepDefinition } from '../../src/demo/lifecycle.js';
import { demoVerdict } from '../../src/demo/result.js';
import { openWorkspace } from '../../src/demo/workspace.js';
import { isCosignerError } from '../../src/errors.js';
import { TestIoHost } from '../helpers/test-io-host.js';

let parent: string;
beforeEach(async () => {
  parent = await mkdtemp(join(tmpdir(), 'demo-unit-'));
});
afterEach(async () => {
  await rm(parent, { recursive: true, force: true });
});

const init: StepDefinition = {
  id: 'init',
  title: 'init',
  async run(recorder) {
    await recorder.run(['init', '--name', 'demo', '--region', 'us-east-1']);
    return { outcome: 'config written', evidence: {}, proved: 'init works' };
  },
};

describe('demo', () => {
  it('a command that must be refused but succeeds stops the demo: DEMO_STEP_FAILED (exit 3), nothing left', async () => {
    const attack: StepDefinition = {
      id: 'attack',
      title: 'attack',
      async run(recorder) {
        // Must fail, and does not: the demo must say so rather than claim a proof.
        await recorder.run(['init', '--name', 'demo', '--region', 'us-east-1'], { code: 'CONFIG_EXISTS', exit: 2 });
        return { outcome: 'refused', evidence: {}, proved: 'never' };
      },
    };
    const never: StepDefinition = { ...init, id: 'never', run: () => Promise.reject(new Error('ran after a failure')) };
    const io = new TestIoHost();
    const result = await runDemo(
      { keep: false, verbose: false, env: {} },
      { io, tmpParent: parent, steps: [init, attack, never] },
    );
    expect(result.steps.map((s) => [s.id, s.ok])).toEqual([
      ['init', true],
      ['attack', false],
    ]);
    expect(result.summary).toMatchObject({ ok: false, proved: [], failure: { step: 'attack' } });
    expect(result.summary.failure?.got).toBe('success (exit 0)');
    const verdict = demoVerdict(result);
    expect(verdict?.code).toBe('DEMO_STEP_FAILED');
    expect(verdict?.exitCode).toBe(3);
    expect(await readdir(parent)).toEqual([]);
    expect(demoVerdict({ ...result, summary: { ok: true, totalMs: 1, proved: [] } })).toBeUndefined();
  });

  it('Ctrl-C during a step: the step finishes, no further step runs, ABORTED, the directory removed', async () => {
    const io = new TestIoHost();
    const interrupting: StepDefinition = {
      ...init,
      async run(recorder, facts) {
        const outcome = await init.run(recorder, facts);
        io.interrupt();
        return outcome;
      },
    };
    const never: StepDefinition = { ...init, id: 'never', run: () => Promise.reject(new Error('ran after Ctrl-C')) };
    const error = await runDemo(
      { keep: false, verbose: false, env: {} },
      { io, tmpParent: parent, steps: [interrupting, never] },
    ).catch((e: unknown) => e);
    expect(isCosignerError(error, 'ABORTED')).toBe(true);
    expect(io.exitedAtOnce).toBeUndefined();
    expect(io.sections).toEqual([{ what: 'the demo', ended: true }]);
    expect(await readdir(parent)).toEqual([]);
  });

  it('--keep leaves the directory with the sandbox and config, and says where', async () => {
    const result = await runDemo(
      { keep: true, verbose: false, env: {} },
      { io: new TestIoHost(), tmpParent: parent, steps: [init] },
    );
    expect(result.keptDir).not.toBeNull();
    expect((await stat(join(result.keptDir ?? '', 'cosigner.json'))).isFile()).toBe(true);
    expect(result.summary).toMatchObject({ ok: true, proved: ['init works'] });
  });

  it('a process that ends before the demo closes its workspace still removes it (the exit hook)', async () => {
    const exits = new EventEmitter();
    const workspace = await openWorkspace({ parent, exits });
    expect((await stat(workspace.dir)).mode & 0o077).toBe(0);
    exits.emit('exit');
    expect(await readdir(parent)).toEqual([]);
    await workspace.close(false);
    expect(exits.listenerCount('exit')).toBe(0);
  });

  it('the commands get the caller’s environment without COSIGNER_* settings or an AWS profile, keeping sandbox knobs', () => {
    expect(
      demoEnvironment({
        PATH: '/bin',
        COSIGNER_NAME: 'prod',
        COSIGNER_CONFIG: '/etc/cosigner.json',
        COSIGNER_SANDBOX: '/somewhere',
        COSIGNER_SANDBOX_LATENCY_MS: '50',
        AWS_PROFILE: 'prod',
        AWS_REGION: 'eu-west-1',
      }),
    ).toEqual({ PATH: '/bin', COSIGNER_SANDBOX_LATENCY_MS: '50', COSIGNER_SANDBOX_IAM_DELAY_MS: '1500' });
    expect(demoEnvironment({ COSIGNER_SANDBOX_IAM_DELAY_MS: '0' })).toEqual({ COSIGNER_SANDBOX_IAM_DELAY_MS: '0' });
  });
});
