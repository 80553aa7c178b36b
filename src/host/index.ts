/**
 * Building the host ports: the real host (execa, node:fs at `/`, IMDSv2), or with a sandbox
 * directory the simulated host of the co-signer's instance in the sandbox account
 * (src/aws/sandbox/host/). `run` and `verify --host` get them here and nowhere else.
 */
import { createHostFs } from './host-fs.js';
import { createImds } from './imds.js';
import { createNitroCli, nitroCliEnv } from './nitro-cli.js';
import type { HostPorts } from './ports.js';
import { createProcessPort } from './processes.js';
import { createSystemd } from './systemd.js';

export interface CreateHostPortsOptions {
  env: NodeJS.ProcessEnv;
  /** The simulated host instead of this machine. */
  sandbox?: { dir: string; name: string; region: string; now?: () => Date };
}

export async function createHostPorts(options: CreateHostPortsOptions): Promise<HostPorts> {
  if (options.sandbox !== undefined) {
    const { createSandboxHost } = await import('../aws/sandbox/host/index.js');
    return createSandboxHost({
      sandboxDir: options.sandbox.dir,
      name: options.sandbox.name,
      region: options.sandbox.region,
      env: options.env,
      ...(options.sandbox.now === undefined ? {} : { now: options.sandbox.now }),
    });
  }
  const processes = createProcessPort();
  return {
    nitroCli: createNitroCli({ processes, env: nitroCliEnv(options.env) }),
    services: createSystemd(processes),
    fs: createHostFs('/'),
    imds: createImds(options.env),
    processes,
    uid: process.getuid?.() ?? -1,
    sandbox: false,
    programEnv: {},
  };
}
