/**
 * Fitting one line of text into a terminal width: control characters (escape sequences from a
 * resource name or an error message, newlines, tabs) are neutralised so a line stays one line, and
 * text wider than the width is cut with an ellipsis. Width is counted in code points, with East
 * Asian wide and emoji characters as two columns; what we print is ASCII plus a few symbols.
 */

// C0 and C1 controls and DEL (ESC included): never sent to the terminal from data.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
const WIDE =
  /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|[\u{1f300}-\u{1faff}\u{20000}-\u{3fffd}]/u;

function charWidth(char: string): number {
  return WIDE.test(char) ? 2 : 1;
}

/** The text as one printable line: every control character becomes a space. */
export function oneLine(text: string): string {
  return text.replace(CONTROL, ' ');
}

/** Columns the (plain, one-line) text takes. */
export function textWidth(text: string): number {
  let width = 0;
  for (const char of text) width += charWidth(char);
  return width;
}

/**
 * The text cut to `width` columns (an ellipsis marks the cut), then painted. Paint after cutting:
 * colour codes take no columns but would be cut like text.
 */
export function fitWidth(text: string, width: number, paint: (text: string) => string = (t) => t): string {
  const line = oneLine(text);
  if (textWidth(line) <= width) return paint(line);
  let out = '';
  let used = 0;
  for (const char of line) {
    const w = charWidth(char);
    if (used + w > width - 1) break;
    out += char;
    used += w;
  }
  return paint(`${out}…`);
}

/**
 * Plain text wrapped at spaces into lines of at most `width` columns; the line's own leading
 * spaces are kept and later lines are indented `indent` spaces further (a word longer than a line
 * is split). Lines holding escape codes are returned as they are: their width cannot be counted.
 */
export function wrapWords(text: string, width: number, indent = 2): string[] {
  const lead = /^ */.exec(text)?.[0] ?? '';
  // eslint-disable-next-line no-control-regex
  if (/\u001b/.test(text) || textWidth(text) <= width || width <= lead.length + indent + 10) return [text];
  const lines: string[] = [];
  const hanging = ' '.repeat(lead.length + indent);
  let line = lead;
  let empty = true;
  const push = () => {
    lines.push(line);
    line = hanging;
    empty = true;
  };
  for (const word of text.slice(lead.length).split(' ')) {
    let rest = word;
    const gap = empty ? '' : ' ';
    if (textWidth(line) + gap.length + textWidth(rest) <= width) {
      line += gap + rest;
      empty = false;
      continue;
    }
    if (!empty) push();
    // A word wider than a whole line: split it.
    while (textWidth(line) + textWidth(rest) > width) {
      const take = width - textWidth(line);
      line += [...rest].slice(0, take).join('');
      rest = [...rest].slice(take).join('');
      push();
    }
    line += rest;
    empty = rest === '';
  }
  if (!empty) lines.push(line);
  return lines;
}
