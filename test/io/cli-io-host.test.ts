import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CliIoHost, type CliIoHostOptions } from '../../src/io/cli-io-host.js';

function streams(tty: boolean) {
  const stdin = new PassThrough() as PassThrough & { isTTY?: boolean; setRawMode?: (on: boolean) => void };
  stdin.isTTY = tty;
  stdin.setRawMode = () => undefined;
  const stderr = new PassThrough() as PassThrough & { isTTY?: boolean; columns?: number };
  stderr.isTTY = tty;
  stderr.columns = 80;
  let text = '';
  stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  /** Type once the prompt is on screen, as a person would. */
  const typeWhenShown = (needle: string, ...keys: string[]) => {
    const timer = setInterval(() => {
      if (!text.includes(needle)) return;
      clearInterval(timer);
      for (const key of keys) stdin.write(key);
    }, 5);
  };
  return { stdin, stderr, text: () => text, typeWhenShown };
}

function host(overrides: Partial<CliIoHostOptions> & Pick<CliIoHostOptions, 'stdin' | 'stderr'>): Promise<CliIoHost> {
  return CliIoHost.create({
    json: false,
    quiet: false,
    verbose: false,
    color: false,
    nonInteractive: false,
    assumeYes: false,
    ci: true,
    ...overrides,
  });
}

describe('CliIoHost without a terminal', () => {
  it('is not interactive, uses defaults, and names the flag when a value is missing', async () => {
    const s = streams(false);
    const io = await host(s);
    expect(io.interactive).toBe(false);
    await expect(io.request({ kind: 'text', message: 'Region', flag: '--region', default: 'us-east-1' })).resolves.toBe(
      'us-east-1',
    );
    await expect(io.request({ kind: 'text', message: 'Co-signer name?', flag: '--name' })).rejects.toMatchObject({
      code: 'INPUT_REQUIRED',
      hint: expect.stringContaining('--name') as unknown,
    });
  });

  it('refuses confirmations without --yes (exit 5) and accepts them with it', async () => {
    const s = streams(false);
    await expect((await host(s)).confirm('delete the bucket?')).toThrowCosignerError('CONFIRMATION_REQUIRED');
    await expect((await host({ ...s, assumeYes: true })).confirm('delete the bucket?')).resolves.toBeUndefined();
  });

  it('writes every message to stderr, filtered by --quiet and --verbose', async () => {
    const s = streams(false);
    const io = await host(s);
    io.notify({ level: 'info', code: 'PROVISION_TARGET', message: 'hello' });
    io.notify({ level: 'debug', code: 'AWS_CALL', message: 'hidden' });
    io.notify({ level: 'warn', code: 'PROVISION_WARNING', message: 'careful' });
    const step = io.startStep('creating role');
    step.succeed('role created');
    io.startStep('bucket').fail();
    expect(s.text()).toBe('hello\n⚠ careful\n… creating role\n✔ role created\n… bucket\n✖ bucket\n');

    const q = streams(false);
    const quiet = await host({ ...q, quiet: true });
    quiet.notify({ level: 'info', code: 'PROVISION_TARGET', message: 'hidden' });
    quiet.notify({ level: 'error', code: 'PROVISION_WARNING', message: 'shown' });
    quiet.startStep('x').succeed();
    expect(q.text()).toBe('✖ shown\n');

    const v = streams(false);
    const verbose = await host({ ...v, verbose: true });
    verbose.notify({ level: 'debug', code: 'AWS_CALL', message: 'detail' });
    const step2 = verbose.startStep('a');
    step2.update('b');
    step2.skip();
    // The final line names the step (its title), not its last progress detail.
    expect(v.text()).toBe('· detail\n… a\n… b\n- a\n');
  });

  it('is not interactive with --non-interactive even on a terminal', async () => {
    const s = streams(true);
    expect((await host({ ...s, nonInteractive: true })).interactive).toBe(false);
  });
});

describe('CliIoHost on a terminal', () => {
  it('asks through @inquirer/prompts and returns the typed answer', async () => {
    const s = streams(true);
    const io = await host(s);
    expect(io.interactive).toBe(true);
    const answer = io.request({
      kind: 'text',
      message: 'Co-signer name',
      flag: '--name',
      validate: (v) => /^[a-z]+$/.test(v) || 'lowercase only',
    });
    s.typeWhenShown('Co-signer name', 'treasury', '\r');
    await expect(answer).resolves.toBe('treasury');
    expect(s.text()).toContain('Co-signer name');
  });

  it('turns Ctrl-C into ABORTED', async () => {
    const s = streams(true);
    const io = await host(s);
    const answer = io.request({ kind: 'confirm', message: 'Continue?', flag: '--yes' });
    s.typeWhenShown('Continue?', '\u0003');
    await expect(answer).toThrowCosignerError('ABORTED');
  });

  it('treats a "no" to a confirmation as ABORTED', async () => {
    const s = streams(true);
    const io = await host(s);
    const confirmed = io.confirm('overwrite?');
    s.typeWhenShown('overwrite?', 'n', '\r');
    await expect(confirmed).toThrowCosignerError('ABORTED');
  });
});
