import { HELP_FLAG, visible, type CommandSpec, type FlagSpec } from './command-table.js';
import { UsageError } from './errors.js';

/**
 * Shell completion generated from the command table, so it offers exactly what the parser
 * accepts. Both scripts share four lookup functions (case statements, valid in bash and zsh):
 * `_fleetflow_next PATH WORD` (the command path WORD leads to, aliases included),
 * `_fleetflow_subcommands PATH` (or the values of a leaf's argument), `_fleetflow_flags PATH` and `_fleetflow_values PATH FLAG`
 * (its choices, `@file` for a file name, `@none` for free text).
 */

export const SHELLS = ['bash', 'zsh'] as const;
export type Shell = (typeof SHELLS)[number];

interface Node {
  path: string;
  command: CommandSpec;
}

function nodes(root: CommandSpec): Node[] {
  const out: Node[] = [];
  const walk = (c: CommandSpec, path: string) => {
    out.push({ path, command: c });
    for (const s of visible(c)) walk(s, path ? `${path} ${s.name}` : s.name);
  };
  walk(root, '');
  return out;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const flagsOf = (c: CommandSpec): FlagSpec[] => [...(c.flags ?? []), HELP_FLAG];
const spellings = (f: FlagSpec) => [`--${f.name}`, ...(f.short ? [`-${f.short}`] : [])];

function valuesOf(f: FlagSpec): string | undefined {
  if (f.type === 'boolean') return undefined;
  if (f.choices) return f.choices.join(' ');
  return f.value === 'FILE' ? '@file' : '@none';
}

/** The four lookup functions; with descriptions ("name:text" lines, for zsh's _describe) or without. */
function lookups(root: CommandSpec, described: boolean): string {
  const all = nodes(root);
  const item = (name: string, text: string) => quote(described ? `${name}:${text}` : name);
  const cases = (fn: string, args: string, arms: string[]) => [`${fn}() {`, `  case "${args}" in`, ...arms, '  esac', '}'].join('\n');
  const next = all.flatMap(({ path, command }) =>
    visible(command).map((s) => {
      const pattern = [s.name, ...(s.aliases ?? [])].map((w) => quote(`${path}/${w}`)).join('|');
      return `    ${pattern}) printf '%s\\n' ${quote(path ? `${path} ${s.name}` : s.name)} ;;`;
    }),
  );
  const words = (c: CommandSpec) => (c.subcommands ? visible(c).map((s) => item(s.name, s.summary)) : (c.argChoices ?? []).map((w) => item(w, c.summary)));
  const subs = all.filter((n) => words(n.command).length).map(({ path, command }) => `    ${quote(path)}) printf '%s\\n' ${words(command).join(' ')} ;;`);
  const flags = all.map(({ path, command }) => `    ${quote(path)}) printf '%s\\n' ${flagsOf(command).flatMap((f) => spellings(f).map((s) => item(s, f.help))).join(' ')} ;;`);
  const values = all.flatMap(({ path, command }) =>
    flagsOf(command).flatMap((f) => {
      const v = valuesOf(f);
      return v ? [`    ${spellings(f).map((s) => quote(`${path}/${s}`)).join('|')}) printf '%s\\n' ${quote(v)} ;;`] : [];
    }),
  );
  return [
    cases('_fleetflow_next', '$1/$2', next),
    cases('_fleetflow_subcommands', '$1', subs),
    cases('_fleetflow_flags', '$1', flags),
    cases('_fleetflow_values', '$1/$2', values),
  ].join('\n');
}

function bash(root: CommandSpec): string {
  return `# bash completion for fleetflow, generated from its command table by \`fleetflow completion bash\`.
# Load it with: source <(fleetflow completion bash)
${lookups(root, false)}
_fleetflow() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" cmd="" next values i
  for ((i = 1; i < COMP_CWORD; i++)); do
    next="$(_fleetflow_next "$cmd" "\${COMP_WORDS[i]}")"
    [[ -n "$next" ]] && cmd="$next"
  done
  values="$(_fleetflow_values "$cmd" "$prev")"
  case "$values" in
    @file) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    @none) COMPREPLY=(); return ;;
    ?*) COMPREPLY=($(compgen -W "$values" -- "$cur")); return ;;
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$(_fleetflow_flags "$cmd")" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$(_fleetflow_subcommands "$cmd")" -- "$cur"))
  fi
}
complete -F _fleetflow fleetflow
`;
}

function zsh(root: CommandSpec): string {
  // Works both ways: sourced (source <(fleetflow completion zsh)) or installed as _fleetflow in $fpath.
  return `#compdef fleetflow
# zsh completion for fleetflow, generated from its command table by \`fleetflow completion zsh\`.
# Load it with: source <(fleetflow completion zsh), or save it as _fleetflow in a directory of $fpath.
${lookups(root, true)}
_fleetflow() {
  local cmd="" next values i
  local -a items
  for (( i = 2; i < CURRENT; i++ )); do
    next="$(_fleetflow_next "$cmd" "\${words[i]}")"
    [[ -n "$next" ]] && cmd="$next"
  done
  values="$(_fleetflow_values "$cmd" "\${words[CURRENT-1]}")"
  case "$values" in
    @file) _files; return ;;
    @none) _message 'a value'; return ;;
    ?*) items=(\${=values}); compadd -a items; return ;;
  esac
  if [[ "\${words[CURRENT]}" == -* ]]; then
    items=(\${(f)"$(_fleetflow_flags "$cmd")"})
    _describe -t flags 'flag' items
  else
    items=(\${(f)"$(_fleetflow_subcommands "$cmd")"})
    (( \${#items} )) && _describe -t commands 'command' items
  fi
}
if [[ "\${funcstack[1]}" == _fleetflow ]]; then _fleetflow "$@"; else compdef _fleetflow fleetflow; fi
`;
}

/** The completion script for `shell`. */
export function completionScript(root: CommandSpec, shell: string): string {
  if (shell === 'bash') return bash(root);
  if (shell === 'zsh') return zsh(root);
  throw new UsageError(`completion: expected a shell: ${SHELLS.join(' or ')}`);
}

/** `fleetflow completion bash|zsh`; `root` is read when it runs, so the command can sit in the table it prints. */
export function completionCommand(root: () => CommandSpec): CommandSpec {
  return {
    name: 'completion',
    summary: 'print a shell completion script (bash or zsh), generated from the same table as this help',
    args: 'bash|zsh',
    argChoices: SHELLS,
    details: 'bash: source <(fleetflow completion bash)   (or save it in /etc/bash_completion.d/)\nzsh:  source <(fleetflow completion zsh)    (or save it as _fleetflow in a directory of $fpath)',
    async run(ctx, args) {
      if (args.positionals.length !== 1) throw new UsageError(`completion: expected one shell: ${SHELLS.join(' or ')}`);
      ctx.out(completionScript(root(), args.positionals[0]!).trimEnd());
    },
  };
}
