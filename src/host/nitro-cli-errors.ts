/**
 * nitro-cli's error codes as coded errors that say the fix. On failure nitro-cli prints
 * `[ Exx ] <description>` on stderr, then a link to
 * https://docs.aws.amazon.com/enclaves/latest/user/cli-errors.html#Exx and usually the path of a
 * backtrace log, and exits non-zero (spec §5.1; aws-nitro-enclaves-cli src/common/document_errors.rs).
 */
import { CosignerError, type CosignerErrorCode } from '../errors.js';
import { escapeControl } from '../io/safe-text.js';

interface Mapping {
  code: CosignerErrorCode;
  /** What went wrong, in words (nitro-cli's own description follows in the message). */
  what: string;
  hint: string;
}

const ARGUMENT: Mapping = {
  code: 'NITRO_CLI_ARGUMENT',
  what: 'nitro-cli rejected the arguments cosigner-cli built',
  hint: 'this is a bug in cosigner-cli or an unsupported nitro-cli version: report it with `nitro-cli --version`',
};
const PERMISSION: Mapping = {
  code: 'NITRO_CLI_PERMISSION',
  what: 'nitro-cli may not use the Nitro Enclaves device, its sockets or its log file',
  hint: 'run as root or as a member of the ne group (usermod -aG ne <user>, then log in again), and check that /dev/nitro_enclaves exists (enclave option enabled on the instance)',
};
const DEVICE: Mapping = {
  code: 'NITRO_CLI_PERMISSION',
  what: 'the Nitro Enclaves driver refused the request',
  hint: 'check that the instance was launched with the enclave option and that nitro-enclaves-allocator.service is active (systemctl status nitro-enclaves-allocator)',
};
const CPU: Mapping = {
  code: 'NITRO_CLI_CPU_POOL',
  what: 'the enclave CPU pool does not hold the requested vCPUs',
  hint: 'reserve the vCPUs in /etc/nitro_enclaves/allocator.yaml (cpu_count) and restart nitro-enclaves-allocator.service; `cosigner-cli run` writes it for you',
};
const NO_PROCESS: Mapping = {
  code: 'NITRO_CLI_NO_ENCLAVE_PROCESS',
  what: 'no enclave process answered',
  hint: 'list the enclaves with `cosigner-cli run status`; an enclave whose signing certificate expired fails this way too (check the image with `cosigner-cli attest describe-eif`)',
};
const BUILD: Mapping = {
  code: 'NITRO_CLI_BUILD_FAILED',
  what: 'nitro-cli could not build the image',
  hint: 'check that Docker runs and holds the image (docker images), that you are in the docker group, and that the signing certificate and private key paths are readable',
};

/** nitro-cli error code → our code and fix; codes not listed are NITRO_CLI_FAILED. */
const MAPPINGS: Readonly<Record<string, Mapping>> = {
  E01: ARGUMENT,
  E02: ARGUMENT,
  E03: ARGUMENT,
  E14: ARGUMENT,
  E07: PERMISSION,
  E18: PERMISSION,
  E19: {
    code: 'NITRO_CLI_FILE_ERROR',
    what: 'nitro-cli could not open, read or write a file',
    hint: 'check that the image file exists and is readable by the user running nitro-cli, and that /var/log/nitro_enclaves is writable',
  },
  E20: CPU,
  E21: CPU,
  E22: CPU,
  E23: CPU,
  E24: CPU,
  E26: {
    code: 'NITRO_CLI_MEMORY_TOO_SMALL',
    what: 'the memory asked for is smaller than the image needs',
    hint: 'raise --enclave-memory-mib (enclave.memoryMiB) above the image size, and the allocator reservation with it',
  },
  E27: {
    code: 'NITRO_CLI_POOL_MEMORY',
    what: 'the allocator reserved less memory than the enclave asks for',
    hint: 'raise memory_mib in /etc/nitro_enclaves/allocator.yaml and restart nitro-enclaves-allocator.service (`cosigner-cli run` does both and checks the hugepages were reserved)',
  },
  E28: DEVICE,
  E29: DEVICE,
  E30: DEVICE,
  E31: DEVICE,
  E32: DEVICE,
  E33: DEVICE,
  E34: {
    code: 'NITRO_CLI_EIF_INVALID',
    what: 'the image does not fit the memory it was given',
    hint: 'check the image with `cosigner-cli attest describe-eif <file>` and raise --enclave-memory-mib',
  },
  E35: {
    code: 'NITRO_CLI_EIF_INVALID',
    what: 'nitro-cli could not parse the image',
    hint: 'the file is damaged or not an enclave image: copy it again and check it with `cosigner-cli attest describe-eif <file>`',
  },
  E36: {
    code: 'NITRO_CLI_BOOT_FAILED',
    what: 'the enclave did not boot',
    hint: 'an expired or not-yet-valid signing certificate fails this way (check NotAfter with `cosigner-cli attest describe-eif`); otherwise raise the memory or rebuild the image',
  },
  E08: NO_PROCESS,
  E11: NO_PROCESS,
  E39: NO_PROCESS,
  E40: NO_PROCESS,
  E48: BUILD,
  E49: BUILD,
  E50: {
    ...BUILD,
    hint: 'the Docker image could not be pulled: check its name and tag, `docker login` to its registry, or build it locally first',
  },
  E51: { ...BUILD, hint: 'install aws-nitro-enclaves-cli-devel (it provides the build blobs) and log in again' },
  E52: { ...BUILD, hint: 'install aws-nitro-enclaves-cli-devel (it provides the build blobs) and log in again' },
  E58: {
    code: 'NITRO_CLI_ENCLAVE_NAME',
    what: 'no enclave has that name, or another enclave already has it',
    hint: 'list the enclaves with `cosigner-cli run status`; stop the old one with `cosigner-cli run stop` or pick another --enclave-name',
  },
  E59: {
    code: 'NITRO_CLI_SIGNATURE',
    what: "the image's signature or signing certificate failed nitro-cli's check",
    hint: 'the signing certificate expired, is not yet valid, or the image was altered after signing: get a fresh image from its publisher',
  },
  E60: {
    ...BUILD,
    hint: 'check the signing certificate and private key paths (or the KMS key ARN and its credentials)',
  },
};

/** The `Exx` code in nitro-cli's stderr, if any. */
function nitroCliErrorCode(stderr: string): string | undefined {
  return /\[\s*(E\d{2})\s*\]/.exec(stderr)?.[1];
}

/** nitro-cli's own one-line description after `[ Exx ]`, escaped, without the docs link. */
function description(stderr: string): string | undefined {
  const line = /\[\s*E\d{2}\s*\]\s*([^\n]*)/.exec(stderr)?.[1]?.trim();
  return line === undefined || line === '' ? undefined : escapeControl(line).slice(0, 300);
}

/**
 * The coded error for a failed nitro-cli call. `subcommand` names the call (`run-enclave`); the
 * context carries nitro-cli's code and exit status, never argv (paths are fine, but nothing else
 * from the call is needed to act on it).
 */
export function nitroCliError(subcommand: string, exitCode: number, stderr: string): CosignerError {
  const nitroCode = nitroCliErrorCode(stderr);
  const mapping = nitroCode === undefined ? undefined : MAPPINGS[nitroCode];
  const said = description(stderr);
  const context = { subcommand, exitCode, ...(nitroCode === undefined ? {} : { nitroCode }) };
  if (mapping === undefined) {
    return new CosignerError(
      'NITRO_CLI_FAILED',
      `nitro-cli ${subcommand} failed${nitroCode ? ` with ${nitroCode}` : ` (exit ${exitCode})`}${said ? `: ${said}` : ''}`,
      {
        hint: nitroCode
          ? `see https://docs.aws.amazon.com/enclaves/latest/user/cli-errors.html#${nitroCode} or run \`nitro-cli explain --error-code ${nitroCode}\``
          : 'run the same nitro-cli command by hand to see its output',
        context,
      },
    );
  }
  return new CosignerError(
    mapping.code,
    `nitro-cli ${subcommand} failed with ${nitroCode}: ${mapping.what}${said ? ` (${said})` : ''}`,
    { hint: mapping.hint, context },
  );
}

/** The nitro-cli codes with a specific mapping (for tests and docs). */
export const MAPPED_NITRO_CLI_CODES: readonly string[] = Object.keys(MAPPINGS);
