/** The version of cosigner-cli, written into tags, plans, journals and receipts. */
export { VERSION as TOOL_VERSION } from '../version.js';
