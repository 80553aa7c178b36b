/**
 * What shell completion offers, read from the commander program itself: every command and
 * subcommand, every option (global and per command), which options take a value, the enumerated
 * values of an option, and which values are file names. The bash and zsh scripts are generated
 * from this model, so a new command or option is completed without touching them.
 */
import type { Command, Option } from 'commander';

export type ValueKind = 'none' | 'word' | 'file';

export interface CompletionOption {
  /** Every spelling, e.g. `['-c', '--config']`. */
  names: string[];
  description: string;
  /** Whether the option takes a value, and what kind. */
  value: ValueKind;
  /** The value may be left out (`--sandbox [dir]`): the next word is its value only if it is no command. */
  optional: boolean;
  /** The enumerated values, when the option accepts only these. */
  choices: string[];
}

export interface CompletionCommand {
  name: string;
  /** Space-separated path from the program, e.g. `attest describe-eif`; `` for the program. */
  path: string;
  description: string;
  options: CompletionOption[];
  commands: CompletionCommand[];
  /** Whether the first positional argument is a file (e.g. `attest describe-eif <file>`). */
  fileArgument: boolean;
  /** The values the first positional argument accepts, when enumerated (`completion <shell>`). */
  argumentChoices: string[];
}

/** Enumerated values of options that commander does not know as choices (config settings). */
export type ChoicesFor = (option: Option) => readonly string[] | undefined;

// Placeholders that name a file or directory: `<file>`, `<file|->`, `[dir]`, `<dir>` (not `<path>`: an SSM path).
const FILE_PLACEHOLDER = /[<[](?:file|dir)\b/;

function optionModel(option: Option, choicesFor: ChoicesFor): CompletionOption {
  const names = [option.short, option.long].filter((name): name is string => name !== undefined);
  const takesValue = option.required || option.optional;
  const choices = [...(option.argChoices ?? choicesFor(option) ?? [])];
  return {
    names,
    description: option.description,
    value: !takesValue ? 'none' : FILE_PLACEHOLDER.test(option.flags) ? 'file' : 'word',
    optional: option.optional,
    choices,
  };
}

function commandModel(command: Command, path: string, choicesFor: ChoicesFor): CompletionCommand {
  const options = command.options
    .filter((option) => !option.hidden)
    .map((option) => optionModel(option, choicesFor))
    .filter((option) => option.names.length > 0);
  // commander keeps the help option apart from the others.
  options.push({ names: ['-h', '--help'], description: 'show help', value: 'none', optional: false, choices: [] });
  return {
    name: command.name(),
    path,
    description: command.description(),
    options,
    commands: command.commands.map((sub) =>
      commandModel(sub, path === '' ? sub.name() : `${path} ${sub.name()}`, choicesFor),
    ),
    fileArgument: /file|dir/i.test(command.registeredArguments[0]?.name() ?? ''),
    argumentChoices: [...(command.registeredArguments[0]?.argChoices ?? [])],
  };
}

/** The completion model of a program; `-h/--help` is offered everywhere. */
export function completionModel(program: Command, choicesFor: ChoicesFor = () => undefined): CompletionCommand {
  return commandModel(program, '', choicesFor);
}

/** Every command of the tree, the program first, depth-first. */
export function allCommands(root: CompletionCommand): CompletionCommand[] {
  return [root, ...root.commands.flatMap(allCommands)];
}
