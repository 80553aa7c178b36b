/**
 * Untrusted text on a terminal. Image metadata, certificate names, file names, policy Sids, tags and
 * other strings that come from files or from AWS can carry terminal controls: an ESC sequence that
 * moves the cursor and overwrites a PCR8 line, a carriage return, a C1 CSI, or a bidi override that
 * shows a value in another order than it is. Every human renderer passes such strings through
 * {@link escapeControl}, which makes these characters visible instead of acting on them.
 *
 * JSON output keeps the exact strings: JSON.stringify already writes C0 controls as escapes, and
 * {@link escapeJsonText} writes the remaining ones (DEL, C1, bidi controls, line separators) as
 * `\uXXXX`, which a JSON parser reads back as the same characters.
 */

/**
 * The characters escaped: C0 controls (U+0000–U+001F), DEL and C1 controls (U+007F–U+009F), the
 * Arabic letter mark (U+061C), the left-to-right and right-to-left marks (U+200E, U+200F), the line
 * and paragraph separators (U+2028, U+2029), the bidi embeddings and overrides (U+202A–U+202E) and
 * the bidi isolates (U+2066–U+2069). A fixed class: linear, whatever the input.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex -- as above, minus the line feed
const CONTROL_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;
/** Only what JSON.stringify leaves raw: it escapes C0 itself. */
const JSON_RAW_CONTROL = /[\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

const SHORT: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function visible(char: string): string {
  const short = SHORT[char];
  if (short !== undefined) return short;
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

export interface EscapeControlOptions {
  /**
   * Keep line feeds, for a multi-line message assembled by the CLI itself whose untrusted parts
   * were escaped already (a line feed inside a single-line field would fake a line of its own).
   * @default false
   */
  keepNewlines?: boolean;
}

/**
 * `text` with every control, bidi and line-separator character written as a visible escape:
 * `\x1b`, `\x9b`, `\n`, `\r`, `\t`, `\u202e`. Everything else, backslashes included, is unchanged.
 */
export function escapeControl(text: string, options: EscapeControlOptions = {}): string {
  return text.replace(options.keepNewlines === true ? CONTROL_BUT_NEWLINE : CONTROL, visible);
}

/** Serialised JSON with DEL, C1 and bidi controls as `\uXXXX` escapes: the same document, safe to print. */
export function escapeJsonText(json: string): string {
  return json.replace(JSON_RAW_CONTROL, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Text shaped like a JWT, the form of the Fireblocks pairing token: a base64url JSON header (`{"`
 * encodes as `eyJ`), a payload and a signature, separated by dots.
 */
const TOKEN_SHAPED = /eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*/g;

/** Does `text` hold something shaped like a pairing token? */
export function looksLikeToken(text: string): boolean {
  return text.search(TOKEN_SHAPED) >= 0;
}

/** `text` with everything shaped like a pairing token replaced by `[redacted]`. */
export function hideTokens(text: string): string {
  return text.replace(TOKEN_SHAPED, '[redacted]');
}
