/**
 * Where `attest` gets PCR8 from, and the cross-check that all sources agree: the signed EIF itself
 * (measured in-process), nitro-cli's build-enclave or describe-eif JSON, a value typed with
 * `--pcr8`, and the config's Fireblocks environment preset.
 */
import { parseBuildEnclaveOutput, parseDescribeEifOutput } from '../enclave/nitro-cli-output.js';
import { CosignerError, fail } from '../errors.js';
import { readEifFile } from '../files/eif-file.js';
import { readFileBytes } from '../files/read-file.js';
import { escapeControl } from '../io/safe-text.js';
import { assertPCR8, assertPCR8List } from '../policy/pcr8.js';

/** One place a PCR8 value came from, e.g. `{ source: '--eif cosigner.eif', value: 'da1d…' }`. */
export interface PCR8Source {
  source: string;
  kind: 'eif' | 'build-output' | 'describe-eif-output' | 'pcr8' | 'preset' | 'add';
  value: string;
}

/** What the sources need from the outside world; tests replace each. */
export interface SourceReaders {
  /** Measure an EIF file; `PCR8` is absent for an unsigned image. */
  measureEif: (path: string) => Promise<{ PCR8?: string | undefined }>;
  /** Read a text file, or stdin for `-`. */
  readText: (path: string) => Promise<string>;
}

export interface SourceSpec {
  eif?: string | undefined;
  buildOutput?: string | undefined;
  describeEifOutput?: string | undefined;
  pcr8?: string | undefined;
}

/** The PCR8 values the config admits, e.g. `{ name: 'fireblocks.env=global (preset)', values: [pcr8] }`. */
export interface ConfiguredSource {
  name: string;
  values: string[];
}

const HEX96 = /^[0-9a-fA-F]{96}$/;

function unsigned(what: string): never {
  fail(
    'EIF_UNSIGNED',
    `${what} has no PCR8: the enclave image is not signed`,
    'use the signed Fireblocks EIF; an unsigned image cannot be bound to a key policy by PCR8',
  );
}

/** PCR8 from `nitro-cli build-enclave` output text. */
function pcr8FromBuildOutput(text: string, what: string): string {
  const output = parseBuildEnclaveOutput(text);
  const value = output.Measurements.PCR8;
  if (value === undefined) unsigned(what);
  return assertPCR8(value, what);
}

/** PCR8 from `nitro-cli describe-eif` output text; a failed signature check is refused. */
function pcr8FromDescribeEifOutput(text: string, what: string): string {
  const output = parseDescribeEifOutput(text);
  if (!output.IsSigned || output.Measurements.PCR8 === undefined) unsigned(what);
  if (output.SignatureCheck === false) {
    fail(
      'EIF_SIGNATURE_INVALID',
      `${what}: nitro-cli reports that the image signature does not verify`,
      'obtain the image again from Fireblocks; do not attest an image whose signature fails',
    );
  }
  return assertPCR8(output.Measurements.PCR8, what);
}

/** PCR8 measured from an EIF file. */
async function pcr8FromEif(path: string, readers: SourceReaders, what: string): Promise<string> {
  const measured = await readers.measureEif(path);
  if (measured.PCR8 === undefined) unsigned(what);
  return assertPCR8(measured.PCR8, what);
}

/**
 * The argument of `--add`: a PCR8 value, or a file (an `.eif` image, or nitro-cli JSON from
 * build-enclave or describe-eif, told apart by content).
 */
export async function pcr8FromAddArgument(argument: string, readers: SourceReaders): Promise<PCR8Source> {
  if (HEX96.test(argument)) return { source: '--add', kind: 'add', value: assertPCR8(argument, '--add') };
  const what = `--add ${argument}`;
  if (/\.eif$/i.test(argument)) return { source: what, kind: 'add', value: await pcr8FromEif(argument, readers, what) };
  const text = await readers.readText(argument);
  const value = /"IsSigned"\s*:/.test(text) ? pcr8FromDescribeEifOutput(text, what) : pcr8FromBuildOutput(text, what);
  return { source: what, kind: 'add', value };
}

/** Every source given, measured or parsed, in a stable order. */
export async function collectPCR8Sources(spec: SourceSpec, readers: SourceReaders): Promise<PCR8Source[]> {
  if (spec.buildOutput === '-' && spec.describeEifOutput === '-') {
    fail(
      'INVALID_OPTION',
      'only one of --build-output and --describe-eif-output can read stdin (-)',
      'pass one of them as a file',
    );
  }
  const sources: PCR8Source[] = [];
  if (spec.eif !== undefined) {
    const what = `--eif ${spec.eif}`;
    sources.push({ source: what, kind: 'eif', value: await pcr8FromEif(spec.eif, readers, what) });
  }
  if (spec.buildOutput !== undefined) {
    const what = `--build-output ${spec.buildOutput}`;
    sources.push({
      source: what,
      kind: 'build-output',
      value: pcr8FromBuildOutput(await readers.readText(spec.buildOutput), what),
    });
  }
  if (spec.describeEifOutput !== undefined) {
    const what = `--describe-eif-output ${spec.describeEifOutput}`;
    sources.push({
      source: what,
      kind: 'describe-eif-output',
      value: pcr8FromDescribeEifOutput(await readers.readText(spec.describeEifOutput), what),
    });
  }
  if (spec.pcr8 !== undefined) sources.push({ source: '--pcr8', kind: 'pcr8', value: assertPCR8(spec.pcr8, '--pcr8') });
  return sources;
}

/** No PCR8 source at all: PCR_SOURCE_MISSING. */
function noSource(): never {
  fail(
    'PCR_SOURCE_MISSING',
    'no PCR8 source',
    'pass --eif, --build-output, --describe-eif-output or --pcr8, or set the Fireblocks environment (--fb-env)',
  );
}

/** A source → value table for error messages; each source name (a file name) is escaped so it cannot fake a row. */
function sourceTable(rows: readonly { source: string; value: string }[]): string {
  const width = Math.max(...rows.map((row) => escapeControl(row.source).length));
  return rows.map((row) => `  ${escapeControl(row.source).padEnd(width)}  ${row.value}`).join('\n');
}

/**
 * The one PCR8 the given sources (images, nitro-cli outputs, `--pcr8`) agree on. Throws
 * PCR_SOURCE_MISSING without sources, and PCR_SOURCES_DISAGREE (exit 3) with the source → value
 * table in the error context otherwise.
 */
export function crossCheckPCR8(sources: readonly PCR8Source[]): string {
  const first = sources[0];
  if (first === undefined) noSource();
  if (sources.every((source) => source.value === first.value)) return first.value;
  throw new CosignerError('PCR_SOURCES_DISAGREE', `the PCR8 sources disagree:\n${sourceTable(sources)}`, {
    hint: 'make sure every source describes the same signed image (a file of another build, or a value copied from elsewhere, gives another PCR8)',
    context: { sources: sources.map(({ source, value }) => ({ source, value })) },
  });
}

/**
 * The commands that admit an image the config does not name: a rotation with overlap (`--add`, then
 * `--prune` of each value the key admits now, once the co-signer runs the new image), or a
 * replacement at once (`--fb-env custom --pcr8`). Every command here runs as written.
 */
function admitCommands(value: string, live: readonly string[]): string {
  const old = live.filter((v) => v !== value);
  const rotation =
    old.length === 0
      ? `admit it: cosigner-cli attest --add ${value}`
      : `admit it alongside the current image: cosigner-cli attest --add ${value}; once the co-signer runs it: ${old.map((v) => `cosigner-cli attest --prune ${v}`).join('; ')}`;
  return `if this is the image to run, ${rotation}; or replace the list at once (the running co-signer loses the key until it runs this image): cosigner-cli attest --fb-env custom --pcr8 ${value}`;
}

/** Check the agreed value against the PCR8 values the config admits (PCR_SOURCES_DISAGREE if absent). */
function checkAgainstConfig(
  value: string,
  sources: readonly PCR8Source[],
  configured: ConfiguredSource,
  live: readonly string[],
): PCR8Source {
  if (configured.values.includes(value)) return { source: configured.name, kind: 'preset', value };
  const rows = [...sources, ...configured.values.map((v) => ({ source: configured.name, value: v }))];
  throw new CosignerError('PCR_SOURCES_DISAGREE', `the PCR8 sources disagree with the config:\n${sourceTable(rows)}`, {
    hint: `the config admits ${configured.values.length === 1 ? 'another image' : 'other images'}; ${admitCommands(value, live)}`,
    context: { sources: rows.map(({ source, value: v }) => ({ source, value: v })), configured: configured.values },
  });
}

export type AttestMode = 'set' | 'add' | 'prune';

/** The PCR8 inputs of one attest run: the sources, the config's preset, and a rotation step. */
export interface PCR8Request {
  /** PCR8 sources: an image file, nitro-cli outputs (a file or `-`), a value. */
  eif?: string | undefined;
  buildOutput?: string | undefined;
  describeEifOutput?: string | undefined;
  pcr8?: string | undefined;
  /**
   * The PCR8 values the config admits (fireblocks.pcr8, else the preset of fireblocks.env): the list
   * a run without sources writes, and the cross-check of a run with sources. Undefined when `--pcr8`
   * itself is the config's value (`--fb-env custom --pcr8 <hex>`).
   */
  configured?: ConfiguredSource | undefined;
  /** Rotation, phase 1: add this PCR8 (a value or a source file) to the list. */
  add?: string | undefined;
  /** Rotation, phase 2: remove this PCR8 from the list. */
  prune?: string | undefined;
}

/** The real readers: the in-process EIF measurer and small text files (or stdin for `-`). */
export function defaultReaders(): SourceReaders {
  return {
    measureEif: async (path) => (await readEifFile(path)).pcrs,
    readText: async (path) => {
      if (path === '-') {
        const chunks: Buffer[] = [];
        for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
        return Buffer.concat(chunks).toString('utf8');
      }
      return new TextDecoder().decode(await readFileBytes(path, { what: 'nitro-cli output', maxBytes: 1024 * 1024 }));
    },
  };
}

/** Decide the PCR8 list for the mode, from the sources and the live list. */
export async function decidePCR8(
  options: PCR8Request,
  live: string[],
  readers: SourceReaders,
  warnings: string[],
): Promise<{ mode: AttestMode; list: string[]; sources: PCR8Source[] }> {
  const spec = {
    eif: options.eif,
    buildOutput: options.buildOutput,
    describeEifOutput: options.describeEifOutput,
    pcr8: options.pcr8,
  };
  const explicit = Object.values(spec).some((value) => value !== undefined);
  if (options.add !== undefined && options.prune !== undefined) {
    fail(
      'INVALID_OPTION',
      '--add and --prune cannot be combined',
      'rotate in two steps: attest --add <new>, deploy, then attest --prune <old>',
    );
  }
  if (options.prune !== undefined) {
    if (explicit) fail('INVALID_OPTION', '--prune takes no other PCR8 source', 'run attest --prune <pcr8> alone');
    const value = assertPCR8(options.prune, '--prune');
    if (!live.includes(value)) {
      fail(
        'POLICY_INVALID',
        `${value} is not in the key policy's PCR8 list`,
        live.length === 0 ? 'the key policy has no PCR8 list yet; run attest first' : `the list is: ${live.join(', ')}`,
        { context: { pcr8: live } },
      );
    }
    if (live.length === 1) {
      fail(
        'POLICY_PRUNE_LAST',
        `refusing to prune the last PCR8 value ${value}`,
        'add the new value first (attest --add <pcr8>), then prune the old one; without a value the co-signer cannot use its key',
        { context: { pcr8: live } },
      );
    }
    return { mode: 'prune', list: live.filter((v) => v !== value), sources: [] };
  }
  if (options.add !== undefined) {
    // A new image: cross-check the add value with the explicit sources, not with the (old) config.
    const sources = [
      await pcr8FromAddArgument(options.add, readers),
      ...(explicit ? await collectPCR8Sources(spec, readers) : []),
    ];
    const value = crossCheckPCR8(sources);
    if (live.includes(value)) warnings.push(`${value} is already in the PCR8 list`);
    return { mode: 'add', list: live.includes(value) ? live : [...live, value], sources };
  }
  let list: string[];
  let sources: PCR8Source[];
  if (explicit) {
    sources = await collectPCR8Sources(spec, readers);
    const value = crossCheckPCR8(sources);
    if (options.configured !== undefined) sources.push(checkAgainstConfig(value, sources, options.configured, live));
    list = [value];
  } else {
    // No source given: the key policy gets the config's list (its preset, or the values attest recorded).
    const configured = options.configured ?? noSource();
    list = assertPCR8List(configured.values, configured.name);
    sources = list.map((value) => ({ source: configured.name, kind: 'preset', value }));
  }
  const same = live.length === list.length && live.every((v) => list.includes(v));
  if (live.length > 0 && !same) {
    warnings.push(
      `this replaces the PCR8 list ${live.join(', ')} with ${list.join(', ')}; for a rotation with overlap use --add, then --prune`,
    );
  }
  return { mode: 'set', list, sources };
}
