/**
 * The version of cosigner-cli: printed by --version, written into tags, plans, journals and receipts.
 *
 * The npm package reads it from its package.json (one directory above dist/ and src/). The
 * single-file bundle has no package.json beside it: scripts/bundle.ts injects the version at build
 * time by defining COSIGNER_BUNDLE_VERSION, and the package.json branch is then never taken.
 */
import { createRequire } from 'node:module';

declare const COSIGNER_BUNDLE_VERSION: string | undefined;

function packageVersion(): string {
  return (createRequire(import.meta.url)('../package.json') as { version: string }).version;
}

export const VERSION: string = typeof COSIGNER_BUNDLE_VERSION === 'string' ? COSIGNER_BUNDLE_VERSION : packageVersion();
