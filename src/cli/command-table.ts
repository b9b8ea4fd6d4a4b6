import { parseArgs } from 'node:util';
import type { CliContext } from './context.js';
import { UsageError } from './errors.js';

/**
 * The CLI as data: every command, its arguments and its flags. Parsing, `--help` and shell
 * completion all read this one table, so what help says is what the parser accepts.
 */

/** One flag of a command. */
export interface FlagSpec {
  /** Long name without dashes, e.g. "output". */
  name: string;
  /** One-letter short name, e.g. "o". */
  short?: string;
  /** A boolean flag takes no value. */
  type: 'string' | 'boolean';
  /** The value's placeholder in help, e.g. "FILE" (which also completes file names). */
  value?: string;
  /** The values it accepts, for help and completion. */
  choices?: readonly string[];
  help: string;
}

/** A command: a group of subcommands, or a leaf that runs. */
export interface CommandSpec {
  name: string;
  aliases?: readonly string[];
  /** One line: what it does. */
  summary: string;
  /** Positional arguments as help shows them, e.g. "ID GATE" or "ID [CLUSTER...]". */
  args?: string;
  /** The values the positional argument takes, for completion (e.g. the shells of `completion`). */
  argChoices?: readonly string[];
  flags?: readonly FlagSpec[];
  /** More help, printed after the flags. */
  details?: string;
  /** Left out of help and completion (plumbing for scripts). */
  hidden?: boolean;
  run?: (ctx: CliContext, args: Args) => Promise<void>;
  subcommands?: readonly CommandSpec[];
}

/** `-h, --help`: every command answers it, so it is not listed in the table's flags. */
export const HELP_FLAG: FlagSpec = { name: 'help', short: 'h', type: 'boolean', help: 'show this help' };

/** `-o FORMAT` of commands with structured output. */
export const OUTPUT_FLAG: FlagSpec = { name: 'output', short: 'o', type: 'string', value: 'FORMAT', choices: ['table', 'json', 'yaml'], help: 'table (default), json or yaml' };

/** A leaf's parsed command line; asking for a flag the table does not declare is a programming error. */
export class Args {
  constructor(
    /** The command as typed without "fleetflow", e.g. "clusters get". */
    readonly command: string,
    private readonly values: Record<string, string | boolean | undefined>,
    readonly positionals: string[],
    private readonly declared: readonly FlagSpec[],
  ) {}

  string(name: string): string | undefined {
    const v = this.value(name, 'string');
    return typeof v === 'string' ? v : undefined;
  }

  flag(name: string): boolean {
    return this.value(name, 'boolean') === true;
  }

  private value(name: string, type: FlagSpec['type']): string | boolean | undefined {
    if (!this.declared.some((f) => f.name === name && f.type === type)) throw new Error(`${this.command}: --${name} (${type}) is not in the command table`);
    return this.values[name];
  }
}

/** What the command line names: the commands from the root down, and the words after them. */
export interface Resolved {
  path: CommandSpec[];
  rest: string[];
}

/** The command's name as users type it, e.g. "fleetflow rollout approve". */
export const nameOf = (path: readonly CommandSpec[]) => path.map((c) => c.name).join(' ');

/** The command in messages: "rollout approve" (the program's own name at the top). */
export const commandName = (path: readonly CommandSpec[]) => nameOf(path.slice(1)) || path[0]!.name;

/** The subcommand `word` names (or an alias of it). */
export function subcommand(group: CommandSpec, word: string): CommandSpec | undefined {
  return group.subcommands?.find((c) => c.name === word || c.aliases?.includes(word));
}

/** Walks the words down the table as far as they name subcommands. */
export function resolve(root: CommandSpec, argv: readonly string[]): Resolved {
  const path = [root];
  let i = 0;
  for (; i < argv.length; i++) {
    const group = path.at(-1)!;
    const word = argv[i]!;
    if (!group.subcommands || word.startsWith('-')) break;
    const next = subcommand(group, word);
    if (!next) throw new UsageError(`${commandName(path)}: unknown command "${word}" (${visible(group).map((c) => c.name).join(', ')})`);
    path.push(next);
  }
  return { path, rest: argv.slice(i) };
}

/** Subcommands shown in help and completion. */
export function visible(group: CommandSpec): CommandSpec[] {
  return (group.subcommands ?? []).filter((c) => !c.hidden);
}

/** True when the words before `--` ask for help. */
export function wantsHelp(rest: readonly string[]): boolean {
  const end = rest.indexOf('--');
  return (end < 0 ? rest : rest.slice(0, end)).some((w) => w === '-h' || w === '--help');
}

/** Parses a leaf's words with exactly the flags the table declares; a mistake names the command. */
export function parseLeaf(path: readonly CommandSpec[], rest: string[]): Args {
  const leaf = path.at(-1)!;
  const command = commandName(path);
  const flags = leaf.flags ?? [];
  const options = Object.fromEntries(flags.map((f) => [f.name, { type: f.type, ...(f.short ? { short: f.short } : {}) }]));
  try {
    const { values, positionals } = parseArgs({ args: rest, options, allowPositionals: true, strict: true });
    return new Args(command, values as Record<string, string | boolean | undefined>, positionals, flags);
  } catch (e) {
    throw new UsageError(`${command}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
}
