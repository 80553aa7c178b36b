// The built CLI interrupted for real: Ctrl-C typed on a pseudo-terminal at several points of
// provision, destroy and attest (with sandbox latency so each point lasts long enough, reached by
// waiting for a marker on the screen), and SIGINT/SIGTERM sent with kill to a process without a
// terminal. Every interrupted run exits 130 with ABORTED, prints no success line and no receipt,
// says how to continue, and a re-run converges with nothing made twice.
import { beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { readTrail } from './trail.js';
import { assertBuilt, makeSandboxCli, screenOf, type CliProcess, type SandboxCli } from './interrupt-cli.js';
import { expectConverged, inventory } from './world.js';

const CTRL_C = '\u0003';
const EU_PCR8 = 'fffc94d68a150b49dc39b23954c793cd1a4f7972f528a1ee258dc130b6cd9454e29ae72ef66bd9697a55e774e17a2d49';
const SUCCESS = /provisioned:|receipt written|torn down|key policy written and read back|everything matches/;
// Generous: a loaded 2-core machine runs several of these at once.
const TIMEOUT = 180_000;

beforeAll(() => assertBuilt());

/**
 * A fresh directory and sandbox account for one test, removed when it ends. Each test has its own,
 * so the tests run concurrently: most of their time is simulated latency, not work.
 */
async function freshCli(test: TestContext): Promise<SandboxCli> {
  const cli = await makeSandboxCli();
  // The test's own hook: with concurrent tests, the global one may attach to another test.
  test.onTestFinished(() => cli.cleanup());
  return cli;
}

/**
 * The run's screen as the lines the CLI wrote (rows the terminal wrapped joined back), after
 * checking what an interrupted run must (not) do: exit 130, no success line, the receipt as it
 * was before the run (none for a first provision).
 */
async function expectInterrupted(cli: SandboxCli, run: CliProcess, receiptBefore?: string): Promise<string[]> {
  const exit = await run.exited;
  const lines = screenOf(run.output()).logicalLines();
  expect(exit.code, lines.join('\n')).toBe(130);
  expect(lines.join('\n')).not.toMatch(SUCCESS);
  expect(await cli.receipt()).toBe(receiptBefore);
  return lines;
}

/** The lines as one string with runs of white space (wraps, indents) as one space. */
const flat = (lines: string[]) => lines.join(' ').replace(/\s+/g, ' ');

async function writeCount(cli: SandboxCli): Promise<number> {
  return (await readTrail(cli.sandboxDir)).filter((e) => !e.readOnly).length;
}

async function provisionInProcess(cli: SandboxCli): Promise<void> {
  const run = await cli.inProcess(['--json', 'provision', '--yes']);
  expect(run.code, run.stderr).toBe(0);
}

async function expectRerunConverges(cli: SandboxCli): Promise<void> {
  const again = await cli.inProcess(['--json', 'provision', '--yes']);
  expect(again.code, again.stderr).toBe(0);
  expect(again.json?.ok).toBe(true);
  expectConverged(await cli.state());
  expect(await cli.receiptExists()).toBe(true);
}

describe.concurrent('provision, Ctrl-C on a terminal', () => {
  it('while it reads what exists: exits 130 having written nothing', { timeout: TIMEOUT }, async (test) => {
    const cli = await freshCli(test);
    const run = cli.pty(['provision', '--yes'], { latencyMs: 400 });
    // The account line comes right after sts:GetCallerIdentity; observation (several rounds of reads) follows.
    await run.waitFor('account 111122223333');
    run.press(CTRL_C);
    const lines = await expectInterrupted(cli, run);
    expect(lines).toContain('✖ interrupted while reading what exists: nothing was changed');
    expect(lines).toContain(
      `  hint: to continue, run \`${cli.commandLine(['provision', '--yes'])}\` again: it picks up what this run did`,
    );
    expect(lines.join('\n')).not.toContain('Plan for co-signer');
    expect(await writeCount(cli)).toBe(0);
    await expectRerunConverges(cli);
  });

  it(
    'while applying: the calls in flight finish, the screen says what was done, a re-run converges',
    { timeout: TIMEOUT },
    async (test) => {
      const cli = await freshCli(test);
      const run = cli.pty(['provision', '--yes'], { latencyMs: 300 });
      await run.waitFor('✔ created IAM role demo-cosigner');
      run.press(CTRL_C);
      const lines = await expectInterrupted(cli, run);
      expect(flat(lines)).toContain(
        '⚠ stopping provisioning: no new change is started; the calls in flight finish and are journaled (Ctrl-C again to stop at once)',
      );
      const summary = lines.find((l) => l.startsWith('✖ interrupted:'));
      expect(summary).toMatch(
        /^✖ interrupted: [1-6] of 7 resource\(s\) done, (\d stopped part-way, )?\d not started; \d+ write call\(s\) finished and were journaled$/,
      );
      // The live display is gone: the error and its hint are the last lines, nothing below them.
      expect(lines.at(-1)).toBe(
        `  hint: to continue, run \`${cli.commandLine(['provision', '--yes'])}\` again: it picks up what this run did`,
      );
      await expectRerunConverges(cli);
    },
  );

  it(
    'twice: the second Ctrl-C exits at once, and a re-run still converges without duplicates',
    { timeout: TIMEOUT },
    async (test) => {
      const cli = await freshCli(test);
      const run = cli.pty(['provision', '--yes'], { latencyMs: 1000 });
      await run.waitFor('✔ created IAM role demo-cosigner');
      run.press(CTRL_C);
      await run.waitFor('stopping provisioning');
      run.press(CTRL_C);
      const lines = await expectInterrupted(cli, run);
      expect(lines).toContain('✖ stopped at once (Ctrl-C): provisioning did not finish');
      expect(lines.at(-1)).toMatch(
        /^ {2}hint: the calls in flight may or may not have completed; run `.*provision --yes` again: it checks what exists and continues$/,
      );
      await expectRerunConverges(cli);
    },
  );
});

describe.concurrent('destroy, Ctrl-C on a terminal', () => {
  it(
    'after the host is gone: the key is not scheduled for deletion and a re-run finishes',
    { timeout: TIMEOUT },
    async (test) => {
      const cli = await freshCli(test);
      await provisionInProcess(cli);
      const receipt = await cli.receipt();
      const run = cli.pty(['destroy', '--yes', '--delete-key', '--delete-bucket'], { latencyMs: 1000 });
      await run.waitFor('✔ delete EC2 host demo-cosigner-host');
      run.press(CTRL_C);
      const lines = await expectInterrupted(cli, run, receipt);
      expect(lines.find((l) => l.startsWith('✖ interrupted:'))).toMatch(
        /^✖ interrupted: [1-3] deleted, [3-5] left; \d+ write call\(s\) finished and were journaled$/,
      );
      const inv = inventory(await cli.state());
      expect([inv.instances.length, inv.roles.length, inv.liveKeys.length, inv.retiredKeys.length]).toEqual([
        0, 1, 1, 0,
      ]);
      const again = await cli.inProcess(['--json', 'destroy', '--yes', '--delete-key', '--delete-bucket']);
      expect(again.code, again.stderr).toBe(0);
      const after = inventory(await cli.state());
      expect([after.roles, after.profiles, after.groups, after.buckets, after.liveKeys]).toEqual([[], [], [], [], []]);
    },
  );
});

describe.concurrent('attest, Ctrl-C on a terminal', () => {
  const keyPolicy = async (cli: SandboxCli) => inventory(await cli.state()).liveKeys[0]?.policy ?? '';

  it('before PutKeyPolicy: the key policy is unchanged', { timeout: TIMEOUT }, async (test) => {
    const cli = await freshCli(test);
    await provisionInProcess(cli);
    const before = await keyPolicy(cli);
    const receipt = await cli.receipt();
    const run = cli.pty(['attest', '--add', EU_PCR8, '--yes'], { latencyMs: 1000 });
    // Logged before the key, the role and the live policy are read (a second each).
    await run.waitFor('account 111122223333 ·');
    run.press(CTRL_C);
    const lines = await expectInterrupted(cli, run, receipt);
    expect(lines).toContain('✖ interrupted before the key policy was written: it is unchanged');
    expect(await keyPolicy(cli)).toBe(before);
    // Run again: it writes.
    const again = await cli.inProcess(['--json', 'attest', '--add', EU_PCR8, '--yes']);
    expect(again.code, again.stderr).toBe(0);
    expect(await keyPolicy(cli)).toContain(EU_PCR8);
  });

  it(
    'while PutKeyPolicy is in flight: the write finishes, is read back, and the state is said',
    { timeout: TIMEOUT },
    async (test) => {
      const cli = await freshCli(test);
      await provisionInProcess(cli);
      const receipt = await cli.receipt();
      const run = cli.pty(['attest', '--add', EU_PCR8, '--yes'], { latencyMs: 1000 });
      await run.waitFor('writing the key policy');
      run.press(CTRL_C);
      const lines = await expectInterrupted(cli, run, receipt);
      expect(lines).toContain('✔ key policy written');
      expect(lines).toContain('✔ key policy read back and verified');
      expect(lines).toContain(
        '✖ interrupted after the key policy was written: it is in place, and was read back and verified',
      );
      expect(await keyPolicy(cli)).toContain(EU_PCR8);
    },
  );
});

describe.concurrent('signals without a terminal (kill)', () => {
  it(
    'SIGINT during provision: exit 130, an ABORTED envelope, plain lines only, no receipt',
    { timeout: TIMEOUT },
    async (test) => {
      const cli = await freshCli(test);
      const run = cli.piped(['provision', '--yes'], { latencyMs: 300 });
      await run.waitFor('✔ created IAM role demo-cosigner');
      run.kill('SIGINT');
      const exit = await run.exited;
      expect(exit.code, run.output()).toBe(130);
      const envelope = JSON.parse(run.stdout()) as {
        ok: boolean;
        error: { code: string; message: string; hint: string };
      };
      expect(envelope.ok).toBe(false);
      expect(envelope.error.code).toBe('ABORTED');
      expect(envelope.error.message).toMatch(/^interrupted: \d of 7 resource\(s\) done/);
      expect(envelope.error.hint).toContain(cli.commandLine(['provision', '--yes']));
      // Off a terminal: whole lines, never spinner frames or cursor movements.
      expect(run.output()).not.toContain('\u001b');
      expect(run.output()).not.toMatch(/[\u2800-\u28ff]/);
      expect(run.output()).toContain('⚠ stopping provisioning');
      expect(await cli.receiptExists()).toBe(false);
      await expectRerunConverges(cli);
    },
  );

  it('SIGTERM then SIGINT during destroy: the second one exits at once', { timeout: TIMEOUT }, async (test) => {
    const cli = await freshCli(test);
    await provisionInProcess(cli);
    const run = cli.piped(['destroy', '--yes', '--delete-key', '--delete-bucket'], { latencyMs: 1000 });
    await run.waitFor('… delete EC2 host');
    run.kill('SIGTERM');
    await run.waitFor('stopping the teardown');
    run.kill('SIGINT');
    const exit = await run.exited;
    expect(exit.code, run.output()).toBe(130);
    expect((JSON.parse(run.stdout()) as { error: { message: string } }).error.message).toBe(
      'stopped at once (SIGINT): the teardown did not finish',
    );
    expect(inventory(await cli.state()).liveKeys).toHaveLength(1);
  });
});

describe.concurrent('progress on a 120-column terminal', () => {
  it(
    'concurrent steps leave a clean screen: whole lines, nothing wrapped or glued, no spinner remains',
    { timeout: TIMEOUT },
    async (test) => {
      const cli = await freshCli(test);
      const run = cli.pty(['provision', '--yes'], { latencyMs: 300, columns: 120 });
      const exit = await run.exited;
      const screen = screenOf(run.output(), 120);
      const lines = screen.lines();
      expect(exit.code, lines.join('\n')).toBe(0);
      expect(run.output()).not.toContain('[ora]');
      // stderr's part ends at the summary; stdout's result (the receipt) follows it.
      const summary = lines.findIndex((l) => /^✔ provisioned: 7 created, 0 updated \(\d+ write calls\)$/.test(l));
      expect(summary, lines.join('\n')).toBeGreaterThan(0);
      const progress = lines.slice(0, summary);
      expect(
        [...screen.wrapped].filter((row) => row < summary),
        'rows the terminal wrapped',
      ).toEqual([]);
      // Each step's final line once, whole, and nothing else starting with a tick.
      const ticks = progress.filter((l) => l.startsWith('✔'));
      expect(ticks.sort()).toEqual(
        [
          '✔ created EC2 host demo-cosigner-host',
          '✔ created IAM role demo-cosigner',
          '✔ created KMS key alias/demo-cosigner',
          '✔ created S3 bucket demo-cosigner-111122223333-eu-west-1',
          '✔ created instance profile demo-cosigner',
          '✔ created role permissions (cosigner-access + SSM)',
          '✔ created security group demo-cosigner-host',
        ].sort(),
      );
      // The live region is gone: no header, no running rows, no spinner frame anywhere.
      expect(progress.filter((l) => /running|^ {2}› /.test(l) || /[\u2800-\u28ff]/.test(l))).toEqual([]);
      // Plan rows fit the width.
      const rows = progress.filter((l) => /^ {2}[+~=!] /.test(l));
      expect(rows.length).toBeGreaterThan(6);
      for (const row of rows) expect(row.length).toBeLessThanOrEqual(119);
    },
  );
});
