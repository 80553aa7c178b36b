/**
 * Where `attest` gets PCR8 from, and the cross-check that all sources agree: the signed EIF itself
 * (measured in-process), nitro-cli's build-enclave or describe-eif JSON, a value typed with
 * `--pcr8`, and the config's Fireblocks environment preset.
 */
import { CosignerError, fail } from '../errors.js';
import { escapeControl } from '../io/safe-text.js';
import { assertPCR8 } from '../policy/pcr8.js';

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
  /** The config's preset, e.g. `{ name: 'fireblocks.env=global', pcr8 }`. */
  preset?: { name: string; pcr8: string } | undefined;
}

const HEX96 = /^[0-9a-fA-F]{96}$/;

function unsigned(what: string): never {
  fail('EIF_UNSIGNED', `${what} has no PCR8: the enclave image is not signed`, 'use the signed Fireblocks EIF; an unsigned image cannot be bound to a key policy by PCR8');
}

/** PCR8 from `nitro-cli build-enclave` output text. */
export async function pcr8FromBuildOutput(text: string, what: string): Promise<string> {
  const { parseBuildEnclaveOutput } = await import('../enclave/nitro-cli-output.js');
  const output = parseBuildEnclaveOutput(text);
  const value = output.Measurements.PCR8;
  if (value === undefined) unsigned(what);
  return assertPCR8(value, what);
}

/** PCR8 from `nitro-cli describe-eif` output text; a failed signature check is refused. */
export async function pcr8FromDescribeEifOutput(text: string, what: string): Promise<string> {
  const { parseDescribeEifOutput } = await import('../enclave/nitro-cli-output.js');
  const output = parseDescribeEifOutput(text);
  if (!output.IsSigned || output.Measurements.PCR8 === undefined) unsigned(what);
  if (output.SignatureCheck === false) {
    fail('EIF_SIGNATURE_INVALID', `${what}: nitro-cli reports that the image signature does not verify`, 'obtain the image again from Fireblocks; do not attest an image whose signature fails');
  }
  return assertPCR8(output.Measurements.PCR8, what);
}

/** PCR8 measured from an EIF file. */
export async function pcr8FromEif(path: string, readers: SourceReaders, what: string): Promise<string> {
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
  const value = /"IsSigned"\s*:/.test(text) ? await pcr8FromDescribeEifOutput(text, what) : await pcr8FromBuildOutput(text, what);
  return { source: what, kind: 'add', value };
}

/** Every source given, measured or parsed, in a stable order. */
export async function collectPCR8Sources(spec: SourceSpec, readers: SourceReaders): Promise<PCR8Source[]> {
  if (spec.buildOutput === '-' && spec.describeEifOutput === '-') {
    fail('INVALID_OPTION', 'only one of --build-output and --describe-eif-output can read stdin (-)', 'pass one of them as a file');
  }
  const sources: PCR8Source[] = [];
  if (spec.eif !== undefined) {
    const what = `--eif ${spec.eif}`;
    sources.push({ source: what, kind: 'eif', value: await pcr8FromEif(spec.eif, readers, what) });
  }
  if (spec.buildOutput !== undefined) {
    const what = `--build-output ${spec.buildOutput}`;
    sources.push({ source: what, kind: 'build-output', value: await pcr8FromBuildOutput(await readers.readText(spec.buildOutput), what) });
  }
  if (spec.describeEifOutput !== undefined) {
    const what = `--describe-eif-output ${spec.describeEifOutput}`;
    sources.push({ source: what, kind: 'describe-eif-output', value: await pcr8FromDescribeEifOutput(await readers.readText(spec.describeEifOutput), what) });
  }
  if (spec.pcr8 !== undefined) sources.push({ source: '--pcr8', kind: 'pcr8', value: assertPCR8(spec.pcr8, '--pcr8') });
  if (spec.preset !== undefined) sources.push({ source: spec.preset.name, kind: 'preset', value: assertPCR8(spec.preset.pcr8, spec.preset.name) });
  return sources;
}

/**
 * The one PCR8 all sources agree on. Throws PCR_SOURCE_MISSING without sources, and
 * PCR_SOURCES_DISAGREE (exit 3) with the source → value table in the error context otherwise.
 */
export function crossCheckPCR8(sources: readonly PCR8Source[]): string {
  const first = sources[0];
  if (first === undefined) {
    fail('PCR_SOURCE_MISSING', 'no PCR8 source', 'pass --eif, --build-output, --describe-eif-output or --pcr8, or set the Fireblocks environment (--fb-env)');
  }
  if (sources.every((source) => source.value === first.value)) return first.value;
  // A multi-line message: each source name (a file name) is escaped so it cannot fake a row.
  const width = Math.max(...sources.map((source) => escapeControl(source.source).length));
  const table = sources.map((source) => `  ${escapeControl(source.source).padEnd(width)}  ${source.value}`).join('\n');
  throw new CosignerError('PCR_SOURCES_DISAGREE', `the PCR8 sources disagree:\n${table}`, {
    hint: 'make sure every source describes the same signed image; for an image that is not the Fireblocks preset set --fb-env custom with its PCR8',
    context: { sources: sources.map(({ source, value }) => ({ source, value })) },
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
  /** The config's Fireblocks preset, e.g. `{ name: 'fireblocks.env=global', pcr8 }`. */
  preset?: { name: string; pcr8: string } | undefined;
  /** Rotation, phase 1: add this PCR8 (a value or a source file) to the list. */
  add?: string | undefined;
  /** Rotation, phase 2: remove this PCR8 from the list. */
  prune?: string | undefined;
}

/** The real readers: the in-process EIF measurer and small text files (or stdin for `-`). */
export async function defaultReaders(): Promise<SourceReaders> {
  const [{ readEifFile }, { readFileBytes }] = await Promise.all([import('../files/eif-file.js'), import('../files/read-file.js')]);
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
export async function decidePCR8(options: PCR8Request, live: string[], readers: () => Promise<SourceReaders>, warnings: string[]): Promise<{ mode: AttestMode; list: string[]; sources: PCR8Source[] }> {
  const spec = { eif: options.eif, buildOutput: options.buildOutput, describeEifOutput: options.describeEifOutput, pcr8: options.pcr8 };
  const explicit = Object.values(spec).some((value) => value !== undefined);
  if (options.add !== undefined && options.prune !== undefined) {
    fail('INVALID_OPTION', '--add and --prune cannot be combined', 'rotate in two steps: attest --add <new>, deploy, then attest --prune <old>');
  }
  if (options.prune !== undefined) {
    if (explicit) fail('INVALID_OPTION', '--prune takes no other PCR8 source', 'run attest --prune <pcr8> alone');
    const value = assertPCR8(options.prune, '--prune');
    if (!live.includes(value)) {
      fail('POLICY_INVALID', `${value} is not in the key policy's PCR8 list`, live.length === 0 ? 'the key policy has no PCR8 list yet; run attest first' : `the list is: ${live.join(', ')}`, { context: { pcr8: live } });
    }
    if (live.length === 1) {
      fail('POLICY_PRUNE_LAST', `refusing to prune the last PCR8 value ${value}`, 'add the new value first (attest --add <pcr8>), then prune the old one; without a value the co-signer cannot use its key', { context: { pcr8: live } });
    }
    return { mode: 'prune', list: live.filter((v) => v !== value), sources: [] };
  }
  const reader = explicit || (options.add !== undefined && !/^[0-9a-fA-F]{96}$/.test(options.add)) ? await readers() : undefined;
  if (options.add !== undefined) {
    // A new image: cross-check the add value with the explicit sources, not with the (old) preset.
    const sources = [await pcr8FromAddArgument(options.add, reader as SourceReaders), ...(explicit ? await collectPCR8Sources(spec, reader as SourceReaders) : [])];
    const value = crossCheckPCR8(sources);
    if (live.includes(value)) warnings.push(`${value} is already in the PCR8 list`);
    return { mode: 'add', list: live.includes(value) ? live : [...live, value], sources };
  }
  const sources = await collectPCR8Sources({ ...spec, preset: options.preset }, reader ?? { measureEif: () => Promise.reject(new Error('unused')), readText: () => Promise.reject(new Error('unused')) });
  const value = crossCheckPCR8(sources);
  if (live.length > 1 || (live.length === 1 && live[0] !== value)) {
    warnings.push(`this replaces the PCR8 list ${live.join(', ')} with ${value}; for a rotation with overlap use --add, then --prune`);
  }
  return { mode: 'set', list: [value], sources };
}
