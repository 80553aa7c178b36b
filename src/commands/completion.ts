/**
 * `completion bash|zsh`: print a completion script for the shell. The script is generated from the
 * program's own declarations (commands, options, placeholders) and the config schema's enumerated
 * values, so it always matches this version of the CLI. Local and read-only.
 */
import type { Option } from 'commander';
import type { CommandContext, Invocation } from '../command-kit.js';
import { fail } from '../errors.js';
import type { Style } from '../io/style.js';

export const SHELLS = ['bash', 'zsh'] as const;
export type Shell = (typeof SHELLS)[number];

export interface CompletionOptions {
  shell: Shell;
}

export interface CompletionResult {
  shell: Shell;
  script: string;
}

export function parseOptions(invocation: Invocation): CompletionOptions {
  const shell = invocation.args[0];
  if (shell === undefined || !(SHELLS as readonly string[]).includes(shell)) {
    fail(
      'USAGE',
      shell === undefined ? 'which shell? completion needs bash or zsh' : `no completion for ${JSON.stringify(shell)}`,
      'run `cosigner-cli completion bash` or `cosigner-cli completion zsh`',
    );
  }
  return { shell: shell as Shell };
}

/** Enumerated values of the options that set a config setting, from the config's JSON Schema. */
async function settingChoices(): Promise<(option: Option) => readonly string[] | undefined> {
  const [{ SETTINGS }, { configJsonSchema }] = await Promise.all([
    import('../config/settings.js'),
    import('../config/schema.js'),
  ]);
  const schema = configJsonSchema();
  const enumAt = (path: string): string[] | undefined => {
    let node: unknown = schema;
    for (const part of path.split('.')) {
      node = (node as { properties?: Record<string, unknown> } | undefined)?.properties?.[part];
    }
    const values = (node as { enum?: unknown } | undefined)?.enum;
    return Array.isArray(values) && values.every((v) => typeof v === 'string') ? values : undefined;
  };
  return (option) => {
    const setting = SETTINGS.find((s) => s.flag === option.long);
    return setting === undefined ? undefined : enumAt(setting.path);
  };
}

export async function execute(options: CompletionOptions, context: CommandContext): Promise<CompletionResult> {
  const [{ createProgram }, { completionModel }, { bashScript }, { zshScript }] = await Promise.all([
    import('../cli.js'),
    import('../completion/model.js'),
    import('../completion/bash.js'),
    import('../completion/zsh.js'),
  ]);
  const program = createProgram({
    dispatch: () => Promise.resolve(),
    env: context.invocation.env,
    cwd: context.invocation.cwd,
    writeOut: () => undefined,
    writeErr: () => undefined,
  });
  const model = completionModel(program, await settingChoices());
  return { shell: options.shell, script: options.shell === 'bash' ? bashScript(model) : zshScript(model) };
}

/** The script goes to a pipe or a file: text unless `--json`. */
export const textOutput = true;

/** The script itself, ready for `source <(…)` or a completions directory. */
export function render(result: CompletionResult, _style: Style): string {
  return result.script;
}
