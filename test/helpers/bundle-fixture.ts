/**
 * A TypeScript child-process fixture made into one JavaScript file (esbuild, every import
 * bundled), once per test file. Started with plain `node`, a child then loads in about a tenth of
 * the CPU time `node --import tsx` takes to compile the sources it imports, and the tests that start
 * several children (lock races, concurrent writers) spend their time on what they test.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { build } from 'esbuild';

/** Bundles `entry` (an absolute path) and returns the path of the JavaScript file to run with node. */
export async function bundleFixture(entry: string): Promise<string> {
  const outfile = join(await mkdtemp(join(tmpdir(), 'fixture-')), `${basename(entry, '.ts')}.mjs`);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
    // Bundled CommonJS packages call require(): give the ES module one.
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  });
  return outfile;
}
