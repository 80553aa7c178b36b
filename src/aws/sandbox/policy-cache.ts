/**
 * Parsed policy documents by their text: every simulated call evaluates its caller's identity
 * policies and often the same resource policy, and parsing them again each time was a good part of
 * a call's cost. Parsing is a pure function of the text; the documents are frozen, as they are
 * shared.
 */
import { parsePolicyDocument } from '../../policy/evaluate.js';
import type { PolicyDocument } from '../../policy/types.js';
import { deepFreeze } from './util.js';

/** `undefined`: a text the evaluator cannot read. Emptied when it reaches {@link PARSED_MAX} texts. */
const parsed = new Map<string, PolicyDocument | undefined>();
const PARSED_MAX = 1000;

/** The document `text` holds, parsed once; undefined when it is not a policy the evaluator reads. */
export function parsedPolicy(text: string): PolicyDocument | undefined {
  if (parsed.has(text)) return parsed.get(text);
  let document: PolicyDocument | undefined;
  try {
    document = deepFreeze(parsePolicyDocument(text));
  } catch {
    document = undefined;
  }
  if (parsed.size >= PARSED_MAX) parsed.clear();
  parsed.set(text, document);
  return document;
}
