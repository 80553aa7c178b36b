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
 * Text shaped like a JWT, the form of the Fireblocks pairing token and what `validateToken`
 * accepts: base64url parts separated by dots, a header, a payload and a signature (possibly empty).
 * A token-shaped value is three consecutive parts of a dotted word whose first part decodes to a
 * JSON object, whatever its encoding starts with (`{"` gives `eyJ`, `{ "` gives `eyAi`, a BOM or
 * a newline first gives yet another prefix). Words are runs of base64url characters and dots; a
 * fixed class, linear whatever the input.
 */
const DOTTED_WORD = /[A-Za-z0-9_.-]+/g;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Does this base64url text decode to a JSON object (a JWT header)? */
function isJsonObjectHeader(part: string): boolean {
  if (!BASE64URL.test(part) || part.length % 4 === 1) return false;
  const text = Buffer.from(part, 'base64url').toString('utf8');
  if (!/^[\s\ufeff]*\{/.test(text)) return false;
  try {
    const value: unknown = JSON.parse(text.replace(/^\ufeff/, ''));
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** The index of each part of `parts` that starts a header.payload.signature triple. */
function tokenStarts(parts: readonly string[]): number[] {
  const starts: number[] = [];
  for (let i = 0; i + 2 < parts.length; i++) {
    const [header, payload, signature] = [parts[i] ?? '', parts[i + 1] ?? '', parts[i + 2] ?? ''];
    if (payload === '' || !BASE64URL.test(payload) || (signature !== '' && !BASE64URL.test(signature))) continue;
    if (isJsonObjectHeader(header)) {
      starts.push(i);
      i += 2;
    }
  }
  return starts;
}

/** Does `text` hold something shaped like a pairing token? */
export function looksLikeToken(text: string): boolean {
  for (const [word] of text.matchAll(DOTTED_WORD)) if (tokenStarts(word.split('.')).length > 0) return true;
  return false;
}

/** `text` with everything shaped like a pairing token replaced by `[redacted]`. */
export function hideTokens(text: string): string {
  return text.replace(DOTTED_WORD, (word) => {
    const parts = word.split('.');
    const starts = tokenStarts(parts);
    if (starts.length === 0) return word;
    const out: string[] = [];
    for (let i = 0; i < parts.length; i++) {
      if (starts.includes(i)) {
        out.push('[redacted]');
        i += 2;
      } else out.push(parts[i] ?? '');
    }
    return out.join('.');
  });
}
