import { stringify } from 'yaml';
import type { Args } from './command-table.js';
import type { CliContext } from './context.js';
import { UsageError } from './errors.js';

/** How structured output is printed: a table (or text) for people, JSON or YAML for programs. */
export type OutputFormat = 'table' | 'json' | 'yaml';

/** The -o of a command; "wide" is read as table. */
export function outputFormat(args: Args): OutputFormat {
  const value = args.string('output');
  if (value === undefined || value === 'table' || value === 'wide') return 'table';
  if (value === 'json' || value === 'yaml') return value;
  throw new UsageError(`${args.command}: -o must be "table", "json" or "yaml", not "${value}"`);
}

/** Prints `data` as JSON or YAML; returns false for "table", so the caller draws its own. */
export function printData(ctx: CliContext, format: OutputFormat, data: unknown): boolean {
  if (format === 'json') ctx.out(JSON.stringify(data, null, 2));
  else if (format === 'yaml') ctx.out(stringify(data).trimEnd());
  return format !== 'table';
}

export function onePositional(args: Args, what: string): string {
  if (args.positionals.length !== 1) throw new UsageError(`${args.command}: expected exactly one ${what}`);
  return args.positionals[0]!;
}

/** Who the CLI records as having asked: `cli:$USER`. */
export function requester(): string {
  return `cli:${process.env.USER ?? process.env.LOGNAME ?? 'unknown'}`;
}
