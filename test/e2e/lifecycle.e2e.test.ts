// The whole lifecycle through the built CLI (bin/cosigner-cli.js) as child processes on a temporary
// sandbox: init, provision, attest, run (the Fireblocks package, its pairing token on stdin),
// verify, status, destroy; outputs, files and exit codes checked, and no secret (the token, the
// co-signer's data key) in any output or in any file under the temporary directory. Then `demo
// --json`: its steps and summary, and nothing left behind.
import { spawn } from 'node:child_process';
import { createDecipheriv } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxPorts } from '../../src/aws/sandbox/index.js';
import { BLOB_DIR } from '../../src/aws/sandbox/store.js';
import { buildEIF, createEifSigner } from '../../src/aws/sandbox/nitro/eif-build.js';
import { WRAPPED_KEY_OBJECT } from '../../src/aws/sandbox/host/index.js';
import { computePCR8 } from '../../src/enclave/pcr.js';
import { fakePackage, fakeToken } from '../host/fake-package.js';
import { assertBuilt } from './interrupt-cli.js';
import { cleanEnv } from './installed-cli.js';

const BIN = resolve(import.meta.dirname, '../../bin/cosigner-cli.js');
const REGION = 'eu-west-1';

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  json: { ok: boolean; command: string; result?: Record<string, unknown>; error?: { code: string } } | undefined;
}

let tmp: string;
let work: string;
let env: NodeJS.ProcessEnv;
const outputs: string[] = [];

/** `node bin/cosigner-cli.js <args>` in the work directory, stdin from `input` (else closed). */
function cli(args: string[], input?: string): Promise<Ran> {
  return new Promise((done, reject) => {
    const child = spawn(process.execPath, [BIN, '--sandbox', 'sandbox', '--json', ...args], {
      cwd: work,
      env,
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (c: Buffer) => out.push(c));
    child.stderr?.on('data', (c: Buffer) => err.push(c));
    if (input !== undefined) child.stdin?.end(input);
    child.on('error', reject);
    child.on('close', (code) => {
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      outputs.push(stdout, stderr);
      let json: Ran['json'];
      try {
        json = JSON.parse(stdout) as Ran['json'];
      } catch {
        json = undefined;
      }
      done({ code, stdout, stderr, json });
    });
  });
}

async function filesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await filesUnder(path)));
    else if (entry.isFile()) found.push(path);
  }
  return found;
}

/**
 * The co-signer's plaintext data key, recovered by the test from the wrapped key in the bucket with
 * the simulated KMS key's material (the sandbox's blob layout, src/aws/sandbox/kms-crypto.ts): only
 * the enclave ever held it.
 */
async function dataKey(sandboxDir: string): Promise<Buffer> {
  const ports = await createSandboxPorts({ dir: sandboxDir, region: REGION, env: {} });
  try {
    const state = await ports.readState();
    const bucket = Object.values(state.s3.buckets).find((b) => b.objects[WRAPPED_KEY_OBJECT] !== undefined);
    // Object bodies are content-addressed files in the sandbox's blob directory (src/aws/sandbox/store.ts).
    const blob = await readFile(join(sandboxDir, BLOB_DIR, bucket?.objects[WRAPPED_KEY_OBJECT]?.at(-1)?.blob ?? ''));
    const keyId = blob.subarray(4, 40).toString('ascii');
    const materialId = blob.subarray(40, 48).toString('ascii');
    const key = state.regions[REGION]?.kms.keys[keyId];
    const material = key?.material.find((m) => m.id === materialId);
    const decipher = createDecipheriv('aes-256-gcm', Buffer.from(material?.key ?? '', 'base64'), blob.subarray(48, 60));
    decipher.setAAD(Buffer.from(`${keyId}|[]`));
    decipher.setAuthTag(blob.subarray(60, 76));
    return Buffer.concat([decipher.update(blob.subarray(76)), decipher.final()]);
  } finally {
    ports.destroy();
  }
}

beforeAll(async () => {
  assertBuilt();
  tmp = await mkdtemp(join(process.env.TMPDIR ?? tmpdir(), 'lifecycle-'));
  work = join(tmp, 'work');
  await mkdir(join(tmp, 'home'), { recursive: true });
  await mkdir(work);
  env = {
    ...cleanEnv(join(tmp, 'home')),
    COSIGNER_SANDBOX_IAM_DELAY_MS: '0',
    COSIGNER_SANDBOX_RETRY_BASE_MS: '0',
  };
});
afterAll(async () => {
  // Unset when beforeAll stopped early (a stale build): its own error is the one to read.
  if ((tmp as string | undefined) !== undefined) await rm(tmp, { recursive: true, force: true });
});

describe('the lifecycle through bin/cosigner-cli.js', () => {
  it('init, provision, attest, run --package (token on stdin), verify, status, destroy; no secret anywhere', async () => {
    // The account's own trail (not cosigner-cli's to manage), so the audit can pass.
    const admin = await createSandboxPorts({ dir: join(work, 'sandbox'), region: REGION, env: {} });
    await admin.s3.createBucket({ Bucket: 'trail-logs', CreateBucketConfiguration: { LocationConstraint: REGION } });
    await admin.cloudtrail.createTrail({
      Name: 'account-trail',
      S3BucketName: 'trail-logs',
      IsMultiRegionTrail: true,
      EnableLogFileValidation: true,
    });
    await admin.cloudtrail.startLogging({ Name: 'account-trail' });
    admin.destroy();

    const init = await cli(['init', '--name', 'demo', '--region', REGION, '--network-mode', 'managed']);
    expect(init.code, init.stderr).toBe(0);
    expect(JSON.parse(await readFile(join(work, 'cosigner.json'), 'utf8'))).toMatchObject({
      name: 'demo',
      aws: { region: REGION },
      network: { mode: 'managed' },
    });

    const provision = await cli(['provision', '--yes']);
    expect(provision.code, provision.stderr).toBe(0);
    expect(provision.json?.result?.['mode']).toBe('applied');
    const receipt = JSON.parse(await readFile(join(work, 'cosigner.receipt.json'), 'utf8')) as {
      resources: { key: { arn: string }; bucket: { name: string } };
    };
    const keyArn = receipt.resources.key.arn;
    expect(keyArn).toMatch(/^arn:aws:kms:eu-west-1:\d{12}:key\//);

    // The Fireblocks package, its image signed by a certificate of our own.
    const signer = createEifSigner({ now: new Date(Date.now() - 86_400_000) });
    const pcr8 = computePCR8(signer.certificateDer);
    const filler = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
    const eif = buildEIF({
      kernel: filler(1024, 1),
      cmdline: 'console=ttyS0',
      ramdisks: [filler(512, 2), filler(4096, 3)],
      metadata: {
        ImageName: 'cosigner',
        ImageVersion: '1.0.0',
        BuildMetadata: {
          BuildTime: '2026-03-01T12:00:00Z',
          BuildTool: 'test',
          BuildToolVersion: '1',
          OperatingSystem: 'Linux',
          KernelVersion: '6.1',
        },
        DockerInfo: { Id: 'sha256:00' },
        CustomMetadata: null,
      },
      signer,
    });
    await writeFile(join(work, 'cosigner.eif'), eif);
    const pkg = fakePackage(eif);
    await writeFile(join(work, 'nitro-cosigner.tar.gz'), pkg.bytes);

    const attest = await cli(['attest', '--eif', 'cosigner.eif', '--fb-env', 'custom', '--pcr8', pcr8, '--yes']);
    expect(attest.code, attest.stderr).toBe(0);
    expect(attest.json?.result).toMatchObject({ written: true, verified: true, pcr8: [pcr8] });
    expect(JSON.parse(await readFile(join(work, 'cosigner.json'), 'utf8'))).toMatchObject({
      fireblocks: { pcr8 },
    });

    const token = fakeToken('LIFECYCLE-MARKER');
    const run = await cli(
      [
        'run',
        '--package',
        'nitro-cosigner.tar.gz',
        '--package-sha256',
        pkg.sha256,
        '--token-stdin',
        '--kms-key-id',
        keyArn,
        '--health-timeout',
        '10',
      ],
      `${token}\n`,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.json?.result).toMatchObject({ mode: 'start', kind: 'package' });
    const key = await dataKey(join(work, 'sandbox'));
    expect(key).toHaveLength(16);

    const verify = await cli(['verify', '--probe']);
    expect(verify.code, verify.stdout).toBe(0);
    expect(verify.json?.result?.['summary']).toMatchObject({ FAIL: 0, ERROR: 0 });

    const status = await cli(['status']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.json?.result).toMatchObject({ coSigners: [{ name: 'demo' }] });

    const destroy = await cli(['destroy', '--yes']);
    expect(destroy.code, destroy.stderr).toBe(0);
    const after = await cli(['status', '--all']);
    expect(after.code).toBe(0);
    expect(JSON.stringify(after.json?.result)).not.toContain('"instanceId":"i-');

    // No secret in any output, nor in any file under the temporary directory. The one exception is
    // the Fireblocks installer's own settings file on the (simulated) host, which holds the token
    // by Fireblocks' design (README, "Running on the host").
    const installerSettings = join(work, 'sandbox', 'host', 'root', 'opt', 'fireblocks', 'env.txt');
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const secrets = [token, payload, signature, 'LIFECYCLE-MARKER', key.toString('hex'), key.toString('base64')];
    for (const text of outputs) for (const secret of secrets) expect(text).not.toContain(secret);
    expect(header.length).toBeGreaterThan(0);
    const files = await filesUnder(tmp);
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const bytes = await readFile(file);
      if (file === installerSettings) {
        expect(bytes.toString('utf8')).toContain(token);
        continue;
      }
      for (const secret of secrets) expect(bytes.includes(secret), `${secret.slice(0, 8)}… in ${file}`).toBe(false);
      expect(bytes.includes(key), `the data key's bytes in ${file}`).toBe(false);
    }
  }, 120_000);
});

describe('demo --json through bin/cosigner-cli.js', () => {
  it('runs every step, proves what it says, and leaves nothing behind', async () => {
    const scratch = join(tmp, 'demo-tmp');
    await mkdir(scratch);
    const demoEnv = { ...env, TMPDIR: scratch };
    const ran = await new Promise<Ran>((done, reject) => {
      const child = spawn(process.execPath, [BIN, 'demo', '--json'], { cwd: tmp, env: demoEnv });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => out.push(c));
      child.stderr.on('data', (c: Buffer) => err.push(c));
      child.on('error', reject);
      child.on('close', (code) => {
        const stdout = Buffer.concat(out).toString('utf8');
        done({
          code,
          stdout,
          stderr: Buffer.concat(err).toString('utf8'),
          json: JSON.parse(stdout) as Ran['json'],
        });
      });
    });
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.json).toMatchObject({ ok: true, command: 'demo' });
    const result = ran.json?.result as {
      keptDir: string | null;
      steps: { id: string; ok: boolean; ms: number; commands: { command: string; errorCode?: string }[] }[];
      summary: { ok: boolean; totalMs: number; proved: string[] };
    };
    expect(result.steps.map((s) => s.id)).toEqual([
      'account',
      'init',
      'provision',
      'image',
      'attest',
      'run',
      'restart',
      'verify',
      'attack-foreign-image',
      'attack-debug-mode',
    ]);
    expect(result.steps.every((s) => s.ok && s.ms >= 0)).toBe(true);
    const refusals = result.steps.flatMap((s) => s.commands.map((c) => c.errorCode)).filter(Boolean);
    expect(refusals).toEqual(['PCR8_NOT_CONFIGURED', 'DEBUG_MODE_REFUSED', 'ENCLAVE_NOT_RUNNING']);
    const attack = result.steps.find((s) => s.id === 'attack-foreign-image') as unknown as {
      evidence: { kmsError: string };
    };
    expect(attack.evidence.kmsError).toMatch(/^AccessDeniedException: .*kms:Decrypt/);
    expect(result.summary).toMatchObject({ ok: true, proved: expect.any(Array) as unknown });
    expect(result.summary.proved).toHaveLength(6);
    expect(result.keptDir).toBeNull();
    expect(await readdir(scratch)).toEqual([]);
  }, 120_000);
});
