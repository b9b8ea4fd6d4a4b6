import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HELP_FLAG, visible, type CommandSpec } from '../../src/cli/command-table.js';
import { completionScript } from '../../src/cli/completion.js';
import { COMMANDS } from '../../src/cli/main.js';
import { runCli } from '../helpers/fake-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'fleetflow-completion-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function paths(c: CommandSpec = COMMANDS, prefix: string[] = []): { words: string[]; command: CommandSpec }[] {
  return [{ words: prefix, command: c }, ...visible(c).flatMap((s) => paths(s, [...prefix, s.name]))];
}

/** What completing the last word of each command line offers, in one shell run. */
function complete(shell: 'bash' | 'zsh', lines: string[][]): string[] {
  const script = join(dir, `fleetflow.${shell}`);
  writeFileSync(script, completionScript(COMMANDS, shell));
  const q = (w: string) => `'${w}'`;
  const body =
    shell === 'bash'
      ? [`source ${script}`, 't() { COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMPREPLY=(); _fleetflow; echo "${COMPREPLY[*]}"; }']
      : [
          // Stand-ins for zsh's completion builtins: print what they were given.
          'compdef() { :; }',
          '_describe() { local -a a; a=("${(@P)4}"); print -r -- "${(j: :)${a[@]%%:*}}"; }',
          'compadd() { local -a a; a=("${(@P)2}"); print -r -- "${(j: :)a}"; }',
          "_files() { print '<files>'; }",
          "_message() { print ''; }",
          `source ${script}`,
          't() { words=("$@"); CURRENT=${#words}; _fleetflow; }',
        ];
  const calls = lines.map((l) => `t fleetflow ${l.map(q).join(' ')}`);
  const out = execFileSync(shell, shell === 'zsh' ? ['-f', '-c', [...body, ...calls].join('\n')] : ['-c', [...body, ...calls].join('\n')], { encoding: 'utf8' });
  return out.split('\n').slice(0, lines.length);
}

const flagWords = (c: CommandSpec) => [...(c.flags ?? []), HELP_FLAG].flatMap((f) => [`--${f.name}`, ...(f.short ? [`-${f.short}`] : [])]);

describe.each(['bash', 'zsh'] as const)('%s completion, generated from the command table', (shell) => {
  const available = shell === 'bash' || existsSync('/usr/bin/zsh') || existsSync('/bin/zsh');

  it.runIf(available)('offers every group its subcommands and every command its flags, aliases included', () => {
    const all = paths();
    const lines = [
      ...all.filter((p) => p.command.subcommands).map((p) => [...p.words, '']),
      ...all.map((p) => [...p.words, '-']),
      ['rollouts', ''], // an alias leads where its command does
    ];
    const expected = [
      ...all.filter((p) => p.command.subcommands).map((p) => visible(p.command).map((s) => s.name).join(' ')),
      ...all.map((p) => flagWords(p.command).join(' ')),
      visible(COMMANDS.subcommands!.find((c) => c.name === 'rollout')!).map((s) => s.name).join(' '),
    ];
    expect(complete(shell, lines)).toEqual(expected);
  });

  it.runIf(available)("completes a flag's values: -o its formats, -f a file name, free text nothing", () => {
    writeFileSync(join(dir, 'wave.yaml'), '');
    const got = complete(shell, [
      ['clusters', 'list', '-o', ''],
      ['upgrade', 'status', 'x', '--output', 'y'],
      ['completion', ''],
      ['decommission', 'abort', 'x', '--reason', ''],
    ]);
    expect(got.slice(0, 3)).toEqual(['table json yaml', shell === 'bash' ? 'yaml' : 'table json yaml', 'bash zsh']); // zsh filters by prefix itself
    expect(got[3]).toBe('');
    const file = complete(shell, [['upgrade', 'start', '-f', join(dir, 'wa')]])[0];
    expect(file).toBe(shell === 'bash' ? join(dir, 'wave.yaml') : '<files>');
  });
});

describe('fleetflow completion', () => {
  it('prints the script for bash or zsh, and refuses another shell with exit 2', async () => {
    expect((await runCli(['completion', 'bash'])).stdout).toContain('complete -F _fleetflow fleetflow');
    expect((await runCli(['completion', 'zsh'])).stdout).toMatch(/^#compdef fleetflow/);
    expect(await runCli(['completion', 'fish'])).toMatchObject({ code: 2, stderr: 'error: completion: expected a shell: bash or zsh\n' });
  });
});
