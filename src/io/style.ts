/**
 * Terminal colour, applied only when allowed (`--no-color`, NO_COLOR, TERM=dumb and non-TTY
 * streams turn it off). picocolors is tiny and has no start-up cost worth measuring.
 */
import pc from 'picocolors';

export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

const plain: Style = { bold: (t) => t, dim: (t) => t, red: (t) => t, green: (t) => t, yellow: (t) => t, cyan: (t) => t };

export function createStyle(enabled: boolean): Style {
  if (!enabled) return plain;
  const c = pc.createColors(true);
  return { bold: c.bold, dim: c.dim, red: c.red, green: c.green, yellow: c.yellow, cyan: c.cyan };
}

/** Whether colour is allowed on a stream, from flags and the environment. */
export function colorAllowed(options: { noColorFlag: boolean; env: NodeJS.ProcessEnv; isTTY: boolean | undefined }): boolean {
  if (options.noColorFlag) return false;
  if (options.env.NO_COLOR !== undefined && options.env.NO_COLOR !== '') return false;
  if (options.env.TERM === 'dumb') return false;
  if (options.env.FORCE_COLOR !== undefined && options.env.FORCE_COLOR !== '0') return true;
  return Boolean(options.isTTY);
}
