/**
 * `run` benchmark: from `run --eif` to the enclave RUNNING on the simulated host of a provisioned
 * sandbox, with a signed image of `sizeMiB` (default 1 GiB, laid out as nitro-cli writes it). The
 * time is split as the command reports it: copying the image into its root-owned place, measuring
 * it in-process, the checks (preflight, the live key policy, the host configuration) and the launch
 * (unit, nitro-cli, the enclave's attested KMS and S3 calls, the health gate). The measuring is
 * compared with `openssl dgst -sha384` over the same file, the bound of scripts/bench-pcr.ts:
 * ratio ≤ 1.5, as medians of `rounds` interleaved pairs (the run's own measurement among ours).
 * The image gate hashes each register in a worker thread: the figure depends on free cores, so
 * the 1-minute load average is printed beside it. Prints one JSON line (measureMs, opensslMs, ratio).
 *   node --import tsx scripts/bench-run.ts [sizeMiB=1024] [rounds=3]
 */
import { writeStreamedEif, type StreamedSection } from './bench-eif.js';
import { benchIo } from './bench-io.js';
import { spawnSync } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSandboxPorts } from '../src/aws/sandbox/index.js';
import { createSandboxHost } from '../src/aws/sandbox/host/index.js';
import { validateConfig } from '../src/config/load.js';
import { fromHex } from '../src/enclave/bytes.js';
import { signCoseSign1 } from '../src/aws/sandbox/nitro/cose-sign.js';
import { createEifSigner } from '../src/aws/sandbox/nitro/eif-build.js';
import { encodeEifSignatureSection } from '../src/aws/sandbox/nitro/eif-encode.js';
import { EIF_HEADER_SIZE, EIF_SECTION_HEADER_SIZE } from '../src/enclave/eif-format.js';
import { encodePcrInfo } from '../src/enclave/eif-signature.js';
import { computePCR8, extendPCR } from '../src/enclave/pcr.js';
import { measureImage } from '../src/host/image-gate.js';
import { launchImage } from '../src/host/launch.js';
import { runProvisionFlow } from '../src/provision/provision.js';

const MiB = 1024 * 1024;
const REGION = 'eu-west-1';
const sizeMiB = Number(process.argv[2] ?? 1024);
const rounds = Number(process.argv[3] ?? 3);
const KNOBS = { latencyMs: 0, iamPropagationDelayMs: 50, retryBaseMs: 0, instanceTransitionMs: 0 };

const silentIo = benchIo;

/** Write a signed image of exactly `total` bytes, streamed (never whole in memory). */
function writeImage(file: string, total: number, signer: ReturnType<typeof createEifSigner>): void {
  const block = new Uint8Array(4 * MiB);
  randomFillSync(block);
  const filler = function* (seed: number, length: number): Generator<Uint8Array> {
    for (let at = 0, n = 0; at < length; at += block.length, n++) {
      new DataView(block.buffer).setUint32(0, seed);
      new DataView(block.buffer).setUint32(4, n);
      yield block.subarray(0, Math.min(block.length, length - at));
    }
  };
  const cmdline = new TextEncoder().encode('reboot=k panic=30 pci=off nomodules console=ttyS0');
  const kernel = 8 * MiB;
  const boot = 32 * MiB;
  const room = 8192;
  const app = total - (EIF_HEADER_SIZE + 6 * EIF_SECTION_HEADER_SIZE + kernel + cmdline.length + boot + room);
  if (app <= 0) throw new Error('size too small');
  const image = createHash('sha384');
  for (const part of [filler(1, kernel), [cmdline], filler(2, boot), filler(3, app)])
    for (const c of part) image.update(c);
  const pcr0 = fromHex(extendPCR(new Uint8Array(image.digest()))) as Uint8Array;
  const signature = encodeEifSignatureSection(
    signer.certificatePem,
    signCoseSign1(encodePcrInfo(0, pcr0), signer.privateKey),
  );
  const meta = (padding: string) =>
    JSON.stringify({
      ImageName: 'bench-run',
      ImageVersion: '1',
      BuildMetadata: {
        BuildTime: new Date().toISOString(),
        BuildTool: 'bench-run',
        BuildToolVersion: '1',
        OperatingSystem: 'Linux',
        KernelVersion: '6.1',
      },
      DockerInfo: {},
      CustomMetadata: { padding },
    });
  const metadata = new TextEncoder().encode(meta('.'.repeat(room - signature.length - meta('').length)));
  const sections: StreamedSection[] = [
    ['kernel', () => filler(1, kernel), kernel],
    ['cmdline', () => [cmdline], cmdline.length],
    ['metadata', () => [metadata], metadata.length],
    ['ramdisk', () => filler(2, boot), boot],
    ['ramdisk', () => filler(3, app), app],
    ['signature', () => [signature], signature.length],
  ];
  writeStreamedEif(file, sections);
  if (statSync(file).size !== total) throw new Error('image size mismatch');
}

const dir = await mkdtemp(join(tmpdir(), 'bench-run-'));
try {
  const sandboxDir = join(dir, 'sandbox');
  const signer = createEifSigner({ now: new Date(Date.now() - 86_400_000) });
  const pcr8 = computePCR8(signer.certificateDer);
  const config = validateConfig(
    {
      schemaVersion: 1,
      name: 'bench',
      aws: { region: REGION },
      network: { mode: 'public-ip' },
      fireblocks: { env: 'custom', pcr8 },
    },
    'bench config',
  );
  const admin = await createSandboxPorts({ dir: sandboxDir, region: REGION, env: {}, knobs: KNOBS });
  await runProvisionFlow(
    { dryRun: false, resume: false },
    { ports: admin, io: silentIo, config, configPath: join(dir, 'cosigner.json'), now: () => new Date() },
  );
  const state = await admin.readState();
  const kms = state.regions[REGION]!.kms;
  const keyArn = kms.keys[kms.aliases['alias/bench-cosigner']!.keyId]!.arn;

  const file = join(dir, 'bench.eif');
  writeImage(file, sizeMiB * MiB, signer);
  // openssl over the file `run` measured (its installed copy).
  const openssl = (path: string): number => {
    const start = performance.now();
    const run = spawnSync('openssl', ['dgst', '-sha384', path], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`openssl failed: ${run.stderr}`);
    return performance.now() - start;
  };

  const host = await createSandboxHost({ sandboxDir, name: 'bench', region: REGION, env: {}, knobs: KNOBS });
  const identity = await host.imds.identity();
  const role = await createSandboxPorts({
    dir: sandboxDir,
    region: REGION,
    env: {},
    knobs: KNOBS,
    principal: { kind: 'role', roleName: (await host.imds.roleName())!, sessionName: identity.instanceId },
  });
  const started = performance.now();
  const result = await launchImage(
    {
      source: file,
      sourceSize: sizeMiB * MiB,
      enclaveName: 'bench',
      memoryMiB: 4096,
      cpuCount: 2,
      debugMode: false,
      insecureDebug: false,
      keyArn,
      configured: { values: [pcr8], label: 'fireblocks.pcr8 in the config' },
      healthTimeoutMs: 60_000,
      settleMs: 0,
      pollMs: 20,
      cosignerCli: ['/usr/bin/node', '/opt/cosigner-cli/bin/cosigner-cli.js'],
    },
    {
      host,
      kms: role.kms,
      io: silentIo,
      now: () => new Date(),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      region: REGION,
    },
  );
  const totalMs = performance.now() - started;
  // The measuring against openssl over the installed copy (page cache warm), interleaved so that
  // both see the same load: `rounds` pairs, medians compared. The run's own measurement counts
  // as one of ours.
  const installed = host.fs.resolve(result.eifPath);
  const ours = [result.timings.measureMs];
  const theirs: number[] = [];
  for (let round = 0; round < rounds; round++) {
    theirs.push(openssl(installed));
    const start = performance.now();
    await measureImage(installed);
    ours.push(performance.now() - start);
  }
  const median = (values: number[]): number => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  };
  const measureMs = median(ours);
  const opensslMs = median(theirs);
  const ratio = measureMs / opensslMs;
  process.stdout.write(
    `${JSON.stringify({
      bench: 'run',
      imageMiB: sizeMiB,
      totalMs: Math.round(totalMs),
      copyMs: Math.round(result.timings.copyMs),
      runMeasureMs: Math.round(result.timings.measureMs),
      checksMs: Math.round(result.timings.checksMs),
      launchMs: Math.round(result.timings.launchMs),
      rounds,
      measureMs: Math.round(measureMs),
      opensslMs: Math.round(opensslMs),
      ratio: Number(ratio.toFixed(3)),
      measureRunsMs: ours.map(Math.round),
      opensslRunsMs: theirs.map(Math.round),
      targetRatio: 1.5,
      ok: ratio <= 1.5 && !result.alreadyRunning,
      enclaveId: result.enclaveId,
      loadAverage1m: loadavg()[0],
    })}\n`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
