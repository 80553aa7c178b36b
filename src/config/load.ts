/**
 * Loading the config: defaults < file < environment (COSIGNER_*) < flags, then one strict
 * validation. Unknown keys are an error that lists them; a newer schemaVersion is refused rather
 * than half-understood.
 */
import { resolve } from 'node:path';
import type { z } from 'zod';
import { CosignerError, isCosignerError } from '../errors.js';
import { readTextFile } from '../files/read-file.js';
import { describeIssue } from './config-issues.js';
import { CONFIG_SCHEMA_VERSION, configSchema, type CosignerConfig } from './schema.js';
import { howToSet, SETTINGS, type Setting } from './settings.js';

const DEFAULT_CONFIG_FILE = 'cosigner.json';

export type ConfigLayer = Record<string, unknown>;
export type SettingSource = 'flag' | 'env' | 'file' | 'default';

export interface LoadConfigOptions {
  /** Config file path (`--config`, else COSIGNER_CONFIG, else ./cosigner.json). */
  path?: string | undefined;
  /** Commander's parsed option values (keys as in SETTINGS[].key). */
  flags?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
  /** Fail with CONFIG_NOT_FOUND when the file does not exist. @default true */
  requireFile?: boolean;
  /** Directory a relative path is resolved against. @default process.cwd() */
  cwd?: string;
}

export interface LoadedConfig {
  config: CosignerConfig;
  path: string;
  fileExists: boolean;
  /** Where each explicitly set path came from; absent paths are defaults. */
  sources: Record<string, Exclude<SettingSource, 'default'>>;
}

/** The config path: `--config`, else COSIGNER_CONFIG, else ./cosigner.json, relative to cwd. */
export function resolveConfigPath(
  path: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): string {
  return resolve(cwd, path ?? env.COSIGNER_CONFIG ?? DEFAULT_CONFIG_FILE);
}

/** Read the raw file layer; `undefined` when absent. */
export async function readConfigFile(path: string): Promise<ConfigLayer | undefined> {
  let text: string;
  try {
    // A regular file only: a FIFO or device named by --config is refused, never waited on.
    text = await readTextFile(path, { what: 'config', maxBytes: 1024 * 1024 });
  } catch (error) {
    if (
      isCosignerError(error, 'FILE_NOT_FOUND') &&
      (error.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT'
    )
      return undefined;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CosignerError('CONFIG_INVALID_JSON', `config ${path} is not valid JSON: ${(error as Error).message}`, {
      hint: 'fix the JSON syntax, or re-create the file with `cosigner-cli init`',
      cause: error,
    });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new CosignerError('CONFIG_INVALID', `config ${path} must hold a JSON object`, {
      hint: 're-create the file with `cosigner-cli init`',
    });
  }
  const version = (parsed as { schemaVersion?: unknown }).schemaVersion;
  if (typeof version === 'number' && version > CONFIG_SCHEMA_VERSION) {
    throw new CosignerError(
      'CONFIG_NEWER_VERSION',
      `config ${path} has schemaVersion ${version}; this cosigner-cli understands ${CONFIG_SCHEMA_VERSION}`,
      {
        hint: 'upgrade cosigner-cli to a version that knows this schema',
      },
    );
  }
  return parsed as ConfigLayer;
}

function setPath(target: ConfigLayer, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (next === undefined || next === null || typeof next !== 'object') node[part] = {};
    node = node[part] as ConfigLayer;
  }
  node[parts.at(-1)!] = value;
}

function parseTags(entries: readonly string[], origin: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const entry of entries) {
    const at = entry.indexOf('=');
    if (at <= 0) {
      throw new CosignerError('INVALID_OPTION', `${origin}: tag "${entry}" is not key=value`, {
        hint: 'write tags as --tag team=custody',
      });
    }
    tags[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return tags;
}

/** Convert one raw flag or env string to the setting's type; errors name where it came from. */
function coerce(setting: Setting, raw: unknown, origin: string): unknown {
  switch (setting.kind) {
    case 'string':
      return String(raw);
    case 'int': {
      const text = String(raw).trim();
      if (!/^-?\d+$/.test(text)) {
        throw new CosignerError('INVALID_OPTION', `${origin}: must be an integer (got ${JSON.stringify(text)})`, {
          hint: `set ${setting.flag} ${setting.arg ?? ''} to a whole number`,
        });
      }
      return Number(text);
    }
    case 'bool': {
      if (typeof raw === 'boolean') return raw;
      const text = String(raw).trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(text)) return true;
      if (['0', 'false', 'no', 'off'].includes(text)) return false;
      throw new CosignerError('INVALID_OPTION', `${origin}: must be true or false (got ${JSON.stringify(text)})`, {
        hint: `use ${setting.env}=true or ${setting.env}=false`,
      });
    }
    case 'list':
      return Array.isArray(raw)
        ? raw.map(String)
        : String(raw)
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean);
    case 'tags':
      return parseTags(
        Array.isArray(raw)
          ? raw.map(String)
          : String(raw)
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean),
        origin,
      );
  }
}

/** The environment layer: every COSIGNER_* variable of the settings table. */
export function envLayer(env: NodeJS.ProcessEnv): { layer: ConfigLayer; paths: string[] } {
  const layer: ConfigLayer = {};
  const paths: string[] = [];
  for (const setting of SETTINGS) {
    const raw = env[setting.env];
    if (raw === undefined || raw === '') continue;
    setPath(layer, setting.path, coerce(setting, raw, setting.env));
    paths.push(setting.path);
  }
  return { layer, paths };
}

/** The flag layer: commander's values for the settings' flags. */
export function flagLayer(flags: Record<string, unknown>): { layer: ConfigLayer; paths: string[] } {
  const layer: ConfigLayer = {};
  const paths: string[] = [];
  for (const setting of SETTINGS) {
    const raw = flags[setting.key];
    if (raw === undefined || (Array.isArray(raw) && raw.length === 0)) continue;
    setPath(layer, setting.path, coerce(setting, raw, setting.flag));
    paths.push(setting.path);
  }
  return { layer, paths };
}

/** Deep merge of plain objects; arrays and scalars of later layers replace earlier ones. */
export function mergeLayers(...layers: (ConfigLayer | undefined)[]): ConfigLayer {
  const out: ConfigLayer = {};
  for (const layer of layers) {
    if (!layer) continue;
    for (const [key, value] of Object.entries(layer)) {
      const prev = out[key];
      const bothObjects = isPlainObject(prev) && isPlainObject(value);
      out[key] = bothObjects ? mergeLayers(prev, value) : value;
    }
  }
  return out;
}

function isPlainObject(value: unknown): value is ConfigLayer {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Validate a merged layer; zod issues become one coded error naming every problem. */
export function validateConfig(input: ConfigLayer, origin: string): CosignerConfig {
  const document = { schemaVersion: CONFIG_SCHEMA_VERSION, ...input };
  const result = configSchema.safeParse(document);
  if (result.success) return result.data;
  throw configError(result.error, origin, document);
}

function configError(error: z.ZodError, origin: string, document: ConfigLayer): CosignerError {
  const unknown = error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys' ? issue.keys.map((key) => [...issue.path, key].join('.')) : [],
  );
  if (unknown.length > 0) {
    return new CosignerError('CONFIG_UNKNOWN_KEYS', `${origin} has unknown keys: ${unknown.join(', ')}`, {
      hint: 'remove them or fix their spelling; `cosigner-cli init --print-schema` lists every key',
      context: { keys: unknown },
    });
  }
  const problems = error.issues.map((issue) => ({
    ...describeIssue(issue, document, configSchema),
    set: howToSet(issue.path),
  }));
  const first = problems[0]!;
  const hint = first.set
    ? `set it with ${first.set}, or edit the config file`
    : 'edit the config file, or re-create it with `cosigner-cli init`';
  return new CosignerError(
    'CONFIG_INVALID',
    `${origin}: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
    {
      hint,
      context: { problems },
    },
  );
}

/** Load and validate the config with the full precedence chain. */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const path = resolveConfigPath(options.path, env, options.cwd);
  const file = await readConfigFile(path);
  if (!file && (options.requireFile ?? true)) {
    throw new CosignerError('CONFIG_NOT_FOUND', `no config at ${path}`, {
      hint: 'create one with `cosigner-cli init`, or pass --config <file>',
    });
  }
  const fromEnv = envLayer(env);
  const fromFlags = flagLayer(options.flags ?? {});
  const sources: LoadedConfig['sources'] = {};
  for (const p of flattenPaths(file ?? {})) sources[p] = 'file';
  for (const p of fromEnv.paths) sources[p] = 'env';
  for (const p of fromFlags.paths) sources[p] = 'flag';
  const config = validateConfig(
    mergeLayers(file, fromEnv.layer, fromFlags.layer),
    file ? `config ${path}` : 'configuration',
  );
  return { config, path, fileExists: file !== undefined, sources };
}

function flattenPaths(layer: ConfigLayer, prefix = ''): string[] {
  return Object.entries(layer).flatMap(([key, value]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return isPlainObject(value) && key !== 'tags'
      ? flattenPaths(value, path)
      : key === 'schemaVersion' || key === '$schema'
        ? []
        : [path];
  });
}
