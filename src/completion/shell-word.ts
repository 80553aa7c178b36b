/**
 * Words that go into a generated completion script unquoted (command names, option names,
 * enumerated values). They come from the program's own declarations, but a script is code: a word
 * that is not plainly safe is refused rather than quoted.
 */
import { fail } from '../errors.js';

const SAFE_WORD = /^[A-Za-z0-9][A-Za-z0-9._:/+-]*$|^--?[A-Za-z0-9][A-Za-z0-9-]*$/;

export function shellWord(word: string): string {
  if (!SAFE_WORD.test(word)) {
    fail('INTERNAL', `not a plain word for a completion script: ${JSON.stringify(word)}`, 'report this as a bug');
  }
  return word;
}
