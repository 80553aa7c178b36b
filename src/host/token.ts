/**
 * The Fireblocks pairing token: where it may come from, and how it is held.
 *
 * Sources (design.md, "Secrets"): a no-echo prompt on a terminal, stdin (`--token-stdin`), a file
 * (`--token-file`) that is a regular file (not a link), mode 0600 or stricter and owned by the user
 * running the tool, or an SSM SecureString (`--token-ssm <name>`, optionally deleted after use). A
 * token on the command line or in the environment is refused: argv and environment are readable by
 * other processes and end up in shell history.
 *
 * The token is held in a {@link Secret}: a buffer that prints as `[redacted]` (JSON, logs,
 * inspection) and is wiped after use. It goes to the installer over stdin only.
 */
import { constants } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import { inspect } from 'node:util';
import type { SSMPort } from '../aws/ssm.js';
import { CosignerError } from '../errors.js';
import type { IoHost } from '../io/io-host.js';

export type TokenSource =
  | { kind: 'prompt' }
  | { kind: 'stdin' }
  | { kind: 'file'; path: string }
  | { kind: 'ssm'; name: string; deleteAfterUse: boolean };

/** A secret value that never prints. */
export class Secret {
  #bytes: Buffer;

  constructor(bytes: Buffer) {
    this.#bytes = bytes;
  }

  /** The value, for writing to the installer's stdin. */
  reveal(): Buffer {
    return this.#bytes;
  }

  /** The value as text, for matching it in output that must not carry it. */
  text(): string {
    return this.#bytes.toString('utf8');
  }

  /** Overwrite the bytes (what can be wiped in JavaScript: the buffer, not copies made as strings). */
  wipe(): void {
    this.#bytes.fill(0);
    this.#bytes = Buffer.alloc(0);
  }

  toJSON(): string {
    return '[redacted]';
  }

  toString(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return 'Secret([redacted])';
  }
}

const MAX_TOKEN_BYTES = 16 * 1024;
const SOURCES_HINT =
  'give the token through a no-echo prompt (on a terminal), --token-stdin, --token-file <0600 file> or --token-ssm <SecureString parameter>';

/** Refuse a token given where others can read it. */
export function refuseInsecureToken(where: 'argv' | 'env', name: string): never {
  throw new CosignerError(
    'SECRET_INSECURE_SOURCE',
    where === 'argv'
      ? `refusing the pairing token on the command line (${name}): other users see it in the process list and it stays in your shell history`
      : `refusing the pairing token in the environment variable ${name}: the environment is readable by other processes of the user and leaks into child processes`,
    {
      hint: `${SOURCES_HINT}; the token given here should be treated as exposed: create a new one in the Fireblocks Console`,
      context: { source: name },
    },
  );
}

/** Check and normalise the token text: one line, printable, a JWT that has not expired. */
export function validateToken(raw: Buffer, now: Date): Buffer {
  // A trailing newline (echo, a file edited by hand) is not part of the token.
  let end = raw.length;
  while (end > 0 && (raw[end - 1] === 0x0a || raw[end - 1] === 0x0d)) end--;
  const bytes = raw.subarray(0, end);
  const invalid = (why: string) =>
    new CosignerError('TOKEN_INVALID', `the pairing token is not usable: ${why}`, {
      hint: 'copy the whole pairing token from the Fireblocks Console (Co-signers → Pair API user)',
    });
  if (bytes.length === 0) throw invalid('it is empty');
  if (bytes.length > MAX_TOKEN_BYTES) throw invalid(`it is longer than ${MAX_TOKEN_BYTES} bytes`);
  for (const byte of bytes)
    if (byte < 0x21 || byte > 0x7e) throw invalid('it holds spaces, line breaks or non-ASCII characters');
  const text = bytes.toString('ascii');
  const parts = text.split('.');
  // Fireblocks hands out a JWT; its claims are read only for the expiry, never printed.
  if (parts.length !== 3 || parts.slice(0, 2).some((p) => !/^[A-Za-z0-9_-]+$/.test(p)))
    throw invalid('it is not a JWT (three base64url parts separated by dots)');
  let exp: unknown;
  try {
    exp = (JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown }).exp;
  } catch {
    exp = undefined;
  }
  if (typeof exp === 'number' && exp * 1000 < now.getTime())
    throw new CosignerError('TOKEN_EXPIRED', `the pairing token expired at ${new Date(exp * 1000).toISOString()}`, {
      hint: 'pairing tokens are valid for one hour: create a new one in the Fireblocks Console and run again',
    });
  return Buffer.from(bytes);
}

export interface TokenDeps {
  io: IoHost;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  ssm?: Pick<SSMPort, 'getParameter'>;
  /** The user running the tool: a token file must belong to them. */
  uid: number;
  now: () => Date;
}

async function readBounded(stream: NodeJS.ReadableStream, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buffer.length;
    if (size > MAX_TOKEN_BYTES)
      throw new CosignerError('TOKEN_INVALID', `${what} holds more than ${MAX_TOKEN_BYTES} bytes`, {
        hint: 'pass only the pairing token',
      });
    chunks.push(buffer);
  }
  const all = Buffer.concat(chunks);
  for (const chunk of chunks) chunk.fill(0);
  return all;
}

function insecureFile(path: string, why: string): CosignerError {
  return new CosignerError('SECRET_INSECURE_SOURCE', `refusing the token file ${path}: ${why}`, {
    hint: `keep the token in a regular file only you can read: chmod 600 ${path} (owned by the user running cosigner-cli)`,
    context: { path },
  });
}

/** Read a token file: a regular file (no link), 0600 or stricter, owned by `uid`, opened without following links. */
async function readTokenFile(path: string, uid: number): Promise<Buffer> {
  const named = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    throw new CosignerError(
      'FILE_NOT_FOUND',
      `token file ${path} ${error.code === 'ENOENT' ? 'does not exist' : `cannot be read (${error.code})`}`,
      {
        hint: 'check the path',
        context: { path },
      },
    );
  });
  if (named.isSymbolicLink()) throw insecureFile(path, 'it is a symbolic link');
  if (!named.isFile()) throw insecureFile(path, 'it is not a regular file');
  const handle = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  try {
    const opened = await handle.stat();
    // The file opened must be the one judged (no swap between lstat and open).
    if (opened.ino !== named.ino || opened.dev !== named.dev || !opened.isFile())
      throw insecureFile(path, 'it changed while being opened');
    if ((opened.mode & 0o077) !== 0)
      throw insecureFile(path, `its mode ${(opened.mode & 0o777).toString(8).padStart(4, '0')} lets others read it`);
    if (opened.uid !== uid) throw insecureFile(path, `it belongs to uid ${opened.uid}, not to uid ${uid} running this`);
    if (opened.size > MAX_TOKEN_BYTES) throw insecureFile(path, 'it is far larger than a token');
    return await readBounded(handle.createReadStream({ autoClose: false }), `token file ${path}`);
  } finally {
    await handle.close();
  }
}

/** Read the token from its source and validate it. */
export async function readToken(source: TokenSource, deps: TokenDeps): Promise<Secret> {
  let raw: Buffer;
  switch (source.kind) {
    case 'prompt': {
      const answer = await deps.io.request({
        kind: 'secret',
        message: 'Fireblocks pairing token (input hidden)',
        flag: '--token-stdin, --token-file or --token-ssm',
      });
      raw = Buffer.from(answer, 'utf8');
      break;
    }
    case 'stdin':
      if (deps.stdin.isTTY === true)
        throw new CosignerError('INVALID_OPTION', '--token-stdin reads a pipe, but stdin is a terminal', {
          hint: 'pipe the token in (… | cosigner-cli run --token-stdin), or leave --token-stdin out to be asked without echo',
        });
      raw = await readBounded(deps.stdin, 'stdin');
      break;
    case 'file':
      raw = await readTokenFile(source.path, deps.uid);
      break;
    case 'ssm': {
      if (deps.ssm === undefined)
        throw new CosignerError('INTERNAL', 'no SSM port for --token-ssm', { source: 'internal' });
      let parameter;
      try {
        parameter = (await deps.ssm.getParameter({ Name: source.name, WithDecryption: true })).Parameter;
      } catch (error) {
        const { classifyAwsError } = await import('../aws/errors.js');
        throw classifyAwsError(error, { service: 'ssm', operation: 'GetParameter', resource: source.name });
      }
      if (parameter?.Type !== 'SecureString')
        throw new CosignerError(
          'SECRET_INSECURE_SOURCE',
          `refusing SSM parameter ${source.name}: it is a ${parameter?.Type ?? 'parameter of unknown type'}, stored in clear`,
          { hint: 'store the token as a SecureString (aws ssm put-parameter --type SecureString …)' },
        );
      raw = Buffer.from(parameter.Value ?? '', 'utf8');
      break;
    }
  }
  try {
    return new Secret(validateToken(raw, deps.now()));
  } finally {
    raw.fill(0);
  }
}
