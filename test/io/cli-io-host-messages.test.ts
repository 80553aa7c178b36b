// What CliIoHost prints under -q and how often: the plan a confirmation asks about stays visible,
// a warning already on screen is not printed again, and CONFIRMATION_REQUIRED carries the plan.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CliIoHost, type CliIoHostOptions } from '../../src/io/cli-io-host.js';

async function host(
  overrides: Partial<CliIoHostOptions> = {},
  columns?: number,
): Promise<{ io: CliIoHost; text: () => string }> {
  const stderr = new PassThrough() as PassThrough & { isTTY?: boolean; columns?: number };
  if (columns !== undefined) Object.assign(stderr, { isTTY: true, columns });
  let text = '';
  stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const io = await CliIoHost.create({
    stdin: { isTTY: false },
    stderr,
    json: false,
    quiet: false,
    verbose: false,
    color: false,
    nonInteractive: false,
    assumeYes: false,
    ci: true,
    ...overrides,
  });
  return { io, text: () => text };
}

describe('CliIoHost messages', () => {
  it('-q hides progress but not a plan or diff that a confirmation will ask about', async () => {
    const { io, text } = await host({ quiet: true });
    io.notify({ level: 'info', code: 'PROVISION_TARGET', message: 'account 111122223333' });
    io.notify({ level: 'info', code: 'PROVISION_PLAN', message: '+ create KMS key' });
    io.notify({ level: 'info', code: 'ATTEST_DIFF', message: '~ Statement' });
    io.notify({ level: 'info', code: 'INIT_DIFF', message: 'instance.type: a → b' });
    expect(text()).toBe('+ create KMS key\n~ Statement\ninstance.type: a → b\n');
  });

  it('-q with --yes hides the plan too: no question will be asked about it', async () => {
    const { io, text } = await host({ quiet: true, assumeYes: true });
    io.notify({ level: 'info', code: 'DESTROY_PLAN', message: '- delete EC2 host' });
    expect(text()).toBe('');
  });

  it('prints a warning once, also when a plan line already showed it as a note', async () => {
    const { io, text } = await host();
    io.notify({ level: 'info', code: 'PROVISION_PLAN', message: '      note: subnet has no route out' });
    io.notify({ level: 'warn', code: 'PROVISION_WARNING', message: 'subnet has no route out' });
    io.notify({ level: 'warn', code: 'PROVISION_WARNING', message: 'key rotation is off' });
    io.notify({ level: 'warn', code: 'PROVISION_WARNING', message: 'key rotation is off' });
    expect(text()).toBe('      note: subnet has no route out\n⚠ key rotation is off\n');
  });

  it('still prints the warning when the plan row holding it was cut to a narrow terminal', async () => {
    const { io, text } = await host({}, 30);
    io.notify({
      level: 'info',
      code: 'PROVISION_PLAN',
      message: '      note: subnet subnet-0e6064a82b800481b has no route out',
      layout: 'row',
    });
    io.notify({
      level: 'warn',
      code: 'PROVISION_WARNING',
      message: 'subnet subnet-0e6064a82b800481b has no route out',
    });
    expect(text()).toContain('⚠ subnet');
  });

  it('CONFIRMATION_REQUIRED carries the plan it refers to', async () => {
    const { io } = await host();
    await expect(io.confirm('apply 3 change(s)?', '--yes', { summary: { writes: 3 } })).rejects.toMatchObject({
      code: 'CONFIRMATION_REQUIRED',
      context: { plan: { summary: { writes: 3 } } },
    });
    await expect(io.confirm('apply?')).rejects.toSatisfy((error: { context?: unknown }) => error.context === undefined);
  });
});
