// The config as the record of the key policy's PCR8 list: what a record changes in the file, and
// the write (only fireblocks.pcr8 changes; key order, other settings and the file mode are kept).
import { chmod, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import {
  configuredPcr8,
  pcr8RecordLines,
  planPcr8Record,
  writePcr8Record,
  type ConfigFileRef,
} from '../../src/config/pcr8.js';
import { FIREBLOCKS_ENVIRONMENTS } from '../../src/enclave/fireblocks-presets.js';

const GLOBAL = FIREBLOCKS_ENVIRONMENTS.global.pcr8;
const EU = FIREBLOCKS_ENVIRONMENTS.eu.pcr8;
const NEW = 'ab'.repeat(48);

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosigner-pcr8-'));
  path = join(dir, 'cosigner.json');
});

async function ref(
  file: Record<string, unknown> | undefined,
  env: NodeJS.ProcessEnv = {},
  flags: Record<string, unknown> = {},
): Promise<ConfigFileRef> {
  if (file !== undefined) await writeFile(path, `${JSON.stringify({ schemaVersion: 1, ...file }, null, 2)}\n`);
  const loaded = await loadConfig({ path, env, flags, requireFile: false });
  return { path, fileExists: loaded.fileExists, sources: loaded.sources, config: loaded.config, env, flags };
}

const fileJson = async () =>
  JSON.parse(await readFile(path, 'utf8')) as { fireblocks?: { env?: string; pcr8?: unknown } } & Record<
    string,
    unknown
  >;

describe('configuredPcr8', () => {
  it('is fireblocks.pcr8 when set (any env), else the preset of the env', async () => {
    expect(configuredPcr8((await ref({ name: 'a', fireblocks: { env: 'eu' } })).config.fireblocks)).toEqual({
      values: [EU],
      source: 'fireblocks-preset',
      env: 'eu',
      label: 'Fireblocks Europe SaaS preset',
    });
    expect(
      configuredPcr8((await ref({ name: 'a', fireblocks: { env: 'eu', pcr8: [EU, NEW] } })).config.fireblocks),
    ).toMatchObject({ values: [EU, NEW], source: 'config' });
  });
});

describe('a PCR8 record', () => {
  it('goes through a rotation: both values as a list, then the new one as a string, and back to the implicit preset', async () => {
    const r = await ref({
      name: 'treasury',
      fireblocks: { env: 'global' },
      aws: { region: 'eu-west-1' },
      tags: { team: 'custody' },
    });
    await chmod(path, 0o600);
    expect(await planPcr8Record(r, [GLOBAL])).toMatchObject({ status: 'unchanged', before: [GLOBAL], after: [GLOBAL] });

    const add = await planPcr8Record(r, [GLOBAL, NEW]);
    expect(add).toEqual({
      path,
      status: 'change',
      before: [GLOBAL],
      after: [GLOBAL, NEW],
      fileValue: [GLOBAL, NEW],
      overrides: [],
    });
    expect(pcr8RecordLines(add)).toEqual([`config ${path}: fireblocks.pcr8`, `  ${GLOBAL}`, `+ ${NEW}`]);
    await writePcr8Record(r, add);
    const written = await fileJson();
    expect(written).toEqual({
      schemaVersion: 1,
      name: 'treasury',
      fireblocks: { env: 'global', pcr8: [GLOBAL, NEW] },
      aws: { region: 'eu-west-1' },
      tags: { team: 'custody' },
    });
    expect(Object.keys(written)).toEqual(['schemaVersion', 'name', 'fireblocks', 'aws', 'tags']);
    expect((await stat(path)).mode & 0o777).toBe(0o600);

    const prune = await planPcr8Record(await ref(undefined), [NEW]);
    expect(prune).toMatchObject({ status: 'change', before: [GLOBAL, NEW], after: [NEW], fileValue: NEW });
    expect(pcr8RecordLines(prune)).toEqual([`config ${path}: fireblocks.pcr8`, `  ${NEW}`, `- ${GLOBAL}`]);
    await writePcr8Record(await ref(undefined), prune);
    expect((await fileJson()).fireblocks).toEqual({ env: 'global', pcr8: NEW });
    expect((await loadConfig({ path, env: {} })).config.fireblocks.pcr8).toEqual([NEW]);

    const back = await planPcr8Record(await ref(undefined), [GLOBAL]);
    expect(back).toMatchObject({ status: 'change', after: [GLOBAL] });
    expect(back.fileValue).toBeUndefined();
    await writePcr8Record(await ref(undefined), back);
    expect((await fileJson()).fireblocks).toEqual({ env: 'global' });
  });

  it('always writes the values for a custom environment, and for a run whose env differs from the file', async () => {
    const custom = await ref({ name: 'a', fireblocks: { env: 'custom', pcr8: NEW } });
    expect(await planPcr8Record(custom, [NEW, EU])).toMatchObject({ status: 'change', fileValue: [NEW, EU] });
    // --fb-env eu on the command line, global in the file: the file must name eu's value itself.
    const flagged = await ref({ name: 'a' }, {}, { fbEnv: 'eu' });
    expect(await planPcr8Record(flagged, [EU])).toMatchObject({ status: 'change', fileValue: EU, overrides: [] });
  });

  it('names the environment variables that override it', async () => {
    const r = await ref({ name: 'a' }, { COSIGNER_PCR8: GLOBAL, COSIGNER_FB_ENV: 'global' });
    expect((await planPcr8Record(r, [GLOBAL, NEW])).overrides).toEqual(['COSIGNER_FB_ENV', 'COSIGNER_PCR8']);
  });

  it('records nothing without a config file', async () => {
    const r = await ref(undefined, { COSIGNER_NAME: 'a' });
    expect(await planPcr8Record(r, [NEW])).toMatchObject({ status: 'no-file', after: [NEW] });
    await expect(readFile(path)).rejects.toThrow();
  });

  it('refuses to write a file that would not load', async () => {
    // A custom environment's record can only be a value list; a hand-made record without one is refused.
    const r = await ref({ name: 'a', fireblocks: { env: 'custom', pcr8: NEW } });
    await expect(
      writePcr8Record(r, { path, status: 'change', before: [NEW], after: [GLOBAL], overrides: [] }),
    ).toThrowCosignerError('CONFIG_INVALID');
    expect((await fileJson()).fireblocks).toEqual({ env: 'custom', pcr8: NEW });
  });
});
