/**
 * The real ProcessPort over execa: argument arrays, never a shell; only the environment passed in
 * (extendEnv off, so nothing of ours, a token least of all, leaks into a child); a timeout after
 * which the child gets SIGTERM, then SIGKILL. `interact` answers prompts over stdin: it watches the
 * child's output and, when a line is left open (or ends in `:`/`?`) and the output goes quiet,
 * asks the responder for the answer; its child starts with umask 077.
 */
import { execa } from 'execa';
import type { InteractiveRunOptions, ProcessPort, ProcessResult } from './ports.js';

/** The result of a run, plus why the child could not start (ENOENT: not on PATH, EACCES). */
export interface SpawnedResult extends ProcessResult {
  spawnError?: string;
  /** Set when `interact` stopped the child on a prompt the responder did not know. */
  unknownPrompt?: string;
}

const MAX_BUFFER = 16 * 1024 * 1024;

function settle(result: {
  exitCode?: number | undefined;
  stdout?: unknown;
  stderr?: unknown;
  timedOut?: boolean;
  code?: string | undefined;
  failed?: boolean;
}): SpawnedResult {
  const spawnError = result.exitCode === undefined && result.code !== undefined ? result.code : undefined;
  return {
    exitCode: result.exitCode ?? -1,
    stdout: typeof result.stdout === 'string' ? result.stdout : '',
    stderr: typeof result.stderr === 'string' ? result.stderr : '',
    timedOut: result.timedOut ?? false,
    ...(spawnError === undefined ? {} : { spawnError }),
  };
}

/** Does this tail of output end in an open line (no newline yet, as `read -p` leaves it) that asks? */
function looksLikePrompt(tail: string): boolean {
  const lastLine = tail.split('\n').at(-1) ?? '';
  return lastLine.trim() !== '' && /[:?\])>]\s*$/.test(lastLine);
}

export function createProcessPort(): ProcessPort & {
  run(...args: Parameters<ProcessPort['run']>): Promise<SpawnedResult>;
  interact(...args: Parameters<ProcessPort['interact']>): Promise<SpawnedResult>;
} {
  return {
    async run(file, args, options) {
      const result = await execa(file, [...args], {
        ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
        env: options.env,
        extendEnv: false,
        shell: false,
        stdin: 'ignore',
        reject: false,
        timeout: options.timeoutMs,
        forceKillAfterDelay: 5_000,
        maxBuffer: MAX_BUFFER,
        stripFinalNewline: false,
      });
      return settle(result);
    },

    interact(file, args, options: InteractiveRunOptions) {
      // The program gets secrets over stdin and may write them to files of its own: whatever it
      // creates without choosing a mode is its owner's only. A child inherits the umask when it is
      // spawned, which execa does before it returns; ours is put back at once.
      const previousUmask = process.umask(0o077);
      let child: InteractiveChild;
      try {
        child = spawnInteractive(file, args, options);
      } finally {
        process.umask(previousUmask);
      }
      return watchPrompts(child, options);
    },
  };
}

/** The child as execa types it for these options (its result's stdout and stderr are strings). */
type InteractiveChild = ReturnType<typeof spawnInteractive>;

function spawnInteractive(file: string, args: readonly string[], options: InteractiveRunOptions) {
  return execa(file, [...args], {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    shell: false,
    stdin: 'pipe',
    reject: false,
    timeout: options.timeoutMs,
    forceKillAfterDelay: 5_000,
    maxBuffer: MAX_BUFFER,
    stripFinalNewline: false,
    all: false,
  });
}

/** Answer the child's prompts over its stdin; settle with its result. */
function watchPrompts(child: InteractiveChild, options: InteractiveRunOptions): Promise<SpawnedResult> {
  const quietMs = options.promptQuietMs ?? 300;
  let pending = '';
  let partial = '';
  let timer: NodeJS.Timeout | undefined;
  let unknownPrompt: string | undefined;
  let quietSince = Date.now();
  // Quiet this long with nothing on screen: the installer may be waiting on a prompt it did not
  // print (bash's `read -p` prints none when stdin is a pipe).
  const silentMs = quietMs * 10;
  const arm = (delay: number) => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(consider, Math.max(0, delay));
  };
  function consider(): void {
    timer = undefined;
    const quiet = Date.now() - quietSince;
    const silent = quiet >= silentMs;
    if (!silent && !looksLikePrompt(pending)) {
      arm(silentMs - quiet);
      return;
    }
    const reply = options.respond(pending, silent);
    if (reply === undefined) {
      if (!silent) arm(silentMs - quiet);
      return;
    }
    if ('unknown' in reply) {
      unknownPrompt = pending;
      child.kill('SIGTERM');
      return;
    }
    pending = '';
    child.stdin?.write(reply.answer);
    quietSince = Date.now();
    arm(silentMs);
  }
  arm(quietMs);
  const onData = (chunk: Buffer | string) => {
    const text = chunk.toString();
    pending += text;
    // Keep the prompt window bounded: a chatty installer must not grow it without end.
    if (pending.length > 64 * 1024) pending = pending.slice(-8 * 1024);
    partial += text;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) options.onLine?.(line);
    quietSince = Date.now();
    arm(quietMs);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  child.stdin?.on('error', () => undefined);
  return child.then((result) => {
    if (timer !== undefined) clearTimeout(timer);
    if (partial !== '') options.onLine?.(partial);
    child.stdin?.destroy();
    const settled = settle(result);
    return unknownPrompt === undefined ? settled : { ...settled, unknownPrompt };
  });
}
