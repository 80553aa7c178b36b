// Shell completion: the scripts are generated from the program's declarations, and the bash one
// is exercised in a real bash the way bash calls it (COMP_WORDS, COMP_CWORD → COMPREPLY).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProgram } from '../../src/cli.js';
import { allCommands, completionModel } from '../../src/completion/model.js';
import { shellWord } from '../../src/completion/shell-word.js';
import { runCli } from '../helpers/run-cli.js';

let dir: string;
let bashScriptPath: string;
let zshScript: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosigner-completion-'));
  const bash = await runCli(['completion', 'bash']);
  expect(bash.code).toBe(0);
  bashScriptPath = join(dir, 'cosigner-cli.bash');
  await writeFile(bashScriptPath, bash.stdout);
  await writeFile(join(dir, 'image.eif'), '');
  await writeFile(join(dir, 'imagery.txt'), '');
  const zsh = await runCli(['completion', 'zsh']);
  expect(zsh.code).toBe(0);
  zshScript = zsh.stdout;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** What bash offers for the line, the cursor at its end (a trailing space starts a new word). */
function complete(line: string): string[] {
  const words = line.split(' ');
  const driver = [
    `source ${JSON.stringify(bashScriptPath)}`,
    `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})`,
    `COMP_CWORD=${words.length - 1}`,
    '_cosigner_cli',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  const out = execFileSync('bash', ['--norc', '--noprofile', '-c', driver], { cwd: dir, encoding: 'utf8' });
  return out.split('\n').filter((line) => line !== '');
}

describe('bash completion', () => {
  it('offers the commands, then the subcommands of a command', () => {
    expect(complete('cosigner-cli ')).toEqual(
      expect.arrayContaining(['init', 'provision', 'attest', 'status', 'doctor']),
    );
    expect(complete('cosigner-cli att')).toEqual(['attest']);
    expect(complete('cosigner-cli attest ')).toEqual(['describe-eif']);
    expect(complete('cosigner-cli completion ')).toEqual(['bash', 'zsh']);
  });

  it("offers a command's own options and the program's", () => {
    expect(complete('cosigner-cli attest --e')).toEqual(['--eif']);
    expect(complete('cosigner-cli provision --dry')).toEqual(['--dry-run']);
    expect(complete('cosigner-cli status --detailed')).toEqual(['--detailed-exitcode']);
    expect(complete('cosigner-cli status --sand')).toEqual(['--sandbox']);
    expect(complete('cosigner-cli --no-')).toEqual(['--no-json', '--no-color']);
  });

  it('offers the enumerated values of a setting, and nothing for a free value', () => {
    expect(complete('cosigner-cli init --fb-env ')).toEqual(['global', 'eu', 'swiss', 'custom']);
    expect(complete('cosigner-cli provision --policy-profile f')).toEqual(['fireblocks-exact']);
    expect(complete('cosigner-cli provision --network-mode ')).toEqual(['existing', 'public-ip', 'managed']);
    expect(complete('cosigner-cli status --name ')).toEqual([]);
  });

  it('offers file names where an option or argument takes a file', () => {
    // Bash lists a directory in readdir order: compare as a set.
    expect(complete('cosigner-cli attest --eif ima').sort()).toEqual(['image.eif', 'imagery.txt']);
    expect(complete('cosigner-cli attest describe-eif image.')).toEqual(['image.eif']);
    expect(complete('cosigner-cli --config imagery')).toEqual(['imagery.txt']);
  });

  it('finds the command past option values, and past --sandbox with or without its directory', () => {
    expect(complete('cosigner-cli --sandbox provision --res')).toEqual(['--resume']);
    expect(complete('cosigner-cli --sandbox sbx provision --res')).toEqual(['--resume']);
    expect(complete('cosigner-cli --region attest attest --e')).toEqual(['--eif']);
    // A value that spells a command is a value: `status` here is the name of the co-signer.
    expect(complete('cosigner-cli destroy --name status --dry')).toEqual(['--dry-run']);
  });
});

describe('the completion model', () => {
  const program = createProgram({
    dispatch: () => Promise.resolve(),
    env: {},
    cwd: '/',
    writeOut: () => undefined,
    writeErr: () => undefined,
  });
  const model = completionModel(program);

  it('has every command and every option of the program', () => {
    const paths = allCommands(model).map((c) => c.path);
    for (const command of program.commands) {
      expect(paths).toContain(command.name());
      const node = allCommands(model).find((c) => c.path === command.name())!;
      for (const option of command.options) expect(node.options.flatMap((o) => o.names)).toContain(option.long);
    }
  });

  it('refuses to put a word that is not plain into a script', () => {
    expect(shellWord('fireblocks-exact')).toBe('fireblocks-exact');
    for (const word of ['a b', "x';rm -rf ~;'", '$(id)', '`id`', '']) {
      expect(() => shellWord(word)).toThrowCosignerError('INTERNAL');
    }
  });
});

describe('zsh completion', () => {
  it('declares each option with its description and values, and the subcommands with theirs', () => {
    expect(zshScript.startsWith('#compdef cosigner-cli\n')).toBe(true);
    expect(zshScript).toContain("'--fb-env[Fireblocks environment");
    expect(zshScript).toMatch(/'--fb-env\[[^\]']*\]:value:\(global eu swiss custom\)'/);
    expect(zshScript).toMatch(/'\(-c --config\)--config\[[^\]']*\]:file:_files'/);
    expect(zshScript).toMatch(/'--sandbox\[[^\]']*\]::file:_files'/);
    expect(zshScript).toMatch(/'1:command:\(\(init\\:"[^"]*" provision\\:"/);
    expect(zshScript).toContain("'1:value:(bash zsh)'");
  });

  const zsh = spawnSync('zsh', ['--version']);
  it.skipIf(zsh.error !== undefined)('parses in zsh', () => {
    const check = spawnSync('zsh', ['-n'], { input: zshScript, encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });
});

describe('the completion command', () => {
  it('prints the script, not a JSON document, to a pipe; --json gives the envelope', async () => {
    const piped = await runCli(['completion', 'bash']);
    expect(piped.json).toBeUndefined();
    expect(piped.stdout).toContain('complete -F _cosigner_cli cosigner-cli');
    const json = await runCli(['--json', 'completion', 'zsh']);
    expect(json.json).toMatchObject({ ok: true, command: 'completion', result: { shell: 'zsh' } });
  });

  it('refuses a shell it has no script for, with a usage error', async () => {
    const fish = await runCli(['completion', 'fish']);
    expect(fish.code).toBe(2);
    expect(fish.json?.error?.code).toBe('USAGE');
  });
});
