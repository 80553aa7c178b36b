/**
 * A provisioned sandbox whose key policy admits images signed by `signer` (a throwaway P-384
 * certificate, as the AWS guide's openssl steps make), and the simulated host of its instance.
 * `otherSigner` signs images the key policy does not admit.
 */
import { computePCR8 } from '../../src/enclave/pcr.js';
import { buildEIF, createEifSigner, type EifSigner } from '../../src/aws/sandbox/nitro/eif-build.js';
import { createSandboxHost, type SandboxHost } from '../../src/aws/sandbox/host/index.js';
import { FAST_KNOBS, makeWorld, REGION, type World } from '../e2e/world.js';

export interface HostWorld {
  world: World;
  signer: EifSigner;
  otherSigner: EifSigner;
  pcr8: string;
  otherPcr8: string;
  host(): Promise<SandboxHost>;
  /** A signed image (deterministic content per seed). */
  image(seed: string, signer?: EifSigner | null, sizeBytes?: number): Uint8Array;
  cleanup(): Promise<void>;
}

function filler(seed: string, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 131 + seed.charCodeAt(i % seed.length)) & 0xff;
  return out;
}

const IMAGE_METADATA = {
  ImageName: 'cosigner-test',
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
};

export async function makeHostWorld(config: Record<string, unknown> = {}): Promise<HostWorld> {
  const signer = createEifSigner({ now: new Date(Date.now() - 86_400_000) });
  const otherSigner = createEifSigner({ now: new Date(Date.now() - 86_400_000) });
  const pcr8 = computePCR8(signer.certificateDer);
  const world = await makeWorld({ fireblocks: { env: 'custom', pcr8 }, ...config });
  await world.provision();
  return {
    world,
    signer,
    otherSigner,
    pcr8,
    otherPcr8: computePCR8(otherSigner.certificateDer),
    host: () =>
      createSandboxHost({ sandboxDir: world.sandboxDir, name: 'demo', region: REGION, env: {}, knobs: FAST_KNOBS }),
    image(seed, chosen = signer, sizeBytes = 4096) {
      return buildEIF({
        kernel: filler(`${seed}k`, 1024),
        cmdline: 'console=ttyS0',
        ramdisks: [filler(`${seed}b`, 512), filler(`${seed}a`, sizeBytes)],
        metadata: IMAGE_METADATA,
        ...(chosen === null ? {} : { signer: chosen }),
      });
    },
    cleanup: () => world.cleanup(),
  };
}
