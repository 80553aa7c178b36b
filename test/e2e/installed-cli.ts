/**
 * The CLI as a user installs it, run as a child process: the npm package installed from its
 * tarball, or the single-file bundle alone in a directory. The CLI gets a minimal environment
 * (no COSIGNER_*, AWS_* or npm_* variables of the test run, HOME in the temp directory); every
 * child gets the Node.js that runs the tests first on its PATH, for `#!/usr/bin/env node`.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { expect } from 'vitest';
import { SANDBOX_CONFIG_FILE } from '../../src/aws/sandbox/index.js';
import { FAST_KNOBS, REGION } from './world.js';

export interface Spawned {
  code: number | null;
  stdout: string;
  stderr: string;
}

const nodeFirst = (): string => [dirname(process.execPath), process.env.PATH ?? ''].join(delimiter);

/** The environment of an installed CLI: what a shell on a clean machine would have. */
export function cleanEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: nodeFirst(), HOME: home, NO_COLOR: '1', LANG: 'C.UTF-8' };
  if (process.env.TMPDIR) env.TMPDIR = process.env.TMPDIR;
  return env;
}

/**
 * The environment of npm: the user's (HOME, its npmrc and cache, proxies), less the npm_* settings
 * of the npm that runs the tests (`npm run check` sets its prefix and project there), the
 * COSIGNER_* and AWS_* settings, and the test runner's Node options.
 */
export function npmEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !/^(npm_|COSIGNER_|AWS_|VITEST|NODE_OPTIONS$|NODE_V8_COVERAGE$)/i.test(key),
    ),
  );
  return { ...env, PATH: nodeFirst() };
}

/** Run `command args…` to completion, stdin closed, collecting both streams. */
export function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
  });
}

interface Envelope {
  ok: boolean;
  command: string;
  result?: Record<string, unknown>;
  error?: { code: string; message: string };
}

/** Exit 0 and one JSON envelope with ok: true; on failure the message carries stderr. */
function succeeded(step: string, spawned: Spawned): Envelope {
  expect(spawned.code, `${step} exited ${spawned.code}\n${spawned.stderr}`).toBe(0);
  const envelope = JSON.parse(spawned.stdout) as Envelope;
  expect(envelope).toMatchObject({ ok: true });
  return envelope;
}

interface StatusResult {
  coSigners: { name: string; inSync: boolean; missing: unknown[]; resources: { kind: string; state: string }[] }[];
}

/**
 * init → provision → status → destroy → status on a sandbox in `cwd`, through `cli` (which runs
 * the installed CLI with the given arguments in `cwd`): each step exits 0 with its JSON envelope,
 * and the sandbox account holds what each step says it made or removed.
 */
export async function expectSandboxLifecycle(cwd: string, cli: (args: string[]) => Promise<Spawned>): Promise<void> {
  const sandbox = join(cwd, 'sandbox');
  await mkdir(sandbox);
  // Short simulated IAM propagation and no simulated latency: the same account, faster.
  await writeFile(join(sandbox, SANDBOX_CONFIG_FILE), JSON.stringify(FAST_KNOBS));
  const step = (...args: string[]) => cli(['--json', '--sandbox', sandbox, ...args]);

  const init = succeeded(
    'init',
    await step('init', '--name', 'installed', '--region', REGION, '--network-mode', 'public-ip', '--yes'),
  );
  expect(init.result).toMatchObject({ created: true, written: true });
  const config = JSON.parse(await readFile(join(cwd, 'cosigner.json'), 'utf8')) as Record<string, unknown>;
  expect(config).toMatchObject({ name: 'installed', aws: { region: REGION }, network: { mode: 'public-ip' } });

  const provision = succeeded('provision', await step('provision', '--yes'));
  expect(provision.result).toMatchObject({ mode: 'applied' });
  const receipt = JSON.parse(await readFile(join(cwd, 'cosigner.receipt.json'), 'utf8')) as {
    resources: { key: { arn: string } };
  };
  expect(receipt.resources.key.arn).toMatch(/^arn:aws:kms:eu-west-1:111122223333:key\//);

  const live = succeeded('status', await step('status')).result as unknown as StatusResult;
  expect(live.coSigners).toHaveLength(1);
  expect(live.coSigners[0]).toMatchObject({ name: 'installed', inSync: true, missing: [] });
  expect(live.coSigners[0]?.resources.map((r) => [r.kind, r.state])).toEqual(
    expect.arrayContaining([
      ['role', 'present'],
      ['instanceProfile', 'present'],
      ['securityGroup', 'present'],
      ['instance', 'running'],
      ['bucket', 'present'],
      ['key', 'Enabled'],
    ]),
  );

  const destroy = succeeded('destroy', await step('destroy', '--yes'));
  expect(destroy.result).toMatchObject({ mode: 'destroyed' });
  // The host, its security group, profile and role are gone; the key and the bucket, which hold
  // the co-signer's data, are kept unless asked.
  const after = succeeded('status after destroy', await step('status')).result as unknown as StatusResult;
  expect(after.coSigners[0]?.resources.map((r) => r.kind).sort()).toEqual(['bucket', 'key']);
}
