/** The version of cosigner-cli, written into tags, plans, journals and receipts. */
import { createRequire } from 'node:module';

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };

export const TOOL_VERSION: string = pkg.version;
