/**
 * A test world for end-to-end runs on the sandbox: a temp directory with a sandbox account and a
 * config path, fast knobs (no latency, short IAM propagation, no SDK backoff), helpers to run
 * provision/destroy with fresh ports per run (as a new process would), and an inventory of the
 * sandbox state to assert "one of each, nothing orphaned" on.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import {
  createSandboxPorts,
  SandboxMemory,
  type PrincipalSpec,
  type SandboxKnobsInput,
  type SandboxPorts,
  type SandboxState,
} from '../../src/aws/sandbox/index.js';
import { validateConfig } from '../../src/config/load.js';
import type { CosignerConfig } from '../../src/config/schema.js';
import { TAGS } from '../../src/config/names.js';
import { Journal, journalPath } from '../../src/engine/journal.js';
import type { RetryTuning } from '../../src/engine/journaled-call.js';
import { keyMarker } from '../../src/engine/ownership.js';
import { runProvisionFlow, type ProvisionOutcome, type ProvisionRequest } from '../../src/provision/provision.js';
import { runStatusFlow, type StatusReport } from '../../src/status/status.js';
import { runDestroyFlow, type DestroyOutcome, type DestroyRequest } from '../../src/teardown/teardown.js';
import { TestIoHost } from '../helpers/test-io-host.js';

export const REGION = 'eu-west-1';
/**
 * The network of the test worlds unless a test says otherwise: the sandbox's default VPC routes out
 * only through its internet gateway, as AWS's does, so the host needs a public IP there (mode
 * "existing" is refused; test/e2e/network.e2e.test.ts covers every mode).
 */
export const TEST_NETWORK = { mode: 'public-ip' } as const;
export const FAST_KNOBS: SandboxKnobsInput = {
  latencyMs: 0,
  iamPropagationDelayMs: 40,
  retryBaseMs: 0,
  instanceTransitionMs: 0,
};
export const FAST_RETRY: RetryTuning = {
  propagationInitialDelayMs: 5,
  propagationMaxDelayMs: 10,
  transientDelayMs: 1,
  propagationMaxWaitMs: 10_000,
};

export interface World {
  dir: string;
  sandboxDir: string;
  configPath: string;
  config: CosignerConfig;
  ports(knobs?: SandboxKnobsInput, principal?: PrincipalSpec): Promise<SandboxPorts>;
  provision(options?: {
    knobs?: SandboxKnobsInput;
    request?: Partial<ProvisionRequest>;
    io?: TestIoHost;
    config?: CosignerConfig;
    concurrency?: number;
    principal?: PrincipalSpec;
  }): Promise<ProvisionOutcome & { io: TestIoHost; ports: SandboxPorts }>;
  destroy(
    request?: Partial<DestroyRequest> & { knobs?: SandboxKnobsInput; io?: TestIoHost },
  ): Promise<DestroyOutcome & { io: TestIoHost; ports: SandboxPorts }>;
  status(request?: { all?: boolean; config?: CosignerConfig | null }): Promise<StatusReport>;
  state(): Promise<SandboxState>;
  /** The journal the runs in this world keep beside the config. */
  journal(): Promise<Journal>;
  /**
   * A new world with a copy of this one's account, journal and receipt: what a run on a copy of
   * the sandbox and config directories would see. Set-up shared by many scenarios is made once.
   */
  fork(): Promise<World>;
  cleanup(): Promise<void>;
}

export interface WorldOptions {
  /**
   * Keep the sandbox account in memory (src/aws/sandbox/memory-store.ts) rather than in files
   * under `sandboxDir`: no lock, no fsync, same semantics. For the fault matrices, which run
   * hundreds of provisions; a test that reads the sandbox's files or runs the CLI on `sandboxDir`
   * needs the files.
   */
  memory?: boolean;
}

export async function makeWorld(configInput: Record<string, unknown> = {}, options: WorldOptions = {}): Promise<World> {
  const config = validateConfig(
    { name: 'demo', aws: { region: REGION }, network: TEST_NETWORK, ...configInput },
    'test config',
  );
  return worldIn(
    await mkdtemp(join(tmpdir(), 'cosigner-e2e-')),
    config,
    options.memory === true ? new SandboxMemory() : undefined,
  );
}

function worldIn(dir: string, config: CosignerConfig, memory: SandboxMemory | undefined): World {
  const sandboxDir = join(dir, 'sandbox');
  const configPath = join(dir, 'cosigner.json');
  const ports = (knobs: SandboxKnobsInput = {}, principal?: PrincipalSpec) =>
    createSandboxPorts({
      dir: sandboxDir,
      region: REGION,
      env: {},
      knobs: { ...FAST_KNOBS, ...knobs },
      ...(memory === undefined ? {} : { memory }),
      ...(principal === undefined ? {} : { principal }),
    });
  return {
    dir,
    sandboxDir,
    configPath,
    config,
    ports,
    async provision(options = {}) {
      const p = await ports(options.knobs, options.principal);
      const io = options.io ?? new TestIoHost({ assumeYes: true });
      const outcome = await runProvisionFlow(
        { dryRun: false, resume: false, ...options.request },
        {
          ports: p,
          io,
          config: options.config ?? config,
          configPath,
          now: () => new Date(),
          retry: FAST_RETRY,
          ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
        },
      );
      return { ...outcome, io, ports: p };
    },
    async destroy(request = {}) {
      const p = await ports(request.knobs);
      const io = request.io ?? new TestIoHost({ assumeYes: true });
      const outcome = await runDestroyFlow(
        { name: config.name, dryRun: false, deleteKey: false, deleteBucket: false, ...request },
        { ports: p, io, config, configPath, now: () => new Date(), retry: { ...FAST_RETRY, waitPollMs: 1 } },
      );
      return { ...outcome, io, ports: p };
    },
    async status(request = {}) {
      const p = await ports();
      const chosen = request.config === null ? undefined : (request.config ?? config);
      return runStatusFlow(
        { all: request.all ?? false },
        { ports: p, ...(chosen === undefined ? {} : { config: chosen }), configPath, now: () => new Date() },
      );
    },
    async state() {
      return (await ports()).readState();
    },
    journal() {
      const scope = { name: config.name, accountId: '111122223333', region: REGION };
      return Journal.open(journalPath(dir, scope), scope);
    },
    async fork() {
      const copy = await mkdtemp(join(tmpdir(), 'cosigner-e2e-'));
      await cp(dir, copy, { recursive: true });
      return worldIn(copy, config, memory?.copy());
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Everything in the sandbox account that could be ours, by kind. */
export function inventory(state: SandboxState, region = REGION) {
  const r = state.regions[region];
  const keys = Object.values(r?.kms.keys ?? {});
  return {
    roles: Object.values(state.iam.roles),
    profiles: Object.values(state.iam.instanceProfiles),
    buckets: Object.values(state.s3.buckets),
    liveKeys: keys.filter((k) => k.pendingDeletion === undefined),
    retiredKeys: keys.filter((k) => k.pendingDeletion !== undefined),
    aliases: Object.values(r?.kms.aliases ?? {}),
    // The host's group (a managed network's endpoints' group is in network-world.ts's inventory).
    groups: (r?.ec2.securityGroups ?? []).filter(
      (g) => g.name !== 'default' && !g.tags.some((t) => t.Key === 'cosigner-cli:part'),
    ),
    instances: (r?.ec2.instances ?? []).filter((i) => i.terminatedAt === undefined),
    volumes: (r?.ec2.volumes ?? []).filter((v) => v.deletedAt === undefined),
  };
}

const tag = (tags: { Key: string; Value: string }[] | undefined, key: string) =>
  tags?.find((t) => t.Key === key)?.Value;

/** Exactly one of each resource, all ours and configured as the issue says; nothing else. */
export function expectConverged(state: SandboxState, name = 'demo', options: { publicIp?: boolean } = {}): void {
  const inv = inventory(state);
  expect(inv.roles.map((x) => x.name)).toEqual([`${name}-cosigner`]);
  const role = inv.roles[0]!;
  expect(role.path).toBe('/cosigner-cli/');
  expect(tag(role.tags, TAGS.name)).toBe(name);
  expect(Object.keys(role.inlinePolicies)).toEqual(['cosigner-access']);
  expect(role.attachedPolicies).toEqual(['arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore']);

  expect(inv.profiles.map((x) => x.name)).toEqual([`${name}-cosigner`]);
  expect(inv.profiles[0]!.roles).toEqual([role.name]);

  expect(inv.buckets).toHaveLength(1);
  const bucket = inv.buckets[0]!;
  expect(tag(bucket.tags, TAGS.name)).toBe(name);
  expect(bucket.versioning).toBe('Enabled');
  expect(bucket.ownership).toBe('BucketOwnerEnforced');
  expect(bucket.encryption.algorithm).toBe('AES256');
  expect(bucket.publicAccessBlock).toEqual({
    BlockPublicAcls: true,
    IgnorePublicAcls: true,
    BlockPublicPolicy: true,
    RestrictPublicBuckets: true,
  });
  expect(bucket.policy).toContain(role.arn);

  expect(inv.liveKeys).toHaveLength(1);
  const key = inv.liveKeys[0]!;
  expect(keyMarker(key.description)?.name).toBe(name);
  expect(key.policy).toContain('kms:RecipientAttestation:PCR8');
  expect(key.rotation.enabled).toBe(true);
  expect(inv.aliases.filter((a) => a.name === `alias/${name}-cosigner`).map((a) => a.keyId)).toEqual([key.id]);
  expect(role.inlinePolicies['cosigner-access']).toContain(key.arn);
  // Twins of a retried CreateKey are the only keys allowed besides it, and only pending deletion.
  for (const twin of inv.retiredKeys) expect(keyMarker(twin.description)?.name).toBe(name);

  expect(inv.groups).toHaveLength(1);
  const group = inv.groups[0]!;
  expect(group.ingress).toEqual([]);
  expect(group.egress.map((e) => [e.protocol, e.fromPort, e.toPort, e.cidrIpv4])).toEqual([
    ['tcp', 443, 443, '0.0.0.0/0'],
  ]);

  expect(inv.instances).toHaveLength(1);
  const host = inv.instances[0]!;
  expect(tag(host.tags, TAGS.name)).toBe(name);
  expect(host.enclave).toBe(true);
  expect(host.metadata.httpTokens).toBe('required');
  expect(host.metadata.hopLimit).toBe(2);
  // The host has a public IP exactly when the network mode gives it one.
  if (options.publicIp ?? TEST_NETWORK.mode === 'public-ip') expect(host.publicIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  else expect(host.publicIp).toBeUndefined();
  expect(host.securityGroupIds).toEqual([group.id]);
  expect(host.instanceProfileArn).toBe(inv.profiles[0]!.arn);
  expect(host.type).toBe('c5.xlarge');
  const root = inv.volumes.filter((v) => v.instanceId === host.id);
  expect(root.map((v) => [v.type, v.encrypted])).toEqual([['gp3', true]]);
}
