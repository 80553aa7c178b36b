/**
 * Coded errors. Every failure the CLI reports is a CosignerError with a stable `code`, a lowercase
 * `message`, a `hint` that says how to fix it, and the exit code of design.md's table. Only
 * src/main.ts turns an error into a process exit code.
 */

/** The exit codes every command keeps (design.md, "Contracts every command keeps"). */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  verification: 3,
  aws: 4,
  refused: 5,
  aborted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

const U = ExitCode.usage;
const V = ExitCode.verification;
const A = ExitCode.aws;
const R = ExitCode.refused;

/**
 * The registry of stable error codes and their exit codes, grouped by area. Codes are API: once
 * published they are never renamed, only added.
 */
export const ERROR_CODES = {
  // general
  INTERNAL: ExitCode.internal,
  ABORTED: ExitCode.aborted,
  USAGE: U,
  UNKNOWN_COMMAND: U,
  UNKNOWN_OPTION: U,
  INVALID_OPTION: U,
  INPUT_REQUIRED: U,
  NOT_AVAILABLE: U,
  CONFIRMATION_REQUIRED: R,
  FILE_NOT_FOUND: U,
  FILE_UNREADABLE: U,
  FILE_NOT_REGULAR: U,
  FILE_UNWRITABLE: U,
  FILE_TOO_LARGE: U,
  SECRET_INSECURE_SOURCE: R,
  NODE_UNSUPPORTED: U,
  // config
  CONFIG_NOT_FOUND: U,
  CONFIG_INVALID: U,
  CONFIG_INVALID_JSON: U,
  CONFIG_UNKNOWN_KEYS: U,
  CONFIG_NEWER_VERSION: U,
  // enclave image (EIF)
  EIF_BAD_MAGIC: V,
  EIF_UNSUPPORTED_VERSION: V,
  EIF_TRUNCATED: V,
  EIF_TRAILING_BYTES: V,
  EIF_SECTION_OUT_OF_BOUNDS: V,
  EIF_SECTION_COUNT: V,
  EIF_SECTION_TYPE: V,
  EIF_SECTION_DUPLICATE: V,
  EIF_SECTION_MISSING: V,
  EIF_CRC_MISMATCH: V,
  EIF_METADATA_INVALID: V,
  EIF_SIGNATURE_INVALID: V,
  EIF_UNSIGNED: V,
  EIF_SECTION_TABLE_MISMATCH: V,
  EIF_SIGNATURE_MISMATCH: V,
  EIF_SECTION_ORDER: V,
  // measurements
  PCR_INVALID: U,
  PCR_SOURCES_DISAGREE: V,
  PCR_SOURCE_MISSING: U,
  // certificates, COSE, attestation
  CERT_INVALID: V,
  CERT_EXPIRED: V,
  CBOR_INVALID: V,
  COSE_INVALID: V,
  ATTESTATION_MALFORMED: V,
  ATTESTATION_CHAIN_INVALID: V,
  ATTESTATION_ROOT_UNTRUSTED: V,
  ATTESTATION_SIGNATURE_INVALID: V,
  ATTESTATION_EXPIRED: V,
  ATTESTATION_NOT_YET_VALID: V,
  ATTESTATION_PCR_MISMATCH: V,
  ATTESTATION_DEBUG_MODE: V,
  ATTESTATION_NONCE_MISMATCH: V,
  // nitro-cli
  NITRO_CLI_OUTPUT_INVALID: V,
  NITRO_CLI_NOT_FOUND: A,
  NITRO_CLI_FAILED: ExitCode.internal,
  /** nitro-cli refused the arguments this tool built (E01–E03, E14): a bug here, not on the host. */
  NITRO_CLI_ARGUMENT: ExitCode.internal,
  /** nitro-cli may not use the device, the socket directory or its log file (E07, E18, E28–E33). */
  NITRO_CLI_PERMISSION: A,
  /** A file nitro-cli opens (the image, the certificate, its logs) could not be read or written (E19). */
  NITRO_CLI_FILE_ERROR: A,
  /** The enclave CPU pool does not hold the requested vCPUs (E20–E24). */
  NITRO_CLI_CPU_POOL: A,
  /** The memory asked for is smaller than the image needs (E26). */
  NITRO_CLI_MEMORY_TOO_SMALL: U,
  /** The allocator reserved less memory than the enclave asks for (E27). */
  NITRO_CLI_POOL_MEMORY: A,
  /** nitro-cli could not read the image (E34, E35). */
  NITRO_CLI_EIF_INVALID: V,
  /** The enclave did not boot (E36), e.g. an expired signing certificate. */
  NITRO_CLI_BOOT_FAILED: A,
  /** No enclave process answered (E08, E11, E39, E40). */
  NITRO_CLI_NO_ENCLAVE_PROCESS: A,
  /** The image's signature or signing certificate failed nitro-cli's check (E59). */
  NITRO_CLI_SIGNATURE: V,
  /** build-enclave failed: Docker, the artifacts, or the signing key (E48–E52, E60). */
  NITRO_CLI_BUILD_FAILED: A,
  /** No enclave has that name, or another already has it (E58). */
  NITRO_CLI_ENCLAVE_NAME: U,
  NITRO_CLI_TIMEOUT: A,
  // host (run)
  /** Not an EC2 instance with Nitro Enclaves enabled (/dev/nitro_enclaves missing, IMDS silent). */
  HOST_NOT_NITRO: A,
  HOST_IMDS_UNREACHABLE: A,
  /** `run --check` found a failed check. */
  HOST_PREFLIGHT_FAILED: A,
  /** The allocator's memory or vCPUs are less than the image needs, or not actually reserved. */
  HOST_ALLOCATOR_INSUFFICIENT: A,
  /** allocator.yaml or vsock-proxy.yaml has content this tool does not understand: it is not rewritten. */
  HOST_CONFIG_UNPARSEABLE: R,
  /** Applying the host configuration failed; what was written was restored. */
  HOST_CONFIG_FAILED: A,
  HOST_NOT_ROOT: A,
  /** A systemd (service manager) call failed. */
  HOST_SERVICE_FAILED: A,
  PACKAGE_SHA256_REQUIRED: U,
  PACKAGE_SHA256_MISMATCH: V,
  /** A tarball entry with an absolute path, `..`, a link leaving the directory or a special file. */
  PACKAGE_UNSAFE_ENTRY: R,
  /** Not a readable gzip'd tar (bad header checksum, truncated). */
  PACKAGE_INVALID: V,
  /** More bytes or entries than the extraction limits allow. */
  PACKAGE_TOO_LARGE: R,
  /** The package lacks install.sh or its enclave image. */
  PACKAGE_CONTENT_MISSING: U,
  INSTALLER_FAILED: A,
  /** The installer asked something this tool does not know how to answer. */
  INSTALLER_PROMPT_UNKNOWN: A,
  TOKEN_INVALID: U,
  TOKEN_EXPIRED: U,
  /** The image's PCR8 is not admitted by the live key policy. */
  PCR8_NOT_IN_POLICY: V,
  /** The image's PCR8 is not the configured Fireblocks environment's. */
  PCR8_NOT_CONFIGURED: V,
  /** `--debug-mode` without `--insecure-debug`, or a debug-mode enclave found running. */
  DEBUG_MODE_REFUSED: R,
  /** The enclave did not reach (or keep) RUNNING within the health gate's time. */
  ENCLAVE_NOT_RUNNING: A,
  /** The running enclave's measurements are not those of the verified image. */
  ENCLAVE_IMAGE_MISMATCH: V,
  /** An enclave of that name runs another image. */
  ENCLAVE_EXISTS: R,
  /** The Fireblocks co-signer reports a state other than enclave RUNNING, service ACTIVE. */
  COSIGNER_UNHEALTHY: A,
  // policy
  POLICY_INVALID: U,
  POLICY_MALFORMED: A,
  POLICY_UNSUPPORTED: R,
  POLICY_LOCKOUT: R,
  POLICY_BYPASS: R,
  POLICY_KEY_CONTROL: R,
  POLICY_TOO_LARGE: R,
  POLICY_READBACK_MISMATCH: V,
  POLICY_PRUNE_LAST: R,
  POLICY_ROLE_DENIED: R,
  // KMS key properties: a key the key policy can protect
  KEY_UNPROTECTABLE: R,
  KEY_HAS_GRANTS: R,
  KEY_GRANTS_UNREADABLE: R,
  /** The key policy does not let the caller make a call the run needs: run as a key administrator. */
  KEY_CALLER_NOT_ADMIN: R,
  /** A key administrator named in the config is not an IAM user or role of the account. */
  KEY_ADMIN_NOT_FOUND: U,
  // AWS
  AWS_CREDENTIALS_MISSING: A,
  AWS_CREDENTIALS_EXPIRED: A,
  AWS_CREDENTIALS_INVALID: A,
  AWS_ACCESS_DENIED: A,
  AWS_REGION_MISSING: A,
  AWS_WRONG_REGION: A,
  AWS_NOT_FOUND: A,
  AWS_THROTTLED: A,
  AWS_SERVICE_ERROR: A,
  AWS_NETWORK: A,
  AWS_CONFLICT: A,
  AWS_LIMIT_EXCEEDED: A,
  AWS_INVALID_REQUEST: A,
  AWS_PROPAGATION_TIMEOUT: A,
  AWS_KEY_PENDING_DELETION: A,
  AWS_KEY_DISABLED: A,
  /** The host's subnet has no route out (no NAT-like route, or only an internet gateway and no public IP). */
  NETWORK_NO_EGRESS: A,
  // sandbox
  SANDBOX_STATE_CORRUPT: U,
  SANDBOX_STATE_NEWER: U,
  SANDBOX_STATE_FOREIGN: U,
  SANDBOX_UNWRITABLE: U,
  SANDBOX_LOCKED: A,
  SANDBOX_CRASH: ExitCode.internal,
  SANDBOX_CONFIG_INVALID: U,
  // provision, destroy, status
  PLAN_STALE: R,
  PLAN_INVALID: U,
  PLAN_REFUSED: R,
  RESOURCE_NOT_OURS: R,
  INSTANCE_TYPE_UNSUPPORTED: A,
  INSTANCE_TYPE_UNAVAILABLE: A,
  BUCKET_NAME_TAKEN: A,
  BUCKET_NOT_EMPTY: R,
  /** The bucket has an enabled lifecycle rule that expires or archives objects (the database). */
  BUCKET_HAS_LIFECYCLE: R,
  /** The bucket replicates its objects (the encrypted database) to another bucket. */
  BUCKET_HAS_REPLICATION: R,
  JOURNAL_CORRUPT: U,
  JOURNAL_LOCKED: A,
  /** `status --detailed-exitcode` found drift (exit 2, as `terraform plan -detailed-exitcode`). */
  STATUS_DRIFT: U,
  // verify
  VERIFY_FAILED: V,
  /** `verify --strict`: some checks could not be evaluated (ERROR findings), or a read was cut short. */
  VERIFY_INCOMPLETE: A,
  /** The co-signer to audit (or any co-signer, with --all) does not exist in this account and region. */
  VERIFY_NO_DEPLOYMENT: A,
  /** `verify --attestation-doc`: the document is older than --max-age. */
  ATTESTATION_STALE: V,
  // demo
  /** A step of `demo` did not behave: a command failed, or an attack that must fail did not. */
  DEMO_STEP_FAILED: V,
} as const satisfies Record<string, ExitCode>;

export type CosignerErrorCode = keyof typeof ERROR_CODES;

export interface CosignerErrorOptions {
  /** What the user should do about it; one sentence, imperative. */
  hint?: string;
  /** The underlying error, kept for `--debug` and for programmatic callers. */
  cause?: unknown;
  /** Structured detail safe to print in JSON (never a secret). */
  context?: Record<string, unknown>;
  /** Who is at fault: bad input or environment (`user`) or a bug in this tool (`internal`). */
  source?: 'user' | 'internal';
  /**
   * The command was cut short, it did not fail: Ctrl-C (every ABORTED error is), or the simulated
   * crash of a process. Flows record such a run as interrupted. @default code === 'ABORTED'
   */
  interruption?: boolean;
}

/** The serialisable form used in the JSON envelope's `error` member. */
export interface CosignerErrorJSON {
  code: CosignerErrorCode;
  message: string;
  hint?: string;
  context?: Record<string, unknown>;
}

export class CosignerError<C extends CosignerErrorCode = CosignerErrorCode> extends Error {
  override readonly name = 'CosignerError';
  readonly code: C;
  readonly hint: string | undefined;
  readonly context: Record<string, unknown> | undefined;
  readonly source: 'user' | 'internal';
  /** See {@link CosignerErrorOptions.interruption}. */
  readonly interruption: boolean;

  constructor(code: C, message: string, options: CosignerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.context = options.context;
    this.source = options.source ?? (code === 'INTERNAL' ? 'internal' : 'user');
    this.interruption = options.interruption ?? code === 'ABORTED';
  }

  /** The process exit code for this error (design.md table). */
  get exitCode(): ExitCode {
    return ERROR_CODES[this.code];
  }

  toJSON(): CosignerErrorJSON {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      ...(this.context === undefined ? {} : { context: this.context }),
    };
  }
}

/** Narrow an unknown thrown value, optionally to one code. */
export function isCosignerError<C extends CosignerErrorCode>(value: unknown, code?: C): value is CosignerError<C> {
  return value instanceof CosignerError && (code === undefined || value.code === code);
}

/** True for an error that cut the command short rather than failing it (see `interruption`). */
export function isInterruption(value: unknown): boolean {
  return value instanceof CosignerError && value.interruption;
}

/** Shorthand for the most common construction. */
export function fail<C extends CosignerErrorCode>(
  code: C,
  message: string,
  hint?: string,
  extra: Omit<CosignerErrorOptions, 'hint'> = {},
): never {
  throw new CosignerError(code, message, hint === undefined ? extra : { ...extra, hint });
}
