// `run --package` through the CLI on the simulated host: the Fireblocks package is verified,
// unpacked, its image gated, its installer answered over stdin; the co-signer comes up and stores
// its database. The pairing token never appears in argv, the environment, logs, JSON output or any
// file the tool writes. Each bad input is refused with its code, before the installer runs.
import { chmod, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxSSM } from '../../src/aws/sandbox/ssm.js';
import { HOST_PATHS } from '../../src/host/ports.js';
import { runCli } from '../helpers/run-cli.js';
import { REGION } from '../e2e/world.js';
import { fakePackage, fakeToken, type InstallerStyle } from './fake-package.js';
import { makeHostWorld, type HostWorld } from './host-world.js';

let w: HostWorld;
let keyArn: string;
const env = {
  COSIGNER_SANDBOX_IAM_DELAY_MS: '0',
  COSIGNER_SANDBOX_LATENCY_MS: '0',
  COSIGNER_SANDBOX_RETRY_BASE_MS: '0',
};

beforeAll(async () => {
  w = await makeHostWorld();
  const region = (await w.world.state()).regions[REGION]!;
  keyArn = region.kms.keys[region.kms.aliases['alias/demo-cosigner']!.keyId]!.arn;
}, 60_000);
afterAll(() => w.cleanup());

async function writePackage(name: string, style: InstallerStyle = 'visible', eif = w.image('fireblocks')) {
  const pkg = fakePackage(eif, style);
  const path = join(w.world.dir, name);
  await writeFile(path, pkg.bytes);
  return { path, sha256: pkg.sha256 };
}

async function tokenFile(token: string, mode = 0o600): Promise<string> {
  const path = join(w.world.dir, `token-${Math.random().toString(36).slice(2)}.txt`);
  await writeFile(path, `${token}\n`);
  await chmod(path, mode);
  return path;
}

function install(pkg: { path: string; sha256: string }, ...more: string[]) {
  return runCli(
    [
      '--sandbox',
      w.world.sandboxDir,
      '--region',
      REGION,
      '-v',
      'run',
      '--package',
      pkg.path,
      '--package-sha256',
      pkg.sha256,
      '--kms-key-id',
      keyArn,
      '--name',
      'demo',
      '--fb-env',
      'custom',
      '--pcr8',
      w.pcr8,
      '--health-timeout',
      '5',
      '--json',
      ...more,
    ],
    { cwd: w.world.dir, env },
  );
}

async function hostFile(path: string): Promise<string | undefined> {
  return readFile(join(w.world.sandboxDir, 'host', 'root', path), 'utf8').catch(() => undefined);
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

describe('run --package: bad input, refused before the installer runs', () => {
  it('a wrong SHA-256 (exit 3), nothing unpacked', async () => {
    const pkg = await writePackage('p.tar.gz');
    const run = await install({ ...pkg, sha256: 'ab'.repeat(32) }, '--token-file', await tokenFile(fakeToken('x')));
    expect(run.code).toBe(3);
    expect(run.json?.error?.code).toBe('PACKAGE_SHA256_MISMATCH');
    expect(await readdir(join(w.world.sandboxDir, 'host/root', HOST_PATHS.packageDir))).toEqual([]);
    expect(await hostFile('/tmp/installer-record')).toBeUndefined();
  });

  it('a tarball with a ../ entry (exit 5)', async () => {
    const pkg = fakePackage(w.image('fireblocks'), 'visible', [{ name: '../../../etc/cron.d/evil', body: 'x' }]);
    const path = join(w.world.dir, 'evil.tar.gz');
    await writeFile(path, pkg.bytes);
    const run = await install({ path, sha256: pkg.sha256 }, '--token-file', await tokenFile(fakeToken('x')));
    expect(run.code).toBe(5);
    expect(run.json?.error?.code).toBe('PACKAGE_UNSAFE_ENTRY');
    expect(await hostFile('/tmp/installer-record')).toBeUndefined();
  });

  it('an image signed by another certificate inside the package (exit 3)', async () => {
    const pkg = await writePackage('other.tar.gz', 'visible', w.image('fireblocks', w.otherSigner));
    const run = await install(pkg, '--token-file', await tokenFile(fakeToken('x')));
    expect(run.json?.error?.code).toBe('PCR8_NOT_CONFIGURED');
    expect(await hostFile('/tmp/installer-record')).toBeUndefined();
  });

  it('a token file readable by others, an expired token, a String SSM parameter (SECRET_INSECURE_SOURCE / TOKEN_EXPIRED)', async () => {
    const pkg = await writePackage('p.tar.gz');
    const open = await install(pkg, '--token-file', await tokenFile(fakeToken('x'), 0o644));
    expect(open.json?.error?.code).toBe('SECRET_INSECURE_SOURCE');
    expect(open.code).toBe(5);
    const expired = await install(pkg, '--token-file', await tokenFile(fakeToken('x', -60)));
    expect(expired.json?.error?.code).toBe('TOKEN_EXPIRED');
    const admin = await w.world.ports();
    await (admin.ssm as SandboxSSM).putParameter({ Name: '/cosigner/plain', Type: 'String', Value: fakeToken('x') });
    const plain = await install(pkg, '--token-ssm', '/cosigner/plain');
    expect(plain.json?.error?.code).toBe('SECRET_INSECURE_SOURCE');
    expect(await hostFile('/tmp/installer-record')).toBeUndefined();
  });

  it('an installer prompt no one documented stops the installer (INSTALLER_PROMPT_UNKNOWN)', async () => {
    const pkg = await writePackage('unknown.tar.gz', 'unknown-prompt');
    const run = await install(pkg, '--token-file', await tokenFile(fakeToken('x')));
    expect(run.json?.error?.code).toBe('INSTALLER_PROMPT_UNKNOWN');
    expect(run.json?.error?.message).toContain('favourite colour');
    expect(await hostFile('/opt/fireblocks/env.txt')).toBeUndefined();
  });

  it('a failing installer (INSTALLER_FAILED) with its last lines', async () => {
    const pkg = await writePackage('fails.tar.gz', 'fails');
    const run = await install(pkg, '--token-file', await tokenFile(fakeToken('x')));
    expect(run.json?.error?.code).toBe('INSTALLER_FAILED');
    expect(JSON.stringify(run.json?.error)).toContain('cannot reach mobile-api.fireblocks.io');
  });
});

describe('run --package: the co-signer comes up, and the token leaks nowhere', () => {
  const marker = `PAIRINGMARKER${Date.now()}`;
  const token = fakeToken(marker);
  let tokenPath: string;
  let run: Awaited<ReturnType<typeof install>>;

  beforeAll(async () => {
    tokenPath = await tokenFile(token);
    run = await install(await writePackage('nitro-cosigner.tar.gz', 'echoes-token'), '--token-file', tokenPath);
  }, 60_000);

  it('installs: service active, get-status RUNNING/ACTIVE, the verified image runs, the database is stored', async () => {
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const result = run.json?.result as Record<string, unknown> & {
      status: { enclaveState: string; serviceState: string };
      installer: { answered: string[] };
      image: { pcrs: { PCR8: string } };
      warnings: string[];
    };
    expect(result.status).toMatchObject({ enclaveState: 'RUNNING', serviceState: 'ACTIVE' });
    expect(result.installer.answered).toEqual(['pairing token', 'bucket name', 'key ARN', 'callback handler']);
    expect(result.image.pcrs.PCR8).toBe(w.pcr8);
    expect(result.warnings.join('\n')).toMatch(/env\.txt holds the pairing token in clear/);
    expect(run.stderr).toMatch(/120 hours/);
    const bucket = Object.values((await w.world.state()).s3.buckets)[0]!;
    expect(Object.keys(bucket.objects).sort()).toEqual(['cosigner/database-key.wrapped', 'cosigner/database.enc']);
  });

  it('the token is in no argv, environment, log line, JSON output or file the tool wrote', async () => {
    expect(run.stdout).not.toContain(marker);
    expect(run.stderr).not.toContain(token);
    // The installer printed it back: the CLI showed it redacted.
    expect(run.stderr).toContain('Pairing with token [redacted]');
    // And in pieces: its signature alone, its first characters.
    expect(run.stderr).toContain('token signature: [redacted], first characters: [redacted]');
    for (const part of token.split('.').slice(1)) {
      expect(run.stdout).not.toContain(part);
      expect(run.stderr).not.toContain(part);
    }
    const record = (await hostFile('/tmp/installer-record'))!;
    expect(record).toContain('argv=');
    expect(record).not.toContain(marker);
    // Every file under the test directory but the token file itself and the installer's own settings file.
    const allowed = new Set([tokenPath, join(w.world.sandboxDir, 'host/root/opt/fireblocks/env.txt')]);
    const files = (await filesUnder(w.world.dir)).filter((f) => !allowed.has(f));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const bytes = await readFile(file);
      expect(bytes.includes(marker), file).toBe(false);
      expect(bytes.includes(token.split('.')[1]!), file).toBe(false);
      expect(bytes.includes(token.split('.')[2]!), file).toBe(false);
    }
    // The installer's own settings file holds it (that is what the warning is about).
    expect(await hostFile('/opt/fireblocks/env.txt')).toContain(token);
    expect((await stat(join(w.world.sandboxDir, 'host/root/opt/fireblocks/env.txt'))).mode & 0o077).not.toBe(0);
  });

  it('run status shows the co-signer enclave and its service; run stop stops it through its unit', async () => {
    const cli = (...args: string[]) =>
      runCli(['--sandbox', w.world.sandboxDir, '--region', REGION, 'run', ...args, '--name', 'demo', '--json'], {
        cwd: w.world.dir,
        env,
      });
    const status = await cli('status');
    expect((status.json?.result as { enclaves: unknown[] }).enclaves).toMatchObject([
      { name: 'cosigner', debugMode: false, unit: { name: 'cosigner.service', active: 'active' } },
    ]);
    const stop = await cli('stop', '--enclave-name', 'cosigner', '--yes');
    expect(stop.json?.result).toMatchObject({ via: 'unit', unit: 'cosigner.service' });
    expect((await cli('status')).json?.result).toMatchObject({ enclaves: [] });
  });

  it('--token-ssm: a SecureString read as the host role; the role may not delete it, which is reported', async () => {
    const admin = await w.world.ports();
    await (admin.ssm as SandboxSSM).putParameter({
      Name: '/cosigner/pairing-token',
      Type: 'SecureString',
      Value: fakeToken('ssm'),
    });
    const again = await install(
      await writePackage('silent.tar.gz', 'silent'),
      '--token-ssm',
      '/cosigner/pairing-token',
      '--token-ssm-delete',
    );
    expect(again.code, again.stderr).toBe(0);
    const result = again.json?.result as {
      tokenParameterDeleted: boolean;
      warnings: string[];
      installer: { answered: string[] };
    };
    expect(result.installer.answered).toEqual(['pairing token', 'bucket name', 'key ARN', 'callback handler']);
    expect(result.tokenParameterDeleted).toBe(false);
    expect(result.warnings.join('\n')).toContain('/cosigner/pairing-token was not deleted');
    // The restarted co-signer read its database back.
    const host = await w.host();
    expect((await host.store.read()).enclaves[0]?.application.database).toBe('restored');
  });
});
