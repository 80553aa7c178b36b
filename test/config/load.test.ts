import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, mergeLayers } from '../../src/config/load.js';
import { saveConfig, serializeConfig } from '../../src/config/save.js';
import { configJsonSchema } from '../../src/config/schema.js';
import { SETTINGS } from '../../src/config/settings.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosigner-config-'));
});

async function writeConfig(content: unknown): Promise<string> {
  const path = join(dir, 'cosigner.json');
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('loadConfig', () => {
  it('fills defaults around a minimal file', async () => {
    const path = await writeConfig({ schemaVersion: 1, name: 'alpha' });
    const { config, sources } = await loadConfig({ path, env: {} });
    expect(config.instance).toEqual({
      type: 'c5.xlarge',
      rootVolumeGiB: 30,
      amiParameter: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
    });
    expect(config.enclave).toEqual({ memoryMiB: 4096, cpuCount: 2 });
    expect(config.fireblocks.env).toBe('global');
    expect(config.network).toEqual({ mode: 'existing' });
    expect(config.kms).toMatchObject({
      rotation: true,
      deletionWindowDays: 30,
      policyProfile: 'hardened',
      adminArns: [],
    });
    expect(sources).toEqual({ name: 'file' });
  });

  it('applies flags over env over file over defaults', async () => {
    const path = await writeConfig({
      schemaVersion: 1,
      name: 'alpha',
      instance: { type: 'c5.xlarge', rootVolumeGiB: 40 },
    });
    const env = { COSIGNER_INSTANCE_TYPE: 'c5a.xlarge', COSIGNER_ROOT_VOLUME_GIB: '50', COSIGNER_NAME: 'beta' };
    const { config, sources } = await loadConfig({
      path,
      env,
      flags: { name: 'gamma', keyRotation: false, tag: ['team=custody'] },
    });
    expect(config.name).toBe('gamma');
    expect(config.instance.type).toBe('c5a.xlarge');
    expect(config.instance.rootVolumeGiB).toBe(50);
    expect(config.kms.rotation).toBe(false);
    expect(config.tags).toEqual({ team: 'custody' });
    expect(sources).toMatchObject({
      name: 'flag',
      'instance.type': 'env',
      'instance.rootVolumeGiB': 'env',
      'kms.rotation': 'flag',
      tags: 'flag',
    });
  });

  it('lower-cases PCR8 and requires it for a custom environment', async () => {
    const pcr = 'AB'.repeat(48);
    const path = await writeConfig({ schemaVersion: 1, name: 'alpha', fireblocks: { env: 'custom', pcr8: pcr } });
    expect((await loadConfig({ path, env: {} })).config.fireblocks.pcr8).toEqual([pcr.toLowerCase()]);
    const bad = await writeConfig({ schemaVersion: 1, name: 'alpha', fireblocks: { env: 'custom' } });
    await expect(loadConfig({ path: bad, env: {} })).toThrowCosignerError('CONFIG_INVALID');
  });

  it('takes accepted grant ids from the file, COSIGNER_ACCEPT_GRANT (comma-separated) or --accept-grant, and checks their form', async () => {
    const [a, b] = ['a'.repeat(64), 'b'.repeat(64)];
    const path = await writeConfig({ schemaVersion: 1, name: 'alpha', kms: { acceptedGrants: [a] } });
    expect((await loadConfig({ path, env: {} })).config.kms.acceptedGrants).toEqual([a]);
    expect(
      (await loadConfig({ path, env: { COSIGNER_ACCEPT_GRANT: `${a}, ${b}` } })).config.kms.acceptedGrants,
    ).toEqual([a, b]);
    expect((await loadConfig({ path, env: {}, flags: { acceptGrant: [b] } })).config.kms.acceptedGrants).toEqual([b]);
    const error = await loadConfig({ path, env: {}, flags: { acceptGrant: ['grant-1'] } }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'CONFIG_INVALID',
      hint: expect.stringContaining('--accept-grant <grantId> or COSIGNER_ACCEPT_GRANT') as unknown,
    });
  });

  it('loads fireblocks.pcr8 as one string (every schemaVersion 1 file) or as a list of values', async () => {
    const [a, b] = ['ab'.repeat(48), 'cd'.repeat(48)];
    const list = await writeConfig({
      schemaVersion: 1,
      name: 'alpha',
      fireblocks: { env: 'global', pcr8: [a, b.toUpperCase()] },
    });
    expect((await loadConfig({ path: list, env: {} })).config.fireblocks).toEqual({ env: 'global', pcr8: [a, b] });
    // From the environment (comma-separated) and from repeated flags, like every list setting.
    const plain = await writeConfig({ schemaVersion: 1, name: 'alpha' });
    expect((await loadConfig({ path: plain, env: { COSIGNER_PCR8: `${a},${b}` } })).config.fireblocks.pcr8).toEqual([
      a,
      b,
    ]);
    expect((await loadConfig({ path: plain, env: {}, flags: { pcr8: [b] } })).config.fireblocks.pcr8).toEqual([b]);
    for (const pcr8 of [[], [a, a.toUpperCase()], [a, 'zz']]) {
      await expect(
        loadConfig({ path: await writeConfig({ schemaVersion: 1, name: 'alpha', fireblocks: { pcr8 } }), env: {} }),
      ).toThrowCosignerError('CONFIG_INVALID');
    }
  });

  it('lists unknown keys', async () => {
    const path = await writeConfig({ schemaVersion: 1, name: 'alpha', instnce: {}, kms: { rotaton: true } });
    const error = await loadConfig({ path, env: {} }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'CONFIG_UNKNOWN_KEYS',
      context: { keys: expect.arrayContaining(['instnce', 'kms.rotaton']) as unknown },
    });
  });

  it('names the flag and env var of an invalid value in the hint', async () => {
    const path = await writeConfig({ schemaVersion: 1, name: 'Bad_Name' });
    const error = await loadConfig({ path, env: {} }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'CONFIG_INVALID',
      hint: expect.stringContaining('--name <name> or COSIGNER_NAME') as unknown,
    });
  });

  it.each([
    ['a dotted name', 'cosigner.db.example', 'must not contain dots'],
    ['an IP-shaped name', '192.168.5.4', 'must not contain dots'],
    ['a reserved prefix sthree-', 'sthree-cosigner', 'reserved by S3'],
    ['a reserved prefix amzn-s3-demo-', 'amzn-s3-demo-cosigner', 'reserved by S3'],
    ['a reserved prefix xn--', 'xn--cosigner', 'reserved by S3'],
    ['a reserved suffix --x-s3', 'cosigner--x-s3', 'reserved by S3'],
    ['a reserved suffix --table-s3', 'cosigner--table-s3', 'reserved by S3'],
    ['a reserved suffix -s3alias', 'cosigner-s3alias', 'reserved by S3'],
    ['a reserved suffix --ol-s3', 'cosigner--ol-s3', 'reserved by S3'],
    ['upper case', 'Cosigner', 'usable S3 bucket name'],
  ])('refuses s3.bucketName with %s at load, naming the rule', async (_label, bucketName, rule) => {
    const path = await writeConfig({ schemaVersion: 1, name: 'alpha', s3: { bucketName } });
    const error = await loadConfig({ path, env: {} }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining(rule) as unknown });
  });

  it('refuses a name whose derived bucket name would begin with a reserved prefix, unless s3.bucketName is set', async () => {
    const path = await writeConfig({ schemaVersion: 1, name: 'sthree' });
    const error = await loadConfig({ path, env: {} }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('reserved by S3') as unknown,
    });
    const named = await writeConfig({ schemaVersion: 1, name: 'sthree', s3: { bucketName: 'custody-db-1' } });
    await expect(loadConfig({ path: named, env: {} })).resolves.toMatchObject({ config: { name: 'sthree' } });
  });

  it.each([
    ['not JSON', '{ name: ', 'CONFIG_INVALID_JSON'],
    ['an array', '[]', 'CONFIG_INVALID'],
    ['a newer schema', JSON.stringify({ schemaVersion: 2, name: 'a' }), 'CONFIG_NEWER_VERSION'],
    ['an older schema literal', JSON.stringify({ schemaVersion: 0, name: 'a' }), 'CONFIG_INVALID'],
  ] as const)('rejects a file that is %s', async (_label, content, code) => {
    const path = await writeConfig(content);
    await expect(loadConfig({ path, env: {} })).toThrowCosignerError(code);
  });

  it('rejects malformed env and flag values with coded errors', async () => {
    const path = await writeConfig({ schemaVersion: 1, name: 'alpha' });
    await expect(loadConfig({ path, env: { COSIGNER_ROOT_VOLUME_GIB: 'big' } })).toThrowCosignerError('INVALID_OPTION');
    await expect(loadConfig({ path, env: { COSIGNER_PUBLIC_IP: 'maybe' } })).toThrowCosignerError('INVALID_OPTION');
    await expect(loadConfig({ path, env: {}, flags: { tag: ['novalue'] } })).toThrowCosignerError('INVALID_OPTION');
    await expect(loadConfig({ path, env: {}, flags: { instanceType: 't3.micro' } })).toThrowCosignerError(
      'CONFIG_INVALID',
    );
    await expect(loadConfig({ path, env: {}, flags: { tag: ['cosigner-cli:name=x'] } })).toThrowCosignerError(
      'CONFIG_INVALID',
    );
  });

  describe('says what is wrong in words: the setting, what it must be, the value given', () => {
    it.each([
      [
        'a string for an integer',
        { instance: { rootVolumeGiB: 'abc' } },
        'instance.rootVolumeGiB: must be an integer from 8 to 16384 (got "abc")',
      ],
      [
        'an integer out of range',
        { instance: { rootVolumeGiB: 4 } },
        'instance.rootVolumeGiB: must be an integer from 8 to 16384 (got 4)',
      ],
      [
        'a fraction',
        { kms: { deletionWindowDays: 3.5 } },
        'kms.deletionWindowDays: must be an integer from 7 to 30 (got 3.5)',
      ],
      [
        'an unknown choice',
        { instance: { type: 't3.micro' } },
        'instance.type: must be one of c5.xlarge, c5a.xlarge (got "t3.micro")',
      ],
      ['a fixed value', { enclave: { cpuCount: 4 } }, 'enclave.cpuCount: must be 2 (got 4)'],
      [
        'a string for a boolean',
        { network: { publicIp: 'yes' } },
        'network.publicIp: must be true or false (got "yes")',
      ],
      ['a scalar for a section', { s3: 4 }, 's3: must be an object (got 4)'],
      [
        'a list entry',
        { kms: { adminArns: ['arn:aws:iam::111122223333:root', 'bob'] } },
        'kms.adminArns[1]: must be an IAM user, role or root ARN (got "bob")',
      ],
      [
        'a pattern',
        { name: 'Bad_Name' },
        'name: must be 1–32 characters of a-z, 0-9 and "-", not starting or ending with "-" (got "Bad_Name")',
      ],
    ])('%s', async (_label, content, expected) => {
      const path = await writeConfig({ schemaVersion: 1, name: 'alpha', ...content });
      const error = (await loadConfig({ path, env: {} }).catch((e: unknown) => e)) as Error;
      expect(error.message).toBe(`config ${path}: ${expected}`);
      expect(error.message).not.toMatch(/Invalid input|expected \w+, received|Too (small|big)/);
    });

    it('a missing required value is "is required", and a long value is cut short', async () => {
      const path = await writeConfig({ schemaVersion: 1 });
      await expect(loadConfig({ path, env: {} })).rejects.toThrow(`config ${path}: name: is required`);
      const long = await writeConfig({ schemaVersion: 1, name: 'x'.repeat(200) });
      const error = (await loadConfig({ path: long, env: {} }).catch((e: unknown) => e)) as Error;
      expect(error.message).toMatch(/\(got "x{50,58}…\)$/);
    });

    it('flag and env values that cannot be converted name their flag or variable', async () => {
      const path = await writeConfig({ schemaVersion: 1, name: 'alpha' });
      await expect(loadConfig({ path, env: {}, flags: { rootVolumeGib: 'abc' } })).rejects.toThrow(
        '--root-volume-gib: must be an integer (got "abc")',
      );
      await expect(loadConfig({ path, env: { COSIGNER_PUBLIC_IP: 'maybe' } })).rejects.toThrow(
        'COSIGNER_PUBLIC_IP: must be true or false (got "maybe")',
      );
    });
  });

  it('reports a missing file only when one is required', async () => {
    const path = join(dir, 'absent.json');
    await expect(loadConfig({ path, env: {} })).toThrowCosignerError('CONFIG_NOT_FOUND');
    const { config, fileExists } = await loadConfig({ path, env: { COSIGNER_NAME: 'zeta' }, requireFile: false });
    expect(fileExists).toBe(false);
    expect(config.name).toBe('zeta');
  });

  it('refuses a config path that is not a regular file', async () => {
    // A directory where the file should be fails for every user, root included.
    await expect(loadConfig({ path: dir, env: {} })).toThrowCosignerError('FILE_NOT_REGULAR');
  });
});

describe('saveConfig', () => {
  it('round-trips through the loader and writes atomically with mode 0644', async () => {
    const path = await writeConfig({ schemaVersion: 1, name: 'alpha', tags: { team: 'x' } });
    const { config } = await loadConfig({ path, env: {} });
    const out = join(dir, 'out.json');
    await saveConfig(out, config);
    expect((await stat(out)).mode & 0o777).toBe(0o644);
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual(JSON.parse(serializeConfig(config)));
    expect((await loadConfig({ path: out, env: {} })).config).toEqual(config);
  });

  it('writes one PCR8 value as a string, the form every schemaVersion 1 reader knows, and several as a list', async () => {
    const [a, b] = ['ab'.repeat(48), 'cd'.repeat(48)];
    const one = (
      await loadConfig({
        path: await writeConfig({ schemaVersion: 1, name: 'alpha', fireblocks: { env: 'custom', pcr8: [a] } }),
        env: {},
      })
    ).config;
    expect(JSON.parse(serializeConfig(one))).toMatchObject({ fireblocks: { env: 'custom', pcr8: a } });
    expect(Object.keys(JSON.parse(serializeConfig(one)) as object).slice(0, 3)).toEqual([
      'schemaVersion',
      'name',
      'fireblocks',
    ]);
    const two = (
      await loadConfig({
        path: await writeConfig({ schemaVersion: 1, name: 'alpha', fireblocks: { pcr8: [a, b] } }),
        env: {},
      })
    ).config;
    expect(JSON.parse(serializeConfig(two))).toMatchObject({ fireblocks: { env: 'global', pcr8: [a, b] } });
  });

  it('fails with FILE_UNWRITABLE into a missing directory and leaves nothing behind', async () => {
    const { config } = await loadConfig({ path: await writeConfig({ schemaVersion: 1, name: 'a' }), env: {} });
    await expect(saveConfig(join(dir, 'missing', 'c.json'), config)).toThrowCosignerError('FILE_UNWRITABLE');
  });
});

describe('settings table', () => {
  it('has unique flags, keys and env vars, all COSIGNER_ prefixed', () => {
    for (const field of ['flag', 'key', 'env', 'path'] as const) {
      expect(new Set(SETTINGS.map((s) => s[field])).size).toBe(SETTINGS.length);
    }
    expect(SETTINGS.every((s) => s.env.startsWith('COSIGNER_'))).toBe(true);
  });

  it('covers every leaf of the JSON schema', () => {
    const schema = configJsonSchema() as { properties: Record<string, { properties?: Record<string, unknown> }> };
    const leaves = Object.entries(schema.properties)
      .filter(([key]) => key !== 'schemaVersion' && key !== '$schema')
      .flatMap(([key, value]) =>
        value.properties && key !== 'tags' ? Object.keys(value.properties).map((k) => `${key}.${k}`) : [key],
      );
    expect(new Set(SETTINGS.map((s) => s.path))).toEqual(new Set(leaves));
  });

  it('describes fireblocks.pcr8 as one value or a list in the JSON schema', () => {
    const schema = configJsonSchema() as {
      properties: { fireblocks: { properties: { pcr8: { anyOf: { type: string }[] } } } };
    };
    expect(schema.properties.fireblocks.properties.pcr8.anyOf.map((s) => s.type)).toEqual(['string', 'array']);
  });

  it('merges nested layers without losing siblings', () => {
    expect(mergeLayers({ a: { b: 1, c: 2 } }, { a: { c: 3 } }, undefined)).toEqual({ a: { b: 1, c: 3 } });
  });
});
