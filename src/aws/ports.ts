/**
 * The AWS ports and their one factory. Commands receive an {@link AwsPorts} through `deps` and
 * never build SDK clients themselves. With `sandboxDir` every port is the simulated account of
 * src/aws/sandbox; otherwise the real SDK v3 clients, built lazily on first use, with the SDK's
 * default credential chain (env, shared config and SSO profiles, web identity, container, IMDS),
 * `--profile`, `--region`, `AWS_ENDPOINT_URL*` (resolved by the SDK itself) and adaptive retries
 * (the SDK's layer of the retry budget stated in ./retry.ts).
 */
import type { fromNodeProviderChain as FromNodeProviderChain } from '@aws-sdk/credential-providers';
import { CosignerError } from '../errors.js';
import type { CloudTrailPort } from './cloudtrail.js';
import { CLOUDTRAIL_OPERATIONS, createCloudTrailPort } from './cloudtrail.js';
import type { EC2Port } from './ec2.js';
import { createEC2Port, EC2_OPERATIONS } from './ec2.js';
import type { IAMPort } from './iam.js';
import { createIAMPort, IAM_OPERATIONS } from './iam.js';
import type { KMSPort } from './kms.js';
import { createKMSPort, KMS_OPERATIONS } from './kms.js';
import { SDK_MAX_ATTEMPTS } from './retry.js';
import type { S3Port } from './s3.js';
import { createS3Port, S3_OPERATIONS } from './s3.js';
import type { SSMPort } from './ssm.js';
import { createSSMPort, SSM_OPERATIONS } from './ssm.js';
import type { STSPort } from './sts.js';
import { createSTSPort, STS_OPERATIONS } from './sts.js';

export type { CloudTrailPort, EC2Port, IAMPort, KMSPort, S3Port, SSMPort, STSPort };

/** A credential provider as the SDK's default chain returns it. */
export type AwsCredentialIdentityProvider = (
  ...args: Parameters<ReturnType<typeof FromNodeProviderChain>>
) => ReturnType<ReturnType<typeof FromNodeProviderChain>>;
/** Resolved credentials. */
export type AwsCredentialIdentity = Awaited<ReturnType<AwsCredentialIdentityProvider>>;

/** Where the credentials in use came from, for `doctor` and for the "account and region" banner. */
export interface CredentialSource {
  /**
   * `environment`, `profile`, `sso`, `process`, `web-identity`, `assume-role`, `container`,
   * `instance-metadata`, `sandbox` or `unknown`.
   */
  kind: string;
  /** The shared-config profile in use, when one is. */
  profile?: string;
  /** When temporary credentials expire. */
  expiration?: Date;
}

export interface AwsPorts {
  ec2: EC2Port;
  kms: KMSPort;
  s3: S3Port;
  iam: IAMPort;
  sts: STSPort;
  ssm: SSMPort;
  cloudtrail: CloudTrailPort;
  /** The resolved region every port talks to. */
  region: string;
  /** True when the ports are the simulated account (never decide behaviour on this, only labels). */
  sandbox: boolean;
  /** The profile given with `--profile` or `AWS_PROFILE`, if any. */
  profile?: string;
  /** Resolves the credentials (once) and reports where they came from. */
  credentialSource(): Promise<CredentialSource>;
  /** Releases sockets held by the SDK clients. Safe to call more than once. */
  destroy(): void;
}

export interface CreateAwsPortsOptions {
  /** `--region`; otherwise `AWS_REGION`, `AWS_DEFAULT_REGION`, then the profile's `region`. */
  region?: string;
  /** `--profile`; otherwise `AWS_PROFILE` as the SDK reads it. */
  profile?: string;
  /** `--sandbox [dir]`: use the simulated account kept in this directory. */
  sandboxDir?: string;
  /**
   * Attempts per call, first try included, for the SDK's adaptive retry mode: the first of the
   * two retry layers (src/aws/retry.ts states the whole budget).
   * @default SDK_MAX_ATTEMPTS (5)
   */
  maxAttempts?: number;
  /** The environment to read (tests pass their own). @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Told about every port call once it settles (`-v` prints these); see {@link traceAwsCalls}. */
  onCall?: (call: AwsCallRecord) => void;
}

/** Builds the ports: the sandbox when `sandboxDir` is set, else the real AWS SDK clients. */
export async function createAwsPorts(options: CreateAwsPortsOptions = {}): Promise<AwsPorts> {
  if (options.maxAttempts !== undefined && (!Number.isInteger(options.maxAttempts) || options.maxAttempts < 1)) {
    throw new CosignerError(
      'INVALID_OPTION',
      `max attempts must be a positive integer, got ${String(options.maxAttempts)}`,
      {
        hint: 'Pass a whole number of at least 1.',
      },
    );
  }
  let ports: AwsPorts;
  if (options.sandboxDir !== undefined) {
    const { createSandboxPorts } = await import('./sandbox/index.js');
    ports = await createSandboxPorts({
      dir: options.sandboxDir,
      ...(options.region === undefined ? {} : { region: options.region }),
      ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
      env: options.env ?? process.env,
    });
  } else {
    ports = await createRealPorts(options);
  }
  return options.onCall === undefined ? ports : traceAwsCalls(ports, options.onCall);
}

/**
 * One AWS call as `-v` reports it. Deliberately no request parameters and no response: they can
 * carry key material, policies or tokens. Service, operation, time and outcome only.
 */
export interface AwsCallRecord {
  /** `EC2`, `KMS`, `S3`, `IAM`, `STS`, `SSM` or `CloudTrail`. */
  service: string;
  /** The operation in AWS's spelling, e.g. `DescribeVpcs`. */
  operation: string;
  /** Wall time of the call, the SDK's (or the sandbox's) retries included. */
  durationMs: number;
  outcome: 'ok' | 'error';
  /** The error's code (`AccessDeniedException`, `ThrottlingException`, a CosignerError code). */
  errorCode?: string;
  /** Attempts made, when the SDK reports them. */
  attempts?: number;
}

const TRACED_SERVICES = [
  ['ec2', 'EC2', EC2_OPERATIONS],
  ['kms', 'KMS', KMS_OPERATIONS],
  ['s3', 'S3', S3_OPERATIONS],
  ['iam', 'IAM', IAM_OPERATIONS],
  ['sts', 'STS', STS_OPERATIONS],
  ['ssm', 'SSM', SSM_OPERATIONS],
  ['cloudtrail', 'CloudTrail', CLOUDTRAIL_OPERATIONS],
] as const;

/**
 * The one seam every port call passes through, for the real clients and the sandbox alike: each
 * operation of each port reports an {@link AwsCallRecord} when it settles. Everything else on the
 * ports (region, credentialSource, destroy, the sandbox's extras) is passed through untouched.
 */
export function traceAwsCalls<P extends AwsPorts>(ports: P, onCall: (call: AwsCallRecord) => void): P {
  const traced: P = { ...ports };
  for (const [key, service, operations] of TRACED_SERVICES) {
    (traced as Record<string, unknown>)[key] = tracePort(ports[key], service, operations, onCall);
  }
  return traced;
}

function tracePort<T extends object>(
  port: T,
  service: string,
  operations: readonly string[],
  onCall: (call: AwsCallRecord) => void,
): T {
  const byMethod = new Map(operations.map((op) => [op.charAt(0).toLowerCase() + op.slice(1), op]));
  const wrapped = new Map<string, (input: unknown) => Promise<unknown>>();
  return new Proxy(port, {
    get(target, property) {
      // Read on the target itself: the sandbox's services keep their state in private fields.
      const value: unknown = Reflect.get(target, property, target);
      const operation = typeof property === 'string' ? byMethod.get(property) : undefined;
      if (operation === undefined || typeof value !== 'function') return value;
      let call = wrapped.get(operation);
      if (call === undefined) {
        const method = value as (input: unknown) => Promise<unknown>;
        call = async (input: unknown) => {
          const started = performance.now();
          const elapsed = () => Math.round(performance.now() - started);
          try {
            const output = await method.call(target, input);
            const attempts = attemptsOf(output);
            onCall({
              service,
              operation,
              durationMs: elapsed(),
              outcome: 'ok',
              ...(attempts === undefined ? {} : { attempts }),
            });
            return output;
          } catch (error) {
            const attempts = attemptsOf(error);
            onCall({
              service,
              operation,
              durationMs: elapsed(),
              outcome: 'error',
              errorCode: errorCodeOf(error),
              ...(attempts === undefined ? {} : { attempts }),
            });
            throw error;
          }
        };
        wrapped.set(operation, call);
      }
      return call;
    },
  });
}

function attemptsOf(value: unknown): number | undefined {
  const attempts = (value as { $metadata?: { attempts?: unknown } } | null | undefined)?.$metadata?.attempts;
  return typeof attempts === 'number' ? attempts : undefined;
}

function errorCodeOf(error: unknown): string {
  if (error instanceof CosignerError) return String(error.code);
  const name = (error as { name?: unknown } | null | undefined)?.name;
  return typeof name === 'string' && name !== '' ? name : 'Error';
}

/** `aws KMS PutKeyPolicy 340 ms ok`, `aws EC2 DescribeVpcs 2013 ms failed: RequestLimitExceeded (5 attempts)`. */
export function formatAwsCall(call: AwsCallRecord): string {
  const outcome = call.outcome === 'ok' ? 'ok' : `failed: ${call.errorCode ?? 'Error'}`;
  const attempts = call.attempts !== undefined && call.attempts > 1 ? ` (${call.attempts} attempts)` : '';
  return `aws ${call.service} ${call.operation} ${call.durationMs} ms ${outcome}${attempts}`;
}

/** The SDK client config every real port shares. Exported for the wire-level tests. */
export interface SharedClientConfig {
  region: string;
  profile?: string;
  credentials: AwsCredentialIdentityProvider;
  maxAttempts: number;
  retryMode: 'adaptive';
}

async function createRealPorts(options: CreateAwsPortsOptions): Promise<AwsPorts> {
  const env = options.env ?? process.env;
  const profile = options.profile ?? nonEmpty(env.AWS_PROFILE);
  const maxAttempts = options.maxAttempts ?? SDK_MAX_ATTEMPTS;
  const region = await resolveRegion(options.region, profile, env);

  // One memoised credential provider shared by every client: SSO tokens, IMDS and STS are
  // consulted once per process, not once per service.
  const { fromNodeProviderChain } = await import('@aws-sdk/credential-providers');
  const chain = fromNodeProviderChain({ ...(profile === undefined ? {} : { profile }), clientConfig: { region } });
  let resolved: Promise<AwsCredentialIdentity> | undefined;
  const credentials: AwsCredentialIdentityProvider = async (identityProperties) => {
    const identity = await chain(identityProperties);
    resolved = Promise.resolve(identity);
    return identity;
  };

  const shared: SharedClientConfig = {
    region,
    ...(profile === undefined ? {} : { profile }),
    credentials,
    maxAttempts,
    retryMode: 'adaptive',
  };
  const s3EndpointOverridden =
    nonEmpty(env.AWS_ENDPOINT_URL_S3) !== undefined || nonEmpty(env.AWS_ENDPOINT_URL) !== undefined;
  const ports = {
    ec2: createEC2Port(shared),
    kms: createKMSPort(shared),
    // Emulators behind AWS_ENDPOINT_URL rarely resolve virtual-hosted bucket names; path style
    // works against both them and AWS. Buckets in another region are followed, not failed.
    s3: createS3Port({
      ...shared,
      followRegionRedirects: true,
      ...(s3EndpointOverridden ? { forcePathStyle: true } : {}),
    }),
    iam: createIAMPort(shared),
    sts: createSTSPort(shared),
    ssm: createSSMPort(shared),
    cloudtrail: createCloudTrailPort(shared),
  };
  return {
    ...ports,
    region,
    sandbox: false,
    ...(profile === undefined ? {} : { profile }),
    async credentialSource() {
      const identity = await (resolved ?? chain());
      return describeCredentialSource(identity, profile, env);
    },
    destroy() {
      for (const port of Object.values(ports)) port.destroy();
    },
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** `--region`, then `AWS_REGION`/`AWS_DEFAULT_REGION`, then the profile's shared-config region. */
async function resolveRegion(
  explicit: string | undefined,
  profile: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const direct = nonEmpty(explicit) ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION);
  if (direct !== undefined) return checkRegion(direct);
  // The SDK's own loader reads `region` from the shared config file for the profile.
  const { STSClient } = await import('@aws-sdk/client-sts');
  const probe = new STSClient(profile === undefined ? {} : { profile });
  try {
    return checkRegion(await probe.config.region());
  } catch (error) {
    if (error instanceof CosignerError) throw error;
    throw new CosignerError('AWS_REGION_MISSING', 'no AWS region is configured', {
      hint: `Pass --region, set AWS_REGION, or add "region = …" to the ${profile === undefined ? 'default profile' : `profile "${profile}"`} in ~/.aws/config.`,
      cause: error,
    });
  } finally {
    probe.destroy();
  }
}

const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

function checkRegion(region: string): string {
  if (!REGION_PATTERN.test(region)) {
    throw new CosignerError('AWS_REGION_MISSING', `"${region}" is not an AWS region name`, {
      hint: 'Pass a region such as eu-west-1 with --region or AWS_REGION.',
      context: { region },
    });
  }
  return region;
}

/**
 * The SDK marks each resolved identity with the provider that produced it (`$source`, the
 * feature ids it reports in the user agent). When that marker is absent the environment decides.
 */
export function describeCredentialSource(
  identity: AwsCredentialIdentity,
  profile: string | undefined,
  env: NodeJS.ProcessEnv,
): CredentialSource {
  const marks = Object.keys((identity as { $source?: Record<string, unknown> }).$source ?? {});
  const has = (...names: string[]) => names.some((name) => marks.includes(name));
  let kind: string;
  if (has('CREDENTIALS_PROFILE_SSO', 'CREDENTIALS_PROFILE_SSO_LEGACY', 'CREDENTIALS_SSO', 'CREDENTIALS_SSO_LEGACY'))
    kind = 'sso';
  else if (
    has(
      'CREDENTIALS_ENV_VARS_STS_WEB_ID_TOKEN',
      'CREDENTIALS_STS_ASSUME_ROLE_WEB_ID',
      'CREDENTIALS_PROFILE_STS_WEB_ID_TOKEN',
    )
  )
    kind = 'web-identity';
  else if (
    has('CREDENTIALS_PROFILE_SOURCE_PROFILE', 'CREDENTIALS_PROFILE_NAMED_PROVIDER', 'CREDENTIALS_STS_ASSUME_ROLE')
  )
    kind = 'assume-role';
  else if (has('CREDENTIALS_PROCESS', 'CREDENTIALS_PROFILE_PROCESS')) kind = 'process';
  else if (has('CREDENTIALS_ENV_VARS')) kind = 'environment';
  else if (has('CREDENTIALS_HTTP')) kind = 'container';
  else if (has('CREDENTIALS_IMDS')) kind = 'instance-metadata';
  else if (has('CREDENTIALS_PROFILE', 'CREDENTIALS_PROFILE_LOGIN', 'CREDENTIALS_LOGIN')) kind = 'profile';
  else if (nonEmpty(env.AWS_ACCESS_KEY_ID) !== undefined) kind = 'environment';
  else if (nonEmpty(env.AWS_WEB_IDENTITY_TOKEN_FILE) !== undefined) kind = 'web-identity';
  else if (
    nonEmpty(env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) !== undefined ||
    nonEmpty(env.AWS_CONTAINER_CREDENTIALS_FULL_URI) !== undefined
  )
    kind = 'container';
  else kind = 'unknown';
  return {
    kind,
    ...(profile === undefined || kind === 'environment' || kind === 'instance-metadata' || kind === 'container'
      ? {}
      : { profile }),
    ...(identity.expiration === undefined ? {} : { expiration: identity.expiration }),
  };
}
