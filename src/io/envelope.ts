/**
 * The JSON envelope (design.md "JSON"): with --json, stdout carries exactly this one document.
 */
import type { CosignerErrorJSON } from '../errors.js';
import { escapeJsonText } from './safe-text.js';

const JSON_SCHEMA_VERSION = 1;

export type Envelope =
  | { schemaVersion: 1; command: string; ok: true; result: unknown }
  | { schemaVersion: 1; command: string; ok: false; error: CosignerErrorJSON; result?: unknown };

export function successEnvelope(command: string, result: unknown): Envelope {
  return { schemaVersion: JSON_SCHEMA_VERSION, command, ok: true, result };
}

export function errorEnvelope(command: string, error: CosignerErrorJSON, result?: unknown): Envelope {
  return { schemaVersion: JSON_SCHEMA_VERSION, command, ok: false, error, ...(result === undefined ? {} : { result }) };
}

/** The document, with every string exact and no raw terminal control in the text (safe-text.ts). */
export function formatEnvelope(envelope: Envelope): string {
  return `${escapeJsonText(JSON.stringify(envelope, null, 2))}\n`;
}
