/**
 * The demo's human output: each step with its time and what it showed, the commands it ran, then
 * what was proved (or the step that did not behave) and where the kept directory is.
 */
import { escapeControl } from '../io/safe-text.js';
import type { Style } from '../io/style.js';
import type { DemoResult } from './result.js';
import { formatMs } from './steps.js';

export function render(result: DemoResult, style: Style): string {
  const lines: string[] = [];
  const width = Math.max(...result.steps.map((s) => s.title.length));
  for (const step of result.steps) {
    const mark = step.ok ? style.green('✔') : style.red('✖');
    lines.push(
      `${mark} ${style.bold(step.title.padEnd(width))}  ${formatMs(step.ms).padStart(7)}  ${escapeControl(step.outcome)}`,
    );
    for (const command of step.commands) {
      const refused = command.errorCode === undefined ? '' : `  → ${command.errorCode} (exit ${command.exitCode})`;
      lines.push(style.dim(`    $ ${escapeControl(command.command)}  ${formatMs(command.ms)}${refused}`));
    }
  }
  lines.push('');
  if (result.summary.ok) {
    lines.push(style.bold(`Proved on a simulated account in ${formatMs(result.summary.totalMs)}:`));
    for (const line of result.summary.proved) lines.push(`  • ${line}`);
  } else {
    const failure = result.summary.failure;
    lines.push(style.red(`The demo stopped at ${failure?.step ?? '?'} after ${formatMs(result.summary.totalMs)}.`));
  }
  lines.push(
    result.keptDir === null
      ? style.dim('Nothing was left behind (the temporary sandbox, config and images were removed; --keep keeps them).')
      : `Kept: ${escapeControl(result.keptDir)} (sandbox in ./sandbox, config ./cosigner.json; remove it when done)`,
  );
  return lines.join('\n');
}
