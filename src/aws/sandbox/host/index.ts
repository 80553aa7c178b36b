/**
 * The simulated co-signer host: the host ports (src/host/ports.ts) over `<sandbox>/host`. Behaviour
 * spec: ../README.md, "The simulated host". The host is the co-signer's instance in the sandbox
 * account; on first use its file system is laid out as its user data leaves it (every file the user
 * data writes, the allocator enabled and started) plus what the nitro-cli package ships (the device,
 * the vsock-proxy allowlist).
 */
import { mkdir, stat, writeFile, chmod, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { computePCR3, computePCR4 } from '../../../enclave/pcr.js';
import { CosignerError } from '../../../errors.js';
import { createHostFs } from '../../../host/host-fs.js';
import { createProcessPort } from '../../../host/processes.js';
import { ALLOCATOR_UNIT, HOST_PATHS, type HostPorts, type ProcessPort } from '../../../host/ports.js';
import { createSandboxEnclaveSession } from '../enclave-session.js';
import { createSandboxPorts, type SandboxPortsOptions } from '../index.js';
import { REGIONS } from '../catalogue.js';
import { startEnclaveApp, type EnclaveAppConfig } from './enclave-app.js';
import { HostStateStore, type SimEnclave } from './host-state.js';
import { createSimulatedImds, findHostInstance, type SimInstance } from './imds.js';
import { createSimulatedNitroCli } from './nitro-cli.js';
import { createSimulatedSystemd } from './systemd.js';

export { DATABASE_OBJECT, WRAPPED_KEY_OBJECT } from './enclave-app.js';

export interface SandboxHostOptions {
  sandboxDir: string;
  /** The co-signer whose host instance this is. */
  name: string;
  region: string;
  env?: NodeJS.ProcessEnv;
  knobs?: SandboxPortsOptions['knobs'];
  now?: () => Date;
}

export interface SandboxHost extends HostPorts {
  /** The directory standing for `/`. */
  root: string;
  /** The simulated host's state (units, journal, enclaves). */
  store: HostStateStore;
}

/** Environment variable that tells programs run on the simulated host where its `/` is. */
const SANDBOX_HOST_ROOT_VARIABLE = 'COSIGNER_SANDBOX_HOST_ROOT';

const ZERO = '0'.repeat(96);

/** The files a user data script writes with `cat > PATH <<'TAG'` … `TAG`. */
function userDataFiles(script: string): { path: string; body: string }[] {
  const files: { path: string; body: string }[] = [];
  for (const match of script.matchAll(/^cat > (\/[^\s]+) <<'(\w+)'\n([\s\S]*?)\n\2$/gm))
    files.push({ path: match[1] ?? '', body: `${match[3] ?? ''}\n` });
  return files;
}

/** The allowlist as the nitro-cli package ships it, for the regions the sandbox simulates. */
function shippedAllowlist(): string {
  const lines = ['# vsock-proxy allowlist as shipped with aws-nitro-enclaves-cli', 'allowlist:'];
  for (const region of [...REGIONS.keys()].sort()) lines.push(`- {address: kms.${region}.amazonaws.com, port: 443}`);
  return `${lines.join('\n')}\n`;
}

/** `systemctl` for programs run on the simulated host: queues its arguments for the simulated systemd. */
const SYSTEMCTL_SHIM = `#!/bin/sh
printf '%s\\n' "$*" >> "$${SANDBOX_HOST_ROOT_VARIABLE}/run/cosigner-sandbox/systemctl.requests"
`;

export async function createSandboxHost(options: SandboxHostOptions): Promise<SandboxHost> {
  const env = options.env ?? process.env;
  const now = options.now ?? (() => new Date());
  const hostDir = join(options.sandboxDir, 'host');
  const root = join(hostDir, 'root');
  await mkdir(root, { recursive: true, mode: 0o700 });
  const store = new HostStateStore(hostDir);
  const fs = createHostFs(root);
  const admin = await createSandboxPorts({
    dir: options.sandboxDir,
    region: options.region,
    env,
    ...(options.knobs === undefined ? {} : { knobs: options.knobs }),
  });
  const find = async (): Promise<SimInstance | undefined> =>
    findHostInstance(await admin.readState(), options.region, options.name);
  const instance = async (): Promise<SimInstance> => {
    const found = await find();
    if (found === undefined)
      throw new CosignerError('HOST_IMDS_UNREACHABLE', 'the simulated host has no co-signer instance', {
        hint: 'run `cosigner-cli --sandbox provision` first',
      });
    return found;
  };
  const imds = createSimulatedImds(find);

  const appConfig = async (): Promise<EnclaveAppConfig | string> => {
    // The co-signer reads the installer's settings; a generic image the host facts of provision.
    const fb = await fs.readText(HOST_PATHS.fireblocksEnvFile, 64 * 1024);
    if (fb !== undefined) {
      const get = (key: string) =>
        new RegExp(`^${key}=(.*)$`, 'm')
          .exec(fb)?.[1]
          ?.trim()
          .replace(/^"(.*)"$/, '$1');
      const bucketName = get('BUCKET_NAME');
      const keyArn = get('KEY_ARN');
      if (bucketName && keyArn) return { bucketName, keyArn };
    }
    const facts = await fs.readText(HOST_PATHS.hostFacts, 64 * 1024);
    if (facts === undefined) return `${HOST_PATHS.hostFacts} is missing`;
    const { bucketName, keyAlias } = JSON.parse(facts) as { bucketName?: string; keyAlias?: string };
    const state = await admin.readState();
    const keyId = keyAlias === undefined ? undefined : state.regions[options.region]?.kms.aliases[keyAlias]?.keyId;
    const keyArn = keyId === undefined ? undefined : state.regions[options.region]?.kms.keys[keyId]?.arn;
    if (bucketName === undefined || keyArn === undefined) return `the key ${keyAlias ?? '(none)'} does not exist`;
    return { bucketName, keyArn };
  };

  const startApp = async (enclave: SimEnclave) => {
    const host = await instance();
    const config = await appConfig();
    if (typeof config === 'string') return { status: 'failed' as const, detail: `no database settings: ${config}` };
    if (host.roleArn === undefined) return { status: 'failed' as const, detail: 'the instance has no role' };
    const m = enclave.measurements;
    // Debug mode: PCR0–2 read as zeros in the attestation document (NE-UG); PCR3, 4 and 8 are kept
    // (fireblocks-aws.md §3.7: whether PCR8 survives is unconfirmed; the pessimistic reading).
    const pcrs: Record<number, string> = {
      0: enclave.debugMode ? ZERO : m.PCR0,
      1: enclave.debugMode ? ZERO : m.PCR1,
      2: enclave.debugMode ? ZERO : m.PCR2,
      3: computePCR3(host.roleArn),
      4: computePCR4(host.identity.instanceId),
    };
    if (m.PCR8 !== undefined) pcrs[8] = m.PCR8;
    const session = await createSandboxEnclaveSession({
      sandboxDir: options.sandboxDir,
      roleArn: host.roleArn,
      pcrs,
      region: options.region,
      env,
      now,
      moduleId: enclave.id,
      ...(options.knobs === undefined ? {} : { knobs: options.knobs }),
    });
    return startEnclaveApp(session, config, now());
  };

  const nitroCli = createSimulatedNitroCli({
    store,
    fs,
    now,
    instanceId: async () => (await instance()).identity.instanceId,
    startApp,
  });
  const services = createSimulatedSystemd({
    store,
    fs,
    nitroCli,
    now,
    region: options.region,
    instance: async () => {
      const found = await instance();
      return { memoryMiB: found.memoryMiB, vcpus: found.vcpus };
    },
  });

  // First use: lay the host out as its user data and the nitro-cli package leave it.
  const booted = join(hostDir, 'booted');
  const host = await find();
  if (host !== undefined && (await stat(booted).catch(() => undefined)) === undefined) {
    for (const file of userDataFiles(host.userData ?? '')) {
      await fs.mkdir(file.path.slice(0, file.path.lastIndexOf('/')), 0o755);
      await fs.writeAtomic(file.path, file.body, 0o644);
    }
    if (host.enclave) await fs.writeAtomic(HOST_PATHS.nitroDevice, '', 0o660);
    if ((await fs.stat(HOST_PATHS.vsockProxyConfig)) === undefined)
      await fs.writeAtomic(HOST_PATHS.vsockProxyConfig, shippedAllowlist(), 0o644);
    await fs.mkdir('/usr/local/sbin', 0o755);
    await fs.mkdir('/run/cosigner-sandbox', 0o755);
    await writeFile(fs.resolve('/usr/local/sbin/systemctl'), SYSTEMCTL_SHIM);
    await chmod(fs.resolve('/usr/local/sbin/systemctl'), 0o755);
    if ((await fs.stat(HOST_PATHS.allocatorConfig)) !== undefined) {
      await services.enable(ALLOCATOR_UNIT);
      await services.start(ALLOCATOR_UNIT).catch(() => undefined);
    }
    await writeFile(booted, `${now().toISOString()}\n`);
  }

  const real = createProcessPort();
  const requests = fs.resolve('/run/cosigner-sandbox/systemctl.requests');
  const drain = async () => {
    const text = await readFile(requests, 'utf8').catch(() => '');
    await writeFile(requests, '').catch(() => undefined);
    await services.drain(
      text
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => l.trim().split(/\s+/)),
    );
  };
  const programEnv = { [SANDBOX_HOST_ROOT_VARIABLE]: root };
  const withShims = (vars: Record<string, string>) => ({
    ...vars,
    ...programEnv,
    PATH: `${fs.resolve('/usr/local/sbin')}:${vars.PATH ?? '/usr/bin:/bin'}`,
  });
  const processes: ProcessPort = {
    async run(file, args, runOptions) {
      const result = await real.run(file, args, { ...runOptions, env: withShims(runOptions.env) });
      await drain();
      return result;
    },
    async interact(file, args, runOptions) {
      const result = await real.interact(file, args, { ...runOptions, env: withShims(runOptions.env) });
      await drain();
      return result;
    },
  };

  return { nitroCli, services, fs, imds, processes, uid: 0, sandbox: true, programEnv, root, store };
}
