/**
 * A simulated nitro-cli over the simulated host: the same NitroCliPort, the same outputs (built by
 * the enclave core's describe view), and the same `[ Exx ]` failures, mapped by the same code
 * (src/host/nitro-cli-errors.ts). `run-enclave` reads the image from the host's files (structure,
 * CRC and signature checked in-process, the signing certificate's validity at the host's clock),
 * enforces the allocator's reservation (E26, E27, E22) and unique names (E58), then boots the
 * simulated co-signer application (./enclave-app.ts), whose KMS calls carry an attestation document
 * with the image's PCRs. An application that fails (KMS denied it) exits, and its enclave with it.
 */
import { createPrivateKey, randomBytes, createHash } from 'node:crypto';
import { buildEIF } from '../nitro/eif-build.js';
import { describeEIF } from '../../../enclave/eif-describe.js';
import type { EifImage } from '../../../enclave/eif.js';
import { NITRO_HASH_ALGORITHM } from '../../../enclave/eif-describe.js';
import { parseDescribeEifOutput } from '../../../enclave/nitro-cli-output.js';
import { isCosignerError } from '../../../errors.js';
import { readEifFile } from '../../../files/eif-file.js';
import { readReservation } from '../../../host/allocator.js';
import { nitroCliError } from '../../../host/nitro-cli-errors.js';
import type { HostFsPort, NitroCliPort, RunEnclaveInput } from '../../../host/ports.js';
import type { EnclaveAppOutcome } from './enclave-app.js';
import { journalAppend, type HostStateStore, type SimEnclave } from './host-state.js';

export interface SimNitroCliDeps {
  store: HostStateStore;
  fs: HostFsPort;
  now: () => Date;
  /** The instance id the enclave ids are derived from. */
  instanceId: () => Promise<string>;
  /** Boot the co-signer application of a just-started enclave. */
  startApp: (enclave: SimEnclave) => Promise<EnclaveAppOutcome>;
}

const SIMULATED_NITRO_CLI_VERSION = '1.4.2';

function failure(subcommand: string, code: string, text: string): never {
  throw nitroCliError(
    subcommand,
    1,
    `[ ${code} ] ${text}\n\nFor more details, please visit https://docs.aws.amazon.com/enclaves/latest/user/cli-errors.html#${code}\n`,
  );
}

/** Deterministic bytes standing in for what a Docker image would put into an EIF. */
function filler(seed: string, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let at = 0, n = 0; at < length; at += 48, n++) {
    out.set(
      createHash('sha384')
        .update(`${seed}:${n}`)
        .digest()
        .subarray(0, Math.min(48, length - at)),
      at,
    );
  }
  return out;
}

/** A Docker reference: [registry/]name[:tag][@digest]. */
const DOCKER_URI = /^[a-z0-9]+(?:[._/-][a-z0-9]+)*(?::[\w][\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$/;

async function readImage(fs: HostFsPort, subcommand: string, eifPath: string): Promise<EifImage> {
  const stat = await fs.stat(eifPath);
  if (stat === undefined || stat.kind !== 'file')
    failure(
      subcommand,
      'E19',
      `File operation failure. Such error appears when the system fails to perform the requested file operations, such as opening the EIF file when launching an enclave.\nFile: '${eifPath}', failing operation: 'Open'.`,
    );
  try {
    return await readEifFile(fs.resolve(eifPath));
  } catch (error) {
    if (isCosignerError(error) && error.code.startsWith('EIF_SIGNATURE'))
      failure(subcommand, 'E59', `EIF signature checker error: ${error.message}`);
    failure(subcommand, 'E35', `EIF file parsing error: ${isCosignerError(error) ? error.message : String(error)}`);
  }
}

export function createSimulatedNitroCli(deps: SimNitroCliDeps): NitroCliPort {
  return {
    version: () => Promise.resolve(SIMULATED_NITRO_CLI_VERSION),

    async buildEnclave(input) {
      if (!DOCKER_URI.test(input.dockerUri))
        failure('build-enclave', 'E50', `Docker image pull error: ${input.dockerUri} is not an image reference`);
      const certificatePem = await deps.fs.readText(input.signingCertificate, 64 * 1024);
      const keyPem = await deps.fs.readText(input.privateKey, 64 * 1024);
      if (certificatePem === undefined || keyPem === undefined)
        failure('build-enclave', 'E60', 'EIF signing error: the signing certificate or private key cannot be read');
      let privateKey;
      try {
        privateKey = createPrivateKey(keyPem);
      } catch {
        failure('build-enclave', 'E60', 'EIF signing error: the private key is not a PEM EC private key');
      }
      const [name, tag = 'latest'] = input.dockerUri.split(':') as [string, string | undefined];
      const now = deps.now();
      const bytes = buildEIF({
        kernel: filler(`${input.dockerUri}:kernel`, 64 * 1024),
        cmdline: 'reboot=k panic=30 pci=off nomodules console=ttyS0 quiet',
        ramdisks: [filler(`${input.dockerUri}:init`, 32 * 1024), filler(`${input.dockerUri}:rootfs`, 256 * 1024)],
        metadata: {
          ImageName: input.name ?? name,
          ImageVersion: input.version ?? tag,
          BuildMetadata: {
            BuildTime: now.toISOString(),
            BuildTool: 'nitro-cli (simulated)',
            BuildToolVersion: SIMULATED_NITRO_CLI_VERSION,
            OperatingSystem: 'Linux',
            KernelVersion: '6.1.0-simulated',
          },
          DockerInfo: {
            Id: `sha256:${createHash('sha256').update(input.dockerUri).digest('hex')}`,
            RepoTags: [input.dockerUri],
          },
          CustomMetadata: null,
        },
        signer: { certificatePem, privateKey },
      });
      await deps.fs.writeAtomic(input.outputFile, bytes, 0o644);
      let image: EifImage;
      try {
        image = await readEifFile(deps.fs.resolve(input.outputFile));
      } catch (error) {
        failure(
          'build-enclave',
          'E48',
          `EIF building error: ${isCosignerError(error) ? error.message : String(error)}`,
        );
      }
      return { Measurements: { HashAlgorithm: NITRO_HASH_ALGORITHM, ...image.pcrs } };
    },

    async describeEif(eifPath) {
      return parseDescribeEifOutput(describeEIF(await readImage(deps.fs, 'describe-eif', eifPath)));
    },

    async runEnclave(input: RunEnclaveInput) {
      const image = await readImage(deps.fs, 'run-enclave', input.eifPath);
      const now = deps.now();
      const certificate = image.signature?.certificate;
      if (certificate !== undefined && (now < certificate.notBefore || now > certificate.notAfter))
        failure(
          'run-enclave',
          'E59',
          'EIF signature checker error: the signing certificate is expired or not yet valid',
        );
      const minimum = Math.ceil(image.size / (1024 * 1024));
      if (input.memoryMiB < minimum)
        failure(
          'run-enclave',
          'E26',
          `Insufficient memory requested. User provided \`memory\` is ${input.memoryMiB} MB, but based on the EIF file size, the minimum memory should be ${minimum} MB`,
        );
      const reservation = await readReservation(deps.fs);
      const instanceId = await deps.instanceId();
      const enclave = await deps.store.update((state) => {
        if (state.enclaves.some((e) => e.name === input.enclaveName))
          failure('run-enclave', 'E58', `Naming error: an enclave named ${input.enclaveName} already runs`);
        const used = state.enclaves.reduce((sum, e) => sum + e.memoryMiB, 0);
        if (input.memoryMiB > reservation.memoryMiB - used)
          failure(
            'run-enclave',
            'E27',
            `Insufficient memory available. User provided \`memory\` is ${input.memoryMiB} MB, which is more than the available hugepage memory.\nYou can increase the available memory by editing the \`memory_mib\` value from '/etc/nitro_enclaves/allocator.yaml' and then enable the nitro-enclaves-allocator.service.`,
          );
        const usedCpus = state.enclaves.reduce((sum, e) => sum + e.cpuIds.length, 0);
        if (input.cpuCount > reservation.cpus - usedCpus)
          failure(
            'run-enclave',
            'E22',
            `Insufficient CPUs available in the pool. User provided \`cpu-count\` is ${input.cpuCount}, which is more than the configured CPU pool size.`,
          );
        const created: SimEnclave = {
          name: input.enclaveName,
          id: `${instanceId}-enc${randomBytes(8).toString('hex')}`,
          cid: state.nextCid++,
          processId: 4000 + Math.floor(Math.random() * 60_000),
          cpuIds: Array.from({ length: input.cpuCount }, (_, i) => 1 + 2 * i),
          memoryMiB: input.memoryMiB,
          eifPath: input.eifPath,
          debugMode: input.debugMode,
          measurements: { ...image.pcrs },
          startedAt: now.toISOString(),
          application: { status: 'starting', detail: 'booting' },
        };
        state.enclaves.push(created);
        return created;
      });
      const outcome = await deps.startApp(enclave);
      await deps.store.update((state) => {
        const unit = `enclave ${enclave.name}`;
        journalAppend(state, unit, deps.now(), outcome.detail);
        const current = state.enclaves.find((e) => e.id === enclave.id);
        if (current === undefined) return;
        current.application = {
          status: outcome.status,
          detail: outcome.detail,
          ...(outcome.database === undefined ? {} : { database: outcome.database }),
        };
        // The application exited: the enclave shuts down with it.
        if (outcome.status === 'failed') state.enclaves = state.enclaves.filter((e) => e.id !== enclave.id);
      });
      return {
        EnclaveName: enclave.name,
        EnclaveID: enclave.id,
        ProcessID: enclave.processId,
        EnclaveCID: enclave.cid,
        NumberOfCPUs: enclave.cpuIds.length,
        CPUIDs: enclave.cpuIds,
        MemoryMiB: enclave.memoryMiB,
      };
    },

    async describeEnclaves() {
      const state = await deps.store.read();
      return state.enclaves.map((e) => ({
        EnclaveName: e.name,
        EnclaveID: e.id,
        ProcessID: e.processId,
        EnclaveCID: e.cid,
        NumberOfCPUs: e.cpuIds.length,
        CPUIDs: e.cpuIds,
        MemoryMiB: e.memoryMiB,
        State: 'RUNNING' as const,
        Flags: e.debugMode ? ('DEBUG_MODE' as const) : ('NONE' as const),
        Measurements: { HashAlgorithm: NITRO_HASH_ALGORITHM, ...e.measurements },
      }));
    },

    async terminateEnclave(selector) {
      return deps.store.update((state) => {
        const found = state.enclaves.find((e) =>
          'enclaveId' in selector ? e.id === selector.enclaveId : e.name === selector.enclaveName,
        );
        if (found === undefined)
          failure(
            'terminate-enclave',
            'enclaveId' in selector ? 'E40' : 'E58',
            'enclaveId' in selector
              ? 'Socket path not found: no enclave has this id'
              : 'Naming error: no enclave has this name',
          );
        state.enclaves = state.enclaves.filter((e) => e.id !== found.id);
        journalAppend(state, `enclave ${found.name}`, deps.now(), 'terminated');
        return { EnclaveName: found.name, EnclaveID: found.id, Terminated: true };
      });
    },

    async console(selector) {
      const state = await deps.store.read();
      const found = state.enclaves.find((e) =>
        'enclaveId' in selector ? e.id === selector.enclaveId : e.name === selector.enclaveName,
      );
      if (found === undefined) failure('console', 'E58', 'Naming error: no enclave has this name');
      // The console exists only for debug-mode enclaves.
      if (!found.debugMode)
        failure('console', 'E44', 'Enclave console connection failure: the enclave does not run in debug mode');
      return `${(state.journal[`enclave ${found.name}`] ?? []).join('\n')}\n`;
    },
  };
}
