/**
 * Pieces of `attest`'s human output, shared by the run (the diff it shows on stderr before asking)
 * and the command's rendering of the result (src/commands/attest.ts). Every string from the key
 * policy or a file (Sids, values, paths) is passed through `escapeControl`.
 */
import type { IoHost } from '../io/io-host.js';
import { escapeControl } from '../io/safe-text.js';
import { createStyle, type Style } from '../io/style.js';
import type { DiffStyle } from '../policy/diff.js';
import type { InertAction, InertReason } from '../policy/inert-actions.js';
import type { AttestConfigRecord } from './config-record.js';

/** Diff colours from the terminal style (none when colour is off). */
export function diffStyle(io: IoHost | undefined, style?: Style): DiffStyle {
  const s = style ?? createStyle(io?.color === true);
  // Each diff line holds Sids and values of the live policy: escaped before it is coloured.
  const e = escapeControl;
  return {
    added: (t) => s.green(e(t)),
    removed: (t) => s.red(e(t)),
    changed: (t) => s.yellow(e(t)),
    dim: (t) => s.dim(e(t)),
  };
}

/** The record's lines: where the PCR8 list is recorded, or why it is not. */
export function recordLines(config: AttestConfigRecord, dryRun: boolean, style: Style): string[] {
  const path = escapeControl(config.path);
  const list = config.after.join('\n       ');
  if (config.status === 'no-file')
    return [`${style.bold('config')} ${style.yellow(`no config file at ${path}: the PCR8 list was not recorded`)}`];
  if (config.status === 'unchanged')
    return [`${style.bold('config')} ${path} ${style.dim('already records this PCR8 list')}`];
  if (config.recorded)
    return [`${style.bold('config')} ${path} ${style.green('records the PCR8 list')}`, `       ${list}`];
  return [
    `${style.bold('config')} ${path} ${style.yellow(dryRun ? 'would record the PCR8 list' : 'does not record the PCR8 list yet')}`,
    `       ${list}`,
  ];
}

function statementNames(statements: InertAction['statements']): string {
  return statements
    .map((ref) => (ref.sid === undefined || ref.sid === '' ? `statement #${ref.index}` : `"${escapeControl(ref.sid)}"`))
    .join(', ');
}

/**
 * The inert actions of the policy shown or applied, grouped by reason and statements: the actions,
 * then why they never take effect.
 */
export function inertLines(inert: readonly InertAction[], style: Style): string[] {
  const groups = new Map<string, { reason: InertReason; where: string; actions: string[] }>();
  for (const item of inert) {
    const where = statementNames(item.statements);
    const key = `${item.reason}\u0000${where}`;
    const group = groups.get(key) ?? { reason: item.reason, where, actions: [] };
    group.actions.push(item.action);
    groups.set(key, group);
  }
  const lines: string[] = [];
  for (const { reason, where, actions } of groups.values()) {
    const many = actions.length > 1;
    const why =
      reason === 'no-attestation'
        ? `never carr${many ? 'y' : 'ies'} an attestation: the attestation condition of ${where} never matches ${many ? 'them' : 'it'}`
        : `take${many ? '' : 's'} no key: ${where} can neither grant nor deny ${many ? 'them' : 'it'} (only IAM policies can)`;
    lines.push(
      `${lines.length === 0 ? style.bold('inert') : '     '}  ${actions.join(', ')}`,
      style.dim(`         ${why}`),
    );
  }
  if (lines.length > 0) lines.push(style.dim('       kept as listed; the proofs never count them as access'));
  return lines;
}
