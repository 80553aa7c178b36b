// network.mode: its flag and env var, the earlier network.publicIp still read (as mode public-ip),
// contradictions refused with a hint, and schemaVersion 1 files written before it loading as
// before.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, validateConfig } from '../../src/config/load.js';
import { serializeConfig } from '../../src/config/save.js';
import { configJsonSchema } from '../../src/config/schema.js';
import { SETTINGS } from '../../src/config/settings.js';
import { CosignerError } from '../../src/errors.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosigner-network-mode-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function load(file: Record<string, unknown>, env: NodeJS.ProcessEnv = {}, flags: Record<string, unknown> = {}) {
  const path = join(dir, 'cosigner.json');
  await writeFile(path, JSON.stringify({ schemaVersion: 1, name: 'alpha', ...file }));
  return (await loadConfig({ path, env, flags })).config;
}

function failure(run: () => unknown): CosignerError {
  try {
    run();
  } catch (error) {
    if (error instanceof CosignerError) return error as CosignerError;
  }
  throw new Error('expected a CosignerError');
}

describe('network.mode', () => {
  it('defaults to existing, and reads --network-mode and COSIGNER_NETWORK_MODE', async () => {
    expect((await load({})).network.mode).toBe('existing');
    expect((await load({}, { COSIGNER_NETWORK_MODE: 'managed' })).network.mode).toBe('managed');
    expect((await load({ network: { mode: 'managed' } }, {}, { networkMode: 'public-ip' })).network.mode).toBe(
      'public-ip',
    );
    const setting = SETTINGS.find((s) => s.path === 'network.mode');
    expect(setting).toMatchObject({ flag: '--network-mode', env: 'COSIGNER_NETWORK_MODE', arg: '<mode>' });
  });

  it('keeps schemaVersion 1 files with network.publicIp loading: true is mode public-ip, false the default', async () => {
    expect((await load({ network: { publicIp: true } })).network).toEqual({ mode: 'public-ip' });
    expect((await load({ network: { publicIp: false, subnetId: 'subnet-0abc1234' } })).network).toEqual({
      mode: 'existing',
      subnetId: 'subnet-0abc1234',
    });
    // The flag and env var of the earlier spelling work the same way.
    expect((await load({}, { COSIGNER_PUBLIC_IP: 'true' })).network.mode).toBe('public-ip');
    expect((await load({}, {}, { publicIp: true })).network.mode).toBe('public-ip');
    // A file init wrote before (publicIp false beside every default) takes a mode on top of it.
    expect((await load({ network: { publicIp: false } }, {}, { networkMode: 'public-ip' })).network.mode).toBe(
      'public-ip',
    );
  });

  it('is written back as network.mode only (the migration of publicIp)', () => {
    const config = validateConfig({ name: 'alpha', network: { publicIp: true } }, 'test');
    const file = JSON.parse(serializeConfig(config)) as { network: Record<string, unknown> };
    expect(file.network).toEqual({ mode: 'public-ip' });
    expect(validateConfig(file as never, 'round trip').network.mode).toBe('public-ip');
  });

  it('refuses contradictions with the setting to change in the hint', () => {
    const both = failure(() => validateConfig({ name: 'alpha', network: { publicIp: true, mode: 'managed' } }, 'test'));
    expect(both.code).toBe('CONFIG_INVALID');
    expect(both.message).toContain('network.mode: is managed, but network.publicIp true');
    expect(both.hint).toContain('--network-mode');
    const pinned = failure(() =>
      validateConfig({ name: 'alpha', network: { mode: 'managed', subnetId: 'subnet-0abc1234' } }, 'test'),
    );
    expect(pinned.message).toContain('managed creates its own VPC and subnet');
    const unknown = failure(() => validateConfig({ name: 'alpha', network: { mode: 'nat' } }, 'test'));
    expect(unknown.code).toBe('CONFIG_INVALID');
    expect(unknown.hint).toContain('COSIGNER_NETWORK_MODE');
  });

  it('documents both keys in the JSON Schema', () => {
    const network = (
      configJsonSchema() as {
        properties: Record<string, { properties: Record<string, { description?: string; enum?: string[] }> }>;
      }
    ).properties['network']!.properties;
    expect(network['mode']?.enum).toEqual(['existing', 'public-ip', 'managed']);
    expect(network['mode']?.description).toContain('NAT');
    expect(network['publicIp']?.description).toContain('network.mode public-ip');
  });
});
