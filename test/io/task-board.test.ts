// Live progress on a terminal: concurrent steps share ONE live region (no glued or lost lines, no
// spinner fragments left behind, nothing wider than the terminal); messages land above it; Ctrl-C
// typed while it is live reaches the interruption path; off a terminal, plain lines only.
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { CosignerError } from '../../src/errors.js';
import { CliIoHost, type CliIoHostOptions } from '../../src/io/cli-io-host.js';
import { Screen } from '../helpers/screen.js';

/** A terminal: stderr with the cursor methods ora uses, stdin that can go raw. */
function terminal(columns: number, rows = 30) {
  const stderr = new PassThrough() as PassThrough & {
    isTTY: boolean;
    columns: number;
    rows: number;
    cursorTo(x: number): boolean;
    moveCursor(dx: number, dy: number): boolean;
    clearLine(dir: number): boolean;
  };
  Object.assign(stderr, {
    isTTY: true,
    columns,
    rows,
    cursorTo: (x: number) => stderr.write(`\u001b[${x + 1}G`),
    moveCursor: (dx: number, dy: number) =>
      stderr.write(`${dy < 0 ? `\u001b[${-dy}A` : ''}${dx > 0 ? `\u001b[${dx}C` : ''}`),
    clearLine: (dir: number) => stderr.write(dir === 1 ? '\u001b[0K' : dir === -1 ? '\u001b[1K' : '\u001b[2K'),
  });
  let raw = '';
  stderr.on('data', (chunk: Buffer) => (raw += chunk.toString()));
  const stdin = Object.assign(new PassThrough(), { isTTY: true, isRaw: false, modes: [] as boolean[] });
  Object.assign(stdin, {
    setRawMode: (mode: boolean) => {
      stdin.isRaw = mode;
      stdin.modes.push(mode);
    },
  });
  const screen = () => {
    const s = new Screen(columns);
    s.write(raw);
    return s;
  };
  return { stderr, stdin, raw: () => raw, screen };
}

function host(t: ReturnType<typeof terminal>, overrides: Partial<CliIoHostOptions> = {}) {
  const exits: CosignerError[] = [];
  const signals = new EventEmitter();
  const created = CliIoHost.create({
    stdin: t.stdin,
    stderr: t.stderr,
    json: false,
    quiet: false,
    verbose: false,
    color: true,
    nonInteractive: false,
    assumeYes: true,
    ci: false,
    signals,
    commandLine: 'cosigner-cli provision --yes',
    exitNow: (error) => exits.push(error),
    ...overrides,
  });
  return { created, exits, signals };
}

const tick = () => sleep(120);

/** Wait until `condition` holds (a prompt is drawn asynchronously), at most 10 s. */
async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 10_000) throw new Error('condition not met in 10 s');
    await sleep(10);
  }
}

describe('the live task list on a terminal', () => {
  it('shows concurrent steps in one region and leaves only whole lines behind', async () => {
    const t = terminal(60);
    const io = await host(t).created;
    const section = io.interruptible('provisioning');
    const role = io.startStep('create IAM role alpha-cosigner');
    const bucket = io.startStep('create S3 bucket alpha-cosigner-111122223333-us-east-1-with-a-long-name');
    const key = io.startStep('create KMS key alias/alpha-cosigner');
    key.update(
      'KMS key alias/alpha-cosigner: waiting for role alpha-cosigner to be a valid principal (IAM propagation)',
    );
    await tick();
    // While running: a header with the counts and the Ctrl-C hint, one row per step, cut to 60 columns.
    const live = t.screen().lines();
    expect(live.at(-4)).toMatch(/^. 3 running · Ctrl-C to stop$/);
    expect(live.slice(-3)).toEqual([
      '  › create IAM role alpha-cosigner',
      '  › create S3 bucket alpha-cosigner-111122223333-us-east-1…',
      '  › KMS key alias/alpha-cosigner: waiting for role alpha-c…',
    ]);
    io.notify({ level: 'warn', code: 'PROVISION_WARNING', message: 'subnet has no route out' });
    role.succeed('created IAM role alpha-cosigner');
    await tick();
    bucket.fail('S3 bucket x: BucketAlreadyExists');
    key.succeed();
    await tick();
    section.end();
    io.dispose();
    const screen = t.screen();
    expect(screen.lines()).toEqual([
      '⚠ subnet has no route out',
      '✔ created IAM role alpha-cosigner',
      '✖ S3 bucket x: BucketAlreadyExists',
      '✔ create KMS key alias/alpha-cosigner',
    ]);
    expect(screen.wrapped.size).toBe(0);
    expect(t.raw()).not.toContain('[ora]');
  });

  it('turns Ctrl-C typed while it is live into the interruption, and a second one into an exit', async () => {
    const t = terminal(100);
    const { created, exits } = host(t);
    const io = await created;
    const section = io.interruptible('provisioning');
    const step = io.startStep('create IAM role alpha-cosigner');
    // The board holds stdin: raw mode, so the terminal sends no SIGINT and typed keys do not echo.
    expect(t.stdin.isRaw).toBe(true);
    t.stdin.write('x\r');
    t.stdin.write('\u0003');
    await until(() => section.signal.aborted);
    expect(t.screen().lines().at(-2)).toMatch(
      /^. stopping provisioning: calls in flight finishing · Ctrl-C again stops at once$/,
    );
    expect(t.screen().text()).toContain('⚠ stopping provisioning: no new change is started');
    t.stdin.write('\u0003');
    await until(() => exits.length > 0);
    expect(exits.map((e) => e.message)).toEqual(['stopped at once (Ctrl-C): provisioning did not finish']);
    // The terminal was given back before the exit: no live region, stdin out of raw mode.
    expect(t.stdin.isRaw).toBe(false);
    expect(t.screen().lines().slice(-2)).toEqual([
      '⚠ stopping provisioning: no new change is started; the calls in flight finish and are journaled',
      '  (Ctrl-C again to stop at once)',
    ]);
    step.skip();
    section.end();
    io.dispose();
  });

  it('lets go of stdin while a prompt reads it, and when the last step ends', async () => {
    const t = terminal(80);
    const io = await host(t, { assumeYes: false }).created;
    const step = io.startStep('working');
    expect(t.stdin.isRaw).toBe(true);
    step.succeed();
    expect(t.stdin.isRaw).toBe(false);
    expect(t.stdin.modes).toEqual([true, false]);
    io.dispose();
  });

  it('shows terminal controls in step texts instead of acting on them', async () => {
    const t = terminal(80);
    const io = await host(t).created;
    const step = io.startStep('create S3 bucket evil\u001b[2J\u001b[1A\rname');
    step.update('S3 bucket evil: \u009b31m tagging');
    await tick();
    step.fail('S3 bucket evil\u001b]0;title\u0007: denied');
    io.dispose();
    for (const control of ['\u001b[2J', '\u001b]0;', '\u009b']) expect(t.raw()).not.toContain(control);
    expect(t.screen().lines()).toEqual(['✖ S3 bucket evil\\x1b]0;title\\x07: denied']);
  });

  it('ends a question still on screen when SIGTERM stops the command', async () => {
    const t = terminal(80);
    const { created, signals } = host(t, { assumeYes: false });
    const io = await created;
    const section = io.interruptible('provisioning');
    const answer = io.confirm('apply 19 change(s)?');
    await until(() => t.screen().text().includes('apply 19 change(s)?'));
    signals.emit('SIGTERM');
    await expect(answer).toThrowCosignerError('ABORTED');
    expect(section.signal.aborted).toBe(true);
    section.end();
    io.dispose();
    expect(signals.listenerCount('SIGINT') + signals.listenerCount('SIGTERM')).toBe(0);
  });

  it('cuts plan rows to the terminal width and wraps long messages at spaces', async () => {
    const t = terminal(50);
    const io = await host(t).created;
    io.notify({
      level: 'info',
      code: 'PROVISION_PLAN',
      layout: 'row',
      message: '  + create instance profile alpha-cosigner     the instance profile does not exist',
    });
    io.notify({
      level: 'warn',
      code: 'PROVISION_WARNING',
      message: 'subnet subnet-0e6064a82b800481b has no route out for a host without a public IP',
    });
    io.dispose();
    const screen = t.screen();
    expect(screen.lines()).toEqual([
      '  + create instance profile alpha-cosigner     t…',
      '⚠ subnet subnet-0e6064a82b800481b has no route',
      '  out for a host without a public IP',
    ]);
    expect(screen.wrapped.size).toBe(0);
  });
});

describe('progress off a terminal', () => {
  it('prints whole plain lines for concurrent steps: no spinner frames, no escape codes', async () => {
    const t = terminal(80);
    t.stderr.isTTY = false;
    const io = await host(t, { color: false }).created;
    const a = io.startStep('create IAM role a');
    const b = io.startStep('create S3 bucket b');
    a.update('IAM role a: waiting');
    b.succeed('created S3 bucket b');
    a.succeed();
    io.dispose();
    expect(t.raw()).toBe('… create IAM role a\n… create S3 bucket b\n✔ created S3 bucket b\n✔ create IAM role a\n');
    expect(t.stdin.modes).toEqual([]);
  });

  it('with --json on a terminal: plain lines too', async () => {
    const t = terminal(80);
    const io = await host(t, { json: true, color: false }).created;
    io.startStep('create IAM role a').succeed();
    io.dispose();
    expect(t.raw()).toBe('… create IAM role a\n✔ create IAM role a\n');
  });
});
