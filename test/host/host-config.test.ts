// Host configuration: the allocator's reservation and the vsock-proxy allowlist, parsed the way
// their programs read them, changed add-only with a backup, checked where the reservation lands,
// and rolled back when a service refuses the change.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SandboxHost } from '../../src/aws/sandbox/host/index.js';
import type { CosignerError } from '../../src/errors.js';
import { cpuListSize, parseAllocatorYaml, planAllocator, readReservation } from '../../src/host/allocator.js';
import { applyHostConfig, planHostConfig, restoreHostConfig, type HostConfigDeps } from '../../src/host/host-config.js';
import { HOST_PATHS } from '../../src/host/ports.js';
import { allowsEndpoint, kmsEndpoint, parseVsockProxyConfig, planVsockProxy } from '../../src/host/vsock-proxy.js';
import { REGION } from '../e2e/world.js';
import { makeHostWorld, type HostWorld } from './host-world.js';

describe('allocator.yaml', () => {
  it('reads what the allocator reads: nothing before ---, memory_mib and cpu_count or cpu_pool', () => {
    expect(parseAllocatorYaml('# comment\nmemory_mib: 1\n---\nmemory_mib: 512 # MiB\ncpu_count: 2\n')).toEqual({
      memoryMiB: 512,
      cpuCount: 2,
      cpuPool: undefined,
    });
    expect(parseAllocatorYaml('---\nmemory_mib: 4096\ncpu_pool: 1,3\n').cpuPool).toBe('1,3');
    expect(cpuListSize('2-5,8')).toBe(5);
  });

  for (const [what, text] of [
    ['no --- line', 'memory_mib: 512\ncpu_count: 2\n'],
    ['an unknown key', '---\nmemory_mib: 512\ncpu_count: 2\nhugepages: 1G\n'],
    ['both cpu_count and cpu_pool', '---\nmemory_mib: 512\ncpu_count: 2\ncpu_pool: 1,3\n'],
    ['a memory that is not a number', '---\nmemory_mib: 4G\ncpu_count: 2\n'],
  ] as const) {
    it(`refuses ${what} (HOST_CONFIG_UNPARSEABLE) rather than rewrite it`, () => {
      expect(() => planAllocator(text, { memoryMiB: 4096, cpuCount: 2 })).toThrowCosignerError(
        'HOST_CONFIG_UNPARSEABLE',
      );
    });
  }

  it('leaves a sufficient reservation alone, never shrinks memory, keeps the preamble', () => {
    expect(planAllocator('---\nmemory_mib: 6144\ncpu_pool: 1,3\n', { memoryMiB: 4096, cpuCount: 2 }).after).toBe(
      undefined,
    );
    const plan = planAllocator('# mine\n---\nmemory_mib: 512\ncpu_count: 2\n', { memoryMiB: 4096, cpuCount: 2 });
    expect(plan.after).toMatch(/^# mine\n/);
    expect(parseAllocatorYaml(plan.after!)).toMatchObject({ memoryMiB: 4096, cpuCount: 2 });
  });
});

describe('vsock-proxy.yaml', () => {
  const shipped = [
    '# comment',
    'allowlist:',
    '- {address: kms.us-east-1.amazonaws.com, port: 443}',
    '- address: kms-fips.us-east-1.amazonaws.com',
    '  port: 443',
    'other_setting: true',
    '',
  ].join('\n');

  it('adds the region’s KMS endpoint after the last entry and keeps every other byte', () => {
    const plan = planVsockProxy(shipped, kmsEndpoint('eu-west-1'));
    const after = plan.after!;
    expect(after.split('\n')).toEqual([
      '# comment',
      'allowlist:',
      '- {address: kms.us-east-1.amazonaws.com, port: 443}',
      '- address: kms-fips.us-east-1.amazonaws.com',
      '  port: 443',
      '- {address: kms.eu-west-1.amazonaws.com, port: 443}',
      'other_setting: true',
      '',
    ]);
    expect(parseVsockProxyConfig(after).entries).toHaveLength(3);
    expect(planVsockProxy(after, kmsEndpoint('eu-west-1')).after).toBeUndefined();
  });

  it('creates the allowlist in an empty or missing file', () => {
    expect(planVsockProxy(undefined, kmsEndpoint('eu-west-1')).after).toBe(
      'allowlist:\n- {address: kms.eu-west-1.amazonaws.com, port: 443}\n',
    );
  });

  it('does not take a lookalike host or another port for the endpoint', () => {
    const text =
      'allowlist:\n- {address: kms.eu-west-1.amazonaws.com.evil.example, port: 443}\n- {address: kms.eu-west-1.amazonaws.com, port: 8443}\n';
    expect(allowsEndpoint(text, kmsEndpoint('eu-west-1'))).toBe(false);
    expect(planVsockProxy(text, kmsEndpoint('eu-west-1')).after).toContain('kms.eu-west-1.amazonaws.com, port: 443}');
  });

  for (const [what, text] of [
    ['an inline list', 'allowlist: []\n'],
    ['an entry with other fields', 'allowlist:\n- {address: a.example, port: 443, tls: off}\n'],
    ['a port out of range', 'allowlist:\n- {address: a.example, port: 99999}\n'],
    ['two allowlists', 'allowlist:\n- {address: a.example, port: 443}\nallowlist:\n'],
  ] as const) {
    it(`refuses ${what} (HOST_CONFIG_UNPARSEABLE)`, () => {
      expect(() => planVsockProxy(text, kmsEndpoint('eu-west-1'))).toThrowCosignerError('HOST_CONFIG_UNPARSEABLE');
    });
  }
});

describe('applying the host configuration on the simulated host', () => {
  let w: HostWorld;
  let host: SandboxHost;
  let deps: HostConfigDeps;
  beforeAll(async () => {
    w = await makeHostWorld();
  }, 60_000);
  afterAll(() => w.cleanup());
  beforeEach(async () => {
    host = await w.host();
    deps = {
      fs: host.fs,
      services: host.services,
      now: () => new Date(),
      sleep: () => Promise.resolve(),
      reservationWaitMs: 0,
    };
  });

  it('writes the reservation with a backup, restarts the allocator, sees the hugepages; a second run writes nothing', async () => {
    const packaged = '---\nmemory_mib: 512\ncpu_count: 2\n';
    await host.fs.writeAtomic(HOST_PATHS.allocatorConfig, packaged, 0o644);
    await host.services.restart('nitro-enclaves-allocator.service');
    expect((await readReservation(host.fs)).memoryMiB).toBe(512);

    const plan = await planHostConfig(host.fs, { memoryMiB: 4096, cpuCount: 2 }, REGION);
    const result = await applyHostConfig(plan, deps);
    expect(result).toMatchObject({
      allocator: 'written',
      vsockProxy: 'unchanged',
      reservation: { memoryMiB: 4096, cpus: 2 },
    });
    expect(result.backups).toHaveLength(1);
    expect(await host.fs.readText(result.backups[0]!, 1000)).toBe(packaged);

    const again = await applyHostConfig(await planHostConfig(host.fs, { memoryMiB: 4096, cpuCount: 2 }, REGION), deps);
    expect(again).toMatchObject({ allocator: 'unchanged', vsockProxy: 'unchanged', backups: [] });
  });

  it('adds a missing KMS endpoint to the allowlist, keeping the entries that were there', async () => {
    const before = (await host.fs.readText(HOST_PATHS.vsockProxyConfig, 100_000))!;
    const without = before
      .split('\n')
      .filter((l) => !l.includes(`kms.${REGION}.`))
      .join('\n');
    await host.fs.writeAtomic(HOST_PATHS.vsockProxyConfig, without, 0o644);
    const result = await applyHostConfig(await planHostConfig(host.fs, { memoryMiB: 4096, cpuCount: 2 }, REGION), deps);
    expect(result.vsockProxy).toBe('written');
    const after = (await host.fs.readText(HOST_PATHS.vsockProxyConfig, 100_000))!;
    for (const entry of parseVsockProxyConfig(without).entries) expect(allowsEndpoint(after, entry)).toBe(true);
    expect(allowsEndpoint(after, kmsEndpoint(REGION))).toBe(true);
  });

  it('too little memory on the instance: the allocator fails, the file and the reservation are restored', async () => {
    const before = (await host.fs.readText(HOST_PATHS.allocatorConfig, 1000))!;
    const reserved = await readReservation(host.fs);
    const plan = await planHostConfig(host.fs, { memoryMiB: 7168, cpuCount: 2 }, REGION);
    const error = (await applyHostConfig(plan, deps).catch((e: unknown) => e)) as CosignerError;
    expect(error.code).toBe('HOST_CONFIG_FAILED');
    expect(error.message).toContain('206');
    expect(error.context?.['restored']).toEqual([HOST_PATHS.allocatorConfig]);
    expect(await host.fs.readText(HOST_PATHS.allocatorConfig, 1000)).toBe(before);
    expect(await readReservation(host.fs)).toEqual(reserved);
    expect((await host.services.state('nitro-enclaves-allocator.service')).active).toBe('active');
  });

  it('restoreHostConfig puts back what a run wrote from its backups, and keeps a file changed since', async () => {
    const allocator = '---\nmemory_mib: 512\ncpu_count: 2\n';
    const allowlist = 'allowlist:\n- {address: kms.eu-central-1.amazonaws.com, port: 443}\n';
    const setUp = async () => {
      await host.fs.writeAtomic(HOST_PATHS.allocatorConfig, allocator, 0o644);
      await host.services.restart('nitro-enclaves-allocator.service');
      await host.fs.writeAtomic(HOST_PATHS.vsockProxyConfig, allowlist, 0o644);
      const plan = await planHostConfig(host.fs, { memoryMiB: 4096, cpuCount: 2 }, REGION);
      return { plan, applied: await applyHostConfig(plan, deps) };
    };

    const first = await setUp();
    expect(first.applied).toMatchObject({ allocator: 'written', vsockProxy: 'written' });
    expect(await restoreHostConfig(first.plan, first.applied, deps)).toEqual({
      restored: [HOST_PATHS.vsockProxyConfig, HOST_PATHS.allocatorConfig],
      kept: [],
    });
    expect(await host.fs.readText(HOST_PATHS.allocatorConfig, 1000)).toBe(allocator);
    expect(await host.fs.readText(HOST_PATHS.vsockProxyConfig, 1000)).toBe(allowlist);
    // The allocator was restarted on the restored file: the reservation is back to 512 MiB.
    expect((await readReservation(host.fs)).memoryMiB).toBe(512);

    // Something else (the installer) edited the allowlist after the run: it is kept, not clobbered.
    const second = await setUp();
    const edited = `${(await host.fs.readText(HOST_PATHS.vsockProxyConfig, 1000))!}- {address: example.com, port: 443}\n`;
    await host.fs.writeAtomic(HOST_PATHS.vsockProxyConfig, edited, 0o644);
    expect(await restoreHostConfig(second.plan, second.applied, deps)).toEqual({
      restored: [HOST_PATHS.allocatorConfig],
      kept: [HOST_PATHS.vsockProxyConfig],
    });
    expect(await host.fs.readText(HOST_PATHS.vsockProxyConfig, 1000)).toBe(edited);
    await host.fs.writeAtomic(HOST_PATHS.allocatorConfig, '---\nmemory_mib: 4096\ncpu_count: 2\n', 0o644);
    await host.services.restart('nitro-enclaves-allocator.service');
  });

  it('a file it cannot parse is left untouched (HOST_CONFIG_UNPARSEABLE before any write)', async () => {
    const odd = '---\nmemory_mib: 512\ncpu_count: 2\nextra: yes\n';
    await host.fs.writeAtomic(HOST_PATHS.allocatorConfig, odd, 0o644);
    await expect(planHostConfig(host.fs, { memoryMiB: 4096, cpuCount: 2 }, REGION)).toThrowCosignerError(
      'HOST_CONFIG_UNPARSEABLE',
    );
    expect(await host.fs.readText(HOST_PATHS.allocatorConfig, 1000)).toBe(odd);
    await host.fs.writeAtomic(HOST_PATHS.allocatorConfig, '---\nmemory_mib: 4096\ncpu_count: 2\n', 0o644);
  });
});
