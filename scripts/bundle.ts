/**
 * The single-file bundle, for hosts without registry access: src/main.ts and every runtime
 * dependency (the AWS SDK included) in one ES module that `node` ≥ 20.19 runs with nothing beside
 * it. Built from the TypeScript sources by esbuild (no `npm run build` needed); prints one JSON line.
 *   npm run bundle                          → dist-bundle/cosigner-cli.mjs
 *   npm run bundle -- --outfile <file.mjs>
 *
 * How it stays fast to start: V8 must at least pre-parse every function of a module it loads, and
 * for one 5 MB module that costs more than the whole start-up of the npm package. So esbuild first
 * splits the program at its lazy `import()`s (each command, the AWS SDK behind the ports) into
 * chunks; each chunk is converted to CommonJS text and stored in the bundle as a string, and a
 * small loader (RUNTIME below) compiles a chunk the first time it is required. `--help` compiles
 * the entry chunk and commander only, as the package loads only those files.
 *
 * - The version is injected at build time (COSIGNER_BUNDLE_VERSION, read by src/version.ts): the
 *   bundle has no package.json to read.
 * - The licences and notices of the packages it inlines end it, as a comment (bundle-notices.ts).
 */
import { mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { basename, dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build, transform, type Plugin } from 'esbuild';
import { bundledPackages, renderNotices, type BundledPackage } from './bundle-notices.js';

const root = resolve(import.meta.dirname, '..');
const DEFAULT_BUNDLE = resolve(root, 'dist-bundle/cosigner-cli.mjs');
/** The oldest Node the package supports (package.json engines), as an esbuild target. */
const TARGET = 'node20.19';
/** The entry chunk's name; it exports main() for the loader to run. */
const ENTRY_CHUNK = './entry.js';

/**
 * The bundle's own code, after the shebang and header. `MODULES` is replaced by the chunks, as a
 * JSON object of name → CommonJS source. A chunk requires another by its `./name`, and anything
 * else (Node built-ins) through Node's require. A module is cached before it runs, as in Node, so
 * an import cycle between chunks sees the exports object being filled. `import.meta.url` inside
 * a chunk is the bundle's own URL.
 */
const RUNTIME = `import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileFunction } from 'node:vm';

const sources = MODULES;
const bundleUrl = import.meta.url;
const bundleFile = fileURLToPath(bundleUrl);
const nodeRequire = createRequire(bundleUrl);
const loaded = new Map();
function load(name) {
  const cached = loaded.get(name);
  if (cached) return cached.exports;
  const source = sources[name];
  if (source === undefined) return nodeRequire(name);
  delete sources[name];
  const module = { exports: {} };
  loaded.set(name, module);
  const run = compileFunction(source, ['exports', 'require', 'module', '__filename', '__dirname', '__bundleUrl'], {
    filename: bundleFile + '#' + name.slice(2),
  });
  run.call(module.exports, module.exports, load, module, bundleFile, dirname(bundleFile), bundleUrl);
  return module.exports;
}
await load(${JSON.stringify(ENTRY_CHUNK)}).main();
`;

export interface BundleOptions {
  /** Undefined (as `--outfile` not given): the default. @default dist-bundle/cosigner-cli.mjs */
  outfile?: string | undefined;
  /** Extra esbuild plugins (the start-up test instruments module evaluation with one). */
  plugins?: Plugin[];
}

export interface BundleResult {
  outfile: string;
  version: string;
  bytes: number;
  /** Source files inlined (ours and the dependencies'), relative to the repository. */
  inputs: string[];
  /** Chunks stored in the bundle, the entry among them. */
  chunks: number;
  packages: BundledPackage[];
}

export async function buildBundle(options: BundleOptions = {}): Promise<BundleResult> {
  const outfile = resolve(options.outfile ?? DEFAULT_BUNDLE);
  const { name, version, license } = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
    license: string;
  };
  const outdir = dirname(outfile);
  // Whitespace and syntax minification only: function and class names stay, so `--debug` stacks
  // stay readable.
  const minify = { minifyWhitespace: true, minifySyntax: true } as const;
  const split = await build({
    stdin: {
      contents: "export { main } from './src/main.js';\n",
      resolveDir: root,
      sourcefile: 'cosigner-cli-bundle.ts',
      loader: 'ts',
    },
    absWorkingDir: root,
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: TARGET,
    define: { COSIGNER_BUNDLE_VERSION: JSON.stringify(version) },
    ...minify,
    legalComments: 'none',
    plugins: options.plugins ?? [],
    outdir,
    entryNames: 'entry',
    chunkNames: 'chunk-[hash]',
    write: false,
    metafile: true,
    logLevel: 'warning',
  });
  // Each ES chunk becomes CommonJS: import → require, import() → a promise of require.
  const converted = await Promise.all(
    split.outputFiles.map(async (file) => {
      const cjs = await transform(file.text, {
        loader: 'js',
        format: 'cjs',
        target: TARGET,
        supported: { 'dynamic-import': false },
        define: { 'import.meta.url': '__bundleUrl' },
        ...minify,
        logLevel: 'warning',
      });
      return [`./${basename(file.path)}`, cjs.code] as const;
    }),
  );
  const modules = Object.fromEntries(converted);
  if (!(ENTRY_CHUNK in modules)) throw new Error(`esbuild produced no ${ENTRY_CHUNK}`);
  // Runnable alone: everything the chunks import from outside the bundle is part of Node.
  const outside = Object.values(split.metafile.outputs)
    .flatMap((output) => output.imports)
    .filter((imported) => imported.external && !isBuiltin(imported.path))
    .map((imported) => imported.path);
  if (outside.length > 0)
    throw new Error(`the bundle would need modules it does not hold: ${[...new Set(outside)].join(', ')}`);

  // The notices name the packages that esbuild actually inlined.
  const inputs = Object.keys(split.metafile.inputs);
  const packages = bundledPackages(root, inputs);
  const text = [
    '#!/usr/bin/env node',
    `// ${name} ${version} (${license}), a single-file build for Node.js >= 20.19: node cosigner-cli.mjs --help`,
    RUNTIME.replace('MODULES', () => JSON.stringify(modules)),
    `${renderNotices(`${name} ${version}`, packages)}\n`,
  ].join('\n');
  mkdirSync(outdir, { recursive: true });
  writeFileSync(outfile, text, { mode: 0o755 });
  chmodSync(outfile, 0o755);
  return { outfile, version, bytes: Buffer.byteLength(text), inputs, chunks: split.outputFiles.length, packages };
}

// As a script: build, then print one JSON line.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { outfile: { type: 'string' } } });
  const started = performance.now();
  const bundle = await buildBundle({ outfile: values.outfile });
  process.stdout.write(
    `${JSON.stringify({
      bundle: bundle.outfile,
      version: bundle.version,
      bytes: bundle.bytes,
      mib: Math.round((bundle.bytes / 2 ** 20) * 100) / 100,
      inputs: bundle.inputs.length,
      chunks: bundle.chunks,
      packages: bundle.packages.length,
      ms: Math.round(performance.now() - started),
    })}\n`,
  );
}
