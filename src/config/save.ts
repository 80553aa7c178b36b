/** Writing the config: validated first, then atomically, never holding a secret. */
import { writeFileAtomic } from '../files/atomic-write.js';
import { CONFIG_SCHEMA_VERSION, type CosignerConfig } from './schema.js';

/** The file form of a config: schemaVersion first, stable key order, trailing newline. */
export function serializeConfig(config: CosignerConfig): string {
  const { $schema: _ignored, schemaVersion: _version, ...rest } = config;
  return `${JSON.stringify({ schemaVersion: CONFIG_SCHEMA_VERSION, ...rest }, null, 2)}\n`;
}

/** Write the config atomically. The file holds no secret, so it is readable by the group. */
export async function saveConfig(path: string, config: CosignerConfig): Promise<void> {
  await writeFileAtomic(path, serializeConfig(config), { mode: 0o644 });
}
