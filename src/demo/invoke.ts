/**
 * One `cosigner-cli …` command of the demo, run in-process through the CLI's own entry point
 * (src/main.ts `runMain`: commander's parsing, the command module, the JSON envelope and the exit
 * code), with `--json` and captured streams. In-process rather than a child process per step: the
 * demo then starts Node and loads the AWS SDK once instead of a dozen times, and one process owns
 * Ctrl-C and the clean-up; the end-to-end test runs the same lifecycle through bin/ as separate
 * processes.
 */
import { PassThrough } from 'node:stream';
import type { CosignerErrorJSON } from '../errors.js';

export interface Invoked {
  /** The command line as typed (`cosigner-cli provision --yes`), without the demo's fixed flags. */
  commandLine: string;
  exitCode: number;
  ok: boolean;
  result: unknown;
  error: CosignerErrorJSON | undefined;
  /** The command's messages (stderr), for --verbose and for a step that did not behave. */
  stderr: string;
  ms: number;
}

export interface InvokeContext {
  /** The demo's scratch directory: the commands run there. */
  cwd: string;
  /** The sandbox directory and config file every command uses. */
  sandboxDir: string;
  configPath: string;
  env: NodeJS.ProcessEnv;
  /** Passed on: the demo's `--verbose` shows the AWS calls of each command. */
  verbose: boolean;
}

function capture(): { stream: PassThrough & { isTTY?: boolean }; text: () => string } {
  const stream = new PassThrough() as PassThrough & { isTTY?: boolean };
  stream.isTTY = false;
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** Run `cosigner-cli <args>` against the demo's sandbox and config; never throws for a failing command. */
export async function invoke(args: string[], context: InvokeContext): Promise<Invoked> {
  const { runMain } = await import('../main.js');
  const out = capture();
  const err = capture();
  const fixed = [
    '--json',
    '--non-interactive',
    ...(context.verbose ? ['--verbose'] : []),
    '--sandbox',
    context.sandboxDir,
    '--config',
    context.configPath,
  ];
  const started = performance.now();
  const exitCode = await runMain({
    argv: [process.execPath, 'cosigner-cli', ...fixed, ...args],
    env: context.env,
    cwd: context.cwd,
    stdin: { isTTY: false },
    stdout: out.stream,
    stderr: err.stream,
  });
  const ms = Math.round(performance.now() - started);
  await new Promise((resolve) => setImmediate(resolve));
  let envelope: { ok?: boolean; result?: unknown; error?: CosignerErrorJSON } = {};
  try {
    envelope = JSON.parse(out.text()) as typeof envelope;
  } catch {
    // No envelope (a crash before the command ran): the exit code and stderr tell.
  }
  return {
    commandLine: ['cosigner-cli', ...args].join(' '),
    exitCode,
    ok: exitCode === 0 && envelope.ok === true,
    result: envelope.result,
    error: envelope.error,
    stderr: err.text(),
    ms,
  };
}
