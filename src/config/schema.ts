/**
 * The config file schema (schemaVersion 1). The config describes one co-signer's resource set and
 * never holds a secret: the pairing token is read at `run` time from a prompt, stdin, a 0600 file
 * or SSM, never from here.
 */
import { z } from 'zod';
import { bucketNameProblem, derivedBucketPrefixProblem } from '../policy/bucket-policy.js';

export const CONFIG_SCHEMA_VERSION = 1;

/** The AL2023 x86_64 AMI published as a public SSM parameter (reference/fireblocks-aws.md §1.7). */
const AL2023_AMI_PARAMETER = '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64';

/** Instance types Fireblocks supports for the co-signer (reference/fireblocks-aws.md §1.7). */
export const INSTANCE_TYPES = ['c5.xlarge', 'c5a.xlarge'] as const;
export const FIREBLOCKS_ENVS = ['global', 'eu', 'swiss', 'custom'] as const;
const POLICY_PROFILES = ['hardened', 'fireblocks-exact'] as const;

const NAME_RE = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;
const PCR_RE = /^[0-9a-fA-F]{96}$/;
const REGION_RE = /^[a-z]{2}(?:-gov)?-[a-z]+-\d$/;
const IAM_ARN_RE = /^arn:aws[a-z-]*:iam::\d{12}:(?:root|user\/[\w+=,.@/-]+|role\/[\w+=,.@/-]+)$/;
// A key id (UUID, or mrk- and 32 hex for a multi-Region key), optionally as a key ARN.
const KMS_KEY_RE =
  /^(?:arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/)?(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;
// The shape of a usable bucket name (editors see it in the JSON Schema); the full rules, reserved
// prefixes and suffixes included, are bucketNameProblem's (src/policy/bucket-policy.ts). No dots:
// a dotted name fails virtual-hosted-style HTTPS, and it also rules out names shaped like an IP.
const BUCKET_RE = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const ROLE_NAME_RE = /^[\w+=,.@-]{1,64}$/;
const POLICY_ARN_RE = /^arn:aws[a-z-]*:iam::(?:\d{12}|aws):policy\/[\w+=,.@/-]+$/;
const ALIAS_RE = /^alias\/(?!aws\/)[a-zA-Z0-9/_-]{1,250}$/;

export const nameSchema = z
  .string()
  .regex(NAME_RE, 'must be 1–32 characters of a-z, 0-9 and "-", not starting or ending with "-"');
export const pcrSchema = z
  .string()
  .regex(PCR_RE, 'must be 96 hexadecimal characters (a SHA-384 digest)')
  .transform((value) => value.toLowerCase());

/**
 * The PCR8 values the key policy admits. One value is written as a string (the form every
 * schemaVersion 1 file has); several, during a rotation (`attest --add`, then `attest --prune`), as a
 * list. Either form loads as a list.
 */
const pcr8ListSchema = z
  .union([pcrSchema, z.array(pcrSchema).min(1, 'must list at least one PCR8 value')])
  .transform((value) => (Array.isArray(value) ? value : [value]))
  .refine((values) => new Set(values).size === values.length, { message: 'must not list a PCR8 value twice' });

const fireblocksSchema = z
  .strictObject({
    /** Fireblocks SaaS environment; selects the egress domains and the default PCR8 (its preset). @default "global" */
    env: z.enum(FIREBLOCKS_ENVS).default('global'),
    /**
     * The PCR8 values the key policy admits (the record `attest` keeps): one 96-hex value, or a list
     * of them while a rotation admits an old and a new image. Absent: the preset of `env`. Required
     * when env is "custom".
     */
    pcr8: pcr8ListSchema.optional(),
  })
  .refine((value) => value.env !== 'custom' || value.pcr8 !== undefined, {
    message: 'a custom Fireblocks environment needs pcr8 (--pcr8 <hex>, repeatable)',
    path: ['pcr8'],
  });

const awsSchema = z.strictObject({
  /** AWS region for every resource; falls back to the SDK's region chain when absent. */
  region: z.string().regex(REGION_RE, 'must be an AWS region such as us-east-1').optional(),
  /** Named profile from the shared AWS config. */
  profile: z.string().min(1).optional(),
});

/**
 * How the host reaches Fireblocks, KMS, S3 and SSM (reference/fireblocks-aws.md §1.3): it needs
 * HTTPS egress, and has no ingress and no SSH key.
 */
export const NETWORK_MODES = ['existing', 'public-ip', 'managed'] as const;
export type NetworkMode = (typeof NETWORK_MODES)[number];

const networkSchema = z
  .strictObject({
    /**
     * "existing": the configured (or default) VPC and subnet, which must route out through a NAT
     * gateway or similar (provision refuses otherwise); "public-ip": the same with a public IPv4
     * address, still without any ingress rule; "managed": provision creates a dedicated VPC with a
     * private subnet, a NAT gateway and VPC endpoints (KMS, SSM, S3), removed by destroy.
     * @default "existing" ("public-ip" when publicIp is true)
     */
    mode: z
      .enum(NETWORK_MODES)
      .describe(
        'How the host reaches Fireblocks, KMS, S3 and SSM: existing (the VPC/subnet given or the default VPC; needs a route out through NAT, provision refuses otherwise), public-ip (a public IPv4 address, no ingress), managed (provision creates a VPC with a private subnet, a NAT gateway and VPC endpoints). Default: existing, or public-ip when publicIp is true.',
      )
      .optional(),
    /** VPC to use ("existing" and "public-ip"); the default VPC when absent. */
    vpcId: z
      .string()
      .regex(/^vpc-[0-9a-f]{8,17}$/, 'must be a VPC id such as vpc-0abc1234')
      .optional(),
    /** Subnet for the host; one of the VPC's subnets where the instance type is offered when absent. */
    subnetId: z
      .string()
      .regex(/^subnet-[0-9a-f]{8,17}$/, 'must be a subnet id such as subnet-0abc1234')
      .optional(),
    /**
     * The earlier spelling of mode "public-ip": true means network.mode "public-ip" (false is the
     * default, "existing"). Still read; `cosigner-cli init` rewrites it as network.mode.
     */
    publicIp: z
      .boolean()
      .describe(
        'The earlier spelling of mode "public-ip": true means network.mode public-ip. Still read; cosigner-cli init rewrites it as network.mode.',
      )
      .optional(),
  })
  .superRefine((value, ctx) => {
    if (value.publicIp === true && value.mode !== undefined && value.mode !== 'public-ip') {
      ctx.addIssue({
        code: 'custom',
        path: ['mode'],
        message: `is ${value.mode}, but network.publicIp true (the earlier spelling of mode public-ip) says otherwise: drop network.publicIp / --public-ip`,
      });
    }
    if (value.mode === 'managed' && (value.vpcId !== undefined || value.subnetId !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['mode'],
        message:
          'managed creates its own VPC and subnet: drop network.vpcId and network.subnetId, or choose mode existing',
      });
    }
  })
  // publicIp is folded into mode: the rest of the tool reads mode only.
  .transform(({ publicIp, mode, ...rest }) => ({
    ...rest,
    mode: mode ?? (publicIp === true ? ('public-ip' as const) : ('existing' as const)),
  }));

const instanceSchema = z.strictObject({
  /** @default "c5.xlarge" */
  type: z.enum(INSTANCE_TYPES).default('c5.xlarge'),
  /** Encrypted gp3 root volume size. @default 30 */
  rootVolumeGiB: z.number().int().min(8).max(16384).default(30),
  /** Public SSM parameter naming the AMI. @default AL2023 x86_64 */
  amiParameter: z.string().startsWith('/').default(AL2023_AMI_PARAMETER),
});

// Both supported instance types have 4 vCPUs and 8 GiB: the co-signer needs 2 vCPUs and 4 GiB, the
// count must be even with SMT, and the host keeps at least 2 vCPUs and ~2 GiB for itself.
const enclaveSchema = z.strictObject({
  /** Memory reserved for the enclave. @default 4096 */
  memoryMiB: z.number().int().min(4096).max(6144).default(4096),
  /** vCPUs reserved for the enclave. @default 2 */
  cpuCount: z.literal(2).default(2),
});

const kmsSchema = z.strictObject({
  /** Adopt this existing key (id or ARN) instead of creating one. */
  keyId: z.string().regex(KMS_KEY_RE, 'must be a KMS key id or key ARN').optional(),
  /** Alias of the key; derived from the name when absent. */
  alias: z.string().regex(ALIAS_RE, 'must look like alias/my-key and not start with alias/aws/').optional(),
  /** Principals that administer the key policy; the account root when empty (as Fireblocks does). */
  adminArns: z.array(z.string().regex(IAM_ARN_RE, 'must be an IAM user, role or root ARN')).default([]),
  /** Waiting period when the key is scheduled for deletion. @default 30 */
  deletionWindowDays: z.number().int().min(7).max(30).default(30),
  /** Enable automatic key rotation. @default true */
  rotation: z.boolean().default(true),
  /** "hardened" adds the debug-enclave Deny and rotation; "fireblocks-exact" is the documented policy. @default "hardened" */
  policyProfile: z.enum(POLICY_PROFILES).default('hardened'),
  /** Also bind the key to this role with kms:RecipientAttestation:PCR3. @default false */
  pcr3RoleBinding: z.boolean().default(false),
  /** Deny the sensitive actions to debug-mode enclaves (PCR0 all zeros), hardened profile. @default true */
  denyDebugEnclaves: z.boolean().default(true),
  /**
   * Grants of the key accepted by id. A grant gives its grantee the granted operations without the
   * key policy (so without the attestation condition); any grant not named here is refused.
   */
  acceptedGrants: z
    .array(z.string().regex(/^[0-9a-f]{64}$/, 'must be a KMS grant id (64 hexadecimal characters)'))
    .default([]),
});

const s3Schema = z.strictObject({
  /** Bucket for the encrypted database; derived from name, account and region when absent. */
  bucketName: z
    .string()
    .regex(BUCKET_RE, 'must be a usable S3 bucket name (3–63 of a-z, 0-9 and "-"; no dots)')
    .superRefine((name, ctx) => {
      const problem = bucketNameProblem(name);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  /** @default true */
  versioning: z.boolean().default(true),
});

const iamSchema = z.strictObject({
  /** Role name; derived from the name when absent. */
  roleName: z.string().regex(ROLE_NAME_RE, 'must be a valid IAM role name').optional(),
  /** Permissions boundary attached to the role. */
  permissionsBoundaryArn: z.string().regex(POLICY_ARN_RE, 'must be an IAM policy ARN').optional(),
});

const TAG_KEY_RE = /^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;

export const configSchema = z
  .strictObject({
    $schema: z.string().optional(),
    schemaVersion: z.literal(CONFIG_SCHEMA_VERSION),
    /** Co-signer name: prefixes every resource name and tags every resource. */
    name: nameSchema,
    fireblocks: fireblocksSchema.prefault({}),
    aws: awsSchema.prefault({}),
    network: networkSchema.prefault({}),
    instance: instanceSchema.prefault({}),
    enclave: enclaveSchema.prefault({}),
    kms: kmsSchema.prefault({}),
    s3: s3Schema.prefault({}),
    iam: iamSchema.prefault({}),
    /** Extra tags on every resource. Keys may not start with "aws:" or "cosigner-cli:". */
    tags: z
      .record(z.string().regex(TAG_KEY_RE, 'must be a valid tag key'), z.string().max(256))
      .refine((tags) => Object.keys(tags).every((key) => !key.startsWith('cosigner-cli:')), {
        message: 'tag keys starting with "cosigner-cli:" are reserved',
      })
      .default({}),
  })
  .superRefine((config, ctx) => {
    // Without s3.bucketName the bucket is named `<name>-cosigner-<account>-<region>`: a name that
    // begins with one of S3's reserved prefixes would only fail at CreateBucket, so say it here.
    if (config.s3.bucketName !== undefined) return;
    const problem = derivedBucketPrefixProblem(config.name);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['name'], message: problem });
  });

/** A validated config with every default filled in. */
export type CosignerConfig = z.output<typeof configSchema>;

/** The JSON Schema of the config file, for editors and `init --print-schema`. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: 'input', target: 'draft-2020-12' });
}
