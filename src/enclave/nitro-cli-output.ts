// nitro-cli JSON outputs (spec §5; aws-nitro-enclaves-cli src/common/json_output.rs): zod schemas
// and parsers. Tolerant of fields added by newer nitro-cli versions, strict on what the tool
// relies on: PCRs are exactly 96 hex characters (returned lower-case), ids and counts typed.
import { z } from 'zod';
import { CosignerError } from '../errors.js';

/** 96 hex characters, returned lower-case. */
const pcrHexSchema = z
  .string()
  .regex(/^[0-9a-fA-F]{96}$/, 'expected 96 hex characters')
  .transform((s) => s.toLowerCase());

/** `Measurements`: HashAlgorithm is a Rust Debug string ("Sha384 { ... }"), kept opaque. */
const measurementsSchema = z.looseObject({
  HashAlgorithm: z.string().optional(),
  PCR0: pcrHexSchema,
  PCR1: pcrHexSchema,
  PCR2: pcrHexSchema,
  PCR8: pcrHexSchema.optional(),
});

/** `nitro-cli build-enclave`. */
export const buildEnclaveOutputSchema = z.looseObject({ Measurements: measurementsSchema });

/** `SignCertificateInfo` (image-format eif_reader). */
export const signingCertificateInfoSchema = z.looseObject({
  IssuerName: z.record(z.string(), z.string()),
  Algorithm: z.string(),
  NotBefore: z.string(),
  NotAfter: z.string(),
  Signature: z.string(),
});

/** `Metadata` of describe-eif / describe-enclaves --metadata: build info with custom metadata flattened in. */
const metadataOutputSchema = z.looseObject({
  BuildTime: z.string(),
  BuildTool: z.string(),
  BuildToolVersion: z.string(),
  OperatingSystem: z.string(),
  KernelVersion: z.string(),
  DockerInfo: z.unknown(),
});

/** `nitro-cli describe-eif` (`EifDescribeInfo`). A signed image reports PCR8 and the signature check. */
export const describeEifOutputSchema = z
  .looseObject({
    EifVersion: z.number().int().nonnegative(),
    Measurements: measurementsSchema,
    IsSigned: z.boolean(),
    SigningCertificate: signingCertificateInfoSchema.optional(),
    CheckCRC: z.boolean(),
    SignatureCheck: z.boolean().optional(),
    ImageName: z.string().optional(),
    ImageVersion: z.string().optional(),
    Metadata: metadataOutputSchema.optional(),
  })
  .refine((d) => d.IsSigned === (d.Measurements.PCR8 !== undefined), {
    message: 'IsSigned must be true exactly when PCR8 is present',
    path: ['IsSigned'],
  });

/** Enclave ids have the attestation module_id form `i-<hex>-enc<hex>`. */
const enclaveIdSchema = z.string().regex(/^i-[0-9a-f]+-enc[0-9a-f]+$/, 'expected an enclave id i-…-enc…');
const count = z.number().int().nonnegative();

const enclaveFields = {
  EnclaveName: z.string().optional(),
  EnclaveID: enclaveIdSchema,
  ProcessID: count,
  EnclaveCID: count,
  NumberOfCPUs: count,
  CPUIDs: z.array(count),
  MemoryMiB: count,
};

/** `nitro-cli run-enclave`. */
export const runEnclaveOutputSchema = z.looseObject(enclaveFields);

/** One element of `nitro-cli describe-enclaves` (`State`/`Flags` per enclave_proc sources, not AWS prose). */
const describedEnclaveSchema = z.looseObject({
  ...enclaveFields,
  State: z.enum(['RUNNING', 'TERMINATING', 'EMPTY']),
  Flags: z.enum(['NONE', 'DEBUG_MODE']),
  Measurements: measurementsSchema.optional(),
  ImageName: z.string().optional(),
  ImageVersion: z.string().optional(),
  Metadata: metadataOutputSchema.optional(),
});
export const describeEnclavesOutputSchema = z.array(describedEnclaveSchema);

/** `nitro-cli terminate-enclave`. */
export const terminateEnclaveOutputSchema = z.looseObject({
  EnclaveName: z.string().optional(),
  EnclaveID: enclaveIdSchema,
  Terminated: z.boolean(),
});

/** `nitro-cli pcr`: `{"PCR8": …}` with --signing-certificate, `{"PCR": …}` with --input. */
export const pcrOutputSchema = z.union([z.looseObject({ PCR8: pcrHexSchema }), z.looseObject({ PCR: pcrHexSchema })]);

export type NitroMeasurements = z.infer<typeof measurementsSchema>;
export type BuildEnclaveOutput = z.infer<typeof buildEnclaveOutputSchema>;
export type DescribeEifOutput = z.infer<typeof describeEifOutputSchema>;
export type SigningCertificateInfo = z.infer<typeof signingCertificateInfoSchema>;
export type RunEnclaveOutput = z.infer<typeof runEnclaveOutputSchema>;
export type DescribedEnclave = z.infer<typeof describedEnclaveSchema>;
export type DescribeEnclavesOutput = z.infer<typeof describeEnclavesOutputSchema>;
export type TerminateEnclaveOutput = z.infer<typeof terminateEnclaveOutputSchema>;
export type PcrOutput = z.infer<typeof pcrOutputSchema>;

function invalid(command: string, detail: string, cause?: unknown): never {
  throw new CosignerError('NITRO_CLI_OUTPUT_INVALID', `unexpected nitro-cli ${command} output: ${detail}`, {
    hint: 'check the nitro-cli version (aws-nitro-enclaves-cli ≥ 1.2) and that its stdout was captured unmodified',
    cause,
  });
}

/**
 * The JSON document in nitro-cli's stdout. Progress lines ("Enclave Image successfully created.")
 * normally go to stderr, but if they were merged into stdout the document starts at the first
 * line opening with `{` or `[`.
 */
function extractJson(command: string, text: string): unknown {
  const start = text.search(/^[[{]/m);
  if (start < 0) invalid(command, 'no JSON document found');
  try {
    return JSON.parse(text.slice(start));
  } catch (error) {
    return invalid(command, 'not valid JSON', error);
  }
}

function parseWith<S extends z.ZodType>(schema: S, command: string, input: unknown): z.output<S> {
  const value = typeof input === 'string' ? extractJson(command, input) : input;
  const result = schema.safeParse(value);
  if (!result.success) {
    invalid(command, result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
  }
  return result.data;
}

/** Parse stdout text (or an already-parsed value). Each throws NITRO_CLI_OUTPUT_INVALID. */
export const parseBuildEnclaveOutput = (input: unknown): BuildEnclaveOutput =>
  parseWith(buildEnclaveOutputSchema, 'build-enclave', input);
export const parseDescribeEifOutput = (input: unknown): DescribeEifOutput =>
  parseWith(describeEifOutputSchema, 'describe-eif', input);
export const parseRunEnclaveOutput = (input: unknown): RunEnclaveOutput =>
  parseWith(runEnclaveOutputSchema, 'run-enclave', input);
export const parseDescribeEnclavesOutput = (input: unknown): DescribeEnclavesOutput =>
  parseWith(describeEnclavesOutputSchema, 'describe-enclaves', input);
export const parseTerminateEnclaveOutput = (input: unknown): TerminateEnclaveOutput =>
  parseWith(terminateEnclaveOutputSchema, 'terminate-enclave', input);
export const parsePcrOutput = (input: unknown): PcrOutput => parseWith(pcrOutputSchema, 'pcr', input);
