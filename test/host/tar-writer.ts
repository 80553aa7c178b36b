/**
 * A ustar writer for tests: well-formed archives (the fake Fireblocks package) and hostile ones
 * (`..`, absolute paths, links, devices, broken checksums), gzip'd.
 */
import { gzipSync } from 'node:zlib';

export interface TarEntry {
  name: string;
  /** '0' file, '5' directory, '2' symlink, '1' hard link, '3' char device, 'x' pax header… */
  type?: string;
  body?: string | Uint8Array;
  linkname?: string;
  mode?: number;
  /** Store this size in the header instead of the body's length. */
  size?: number;
}

function field(header: Buffer, offset: number, length: number, value: string): void {
  header.write(value, offset, Math.min(length, Buffer.byteLength(value)), 'utf8');
}

function octal(value: number, length: number): string {
  return `${value.toString(8).padStart(length - 1, '0')}\0`;
}

function tarHeader(entry: TarEntry, bodyLength: number, corruptChecksum = false): Buffer {
  const header = Buffer.alloc(512);
  field(header, 0, 100, entry.name);
  field(header, 100, 8, octal(entry.mode ?? 0o644, 8));
  field(header, 108, 8, octal(0, 8));
  field(header, 116, 8, octal(0, 8));
  field(header, 124, 12, octal(entry.size ?? bodyLength, 12));
  field(header, 136, 12, octal(1_700_000_000, 12));
  header.fill(0x20, 148, 156);
  field(header, 156, 1, entry.type ?? '0');
  field(header, 157, 100, entry.linkname ?? '');
  field(header, 257, 6, 'ustar\0');
  field(header, 263, 2, '00');
  let sum = 0;
  for (const byte of header) sum += byte;
  field(header, 148, 8, `${(sum + (corruptChecksum ? 1 : 0)).toString(8).padStart(6, '0')}\0 `);
  return header;
}

export function tar(entries: TarEntry[], options: { corruptChecksumOf?: string; noEnd?: boolean } = {}): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const body = entry.body === undefined ? Buffer.alloc(0) : Buffer.from(entry.body);
    parts.push(tarHeader(entry, body.length, options.corruptChecksumOf === entry.name));
    parts.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  if (options.noEnd !== true) parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export function tarGz(entries: TarEntry[], options: { corruptChecksumOf?: string; noEnd?: boolean } = {}): Buffer {
  return gzipSync(tar(entries, options));
}

/** A pax extended header entry carrying `records` for the next entry. */
export function pax(records: Record<string, string>): TarEntry {
  let body = '';
  for (const [key, value] of Object.entries(records)) {
    const rest = ` ${key}=${value}\n`;
    let length = rest.length + 1;
    while (`${length}${rest}`.length !== length) length = `${length}${rest}`.length;
    body += `${length}${rest}`;
  }
  return { name: 'PaxHeader', type: 'x', body };
}
