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

const plain: Style = {
  bold: (t) => t,
  dim: (t) => t,
  red: (t) => t,
  green: (t) => t,
  yellow: (t) => t,
  cyan: (t) => t,
};

export function createStyle(enabled: boolean): Style {
  if (!enabled) return plain;
  const c = pc.createColors(true);
  return { bold: c.bold, dim: c.dim, red: c.red, green: c.green, yellow: c.yellow, cyan: c.cyan };
}
