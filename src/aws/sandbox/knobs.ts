/**
 * The sandbox's knobs: simulated latency, injected faults, the crash hook, IAM propagation delay,
 * page size and timings. Read from `<dir>/aws-sandbox.json` (optional) and then from environment
 * variables, which win; explicit options passed in code win over both.
 *
 * Environment:
 * - `COSIGNER_SANDBOX_LATENCY_MS`       per-call latency in ms (real timers), e.g. `150`
 * - `COSIGNER_SANDBOX_FAULTS`           e.g. `throttle=0.2,5xx=0.05,reset=0.05,seed=42,only=kms:*|iam:Create*`
 * - `COSIGNER_SANDBOX_CRASH`            `before:N` or `after:N` (the N-th write call), `:exit` to kill the process
 * - `COSIGNER_SANDBOX_IAM_DELAY_MS`     IAM propagation delay in ms
 * - `COSIGNER_SANDBOX_PAGE_SIZE`        items per page of every paginated list
 * - `COSIGNER_SANDBOX_INSTANCE_DELAY_MS` pending→running and shutting-down→terminated (instances;
 *   NAT gateways and VPC endpoints: pending→available, deleting→deleted)
 * - `COSIGNER_SANDBOX_RETRY_BASE_MS`    base delay of the simulated SDK retry backoff
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { CosignerError } from '../../errors.js';

export const SANDBOX_CONFIG_FILE = 'aws-sandbox.json';

export interface FaultKnobs {
  /** Probability (0–1) that a call attempt is throttled. */
  throttle: number;
  /** Probability that a call attempt fails with the service's 5xx error. */
  serverError: number;
  /** Probability that the connection is reset, before or after the call took effect. */
  reset: number;
  /** Seed of the fault sequence (the same seed gives the same faults in the same order). */
  seed: number;
  /** Only calls matching one of these `service:Operation` globs get faults; empty means all. */
  only: string[];
}

export interface CrashKnob {
  when: 'before' | 'after';
  /** 1-based index of the write call (per ports instance) at which to crash. */
  writeCall: number;
  /** `throw` (SANDBOX_CRASH, and every later call fails too) or `exit` (SIGKILL the process). */
  mode: 'throw' | 'exit';
}

export interface SandboxKnobs {
  /** @default 0 */
  latencyMs: number;
  faults: FaultKnobs;
  crash: CrashKnob | undefined;
  /** How long a new role/instance profile stays invisible to KMS, S3 and EC2. @default 2000 */
  iamPropagationDelayMs: number;
  /** @default 3 */
  pageSize: number;
  /** pending→running and shutting-down→terminated. @default 0 */
  instanceTransitionMs: number;
  /** Base of the simulated SDK retry backoff (throttling uses 5×). @default 100 */
  retryBaseMs: number;
  /** Bucket names that "another account" owns, in addition to the built-in ones. */
  takenBucketNames: string[];
  /** The account id of a *new* state file. @default 111122223333 */
  accountId: string;
  /** The region used when none is given. @default us-east-1 */
  defaultRegion: string;
}

export const DEFAULT_KNOBS: SandboxKnobs = {
  latencyMs: 0,
  faults: { throttle: 0, serverError: 0, reset: 0, seed: 1, only: [] },
  crash: undefined,
  iamPropagationDelayMs: 2000,
  pageSize: 3,
  instanceTransitionMs: 0,
  retryBaseMs: 100,
  takenBucketNames: [],
  accountId: '111122223333',
  defaultRegion: 'us-east-1',
};

const rate = z.number().min(0).max(1);
const ms = z.number().int().min(0).max(3_600_000);

const fileSchema = z
  .object({
    latencyMs: ms,
    faults: z
      .object({ throttle: rate, serverError: rate, reset: rate, seed: z.number().int(), only: z.array(z.string()) })
      .partial()
      .strict(),
    crash: z
      .object({
        when: z.enum(['before', 'after']),
        writeCall: z.number().int().min(1),
        mode: z.enum(['throw', 'exit']).optional(),
      })
      .strict(),
    iamPropagationDelayMs: ms,
    pageSize: z.number().int().min(1).max(1000),
    instanceTransitionMs: ms,
    retryBaseMs: ms,
    takenBucketNames: z.array(z.string()),
    accountId: z.string().regex(/^\d{12}$/),
    defaultRegion: z.string(),
  })
  .partial()
  .strict();

export type SandboxKnobsInput = z.input<typeof fileSchema>;

function invalid(message: string, hint: string): never {
  throw new CosignerError('SANDBOX_CONFIG_INVALID', message, { hint });
}

function envNumber(env: NodeJS.ProcessEnv, name: string, min: number, max: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    invalid(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`, `Fix or unset ${name}.`);
  return value;
}

/** Parses `throttle=0.2,5xx=0.05,reset=0.05,seed=42,only=kms:*|iam:Create*`. */
export function parseFaults(text: string, base: FaultKnobs = DEFAULT_KNOBS.faults): FaultKnobs {
  const faults: FaultKnobs = { ...base, only: [...base.only] };
  for (const part of text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')) {
    const [key = '', value = ''] = part.split('=', 2).map((item) => item.trim());
    const asRate = () => {
      const number = Number(value);
      if (value === '' || !Number.isFinite(number) || number < 0 || number > 1)
        invalid(
          `fault rate "${part}" must be a number from 0 to 1`,
          'Write rates like throttle=0.2 in COSIGNER_SANDBOX_FAULTS.',
        );
      return number;
    };
    switch (key) {
      case 'throttle':
      case 'throttling':
        faults.throttle = asRate();
        break;
      case '5xx':
      case 'server':
      case 'serverError':
        faults.serverError = asRate();
        break;
      case 'reset':
      case 'connreset':
        faults.reset = asRate();
        break;
      case 'seed': {
        const seed = Number(value);
        if (!Number.isInteger(seed))
          invalid(`fault seed "${value}" must be an integer`, 'Write seed=42 in COSIGNER_SANDBOX_FAULTS.');
        faults.seed = seed;
        break;
      }
      case 'only':
        faults.only = value
          .split('|')
          .map((item) => item.trim())
          .filter((item) => item !== '');
        break;
      default:
        invalid(
          `unknown fault "${key}" in COSIGNER_SANDBOX_FAULTS`,
          'Use throttle=, 5xx=, reset=, seed= and only= (comma separated).',
        );
    }
  }
  return faults;
}

/** Parses `before:3`, `after:5`, `after:5:exit`. */
export function parseCrash(text: string): CrashKnob | undefined {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === 'off' || trimmed === 'none') return undefined;
  const match = /^(before|after):(\d+)(?::(throw|exit))?$/.exec(trimmed);
  if (match === null || Number(match[2]) < 1)
    invalid(
      `COSIGNER_SANDBOX_CRASH "${text}" is not before:N or after:N`,
      'Write e.g. COSIGNER_SANDBOX_CRASH=after:3 (the 3rd write call), optionally with :exit.',
    );
  return {
    when: match[1] as 'before' | 'after',
    writeCall: Number(match[2]),
    mode: (match[3] as 'throw' | 'exit' | undefined) ?? 'throw',
  };
}

function readConfigFile(dir: string): SandboxKnobsInput {
  const path = join(dir, SANDBOX_CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    // A missing file (or a sandbox path that is not a directory, reported by the store) means no config.
    if (['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) return {};
    throw new CosignerError('SANDBOX_CONFIG_INVALID', `cannot read ${path}`, {
      hint: 'Check the file permissions.',
      cause: error,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CosignerError('SANDBOX_CONFIG_INVALID', `${path} is not valid JSON`, {
      hint: 'Fix or delete the sandbox config file.',
      cause: error,
    });
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CosignerError(
      'SANDBOX_CONFIG_INVALID',
      `${path}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'is invalid'}`.trim(),
      { hint: 'See src/aws/sandbox/README.md for the knobs.' },
    );
  }
  return parsed.data;
}

function merge(base: SandboxKnobs, input: SandboxKnobsInput): SandboxKnobs {
  const parsed = fileSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    invalid(
      `sandbox knobs: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}`.trim(),
      'See src/aws/sandbox/README.md for the knobs.',
    );
  }
  const value = parsed.data;
  return {
    ...base,
    ...(value.latencyMs === undefined ? {} : { latencyMs: value.latencyMs }),
    ...(value.iamPropagationDelayMs === undefined ? {} : { iamPropagationDelayMs: value.iamPropagationDelayMs }),
    ...(value.pageSize === undefined ? {} : { pageSize: value.pageSize }),
    ...(value.instanceTransitionMs === undefined ? {} : { instanceTransitionMs: value.instanceTransitionMs }),
    ...(value.retryBaseMs === undefined ? {} : { retryBaseMs: value.retryBaseMs }),
    ...(value.takenBucketNames === undefined ? {} : { takenBucketNames: value.takenBucketNames }),
    ...(value.accountId === undefined ? {} : { accountId: value.accountId }),
    ...(value.defaultRegion === undefined ? {} : { defaultRegion: value.defaultRegion }),
    // Each fault knob the input leaves out (or sets to undefined) keeps its base value.
    faults: {
      throttle: value.faults?.throttle ?? base.faults.throttle,
      serverError: value.faults?.serverError ?? base.faults.serverError,
      reset: value.faults?.reset ?? base.faults.reset,
      seed: value.faults?.seed ?? base.faults.seed,
      only: value.faults?.only ?? base.faults.only,
    },
    crash:
      value.crash === undefined
        ? base.crash
        : { when: value.crash.when, writeCall: value.crash.writeCall, mode: value.crash.mode ?? 'throw' },
  };
}

/** Defaults, then `<dir>/aws-sandbox.json`, then the environment, then `overrides`. */
export function loadKnobs(dir: string, env: NodeJS.ProcessEnv, overrides: SandboxKnobsInput = {}): SandboxKnobs {
  let knobs = merge(DEFAULT_KNOBS, readConfigFile(dir));
  const latency = envNumber(env, 'COSIGNER_SANDBOX_LATENCY_MS', 0, 3_600_000);
  if (latency !== undefined) knobs.latencyMs = latency;
  const delay = envNumber(env, 'COSIGNER_SANDBOX_IAM_DELAY_MS', 0, 3_600_000);
  if (delay !== undefined) knobs.iamPropagationDelayMs = delay;
  const pageSize = envNumber(env, 'COSIGNER_SANDBOX_PAGE_SIZE', 1, 1000);
  if (pageSize !== undefined) knobs.pageSize = pageSize;
  const transition = envNumber(env, 'COSIGNER_SANDBOX_INSTANCE_DELAY_MS', 0, 3_600_000);
  if (transition !== undefined) knobs.instanceTransitionMs = transition;
  const retryBase = envNumber(env, 'COSIGNER_SANDBOX_RETRY_BASE_MS', 0, 60_000);
  if (retryBase !== undefined) knobs.retryBaseMs = retryBase;
  const faults = env.COSIGNER_SANDBOX_FAULTS;
  if (faults !== undefined && faults.trim() !== '') knobs.faults = parseFaults(faults, knobs.faults);
  const crash = env.COSIGNER_SANDBOX_CRASH;
  if (crash !== undefined) knobs.crash = parseCrash(crash);
  knobs = merge(knobs, overrides);
  return knobs;
}
