/**
 * A fake `nitro-cli` executable for tests: a real file on PATH (so the real ProcessPort, execa and
 * the real NitroCli port run unchanged) that replays recorded outputs and error codes in order and
 * records the exact argv and the environment variable names it was started with. An argv other
 * than the one a step expects fails the call (exit 99) and is recorded, so a test sees the
 * difference.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakeStep {
  /** The exact argv after `nitro-cli`. */
  argv: string[];
  exitCode?: number;
  stdout?: string;
  stderr?: string;
}

export interface RecordedCall {
  argv: string[];
  /** Names of the environment variables the process saw. */
  envNames: string[];
  /** The full environment, for leak checks. */
  env: Record<string, string>;
}

export interface FakeNitroCli {
  /** The directory holding the executable: put it first on PATH. */
  dir: string;
  /** PATH for the child: the fake first, then the system's directories. */
  path: string;
  calls(): Promise<RecordedCall[]>;
  /** Steps not consumed. */
  remaining(): Promise<FakeStep[]>;
  cleanup(): Promise<void>;
}

// Plain CommonJS, run by this very node binary (the shebang names it).
const PROGRAM = `
const fs = require('node:fs');
const path = require('node:path');
const dir = path.dirname(process.argv[1]);
const argv = process.argv.slice(2);
const stepsFile = path.join(dir, 'steps.json');
const steps = JSON.parse(fs.readFileSync(stepsFile, 'utf8'));
fs.appendFileSync(path.join(dir, 'calls.jsonl'), JSON.stringify({ argv, envNames: Object.keys(process.env).sort(), env: process.env }) + '\\n');
const step = steps.shift();
fs.writeFileSync(stepsFile, JSON.stringify(steps));
if (step === undefined) { process.stderr.write('fake nitro-cli: no step left for ' + JSON.stringify(argv) + '\\n'); process.exit(98); }
if (JSON.stringify(step.argv) !== JSON.stringify(argv)) {
  process.stderr.write('fake nitro-cli: expected ' + JSON.stringify(step.argv) + ', got ' + JSON.stringify(argv) + '\\n');
  process.exit(99);
}
if (step.stdout) process.stdout.write(step.stdout);
if (step.stderr) process.stderr.write(step.stderr);
process.exit(step.exitCode ?? 0);
`;

export async function createFakeNitroCli(steps: FakeStep[]): Promise<FakeNitroCli> {
  const dir = await mkdtemp(join(tmpdir(), 'fake-nitro-cli-'));
  const file = join(dir, 'nitro-cli');
  await writeFile(file, `#!${process.execPath}\n${PROGRAM}`);
  await chmod(file, 0o755);
  await writeFile(join(dir, 'steps.json'), JSON.stringify(steps));
  await writeFile(join(dir, 'calls.jsonl'), '');
  return {
    dir,
    path: `${dir}:/usr/bin:/bin`,
    async calls() {
      const text = await readFile(join(dir, 'calls.jsonl'), 'utf8');
      return text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as RecordedCall);
    },
    async remaining() {
      return JSON.parse(await readFile(join(dir, 'steps.json'), 'utf8')) as FakeStep[];
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** The recorded nitro-cli outputs kept in test/fixtures (origins in test/fixtures/README.md). */
export async function recordedOutput(name: string): Promise<string> {
  return readFile(new URL(`../fixtures/testdata/nitro-cli/${name}`, import.meta.url), 'utf8');
}

export interface RecordedError {
  subcommand: string;
  exitCode: number;
  stderr: string;
}

/** nitro-cli's stderr for each error code (test/fixtures/nitro-cli/errors.json). */
export async function recordedErrors(): Promise<Record<string, RecordedError>> {
  return JSON.parse(await readFile(new URL('../fixtures/nitro-cli/errors.json', import.meta.url), 'utf8')) as Record<
    string,
    RecordedError
  >;
}
