// Registers a resolve hook that appends every resolved module URL to $COSIGNER_TRACE_LOADS,
// so tests can assert what a command did not load (e.g. the AWS SDK for --help).
import { register } from 'node:module';

register('./trace-loads-hooks.mjs', import.meta.url);
