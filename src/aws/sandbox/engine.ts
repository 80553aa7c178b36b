/**
 * The sandbox engine: every simulated API call goes through {@link SandboxEngine.call}, which
 * plays the part of the SDK client and of the AWS front end:
 *
 * 1. simulated network latency (real timers, so benchmarks measure wall time);
 * 2. injected faults (throttling, 5xx, connection reset before or after the call took effect),
 *    drawn from a seeded sequence;
 * 3. the crash hook (before/after the N-th write call);
 * 4. the call itself: reads on a snapshot, writes as a locked transaction on the state file;
 * 5. a CloudTrail event for management calls;
 * 6. the SDK's retry strategy around all of it (retryable errors retried with backoff up to
 *    `maxAttempts`, `$metadata.attempts` and `totalRetryDelay` filled in as the SDK does).
 */
import { createHash, randomUUID } from 'node:crypto';
import { CosignerError, isCosignerError } from '../../errors.js';
import { evaluateAccess } from '../../policy/evaluate.js';
import { globMatch } from '../../policy/match.js';
import type { ContextValue, PolicyDocument } from '../../policy/types.js';
import { SDK_MAX_ATTEMPTS } from '../retry.js';
import { REGIONS } from './catalogue.js';
import { parsedPolicy } from './policy-cache.js';
import { resolveCaller, type Caller, type PrincipalSpec } from './caller.js';
import type { SandboxKnobs } from './knobs.js';
import {
  awsError,
  connectionReset,
  isSdkRetryable,
  serverError,
  throttlingError,
  type SandboxService,
  SandboxServiceError,
} from './service-error.js';
import { type RegionState, type SandboxState } from './state.js';
import { newRegionState } from './state-new.js';
import type { SandboxStore } from './memory-store.js';
import { trailEvent } from './trail-event.js';
import { setTimeout as realSleep } from 'node:timers/promises';

/** How an AccessDenied looks for the service at hand. */
export interface AuthorizeRequest {
  action: string;
  resource: string;
  /** The resource policy text (key policy, bucket policy); none for identity-only checks. */
  resourcePolicy?: string | undefined;
  /** `kms`: the key policy must allow (directly or by delegation). `generic`: either side may. */
  model?: 'kms' | 'generic';
  /** Extra condition keys (e.g. `kms:RecipientAttestation:PCR8`). */
  context?: Record<string, ContextValue>;
  /** HEAD requests carry no error body: S3 reports a bare 403. */
  head?: boolean;
  /** KMS grants: allow the caller when no policy allows and none denies explicitly. */
  grants?: (caller: Caller) => boolean;
}

/** What a handler may add to the CloudTrail event of its call. */
export interface TrailDetail {
  resources?: { ARN?: string; accountId?: string; type?: string }[];
  additionalEventData?: Record<string, unknown>;
  responseElements?: Record<string, unknown> | null;
  requestParameters?: Record<string, unknown> | null;
}

export interface Tx {
  readonly state: SandboxState;
  readonly region: string;
  readonly regionState: RegionState;
  readonly now: Date;
  readonly caller: Caller;
  readonly knobs: SandboxKnobs;
  readonly service: SandboxService;
  readonly operation: string;
  /** Throws the service's AccessDenied unless the caller may do `action` on `resource`. */
  authorize(request: AuthorizeRequest): void;
  /** Annotates this call's CloudTrail event. */
  trail(detail: TrailDetail): void;
  /** Shorthand for `awsError(service, …)`. */
  error(code: string, message: string, status?: number): SandboxServiceError;
}

export interface CallSpec<O> {
  service: SandboxService;
  operation: string;
  /** Writes run as a locked transaction and count for the crash hook. */
  write: boolean;
  input: object;
  run: (tx: Tx) => O | Promise<O>;
  /** Not recorded in CloudTrail (S3 object-level data events, CloudTrail's own reads). */
  noTrail?: boolean;
  /** The region the call is recorded and evaluated in (IAM and STS are global: us-east-1). */
  trailRegion?: string;
}

export interface EngineOptions {
  store: SandboxStore;
  knobs: SandboxKnobs;
  region: string;
  principal: PrincipalSpec;
  now: () => Date;
  /** SDK attempts per call, first included. @default SDK_MAX_ATTEMPTS (5), as the real clients */
  maxAttempts?: number;
  /** @default real timers */
  sleep?: (ms: number) => Promise<void>;
  /** Told of every IAM action a call asks authorization for (tests of the operator's policy). */
  onAuthorize?: (action: string) => void;
}

/** A seeded sequence of uniform numbers in [0, 1): SHA-256 of (seed, counter), so a fault schedule is reproducible. */
function seeded(seed: number): () => number {
  let counter = 0;
  return () => {
    counter += 1;
    return createHash('sha256').update(`${seed}:${counter}`).digest().readUIntBE(0, 6) / 2 ** 48;
  };
}

export class SandboxEngine {
  readonly store: SandboxStore;
  readonly knobs: SandboxKnobs;
  readonly region: string;
  readonly principal: PrincipalSpec;
  readonly now: () => Date;
  readonly maxAttempts: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #only: readonly string[];
  readonly #onAuthorize: ((action: string) => void) | undefined;
  #writeCalls = 0;
  #crashed = false;

  constructor(options: EngineOptions) {
    this.store = options.store;
    this.knobs = options.knobs;
    this.region = options.region;
    this.principal = options.principal;
    this.now = options.now;
    this.maxAttempts = options.maxAttempts ?? SDK_MAX_ATTEMPTS;
    this.#sleep = options.sleep ?? realSleep;
    this.#onAuthorize = options.onAuthorize;
    this.#random = seeded(options.knobs.faults.seed);
    this.#only = options.knobs.faults.only;
  }

  /** Write calls made so far through this engine (what the crash hook counts). */
  get writeCalls(): number {
    return this.#writeCalls;
  }

  /** Run one API call with the SDK's retry behaviour around it. */
  async call<O extends object>(
    spec: CallSpec<O>,
  ): Promise<
    O & { $metadata: { httpStatusCode: number; requestId: string; attempts: number; totalRetryDelay: number } }
  > {
    let totalRetryDelay = 0;
    for (let attempt = 1; ; attempt += 1) {
      try {
        const output = await this.#attempt(spec);
        return {
          ...output,
          $metadata: { httpStatusCode: 200, requestId: randomUUID(), attempts: attempt, totalRetryDelay },
        };
      } catch (error) {
        if (isCosignerError(error)) throw error;
        const { retry, throttling } = isSdkRetryable(error);
        if (!retry || attempt >= this.maxAttempts) {
          if (typeof error === 'object' && error !== null) {
            const record = error as { $metadata?: Record<string, unknown> };
            record.$metadata = { ...(record.$metadata ?? {}), attempts: attempt, totalRetryDelay };
          }
          throw error;
        }
        // The SDK's backoff: full jitter over an exponentially growing cap (throttling waits longer).
        const base = this.knobs.retryBaseMs * (throttling ? 5 : 1);
        const delay = Math.floor(Math.random() * Math.min(20_000, base * 2 ** (attempt - 1)));
        totalRetryDelay += delay;
        if (delay > 0) await this.#sleep(delay);
      }
    }
  }

  #crash(): never {
    this.#crashed = true;
    if (this.knobs.crash?.mode === 'exit') process.kill(process.pid, 'SIGKILL');
    const writeCall = this.knobs.crash?.writeCall;
    throw new CosignerError(
      'SANDBOX_CRASH',
      `simulated crash ${this.knobs.crash?.when ?? ''} write call ${writeCall ?? ''}`,
      {
        hint: 'This is the sandbox crash hook (COSIGNER_SANDBOX_CRASH); unset it and run again to resume.',
        context: { writeCall, when: this.knobs.crash?.when },
        // A crash cuts the run short as a killed process would: the flows record it as interrupted.
        interruption: true,
      },
    );
  }

  #drawFault(spec: CallSpec<object>): 'throttle' | 'server' | 'reset-before' | 'reset-after' | undefined {
    const { throttle, serverError: server, reset } = this.knobs.faults;
    if (throttle + server + reset <= 0) return undefined;
    const name = `${spec.service}:${spec.operation}`;
    if (this.#only.length > 0 && !this.#only.some((pattern) => globMatch(pattern, name, true))) return undefined;
    const draw = this.#random();
    const side = this.#random();
    if (draw < throttle) return 'throttle';
    if (draw < throttle + server) return 'server';
    if (draw < throttle + server + reset) return side < 0.5 ? 'reset-before' : 'reset-after';
    return undefined;
  }

  async #attempt<O extends object>(spec: CallSpec<O>): Promise<O> {
    if (this.#crashed) this.#crash();
    if (this.knobs.latencyMs > 0) await this.#sleep(this.knobs.latencyMs);
    if (this.#crashed) this.#crash();
    const fault = this.#drawFault(spec);
    if (fault === 'throttle') throw throttlingError(spec.service);
    if (fault === 'server') throw serverError(spec.service);
    if (fault === 'reset-before') throw connectionReset();
    // This call's own position among write calls, captured now: concurrent calls move the shared
    // counter while this one awaits, and "after the N-th write" must mean this call, not the latest.
    const writeIndex = spec.write ? ++this.#writeCalls : undefined;
    if (writeIndex !== undefined && this.knobs.crash?.when === 'before' && this.knobs.crash.writeCall === writeIndex)
      this.#crash();
    const detail: TrailDetail = {};
    const now = this.now();
    let output: O | undefined;
    let failure: unknown;
    let caller: Caller | undefined;
    const execute = async (state: SandboxState): Promise<O> => {
      const tx = this.#tx(state, spec, now, detail);
      caller = tx.caller;
      return spec.run(tx);
    };
    try {
      output = spec.write ? await this.store.transact(execute) : await execute(await this.store.read());
    } catch (error) {
      if (isCosignerError(error)) throw error;
      failure = error;
    }
    if (spec.noTrail !== true && caller !== undefined) await this.#record(spec, now, caller, detail, failure);
    if (writeIndex !== undefined && this.knobs.crash?.when === 'after' && this.knobs.crash.writeCall === writeIndex)
      this.#crash();
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- rethrowing the service's own error unchanged
    if (failure !== undefined) throw failure;
    if (fault === 'reset-after') throw connectionReset();
    return output as O;
  }

  #tx(state: SandboxState, spec: CallSpec<object>, now: Date, detail: TrailDetail): Tx {
    const region = this.region;
    if (!REGIONS.has(region))
      throw awsError(
        spec.service,
        'UnrecognizedClientException',
        `The region ${region} is not available in this sandbox.`,
        400,
      );
    // A region no call has written yet: a write adds it to the state; a read sees it as new and
    // changes nothing (what it reads may be shared and frozen: memory-store.ts).
    const regionState = spec.write
      ? (state.regions[region] ??= newRegionState(state.accountId, region))
      : (state.regions[region] ?? newRegionState(state.accountId, region));
    const caller = resolveCaller(state, this.principal);
    const authorize = this.authorize.bind(this);
    return {
      state,
      region,
      regionState,
      now,
      caller,
      knobs: this.knobs,
      service: spec.service,
      operation: spec.operation,
      authorize(request) {
        authorize(spec.service, caller, now, region, request);
      },
      trail(extra) {
        Object.assign(detail, extra);
      },
      error(code, message, status) {
        return awsError(spec.service, code, message, status);
      },
    };
  }

  /** The AWS authorization decision for `caller`, thrown as the service's AccessDenied. */
  authorize(service: SandboxService, caller: Caller, now: Date, region: string, request: AuthorizeRequest): void {
    this.#onAuthorize?.(request.action);
    const resourcePolicy: PolicyDocument = (request.resourcePolicy === undefined
      ? undefined
      : parsedPolicy(request.resourcePolicy)) ?? { Statement: [] };
    const context: Record<string, ContextValue> = {
      'aws:SecureTransport': true,
      'aws:CurrentTime': now.toISOString(),
      'aws:EpochTime': String(Math.floor(now.getTime() / 1000)),
      'aws:RequestedRegion': region,
      'aws:PrincipalType': caller.kind === 'user' ? 'User' : 'AssumedRole',
      'aws:userid': caller.userId,
      'aws:ViaAWSService': false,
      'aws:PrincipalIsAWSService': false,
      'aws:ResourceAccount': caller.accountId,
      ...(caller.kind === 'user' ? { 'aws:username': caller.name } : {}),
      ...(service === 'kms' ? { 'kms:CallerAccount': caller.accountId } : {}),
      ...(request.context ?? {}),
    };
    const resourceModel = request.resourcePolicy === undefined ? 'generic' : (request.model ?? 'generic');
    const result = evaluateAccess(
      resourcePolicy,
      {
        principalArn: caller.principalArn,
        principalAccount: caller.accountId,
        action: request.action,
        resource: request.resource,
        context,
      },
      caller.identityPolicies,
      { service: resourceModel },
    );
    if (result.decision === 'Allow') return;
    if (result.decision === 'ImplicitDeny' && request.grants?.(caller) === true) return;
    const explicit = result.decision === 'ExplicitDeny';
    const resourceDenied =
      explicit && result.matchedStatements.some((index) => resourcePolicy.Statement[index]?.Effect === 'Deny');
    const because = explicit
      ? `with an explicit deny in ${resourceDenied ? 'a resource-based policy' : 'an identity-based policy'}`
      : request.resourcePolicy !== undefined && resourceModel === 'kms'
        ? `because no resource-based policy allows the ${request.action} action`
        : `because no identity-based policy allows the ${request.action} action`;
    const message = `User: ${caller.arn} is not authorized to perform: ${request.action} on resource: ${request.resource} ${because}`;
    switch (service) {
      case 'kms':
      case 'ssm':
      case 'cloudtrail':
        throw awsError(service, 'AccessDeniedException', message, 400);
      case 'ec2':
        throw awsError(
          service,
          'UnauthorizedOperation',
          `You are not authorized to perform this operation. ${message}`,
          403,
        );
      case 's3':
        if (request.head === true) throw new SandboxServiceError('s3', 'Unknown', 'UnknownError', 403);
        throw awsError(service, 'AccessDenied', message, 403);
      default:
        throw awsError(service, 'AccessDenied', message, 403);
    }
  }

  async #record(
    spec: CallSpec<object>,
    now: Date,
    caller: Caller,
    detail: TrailDetail,
    failure: unknown,
  ): Promise<void> {
    await this.store.appendTrail(
      trailEvent({ spec, now, caller, detail, failure, region: spec.trailRegion ?? this.region }),
    );
  }
}
