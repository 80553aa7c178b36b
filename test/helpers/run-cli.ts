/** Run the CLI in-process with captured streams (no TTY unless asked). */
import { PassThrough } from 'node:stream';
import { runMain } from '../../src/main.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** The parsed JSON envelope when stdout holds one. */
  json:
    | {
        schemaVersion: number;
        command: string;
        ok: boolean;
        result?: unknown;
        error?: { code: string; message: string; hint?: string };
      }
    | undefined;
}

export interface RunCliOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  stdoutTTY?: boolean;
  stderrTTY?: boolean;
  stdinTTY?: boolean;
}

function capture(isTTY: boolean): { stream: NodeJS.WritableStream & { isTTY?: boolean }; text: () => string } {
  const stream = new PassThrough() as PassThrough & { isTTY?: boolean };
  stream.isTTY = isTTY;
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

export async function runCli(args: string[], options: RunCliOptions = {}): Promise<CliRun> {
  const out = capture(options.stdoutTTY ?? false);
  const err = capture(options.stderrTTY ?? false);
  const code = await runMain({
    argv: ['node', 'cosigner-cli', ...args],
    env: { ...options.env },
    cwd: options.cwd ?? process.cwd(),
    stdin: { isTTY: options.stdinTTY ?? false },
    stdout: out.stream,
    stderr: err.stream,
  });
  await new Promise((resolve) => setImmediate(resolve));
  const stdout = out.text();
  let json: CliRun['json'];
  try {
    json = JSON.parse(stdout) as CliRun['json'];
  } catch {
    json = undefined;
  }
  return { code, stdout, stderr: err.text(), json };
}
