import { HELP_FLAG, nameOf, visible, type CommandSpec, type FlagSpec } from './command-table.js';

/** Columns: names padded to the widest, then the text. */
function columns(rows: [string, string][], indent = '  '): string[] {
  const width = Math.max(...rows.map(([a]) => a.length));
  return rows.map(([a, b]) => `${indent}${a.padEnd(width)}   ${b}`.trimEnd());
}

/** "-o, --output FORMAT" */
export function flagLabel(f: FlagSpec): string {
  const long = `--${f.name}${f.type === 'string' ? ` ${f.value ?? 'VALUE'}` : ''}`;
  return f.short ? `-${f.short}, ${long}` : `    ${long}`;
}

/** How a command is invoked: "fleetflow rollout approve ID GATE [flags]". */
export function synopsis(path: readonly CommandSpec[]): string {
  const c = path.at(-1)!;
  if (c.subcommands) return `${nameOf(path)} ${c.run ? '[COMMAND]' : 'COMMAND'} [flags]`;
  return [nameOf(path), c.args, c.flags?.length ? '[flags]' : ''].filter(Boolean).join(' ');
}

/** The help of one command: usage, what it does, its subcommands or its flags (with -h). */
export function renderHelp(path: readonly CommandSpec[]): string {
  const c = path.at(-1)!;
  const lines = [`Usage: ${synopsis(path)}`, '', c.summary];
  if (c.aliases?.length) lines.push(`Aliases: ${[c.name, ...c.aliases].join(', ')}`);
  if (c.subcommands) {
    lines.push('', 'Commands:');
    const row = (s: CommandSpec, indent = ''): [string, string] => [`${indent}${[s.name, s.args].filter(Boolean).join(' ')}`, s.summary];
    // The top level lists every command two levels deep: the whole CLI on one screen.
    const rows = path.length === 1 ? visible(c).flatMap((g) => [row(g), ...visible(g).map((s) => row(s, '  '))]) : visible(c).map((s) => row(s));
    lines.push(...columns(rows));
  }
  const flags = [...(c.flags ?? []), HELP_FLAG];
  lines.push('', 'Flags:', ...columns(flags.map((f) => [flagLabel(f), f.help])));
  if (c.details) lines.push('', c.details);
  if (c.subcommands) lines.push('', `Run \`${nameOf(path)} COMMAND --help\` for a command's arguments and flags.`);
  return lines.join('\n');
}
