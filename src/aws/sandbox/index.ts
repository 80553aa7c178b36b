/**
 * The simulated AWS account: the same ports as the real clients, over a JSON state file in the
 * sandbox directory. Behaviour spec (what is faithful, what is not): ./README.md.
 */
import { CosignerError } from '../../errors.js';
import type { AwsPorts, CredentialSource } from '../ports.js';
import { REGIONS } from './catalogue.js';
import { SandboxCloudTrail } from './cloudtrail.js';
import { SandboxEC2 } from './ec2.js';
import type { PrincipalSpec } from './caller.js';
import { SandboxEngine } from './engine.js';
import { SandboxIAM } from './iam.js';
import { loadKnobs, type SandboxKnobs, type SandboxKnobsInput } from './knobs.js';
import { SandboxKMS } from './kms.js';
import { memoryStore, type SandboxMemory, type SandboxStore } from './memory-store.js';
import { SandboxS3 } from './s3.js';
import { SandboxSSM } from './ssm.js';
import type { SandboxState } from './state.js';
import { StateStore } from './store.js';
import { SandboxSTS } from './sts.js';

export { createSandboxEnclaveSession } from './enclave-session.js';
export {
  DEFAULT_KNOBS,
  SANDBOX_CONFIG_FILE,
  parseCrash,
  parseFaults,
  type SandboxKnobs,
  type SandboxKnobsInput,
} from './knobs.js';
export { STATE_FORMAT, type SandboxState } from './state.js';
export { STATE_FILE, LOCK_FILE, TRAIL_FILE } from './store.js';
export { AL2023_X86_PARAMETER } from './catalogue.js';
export type { PrincipalSpec } from './caller.js';
export { SandboxMemory } from './memory-store.js';
export type { SandboxKMS } from './kms.js';
/** The S3 port plus the lifecycle and replication writes the CLI never calls (tests: `ports.s3 as SandboxS3`). */
export type { SandboxS3 } from './s3.js';
export type { SandboxCloudTrail } from './cloudtrail.js';

export interface SandboxPortsOptions {
  /** The sandbox directory (created if missing, unless `memory` holds the account). */
  dir: string;
  /**
   * Keep the account in this memory instead of the directory's files (tests, benchmarks): ports
   * over the same memory share the account. Knobs are still read from `<dir>/aws-sandbox.json`.
   */
  memory?: SandboxMemory;
  /** Otherwise `AWS_REGION`, `AWS_DEFAULT_REGION`, then the knobs' default region. */
  region?: string;
  /** Where `COSIGNER_SANDBOX_*` knobs are read from. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Knobs that win over the config file and the environment (tests). */
  knobs?: SandboxKnobsInput;
  /** Who the calls are made as. @default the sandbox admin user */
  principal?: PrincipalSpec;
  /** The clock (tests may pass a fake one). @default () => new Date() */
  now?: () => Date;
  /** SDK attempts per call. @default 5 */
  maxAttempts?: number;
  /** The timer used for latency and retry backoff. @default real timers */
  sleep?: (ms: number) => Promise<void>;
  /** Told of every IAM action a call asks authorization for (tests of the operator's IAM policy). */
  onAuthorize?: (action: string) => void;
}

export interface SandboxPorts extends AwsPorts {
  /** The KMS port, plus CreateGrant, RevokeGrant and DisableKeyRotation (which the CLI never calls). */
  readonly kms: SandboxKMS;
  /** The CloudTrail port, plus CreateTrail, UpdateTrail, StartLogging and StopLogging (which the CLI never calls). */
  readonly cloudtrail: SandboxCloudTrail;
  readonly sandbox: true;
  readonly dir: string;
  readonly knobs: SandboxKnobs;
  /** Write calls made through these ports so far (what the crash hook counts). */
  writeCalls(): number;
  /** The current state document, the caller's own copy (for assertions and `status`-style inspection). */
  readState(): Promise<SandboxState>;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** Resolves the region for the sandbox and checks that the sandbox simulates it. */
function sandboxRegion(explicit: string | undefined, env: NodeJS.ProcessEnv, knobs: SandboxKnobs): string {
  const region =
    nonEmpty(explicit) ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION) ?? knobs.defaultRegion;
  if (!REGIONS.has(region)) {
    throw new CosignerError('AWS_WRONG_REGION', `the sandbox does not simulate region ${region}`, {
      hint: `Pick one of: ${[...REGIONS.keys()].join(', ')}.`,
      context: { region },
    });
  }
  return region;
}

/** Opens (or creates) the sandbox in `dir` and returns ports over it. */
export async function createSandboxPorts(options: SandboxPortsOptions): Promise<SandboxPorts> {
  const env = options.env ?? process.env;
  const knobs = loadKnobs(options.dir, env, options.knobs);
  const region = sandboxRegion(options.region, env, knobs);
  const now = options.now ?? (() => new Date());
  let store: SandboxStore;
  if (options.memory === undefined) {
    const files = new StateStore({ dir: options.dir, accountId: knobs.accountId, now });
    await files.open();
    store = files;
  } else {
    store = memoryStore(options.memory, knobs.accountId, now);
  }
  const engine = new SandboxEngine({
    store,
    knobs,
    region,
    principal: options.principal ?? { kind: 'admin' },
    now,
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
    ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
    ...(options.onAuthorize === undefined ? {} : { onAuthorize: options.onAuthorize }),
  });
  const source: CredentialSource = { kind: 'sandbox' };
  return {
    ec2: new SandboxEC2(engine),
    kms: new SandboxKMS(engine),
    s3: new SandboxS3(engine),
    iam: new SandboxIAM(engine),
    sts: new SandboxSTS(engine),
    ssm: new SandboxSSM(engine),
    cloudtrail: new SandboxCloudTrail(engine),
    region,
    sandbox: true,
    dir: options.dir,
    knobs,
    credentialSource: () => Promise.resolve(source),
    destroy: () => undefined,
    writeCalls: () => engine.writeCalls,
    readState: async () => structuredClone(await store.read()),
  };
}
