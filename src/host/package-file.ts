/**
 * The Fireblocks package file: its SHA-256 (required) and its safe unpacking. The tarball is first
 * copied into a private directory while it is hashed, and only that private copy (which no one
 * else can change after the check) is unpacked, into a fresh root-owned directory named after the
 * hash. Then its install.sh and its one enclave image are located.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CosignerError } from '../errors.js';
import { openRegularFile } from '../files/read-file.js';
import { HOST_PATHS, type HostFsPort } from './ports.js';
import { DEFAULT_EXTRACT_LIMITS, extractTarGz, type ExtractLimits, type ExtractedEntry } from './tar.js';

export interface UnpackedPackage {
  sha256: string;
  /** Host path of the unpacked package. */
  dir: string;
  /** Host paths of its installer and its enclave image. */
  installer: string;
  eif: string;
  /** `fireblocks/cosigner`, the maintenance script (get-status), when the package has one. */
  maintenance: string | undefined;
  entries: number;
}

/** Check the `--package-sha256` value itself: 64 hex characters. */
export function parseSha256(value: string | undefined): string {
  if (value === undefined)
    throw new CosignerError('PACKAGE_SHA256_REQUIRED', '--package needs --package-sha256', {
      hint: 'pass the SHA-256 of the package as published with it (sha256sum nitro-cosigner.tar.gz on a trusted machine)',
      context: { flag: '--package-sha256' },
    });
  const hex = value.trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex))
    throw new CosignerError('INVALID_OPTION', '--package-sha256 must be 64 hexadecimal characters', {
      hint: 'pass the hex digest sha256sum prints, without the file name',
    });
  return hex;
}

/** Copy `source` into `target` (a new private file) while hashing it; the digest of what was copied. */
async function copyHashing(source: string, target: string): Promise<string> {
  const { handle } = await openRegularFile(source, 'package');
  const hash = createHash('sha256');
  const out = await open(target, 'wx', 0o600);
  try {
    for await (const chunk of handle.createReadStream({ autoClose: false, highWaterMark: 4 * 1024 * 1024 })) {
      hash.update(chunk as Buffer);
      await out.write(chunk as Buffer);
    }
    await out.sync();
  } finally {
    await out.close();
    await handle.close();
  }
  return hash.digest('hex');
}

function locate(entries: ExtractedEntry[]): { installer: string; eif: string; maintenance: string | undefined } {
  const files = entries.filter((e) => e.type === 'file').map((e) => e.path);
  // install.sh at the top, or under a single top directory.
  const installers = files.filter((p) => /^(?:[^/]+\/)?install\.sh$/.test(p));
  const eifs = files.filter((p) => p.endsWith('.eif'));
  if (installers.length !== 1)
    throw new CosignerError(
      'PACKAGE_CONTENT_MISSING',
      installers.length === 0 ? 'the package has no install.sh' : 'the package has more than one install.sh',
      { hint: 'use the AWS Nitro installation package from the Fireblocks Console' },
    );
  if (eifs.length !== 1)
    throw new CosignerError(
      'PACKAGE_CONTENT_MISSING',
      eifs.length === 0 ? 'the package has no enclave image (.eif)' : `the package has ${eifs.length} enclave images`,
      { hint: 'use the AWS Nitro installation package from the Fireblocks Console' },
    );
  const installer = installers[0] as string;
  const base = installer.includes('/') ? `${installer.slice(0, installer.indexOf('/'))}/` : '';
  const maintenance = files.find((p) => p === `${base}fireblocks/cosigner`);
  return { installer, eif: eifs[0] as string, maintenance };
}

/** Verify the hash and unpack the package under HOST_PATHS.packageDir/<sha256>. */
export async function unpackPackage(
  fs: HostFsPort,
  source: string,
  expectedSha256: string,
  limits: ExtractLimits = DEFAULT_EXTRACT_LIMITS,
): Promise<UnpackedPackage> {
  await fs.mkdir(HOST_PATHS.packageDir, 0o700);
  const staging = fs.resolve(`${HOST_PATHS.packageDir}/.staging-${randomBytes(6).toString('hex')}`);
  await mkdir(staging, { mode: 0o700 });
  try {
    const copy = join(staging, 'package.tar.gz');
    const actual = await copyHashing(source, copy);
    if (!timingSafeEqual(Buffer.from(actual, 'hex'), Buffer.from(expectedSha256, 'hex')))
      throw new CosignerError('PACKAGE_SHA256_MISMATCH', `the package's SHA-256 is ${actual}, not ${expectedSha256}`, {
        hint: 'do not install it: download the package again from the Fireblocks Console and compare the digest',
        context: { actual, expected: expectedSha256 },
      });
    // A fresh path: the extractor fills a private directory beside it and renames it there when
    // the whole archive passed.
    const unpacked = join(staging, 'unpacked');
    const entries = await extractTarGz(copy, unpacked, limits);
    const found = locate(entries);
    const dir = `${HOST_PATHS.packageDir}/${actual.slice(0, 16)}`;
    await fs.remove(dir);
    await rename(unpacked, fs.resolve(dir));
    return {
      sha256: actual,
      dir,
      installer: `${dir}/${found.installer}`,
      eif: `${dir}/${found.eif}`,
      maintenance: found.maintenance === undefined ? undefined : `${dir}/${found.maintenance}`,
      entries: entries.length,
    };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
