/** Writing the config: validated first, then atomically, never holding a secret. */
import { writeFileAtomic } from '../files/atomic-write.js';
import { CONFIG_SCHEMA_VERSION, type CosignerConfig } from './schema.js';

/**
 * `fireblocks.pcr8` as the file holds it: one value as a string (the form every schemaVersion 1
 * reader knows), several as a list.
 */
export function pcr8FileForm(values: readonly string[]): string | string[] {
  return values.length === 1 ? (values[0] as string) : [...values];
}

/** The file form of a config: schemaVersion first, stable key order, trailing newline. */
export function serializeConfig(config: CosignerConfig): string {
  const { $schema: _ignored, schemaVersion: _version, ...rest } = config;
  const { fireblocks } = rest;
  // Overwriting the key keeps its place in the object, so the file's key order is unchanged.
  const file = {
    schemaVersion: CONFIG_SCHEMA_VERSION,
    ...rest,
    fireblocks: fireblocks.pcr8 === undefined ? fireblocks : { ...fireblocks, pcr8: pcr8FileForm(fireblocks.pcr8) },
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** Write the config atomically. The file holds no secret, so it is readable by the group. */
export async function saveConfig(path: string, config: CosignerConfig): Promise<void> {
  await writeFileAtomic(path, serializeConfig(config), { mode: 0o644 });
}

/**
 * Write a config file's own layer (what the file held, with a change applied) atomically, keeping
 * its key order and its mode: a record written by a command never rewrites settings that came from
 * flags or the environment into the file.
 */
export async function saveConfigLayer(path: string, layer: Record<string, unknown>, mode = 0o644): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(layer, null, 2)}\n`, { mode });
}
