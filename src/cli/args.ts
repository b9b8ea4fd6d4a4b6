import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs that turns unknown flags and missing values into a UsageError naming the command. */
export function parse<O extends Options>(command: string, argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`${command}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
}

export function outputFormat(command: string, value: string | undefined): 'table' | 'json' {
  if (value === undefined || value === 'table' || value === 'wide') return 'table';
  if (value === 'json') return 'json';
  throw new UsageError(`${command}: -o must be "json" or "table", not "${value}"`);
}

export function onePositional(command: string, positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(`${command}: expected exactly one ${what}`);
  return positionals[0]!;
}
