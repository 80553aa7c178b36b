// Runs the CLI from TypeScript sources (no build), for development and process-level tests:
//   node --import tsx scripts/dev-cli.ts <args>
import { main } from '../src/main.js';

await main();
