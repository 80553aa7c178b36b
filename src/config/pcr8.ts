/**
 * The PCR8 values a config admits, and the record of them that `attest` keeps in the config file.
 *
 * The config is the record of the key policy's PCR8 list: `fireblocks.pcr8` holds the values the
 * key admits (one as a string, several as a list while a rotation admits an old and a new image);
 * when it is absent the key admits the published PCR8 of `fireblocks.env` (its preset). `attest`
 * writes every change of the list back here, so that the next `provision` builds the same list
 * instead of undoing a rotation.
 */
import { stat } from 'node:fs/promises';
import { fireblocksPreset, isFireblocksEnv } from '../enclave/fireblocks-presets.js';
import { fail } from '../errors.js';
import {
  envLayer,
  flagLayer,
  mergeLayers,
  readConfigFile,
  validateConfig,
  type ConfigLayer,
  type LoadedConfig,
} from './load.js';
import { pcr8FileForm, saveConfigLayer } from './save.js';
import type { CosignerConfig } from './schema.js';
import { SETTINGS } from './settings.js';

/** The PCR8 values a config admits and where they come from. */
export interface ConfiguredPcr8 {
  /** Lower-case, in the config's order; never empty. */
  values: string[];
  /** `fireblocks-preset`: the value Fireblocks publishes for `env`; `config`: fireblocks.pcr8. */
  source: 'fireblocks-preset' | 'config';
  env: string;
  /** e.g. `Fireblocks Global SaaS preset` or `fireblocks.pcr8 in the config`. */
  label: string;
}

/** The PCR8 values a (validated) config admits: fireblocks.pcr8, else the preset of fireblocks.env. */
export function configuredPcr8(fireblocks: CosignerConfig['fireblocks']): ConfiguredPcr8 {
  if (fireblocks.pcr8 !== undefined)
    return {
      values: [...fireblocks.pcr8],
      source: 'config',
      env: fireblocks.env,
      label: 'fireblocks.pcr8 in the config',
    };
  if (fireblocks.env === 'custom')
    fail(
      'PCR_SOURCE_MISSING',
      'a custom Fireblocks environment needs pcr8',
      'set --pcr8 <hex> or fireblocks.pcr8 in the config',
    );
  const preset = fireblocksPreset(fireblocks.env);
  return {
    values: [preset.pcr8],
    source: 'fireblocks-preset',
    env: preset.env,
    label: `Fireblocks ${preset.label} preset`,
  };
}

/** The config a command loaded, as far as recording into its file needs it. */
export interface ConfigFileRef extends Pick<LoadedConfig, 'path' | 'fileExists' | 'sources'> {
  /** The effective (merged) config. */
  config: CosignerConfig;
  /** The environment and setting flags it was loaded with: the file must still load with them. */
  env: NodeJS.ProcessEnv;
  flags: Record<string, unknown>;
}

/** What recording a PCR8 list in the config file changes. */
export interface Pcr8Record {
  path: string;
  /**
   * `unchanged`: the file already admits exactly these values; `change`: the file will be updated;
   * `no-file`: there is no config file, so nothing can be recorded.
   */
  status: 'unchanged' | 'change' | 'no-file';
  /** The values the file admits now (its fireblocks.pcr8, or its env's preset). */
  before: string[];
  /** The values it admits after the record. */
  after: string[];
  /** fireblocks.pcr8 as the file will hold it; absent when the preset of the file's env says it. */
  fileValue?: string | string[];
  /**
   * Environment variables (COSIGNER_PCR8, COSIGNER_FB_ENV) that override the file's PCR8 settings:
   * the record does not change them, so they must be updated (or unset) by hand.
   */
  overrides: string[];
}

function readLayer(value: unknown): ConfigLayer {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as ConfigLayer) : {};
}

function fileList(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value.toLowerCase()];
  if (Array.isArray(value)) return value.map((v) => String(v).toLowerCase());
  return undefined;
}

/** The settings a PCR8 record depends on (their env vars can override the file). */
const PCR8_SETTINGS = SETTINGS.filter((s) => s.path === 'fireblocks.pcr8' || s.path === 'fireblocks.env');

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((v) => b.includes(v));

/** The PCR8 record of `list` in the config file `ref` names (read-only: nothing is written). */
export async function planPcr8Record(ref: ConfigFileRef, list: readonly string[]): Promise<Pcr8Record> {
  // Flags last one run; environment variables stay in the shell and keep overriding the record.
  const overrides = PCR8_SETTINGS.filter(({ path }) => ref.sources[path] === 'env').map(({ env }) => env);
  const file = ref.fileExists ? await readConfigFile(ref.path) : undefined;
  if (file === undefined)
    return {
      path: ref.path,
      status: 'no-file',
      before: [],
      after: [...list],
      fileValue: pcr8FileForm(list),
      overrides,
    };
  const fireblocks = readLayer(file['fireblocks']);
  const fileEnv = typeof fireblocks['env'] === 'string' ? fireblocks['env'] : 'global';
  const presetOf = (env: string) => (isFireblocksEnv(env) ? fireblocksPreset(env).pcr8 : undefined);
  const before = fileList(fireblocks['pcr8']) ?? [presetOf(fileEnv)].filter((v): v is string => v !== undefined);
  if (sameSet(before, list)) return { path: ref.path, status: 'unchanged', before, after: before, overrides };
  // The preset is left implicit only when both the file's and this run's environment publish it.
  const preset = presetOf(fileEnv);
  const implicit =
    preset !== undefined && ref.config.fireblocks.env === fileEnv && list.length === 1 && list[0] === preset;
  return {
    path: ref.path,
    status: 'change',
    before,
    after: [...list],
    ...(implicit ? {} : { fileValue: pcr8FileForm(list) }),
    overrides,
  };
}

/**
 * Write a planned record: re-read the file, set (or remove) fireblocks.pcr8 and nothing else,
 * check that the result still loads (with the same environment and flags), and replace the file
 * atomically with its mode kept.
 */
export async function writePcr8Record(ref: ConfigFileRef, record: Pcr8Record): Promise<void> {
  if (record.status !== 'change') return;
  const file =
    (await readConfigFile(ref.path)) ??
    fail(
      'CONFIG_NOT_FOUND',
      `the config ${ref.path} disappeared before the PCR8 list could be recorded`,
      `restore it, then set fireblocks.pcr8 to ${JSON.stringify(record.fileValue ?? record.after)}`,
    );
  const layer = structuredClone(file);
  const fireblocks = { ...readLayer(layer['fireblocks']) };
  if (record.fileValue === undefined) delete fireblocks['pcr8'];
  else fireblocks['pcr8'] = record.fileValue;
  if (Object.keys(fireblocks).length > 0 || layer['fireblocks'] !== undefined) layer['fireblocks'] = fireblocks;
  validateConfig(mergeLayers(layer, envLayer(ref.env).layer, flagLayer(ref.flags).layer), `config ${ref.path}`);
  const mode = (await stat(ref.path)).mode & 0o777;
  await saveConfigLayer(ref.path, layer, mode);
}

/** The record as diff lines: the file, then each value added (+) and removed (−). */
export function pcr8RecordLines(record: Pcr8Record): string[] {
  if (record.status !== 'change') return [];
  const lines = [`config ${record.path}: fireblocks.pcr8`];
  for (const value of record.after) lines.push(`${record.before.includes(value) ? ' ' : '+'} ${value}`);
  for (const value of record.before) if (!record.after.includes(value)) lines.push(`- ${value}`);
  if (record.fileValue === undefined)
    lines.push('  (written as the preset of fireblocks.env: fireblocks.pcr8 is removed)');
  return lines;
}
