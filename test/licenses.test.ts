/**
 * The CLI is Apache-2.0: no package under a GPL-family licence may ship in it. The AGPL policy
 * simulator is allowed only as a devDependency (a test-time oracle).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
interface LockPackage {
  dev?: boolean;
  devOptional?: boolean;
  license?: string;
}
const lock = JSON.parse(readFileSync(resolve(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockPackage>;
};

function licenseOf(path: string, entry: LockPackage): string {
  if (entry.license) return entry.license;
  const manifest = JSON.parse(readFileSync(resolve(root, path, 'package.json'), 'utf8')) as {
    license?: string | { type?: string };
  };
  return typeof manifest.license === 'string' ? manifest.license : (manifest.license?.type ?? 'UNKNOWN');
}

describe('licences', () => {
  const shipped = Object.entries(lock.packages).filter(
    ([path, entry]) => path.startsWith('node_modules/') && !entry.dev && !entry.devOptional,
  );

  it('ships production dependencies (the check is not vacuous)', () => {
    expect(shipped.map(([path]) => path)).toContain('node_modules/commander');
  });

  it('ships no GPL, AGPL or LGPL package', () => {
    const copyleft = shipped
      .map(([path, entry]) => [path, licenseOf(path, entry)] as const)
      .filter(([, license]) => /GPL/i.test(license));
    expect(copyleft).toEqual([]);
  });

  it('keeps the AGPL policy simulator a dev-only dependency', () => {
    expect(lock.packages['node_modules/@cloud-copilot/iam-simulate']?.dev).toBe(true);
  });
});
