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
  CONFIG_EXISTS: U,
  // enclave image (EIF)
  EIF_BAD_MAGIC: V,
  EIF_UNSUPPORTED_VERSION: V,
  EIF_TRUNCATED: V,
  EIF_TRAILING_BYTES: V,
  EIF_SECTION_OUT_OF_BOUNDS: V,
  EIF_SECTION_OVERLAP: V,
  EIF_SECTION_COUNT: V,
  EIF_SECTION_SIZE: V,
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
  PCR_MISMATCH: V,
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
  throw new CosignerError(code, message, { ...extra, hint });
}
