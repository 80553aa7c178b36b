/**
 * `init` with setting flags on a real (pseudo-)terminal, as `npm run demo` runs it: it must finish
 * without a single keystroke. Without flags the same terminal gets the wizard. Runs the built CLI.
 */
import { spawn, type IPty } from '@lydell/node-pty';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../e2e/interrupt-cli.js';

const root = resolve(import.meta.dirname, '../..');
// The escape sequences a terminal program writes (colour, cursor), removed before matching text.
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;

interface TerminalRun {
  /** Exit code, or `undefined` when the program was still waiting after the time limit. */
  code: number | undefined;
  screen: string;
  pty: IPty;
}

/** Run on a pseudo-terminal until it exits, `until` holds of the screen, or `waitMs` passes. */
async function onTerminal(
  args: string[],
  cwd: string,
  waitMs: number,
  until?: (screen: string) => boolean,
): Promise<TerminalRun> {
  const pty = spawn(process.execPath, [join(root, 'bin/cosigner-cli.js'), ...args], {
    cwd,
    cols: 160,
    rows: 40,
    env: { ...process.env, TERM: 'xterm-256color', CI: '', COSIGNER_SANDBOX_IAM_DELAY_MS: '0' },
  });
  let screen = '';
  let reached: (() => void) | undefined;
  pty.onData((data) => {
    screen += data;
    if (until?.(screen.replace(ANSI, '')) === true) reached?.();
  });
  const code = await new Promise<number | undefined>((done) => {
    const timer = setTimeout(() => done(undefined), waitMs);
    reached = () => {
      clearTimeout(timer);
      done(undefined);
    };
    pty.onExit(({ exitCode }) => {
      clearTimeout(timer);
      done(exitCode);
    });
  });
  return { code, screen: screen.replace(ANSI, ''), pty };
}

beforeAll(() => assertBuilt());

describe('init on a terminal', () => {
  it('with the demo’s flags asks nothing and points at the sandbox next', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'cosigner-pty-'));
    const run = await onTerminal(
      ['--sandbox', 'sb', 'init', '--name', 'demo', '--region', 'us-east-1', '--fb-env', 'global'],
      cwd,
      15_000,
    );
    if (run.code === undefined) run.pty.kill();
    expect(run.code, `still waiting for input:\n${run.screen}`).toBe(0);
    expect(run.screen).not.toContain('?');
    expect(run.screen).toContain('next: cosigner-cli --sandbox sb --region us-east-1 provision --dry-run');
    expect(JSON.parse(await readFile(join(cwd, 'cosigner.json'), 'utf8'))).toMatchObject({
      name: 'demo',
      aws: { region: 'us-east-1' },
      instance: { type: 'c5.xlarge' },
    });
  });

  it('without flags is the wizard: it stops at its first question', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'cosigner-pty-'));
    // Waits for the question itself (a loaded machine may take seconds to start the CLI).
    const run = await onTerminal(['init'], cwd, 15_000, (screen) => screen.includes('Co-signer name'));
    run.pty.kill();
    expect(run.code).toBeUndefined();
    expect(run.screen).toContain('Co-signer name');
  });
});
