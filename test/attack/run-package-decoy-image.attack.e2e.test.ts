// Attack: the image gate of `run --package` measures the package's one `*.eif` file, but the
// enclave is started by the package's install.sh, which may start any file (another name, another
// extension, something it builds or downloads). A package whose `cosigner.eif` is the genuine,
// admitted image but whose install.sh starts `payload.img` (signed with the same certificate, other
// contents: PCR8 admitted, PCR0 not the gated one), or the gated image with --debug-mode, passes the
// gate; the tool notices afterwards
// (ENCLAVE_IMAGE_MISMATCH / DEBUG_MODE_REFUSED from the post-install checks) and exits non-zero,
// but leaves that enclave RUNNING under the `cosigner` service, which is enabled and restarts it
// at every boot. The issue: "refuse to start it unless its PCR8 is in the live key policy";
// README: "nothing is started".
// Impact: an unverified (or debug-mode, console readable by root) enclave keeps running on the
// host after `run` reported the failure; the operator who reads only the exit code believes it was
// refused. The key policy still keeps the key shares from a foreign PCR8, but not from an image of
// the same signer with other contents (PCR0 differs), and not a debug enclave under
// `fireblocks-exact` (no debug Deny). (An image of another signer is denied its key by KMS and
// exits on the simulated host: that part held.)
// Fixed: when a post-install check fails, the `cosigner` unit is stopped and disabled and every
// enclave started since install.sh began is terminated; the error says so (message, hint, context).
// (Still open, as defence in depth: refusing a package whose install.sh is not known to start
// exactly the gated file, before it runs.)
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { runCli } from '../helpers/run-cli.js';
import { REGION } from '../e2e/world.js';
import { fakeToken } from '../host/fake-package.js';
import { makeHostWorld, type HostWorld } from '../host/host-world.js';
import { tarGz } from '../host/tar-writer.js';

let w: HostWorld;
let keyArn: string;
/** The same account with the debug-enclave Deny off (as under the fireblocks-exact profile). */
let d: HostWorld;
let debugKeyArn: string;
const env = {
  COSIGNER_SANDBOX_IAM_DELAY_MS: '0',
  COSIGNER_SANDBOX_LATENCY_MS: '0',
  COSIGNER_SANDBOX_RETRY_BASE_MS: '0',
};

beforeAll(async () => {
  w = await makeHostWorld();
  const region = (await w.world.state()).regions[REGION]!;
  keyArn = region.kms.keys[region.kms.aliases['alias/demo-cosigner']!.keyId]!.arn;
  d = await makeHostWorld({ kms: { denyDebugEnclaves: false } });
  const debugRegion = (await d.world.state()).regions[REGION]!;
  debugKeyArn = debugRegion.kms.keys[debugRegion.kms.aliases['alias/demo-cosigner']!.keyId]!.arn;
}, 120_000);
afterAll(async () => {
  await w.cleanup();
  await d.cleanup();
});

/** An install.sh that answers like Fireblocks' but starts `file` (optionally in debug mode). */
function installScript(file: string, debug: boolean): string {
  const ask = (prompt: string, variable: string) => `printf '%s' '${prompt}'; read -r ${variable}`;
  return [
    '#!/bin/bash',
    'set -euo pipefail',
    'ROOT="${COSIGNER_SANDBOX_HOST_ROOT:-}"',
    'mkdir -p "$ROOT/opt/fireblocks" "$ROOT/etc/systemd/system"',
    ask('Please enter the pairing token: ', 'TOKEN'),
    ask('Please enter the S3 bucket name: ', 'BUCKET'),
    ask('Please enter the KMS key ARN: ', 'KEY_ARN'),
    ask('Would you like to configure a Callback Handler? [y/N]: ', 'CALLBACK'),
    `cp ./${file} "$ROOT/opt/fireblocks/running.eif"`,
    `cat > "$ROOT/etc/systemd/system/cosigner.service" <<'UNIT'`,
    '[Unit]',
    'Description=Fireblocks co-signer',
    '[Service]',
    `ExecStart=/usr/bin/nitro-cli run-enclave --eif-path /opt/fireblocks/running.eif --memory 4096 --cpu-count 2 --enclave-name cosigner${debug ? ' --debug-mode' : ''}`,
    'ExecStop=/usr/bin/nitro-cli terminate-enclave --enclave-name cosigner',
    '[Install]',
    'WantedBy=multi-user.target',
    'UNIT',
    'systemctl enable --now cosigner',
    '',
  ].join('\n');
}

/** The package: the gated cosigner.eif, and payload.img (same signer, other contents: PCR0 differs). */
async function writePackage(w: HostWorld, name: string, file: string, debug: boolean) {
  const bytes = tarGz([
    { name: 'install.sh', body: installScript(file, debug), mode: 0o755 },
    { name: 'cosigner.eif', body: w.image('fireblocks'), mode: 0o644 },
    { name: 'payload.img', body: w.image('payload'), mode: 0o644 },
  ]);
  const path = join(w.world.dir, name);
  await writeFile(path, bytes);
  return { path, sha256: createHash('sha256').update(bytes).digest('hex') };
}

async function tokenFile(w: HostWorld): Promise<string> {
  const path = join(w.world.dir, `token-${Math.random().toString(36).slice(2)}.txt`);
  await writeFile(path, `${fakeToken('decoy')}\n`);
  await chmod(path, 0o600);
  return path;
}

function install(w: HostWorld, keyArn: string, pkg: { path: string; sha256: string }, token: string) {
  return runCli(
    [
      ...['--sandbox', w.world.sandboxDir, '--region', REGION, 'run', '--package', pkg.path],
      ...['--package-sha256', pkg.sha256, '--kms-key-id', keyArn, '--name', 'demo', '--fb-env', 'custom'],
      ...['--pcr8', w.pcr8, '--health-timeout', '5', '--token-file', token, '--json'],
    ],
    { cwd: w.world.dir, env },
  );
}

/** Enclaves the simulated nitro-cli has running, by name. */
async function runningEnclaves(w: HostWorld): Promise<string[]> {
  const host = await w.host();
  return (await host.nitroCli.describeEnclaves()).map((e) => `${e.EnclaveName ?? '?'}:${e.Flags}`);
}

/** The `cosigner` unit is stopped and disabled (no restart at boot), and the error says so. */
async function expectServiceDown(w: HostWorld, error: { message: string; hint?: string } | undefined) {
  const host = await w.host();
  expect(await host.services.state('cosigner.service')).toMatchObject({ active: 'inactive', enabled: false });
  expect(error?.message).toContain('cosigner.service service was stopped and disabled');
  expect(error?.message).toMatch(/enclave \S+ terminated/);
  expect(error?.hint).toContain('run again');
}

describe('run --package: the enclave install.sh starts is the one the gate measured, or none is left', () => {
  it('install.sh starting another file: refused, and no enclave left running', async () => {
    const run = await install(
      w,
      keyArn,
      await writePackage(w, 'decoy.tar.gz', 'payload.img', false),
      await tokenFile(w),
    );
    expect(run.json?.error?.code).toBe('ENCLAVE_IMAGE_MISMATCH');
    expect(await runningEnclaves(w)).toEqual([]);
    await expectServiceDown(w, run.json?.error);
  }, 60_000);

  it('install.sh starting the image in debug mode: refused, and no debug enclave left running', async () => {
    const run = await install(
      d,
      debugKeyArn,
      await writePackage(d, 'debug.tar.gz', 'cosigner.eif', true),
      await tokenFile(d),
    );
    expect(run.json?.error?.code).toBe('DEBUG_MODE_REFUSED');
    expect(await runningEnclaves(d)).toEqual([]);
    await expectServiceDown(d, run.json?.error);
  }, 60_000);
});
