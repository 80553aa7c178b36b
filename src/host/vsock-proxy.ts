/**
 * The vsock-proxy allowlist (`/etc/nitro_enclaves/vsock-proxy.yaml`): a top-level `allowlist:`
 * list of `{address: <host>, port: <port>}` entries, checked by the proxy at start-up
 * (aws-nitro-enclaves-cli vsock_proxy/README.md, configs/config.yaml; fireblocks-aws.md §3.3).
 *
 * Changes are add-only: this region's KMS endpoint is appended when it is missing, as one new line
 * after the last entry, and every other byte of the file is kept (Fireblocks' installer manages its
 * own networking and may have added entries). The result is parsed again and must hold every
 * entry it held before plus the new one; a file this parser does not understand is not rewritten.
 */
import { CosignerError } from '../errors.js';
import { HOST_PATHS } from './ports.js';

export interface AllowlistEntry {
  address: string;
  port: number;
}

interface ParsedAllowlist {
  entries: AllowlistEntry[];
  /** Line index of the `allowlist:` key, or -1. */
  keyLine: number;
  /** Line index of the last line belonging to the list, or -1. */
  lastLine: number;
  /** Indentation of the list's dashes. */
  indent: string;
}

function unparseable(detail: string): CosignerError {
  return new CosignerError(
    'HOST_CONFIG_UNPARSEABLE',
    `${HOST_PATHS.vsockProxyConfig} is not an allowlist this tool can extend safely: ${detail}`,
    {
      hint: 'add "- {address: kms.<region>.amazonaws.com, port: 443}" to its allowlist by hand and restart nitro-enclaves-vsock-proxy.service; the file was not changed',
      context: { path: HOST_PATHS.vsockProxyConfig },
    },
  );
}

const HOST = /^[A-Za-z0-9.-]{1,253}$/;

function entry(address: string | undefined, port: string | undefined, raw: string): AllowlistEntry {
  const a = address?.trim().replace(/^(['"])(.*)\1$/, '$2');
  const p = port?.trim();
  if (a === undefined || !HOST.test(a) || p === undefined || !/^\d{1,5}$/.test(p) || Number(p) > 65535)
    throw unparseable(`entry ${JSON.stringify(raw.trim().slice(0, 80))}`);
  return { address: a.toLowerCase(), port: Number(p) };
}

/** Parse the allowlist (flow `- {address: x, port: y}` or block `- address: x` / `port: y` entries). */
export function parseVsockProxyConfig(text: string): ParsedAllowlist {
  const lines = text.split('\n');
  const result: ParsedAllowlist = { entries: [], keyLine: -1, lastLine: -1, indent: '' };
  let i = 0;
  for (; i < lines.length; i++) {
    const line = (lines[i] ?? '').replace(/#.*$/, '');
    if (/^allowlist\s*:\s*$/.test(line)) {
      if (result.keyLine >= 0) throw unparseable('allowlist appears twice');
      result.keyLine = i;
      result.lastLine = i;
      i = parseList(lines, i + 1, result) - 1;
    } else if (/^allowlist\s*:/.test(line)) {
      // `allowlist: []` or an inline list: not a shape we extend line by line.
      throw unparseable('the allowlist is written inline');
    }
  }
  return result;
}

/** Parse list items from `start`; returns the index of the first line after the list. */
function parseList(lines: string[], start: number, into: ParsedAllowlist): number {
  let i = start;
  let block: { address?: string | undefined; port?: string | undefined; raw: string } | undefined;
  const close = () => {
    if (block !== undefined) into.entries.push(entry(block.address, block.port, block.raw));
    block = undefined;
  };
  for (; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const line = raw.replace(/#.*$/, '');
    if (line.trim() === '') continue;
    const item = /^(\s*)-\s*(.*)$/.exec(line);
    if (item) {
      close();
      into.indent = item[1] ?? '';
      const rest = (item[2] ?? '').trim();
      const flow = /^\{\s*(.*)\s*\}$/.exec(rest);
      if (flow) {
        const fields = Object.fromEntries(
          (flow[1] ?? '').split(',').map((f) => f.split(':').map((s) => s.trim()) as [string, string]),
        ) as Record<string, string | undefined>;
        if (Object.keys(fields).some((k) => k !== 'address' && k !== 'port')) throw unparseable(`entry ${raw.trim()}`);
        into.entries.push(entry(fields['address'], fields['port'], raw));
      } else {
        block = { raw };
        const field = /^(address|port)\s*:\s*(.+)$/.exec(rest);
        if (!field) throw unparseable(`entry ${JSON.stringify(raw.trim().slice(0, 80))}`);
        block[field[1] as 'address' | 'port'] = field[2];
      }
      into.lastLine = i;
      continue;
    }
    const continued = /^\s+(address|port)\s*:\s*(.+)$/.exec(line);
    if (continued && block !== undefined) {
      block[continued[1] as 'address' | 'port'] = continued[2];
      into.lastLine = i;
      continue;
    }
    if (/^\S/.test(line)) break; // the next top-level key
    throw unparseable(`line ${JSON.stringify(raw.trim().slice(0, 80))}`);
  }
  close();
  return i;
}

export interface VsockProxyPlan {
  before: string | undefined;
  /** The file to write, or undefined when the endpoint is already allowed. */
  after: string | undefined;
  endpoint: AllowlistEntry;
  entriesBefore: number;
}

/** This region's KMS endpoint, as the vsock-proxy service starts it (port 443). */
export function kmsEndpoint(region: string): AllowlistEntry {
  return { address: `kms.${region}.amazonaws.com`, port: 443 };
}

const same = (a: AllowlistEntry, b: AllowlistEntry) => a.address === b.address && a.port === b.port;

/** Plan adding `endpoint` (add-only; the result is checked to keep every entry). */
export function planVsockProxy(before: string | undefined, endpoint: AllowlistEntry): VsockProxyPlan {
  const parsed = parseVsockProxyConfig(before ?? '');
  if (parsed.entries.some((e) => same(e, endpoint)))
    return { before, after: undefined, endpoint, entriesBefore: parsed.entries.length };
  const line = `${parsed.indent}- {address: ${endpoint.address}, port: ${endpoint.port}}`;
  const lines = (before ?? '').split('\n');
  let after: string;
  if (parsed.keyLine < 0) {
    const text = before ?? '';
    after = `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}allowlist:\n${line}\n`;
  } else {
    lines.splice(parsed.lastLine + 1, 0, line);
    after = lines.join('\n');
  }
  // Add-only, proved on the result: every old entry is still there, and the new one is.
  const check = parseVsockProxyConfig(after);
  const kept = parsed.entries.every((e) => check.entries.some((c) => same(c, e)));
  if (!kept || !check.entries.some((c) => same(c, endpoint)) || check.entries.length !== parsed.entries.length + 1)
    throw new CosignerError('INTERNAL', 'the vsock-proxy allowlist edit would not be add-only', { source: 'internal' });
  return { before, after, endpoint, entriesBefore: parsed.entries.length };
}

/** Is `endpoint` allowed by this config text? */
export function allowsEndpoint(text: string, endpoint: AllowlistEntry): boolean {
  return parseVsockProxyConfig(text).entries.some((e) => same(e, endpoint));
}
