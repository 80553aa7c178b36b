/**
 * The third-party notices of the single-file bundle. The bundle copies code from every runtime
 * dependency it inlines, so it must carry their licence texts (and Apache-2.0 NOTICE files):
 * this finds the package of each bundled input file, reads its package.json, licence and notice
 * files, and renders one comment that groups the packages sharing an identical text.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface BundledPackage {
  name: string;
  version: string;
  /** The SPDX expression of its package.json (`UNKNOWN` when it has none). */
  license: string;
  /** Its licence and notice files, concatenated; empty when the package ships none. */
  text: string;
}

// The package directory of a bundled file: the path up to its last `node_modules/<name>` or
// `node_modules/@scope/<name>` (nested installs resolve to the innermost package).
const PACKAGE_DIR = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//;
const LEGAL_FILE = /^(licen[cs]e|copying|notice)(\.(md|txt|markdown))?$/i;

/** The packages whose files esbuild put in the bundle (metafile input paths, relative to `root`). */
export function bundledPackages(root: string, inputs: readonly string[]): BundledPackage[] {
  const dirs = new Set<string>();
  for (const input of inputs) {
    const match = PACKAGE_DIR.exec(input.replaceAll('\\', '/'));
    if (match?.[1]) dirs.add(resolve(root, match[1]));
  }
  const packages = [...dirs].map((dir) => readPackage(dir));
  return packages.sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
}

function readPackage(dir: string): BundledPackage {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
    license?: string | { type?: string };
  };
  const license = typeof manifest.license === 'string' ? manifest.license : (manifest.license?.type ?? 'UNKNOWN');
  // LICENSE before NOTICE, each once, whatever the case of the file name.
  const legal = readdirSync(dir)
    .filter((file) => LEGAL_FILE.test(file))
    .sort((a, b) => Number(/^notice/i.test(a)) - Number(/^notice/i.test(b)) || a.localeCompare(b));
  const text = legal
    .map((file) => readFileSync(join(dir, file), 'utf8').trim())
    .join('\n\n')
    .replace(/\r\n?/g, '\n');
  return { name: manifest.name, version: manifest.version, license, text };
}

/**
 * One block comment naming every bundled package, each group of packages followed by the licence
 * text they share. `*\/` inside a text is broken up so that it cannot end the comment early.
 */
export function renderNotices(product: string, packages: readonly BundledPackage[]): string {
  const groups = new Map<string, BundledPackage[]>();
  for (const pkg of packages) {
    const key = pkg.text || `(no licence file in the package; its package.json says ${pkg.license})`;
    groups.set(key, [...(groups.get(key) ?? []), pkg]);
  }
  const lines = [
    `${product} bundles the following ${packages.length} packages; their licences and notices follow,`,
    'one text per group of packages that ship the same one.',
  ];
  for (const [text, members] of groups) {
    lines.push(
      '',
      `---- ${members.map((p) => `${p.name}@${p.version} (${p.license})`).join(', ')}`,
      '',
      ...text.split('\n'),
    );
  }
  const body = lines.map((line) => (line ? ` * ${line}` : ' *')).join('\n');
  return `/*!\n${body.replaceAll('*/', '* /')}\n */`;
}
