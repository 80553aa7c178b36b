/**
 * Running Fireblocks' install.sh as root with its prompts answered over stdin (fireblocks-aws.md
 * §1.9: pairing token, S3 bucket name, KMS key ARN, optional Callback Handler). The token is
 * written to the installer's stdin and nowhere else: not argv, not the environment (the installer
 * gets a fixed one), not a file of ours; anything the installer prints is shown with the token,
 * and any piece of it, replaced by `[redacted]`; it starts with umask 077 (./processes.ts), so a
 * file it writes the token to without choosing a mode is its owner's only. A prompt this tool does not recognise, or one asked twice (a rejected
 * answer), stops the installer rather than guessing. The exact prompt texts are not published:
 * answers are matched on their subject (token, bucket, key ARN, callback).
 */
import { CosignerError } from '../errors.js';
import { escapeControl } from '../io/safe-text.js';
import type { HostPorts, PromptResponder } from './ports.js';
import type { Secret } from './token.js';

export interface InstallerAnswers {
  token: Secret;
  bucketName: string;
  keyArn: string;
  /** Configure the Callback Handler: its URL and the path of its public key or certificate. */
  callback?: { url: string; publicKeyPath: string };
}

export interface InstallerRun {
  exitCode: number;
  /** Which prompts were answered, by subject (never the answers). */
  answered: string[];
  /** The installer's last output lines, redacted. */
  tail: string[];
}

const PROGRAM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The shortest piece of the token hidden wherever it appears: an installer that prints part of it
 * (`token eyJhbGciOi…`, its signature alone, or the whole of it wrapped over two lines) shows
 * nothing longer than this minus one character of it.
 */
const REDACT_WINDOW = 8;

/** A function that replaces every occurrence of `secret`, and of any 8 characters of it, by `[redacted]`. */
export function redactor(secret: string): (text: string) => string {
  if (secret === '') return (text) => text;
  const pieces = new Set<string>();
  for (let i = 0; i + REDACT_WINDOW <= secret.length; i++) pieces.add(secret.slice(i, i + REDACT_WINDOW));
  return (text) => {
    const whole = text.split(secret).join('[redacted]');
    const hidden = new Uint8Array(whole.length);
    let found = false;
    for (let i = 0; i + REDACT_WINDOW <= whole.length; i++)
      if (pieces.has(whole.slice(i, i + REDACT_WINDOW))) {
        hidden.fill(1, i, i + REDACT_WINDOW);
        found = true;
      }
    if (!found) return whole;
    let out = '';
    for (let i = 0; i < whole.length; i++) {
      if (hidden[i] === 0) out += whole[i];
      else if (i === 0 || hidden[i - 1] === 0) out += '[redacted]';
    }
    return out;
  };
}

/** The prompt subjects, in the order they are matched against the open line. */
export function promptResponder(answers: InstallerAnswers): PromptResponder & { answered: string[] } {
  const answered: string[] = [];
  // Answers sent while the installer showed nothing: its prompt may still appear afterwards.
  const presupplied = new Set<string>();
  const line = (value: string | Buffer) => Buffer.concat([Buffer.from(value), Buffer.from('\n')]);
  const subjects: { subject: string; test: RegExp; answer: () => Buffer }[] = [
    { subject: 'pairing token', test: /token/i, answer: () => line(answers.token.reveal()) },
    { subject: 'bucket name', test: /bucket/i, answer: () => line(answers.bucketName) },
    { subject: 'key ARN', test: /\b(arn|cmk|kms)\b/i, answer: () => line(answers.keyArn) },
    {
      subject: 'callback handler',
      test: /callback.*(\[y\/n\]|\(y\/n\)|y\/n|yes\/no)/i,
      answer: () => line(answers.callback === undefined ? 'n' : 'y'),
    },
    { subject: 'callback URL', test: /callback.*url|url.*callback/i, answer: () => line(answers.callback?.url ?? '') },
    {
      subject: 'callback public key',
      test: /public key|certificate/i,
      answer: () => line(answers.callback?.publicKeyPath ?? ''),
    },
  ];
  const respond = ((text: string, silent: boolean) => {
    const open = text !== '' && !text.endsWith('\n');
    const last = (open ? text : text.trimEnd()).split('\n').at(-1) ?? '';
    const match = last.trim() === '' ? undefined : subjects.find((s) => s.test.test(last));
    if (match !== undefined) {
      // The prompt of an answer already waiting in its stdin: nothing more to send.
      if (presupplied.delete(match.subject)) return { answer: new Uint8Array(0) };
      // Asked again: the installer rejected the answer. Do not loop on it.
      if (answered.includes(match.subject)) return { unknown: true as const };
      if (
        match.subject.startsWith('callback ') &&
        match.subject !== 'callback handler' &&
        answers.callback === undefined
      )
        return { unknown: true as const };
      answered.push(match.subject);
      return { answer: match.answer() };
    }
    // An open line that asks something we do not know: stop rather than guess.
    if (open && /[:?\])>]\s*$/.test(last)) return { unknown: true as const };
    if (!silent) return undefined;
    // Nothing on screen (a `read -p` on a pipe prints no prompt): the next answer in the documented order.
    const next = subjects.find(
      (s) =>
        !answered.includes(s.subject) &&
        (answers.callback !== undefined || !s.subject.startsWith('callback ') || s.subject === 'callback handler'),
    );
    if (next === undefined) return undefined;
    answered.push(next.subject);
    presupplied.add(next.subject);
    return { answer: next.answer() };
  }) as PromptResponder & { answered: string[] };
  respond.answered = answered;
  return respond;
}

export async function runInstaller(
  host: HostPorts,
  installer: string,
  answers: InstallerAnswers,
  options: { timeoutMs: number; onLine: (line: string) => void; promptQuietMs?: number },
): Promise<InstallerRun> {
  const redact = redactor(answers.token.text());
  const tail: string[] = [];
  const respond = promptResponder(answers);
  const dir = installer.slice(0, installer.lastIndexOf('/'));
  const result = await host.processes.interact(host.fs.resolve(installer), [], {
    cwd: host.fs.resolve(dir),
    // A fixed environment: nothing of ours (and no token) reaches the installer through it.
    env: { PATH: PROGRAM_PATH, HOME: '/root', LANG: 'C.UTF-8', TERM: 'dumb', ...host.programEnv },
    timeoutMs: options.timeoutMs,
    respond,
    ...(options.promptQuietMs === undefined ? {} : { promptQuietMs: options.promptQuietMs }),
    onLine: (raw) => {
      const shown = escapeControl(redact(raw));
      tail.push(shown);
      if (tail.length > 20) tail.shift();
      options.onLine(shown);
    },
  });
  const unknown = (result as { unknownPrompt?: string }).unknownPrompt;
  if (unknown !== undefined) {
    const prompt = escapeControl(redact(unknown.trimEnd().split('\n').at(-1) ?? '')).slice(-200);
    throw new CosignerError(
      'INSTALLER_PROMPT_UNKNOWN',
      respond.answered.some((a) => prompt.toLowerCase().includes(a.split(' ')[0] ?? ''))
        ? `install.sh asked again (${JSON.stringify(prompt)}): it rejected the answer, so it was stopped`
        : `install.sh asked something cosigner-cli does not answer: ${JSON.stringify(prompt)}; it was stopped`,
      {
        hint: 'check the answer it rejected (a token valid for one hour, the bucket name, the full key ARN), or run ./install.sh by hand from the unpacked package',
        context: { answered: respond.answered, tail },
      },
    );
  }
  if (result.timedOut)
    throw new CosignerError(
      'INSTALLER_FAILED',
      `install.sh did not finish within ${Math.round(options.timeoutMs / 1000)} s`,
      {
        hint: 'see its output above; run ./install.sh by hand from the unpacked package to follow it',
        context: { answered: respond.answered, tail },
      },
    );
  if (result.exitCode !== 0)
    throw new CosignerError('INSTALLER_FAILED', `install.sh failed with exit status ${result.exitCode}`, {
      hint: 'see its last lines in the context; fix what it reports and run again (the package is verified again)',
      context: { answered: respond.answered, tail },
    });
  return { exitCode: result.exitCode, answered: respond.answered, tail };
}

export interface CosignerGetStatus {
  enclaveState: string | undefined;
  serviceState: string | undefined;
}

/** Parse `./fireblocks/cosigner get-status` (fireblocks-aws.md §1.10). */
export function parseGetStatus(text: string): CosignerGetStatus {
  return {
    enclaveState: /Enclave State:\s*(\S+)/.exec(text)?.[1],
    serviceState: /Service State:\s*(\S+)/.exec(text)?.[1],
  };
}
