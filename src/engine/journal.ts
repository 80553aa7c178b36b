/**
 * The journal of one co-signer in one account and region: before every AWS write an intent
 * (operation, target, the ClientToken or creation token it will carry), after it the result (ids)
 * or the failure. Each entry is written atomically (temp file, fsync, rename) before the call is
 * made, so after a crash or Ctrl-C at any point a re-run knows which calls may have happened and
 * finds what they created (by token) instead of creating it again. A lock file keeps two runs
 * from interleaving. The journal never holds a secret.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { CosignerError, fail } from '../errors.js';
import { writeFileAtomic } from '../files/atomic-write.js';
import { acquireFileLock, type FileLock, type LockVerdict } from '../files/lock.js';

const JOURNAL_SCHEMA_VERSION = 1;
// Resolved entries beyond this many are dropped, oldest first; unresolved intents are always kept.
const MAX_ENTRIES = 2000;
const MAX_RUNS = 50;

const entrySchema = z.strictObject({
  seq: z.number().int().nonnegative(),
  at: z.string(),
  run: z.string(),
  node: z.string(),
  op: z.string(),
  phase: z.enum(['intent', 'done', 'failed', 'abandoned']),
  /** For an outcome: the seq of its intent. */
  intent: z.number().int().nonnegative().optional(),
  /** ClientToken (EC2) or creation token (KMS tag) the call carries. */
  token: z.string().optional(),
  /** What the call acts on: a name, id or ARN. */
  target: z.string().optional(),
  ids: z.record(z.string(), z.string()).optional(),
  error: z.strictObject({ code: z.string(), message: z.string() }).optional(),
});
export type JournalEntry = z.infer<typeof entrySchema>;

const runSchema = z.strictObject({
  id: z.string(),
  command: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  outcome: z.enum(['converged', 'failed', 'interrupted', 'dry-run']).optional(),
  pid: z.number().int().optional(),
});
export type JournalRun = z.infer<typeof runSchema>;

const fileSchema = z.strictObject({
  schemaVersion: z.literal(JOURNAL_SCHEMA_VERSION),
  kind: z.literal('cosigner-cli/journal'),
  name: z.string(),
  accountId: z.string(),
  region: z.string(),
  nextSeq: z.number().int().nonnegative(),
  runs: z.array(runSchema),
  entries: z.array(entrySchema),
});
type JournalFile = z.infer<typeof fileSchema>;

export interface JournalScope {
  name: string;
  accountId: string;
  region: string;
}

/** `<dir>/.cosigner-cli/<name>.<account>.<region>.journal.json`, beside the config. */
export function journalPath(configDir: string, scope: JournalScope): string {
  return join(configDir, '.cosigner-cli', `${scope.name}.${scope.accountId}.${scope.region}.journal.json`);
}

export interface IntentInput {
  node: string;
  op: string;
  target?: string;
  token?: string;
}

export class Journal {
  readonly path: string;
  private data: JournalFile;
  private runId: string | undefined;
  private writing: Promise<void> = Promise.resolve();
  /** The next write, while it waits for the one in flight (not yet snapshotted): new entries join it. */
  private queued: Promise<void> | undefined;
  private directoryMade = false;
  private held: FileLock | undefined;
  private readonly now: () => Date;

  private constructor(path: string, data: JournalFile, now: () => Date) {
    this.path = path;
    this.data = data;
    this.now = now;
  }

  /** Read the journal (or start an empty one). A damaged file is JOURNAL_CORRUPT, never ignored. */
  static async open(path: string, scope: JournalScope, now: () => Date = () => new Date()): Promise<Journal> {
    let text: string | undefined;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new CosignerError('FILE_UNREADABLE', `cannot read the journal ${path}`, {
          hint: 'check the file permissions',
          cause: error,
        });
      }
    }
    if (text === undefined) {
      return new Journal(
        path,
        {
          schemaVersion: JOURNAL_SCHEMA_VERSION,
          kind: 'cosigner-cli/journal',
          ...scope,
          nextSeq: 1,
          runs: [],
          entries: [],
        },
        now,
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw corrupt(path, 'it is not valid JSON', error);
    }
    const result = fileSchema.safeParse(parsed);
    if (!result.success) throw corrupt(path, result.error.issues[0]?.message ?? 'unexpected shape');
    const data = result.data;
    if (data.name !== scope.name || data.accountId !== scope.accountId || data.region !== scope.region) {
      throw corrupt(path, `it belongs to ${data.name} in ${data.accountId}/${data.region}`);
    }
    return new Journal(path, data, now);
  }

  /**
   * Take the lock `<journal>.lock` (src/files/lock.ts), failing at once when another run holds
   * it: JOURNAL_LOCKED. A lock whose process is gone (a crash, a kill) is taken over, and so is one
   * left by this very process (a handle that never unlocked). A live run keeps its lock however
   * long it takes; a lock taken on another host is never taken over.
   */
  async lock(): Promise<void> {
    const lockPath = `${this.path}.lock`;
    const name = this.data.name;
    try {
      await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    } catch (error) {
      throw lockUnwritable(lockPath, error);
    }
    this.held = await acquireFileLock(lockPath, {
      reclaimOwnProcess: true,
      busy: ({ verdict }) => journalLocked(name, lockPath, verdict),
      unwritable: (error) => lockUnwritable(lockPath, error),
    });
  }

  async unlock(): Promise<void> {
    // Every write made so far, and any queued while waiting for them, ends before the lock goes.
    for (let pending = this.writing; ; pending = this.writing) {
      await pending.catch(() => undefined);
      if (pending === this.writing) break;
    }
    const held = this.held;
    this.held = undefined;
    await held?.release();
  }

  /** Start a run; every entry until {@link finishRun} belongs to it. */
  async beginRun(command: string): Promise<string> {
    this.runId = randomUUID();
    this.data.runs.push({ id: this.runId, command, startedAt: this.now().toISOString(), pid: process.pid });
    // A run that never finished was interrupted.
    for (const run of this.data.runs)
      if (run.id !== this.runId && run.finishedAt === undefined) run.outcome ??= 'interrupted';
    await this.flush();
    return this.runId;
  }

  async finishRun(outcome: NonNullable<JournalRun['outcome']>): Promise<void> {
    const run = this.data.runs.find((r) => r.id === this.runId);
    if (run === undefined) return;
    run.finishedAt = this.now().toISOString();
    run.outcome = outcome;
    this.compact();
    await this.flush();
  }

  /** Record the intent of a call; resolves once the entry is durable. Returns its seq. */
  async intent(input: IntentInput): Promise<number> {
    const seq = this.append({ ...input, phase: 'intent' });
    await this.flush();
    return seq;
  }

  async done(intent: number, ids?: Record<string, string>): Promise<void> {
    const of = this.entry(intent);
    this.append({
      node: of.node,
      op: of.op,
      phase: 'done',
      intent,
      ...(of.target === undefined ? {} : { target: of.target }),
      ...(ids === undefined ? {} : { ids }),
    });
    await this.flush();
  }

  async failed(intent: number, error: { code: string; message: string }): Promise<void> {
    const of = this.entry(intent);
    this.append({ node: of.node, op: of.op, phase: 'failed', intent, error });
    await this.flush();
  }

  /** Close an intent whose effect was checked: found (with ids) or absent. */
  async resolve(intent: number, ids: Record<string, string> | undefined): Promise<void> {
    const of = this.entry(intent);
    this.append({
      node: of.node,
      op: of.op,
      phase: ids === undefined ? 'abandoned' : 'done',
      intent,
      ...(ids === undefined ? {} : { ids }),
    });
    await this.flush();
  }

  /** Intents with no outcome: the call may or may not have happened. */
  pending(filter: { node?: string; op?: string } = {}): JournalEntry[] {
    const closed = new Set(this.data.entries.filter((e) => e.phase !== 'intent').map((e) => e.intent));
    return this.data.entries.filter(
      (e) =>
        e.phase === 'intent' &&
        !closed.has(e.seq) &&
        (filter.node === undefined || e.node === filter.node) &&
        (filter.op === undefined || e.op === filter.op),
    );
  }

  /** The latest successful outcome of an operation on a node (its ids). */
  lastDone(node: string, op: string): JournalEntry | undefined {
    return this.data.entries.findLast((e) => e.phase === 'done' && e.node === node && e.op === op);
  }

  /** True when some run of this tool attempted `op` on `target` (so a resource found there is ours). */
  attempted(op: string, target: string): boolean {
    return this.data.entries.some((e) => e.phase === 'intent' && e.op === op && e.target === target);
  }

  get entries(): readonly JournalEntry[] {
    return this.data.entries;
  }

  get runs(): readonly JournalRun[] {
    return this.data.runs;
  }

  private entry(seq: number): JournalEntry {
    const found = this.data.entries.find((e) => e.seq === seq);
    if (found === undefined) fail('INTERNAL', `journal entry ${seq} does not exist`, undefined, { source: 'internal' });
    return found;
  }

  private append(fields: Omit<JournalEntry, 'seq' | 'at' | 'run'>): number {
    const seq = this.data.nextSeq++;
    this.data.entries.push({ seq, at: this.now().toISOString(), run: this.runId ?? 'none', ...fields });
    return seq;
  }

  /** Drop the oldest resolved entries beyond the cap; unresolved intents and bucket/key intents stay. */
  private compact(): void {
    this.data.runs = this.data.runs.slice(-MAX_RUNS);
    const excess = this.data.entries.length - MAX_ENTRIES;
    if (excess <= 0) return;
    const open = new Set(this.pending().map((e) => e.seq));
    // "Some run attempted to create this" must survive: it is how an untagged bucket is recognised.
    const keep = (e: JournalEntry) => open.has(e.seq) || (e.phase === 'intent' && /:Create/.test(e.op));
    let dropped = 0;
    this.data.entries = this.data.entries.filter((e) => (dropped < excess && !keep(e) ? (dropped++, false) : true));
  }

  /**
   * Serialised atomic writes of the whole (small) file, one after the other. Group commit: entries
   * made while a write is in flight share the one next write, which takes its snapshot when it
   * starts, so each caller's promise still resolves only once a file holding its entry is durable.
   */
  private flush(): Promise<void> {
    if (this.queued !== undefined) return this.queued;
    const write = this.writing.then(async () => {
      // From here on, a new entry needs another write: this one's snapshot is taken now.
      this.queued = undefined;
      const snapshot = `${JSON.stringify(this.data, null, 1)}\n`;
      // The directory, made by the first write, and again after a failed one (it may have gone).
      if (!this.directoryMade) await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
      this.directoryMade = true;
      try {
        await writeFileAtomic(this.path, snapshot, { mode: 0o600 });
      } catch (error) {
        this.directoryMade = false;
        throw error;
      }
    });
    this.queued = write;
    this.writing = write.catch(() => undefined);
    return write;
  }
}

/** JOURNAL_LOCKED, saying who holds the lock and how to free it. */
function journalLocked(name: string, lockPath: string, verdict: LockVerdict): CosignerError {
  switch (verdict.state) {
    case 'held':
      return new CosignerError(
        'JOURNAL_LOCKED',
        `another cosigner-cli (pid ${verdict.owner.pid}) is working on ${name}`,
        {
          hint: 'wait for it to finish; if it is gone, delete the lock file',
          context: { lock: lockPath, pid: verdict.owner.pid },
        },
      );
    case 'other-host':
      return new CosignerError('JOURNAL_LOCKED', `the journal of ${name} is locked by host ${verdict.owner.host}`, {
        hint: `a lock taken on another host is never taken over: if no run is active on ${verdict.owner.host}, delete ${lockPath}`,
        context: { lock: lockPath },
      });
    case 'being-written':
      return new CosignerError(
        'JOURNAL_LOCKED',
        `another cosigner-cli is taking the journal lock of ${name} right now`,
        {
          hint: `wait for it to finish; if no cosigner-cli is running, delete ${lockPath}`,
          context: { lock: lockPath },
        },
      );
    case 'not-a-file':
      return new CosignerError('JOURNAL_LOCKED', `the journal lock ${lockPath} is not a regular file`, {
        hint: `delete ${lockPath}: cosigner-cli only ever creates a small JSON file there`,
        context: { lock: lockPath },
      });
    default:
      return new CosignerError('JOURNAL_LOCKED', `could not lock the journal of ${name}`, {
        hint: 'run the command again',
        context: { lock: lockPath },
      });
  }
}

function lockUnwritable(lockPath: string, cause: unknown): CosignerError {
  return new CosignerError('FILE_UNWRITABLE', `cannot create the journal lock ${lockPath}`, {
    hint: 'check that the directory is writable',
    cause,
  });
}

function corrupt(path: string, why: string, cause?: unknown): CosignerError {
  return new CosignerError('JOURNAL_CORRUPT', `the journal ${path} is damaged: ${why}`, {
    hint: `move it aside and run again: resources are found by name and tags, but a key created by an interrupted run may need \`cosigner-cli status --all\` to be found`,
    ...(cause === undefined ? {} : { cause }),
    context: { path },
  });
}
