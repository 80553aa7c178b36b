import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';
import { MESSAGE_CODES } from '../../src/io/message-codes.js';

const SRC = join(import.meta.dirname, '..', '..', 'src');
const REGISTRY = join(SRC, 'io', 'message-codes.ts');

/** Every TypeScript source of the program, by path relative to src/. */
async function sources(): Promise<Map<string, string>> {
  const files = (await readdir(SRC, { recursive: true })).filter((f) => f.endsWith('.ts'));
  const texts = new Map<string, string>();
  for (const file of files) {
    const path = join(SRC, file);
    if (path !== REGISTRY) texts.set(relative(SRC, path), await readFile(path, 'utf8'));
  }
  return texts;
}

describe('the message code registry', () => {
  it('lists only codes the program sends (each one is named outside the registry)', async () => {
    const texts = [...(await sources()).values()];
    const unused = Object.keys(MESSAGE_CODES).filter((code) => !texts.some((text) => text.includes(`'${code}'`)));
    expect(unused).toEqual([]);
  });

  it('names no code the registry does not hold (every notify and log call sends a registered code)', async () => {
    const known = new Set(Object.keys(MESSAGE_CODES));
    const unknown: string[] = [];
    for (const [file, text] of await sources()) {
      // `code: 'X'` inside a notify({...}) call, or the code argument of log.info/warn/debug.
      for (const call of text.matchAll(/\bnotify\(\{[^}]*?\bcode: '([A-Z0-9_]+)'/g))
        if (!known.has(call[1]!)) unknown.push(`${file}: ${call[1]}`);
      for (const call of text.matchAll(/\blog\.(?:info|warn|debug)\(\s*[\w.]+,\s*'([A-Z0-9_]+)'/g))
        if (!known.has(call[1]!)) unknown.push(`${file}: ${call[1]}`);
    }
    expect(unknown).toEqual([]);
  });

  it('gives each code a one-line meaning', () => {
    for (const [code, meaning] of Object.entries(MESSAGE_CODES)) {
      expect(code, code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
      expect(meaning.length, code).toBeGreaterThan(10);
      expect(meaning, code).not.toMatch(/\n/);
    }
  });

  it('shares no code with the error registry, so a code says whether it is a message or an error', () => {
    const errors = new Set(Object.keys(ERROR_CODES));
    expect(Object.keys(MESSAGE_CODES).filter((code) => errors.has(code))).toEqual([]);
  });
});
