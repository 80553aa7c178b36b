/**
 * Whether colour may be used on a stream: `--no-color`, NO_COLOR and TERM=dumb turn it off,
 * FORCE_COLOR turns it on, otherwise a TTY decides. Dependency-free so the entry point can decide
 * before loading any terminal code.
 */
/** Whether colour is allowed on a stream, from flags and the environment. */
export function colorAllowed(options: {
  noColorFlag: boolean;
  env: NodeJS.ProcessEnv;
  isTTY: boolean | undefined;
}): boolean {
  if (options.noColorFlag) return false;
  if (options.env.NO_COLOR !== undefined && options.env.NO_COLOR !== '') return false;
  if (options.env.TERM === 'dumb') return false;
  if (options.env.FORCE_COLOR !== undefined && options.env.FORCE_COLOR !== '0') return true;
  return Boolean(options.isTTY);
}
