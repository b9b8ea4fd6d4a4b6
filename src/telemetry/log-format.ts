import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';

/**
 * Log lines of the worker and the API: one JSON object per line (time, level, msg, then the
 * fields: workflowId, runId, workflowType, activityType, cluster, operation ...) for log
 * shippers, or one readable line when the output is a terminal. FLEETFLOW_LOG_FORMAT=json|human
 * overrides the guess; FLEETFLOW_LOG_LEVEL (default INFO) drops what is below it.
 */

const LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

/** Field names whose values never reach a log line (tokens, keys, webhook secrets, kubeconfigs, PEMs). */
const SECRET_FIELD = /token|secret|password|passwd|authorization|api[-_]?key|private[-_]?key|keypem|certpem|credential|kubeconfig|cookie/i;

/** Bearer tokens and PEM blocks written inside a message. */
const SECRET_TEXT = [/(bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, /-----BEGIN [A-Z ]+-----[\s\S]*?-----END [A-Z ]+-----/g];

/** The text with bearer tokens and PEM blocks replaced by [redacted]. */
export function redactText(text: string): string {
  return SECRET_TEXT.reduce((t, re) => t.replace(re, (_m, prefix: string | undefined) => `${typeof prefix === 'string' ? prefix : ''}[redacted]`), text);
}

/** A copy of `value` with secret-named fields replaced by "[redacted]" (depth-limited). */
export function redactFields(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 5) return '[…]';
  if (value instanceof Error) return { name: value.name, message: redactText(value.message) };
  if (Array.isArray(value)) return value.map((v) => redactFields(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_FIELD.test(k) ? '[redacted]' : redactFields(v, depth + 1);
  return out;
}

export type LogFormat = 'json' | 'human';

/** One log line, without the newline. */
export function formatLogLine(format: LogFormat, time: Date, level: LogLevel, message: string, meta: LogMetadata = {}): string {
  const fields = redactFields(Object.fromEntries(Object.entries(meta).filter(([, v]) => v !== undefined))) as Record<string, unknown>;
  const msg = redactText(message);
  if (format === 'json') return JSON.stringify({ time: time.toISOString(), level: level.toLowerCase(), msg, ...fields });
  const rest = Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${time.toISOString()} ${level.padEnd(5)} ${msg}${rest ? `  ${rest}` : ''}`;
}

/** A Temporal SDK Logger writing formatted lines to a stream (stdout by default). */
export class LineLogger implements Logger {
  readonly format: LogFormat;
  private readonly min: number;

  constructor(
    opts: { format?: LogFormat; level?: LogLevel; base?: LogMetadata; write?: (line: string) => void } = {},
    env: NodeJS.ProcessEnv = process.env,
  ) {
    const fromEnv = env.FLEETFLOW_LOG_FORMAT === 'json' || env.FLEETFLOW_LOG_FORMAT === 'human' ? env.FLEETFLOW_LOG_FORMAT : undefined;
    this.format = opts.format ?? fromEnv ?? (process.stdout.isTTY ? 'human' : 'json');
    const level = opts.level ?? (LEVELS.includes(env.FLEETFLOW_LOG_LEVEL as LogLevel) ? (env.FLEETFLOW_LOG_LEVEL as LogLevel) : 'INFO');
    this.min = LEVELS.indexOf(level);
    this.base = opts.base ?? {};
    this.write = opts.write ?? ((line) => process.stdout.write(`${line}\n`));
  }

  private readonly base: LogMetadata;
  private readonly write: (line: string) => void;

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    if (LEVELS.indexOf(level) < this.min) return;
    this.write(formatLogLine(this.format, new Date(), level, message, { ...this.base, ...meta }));
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}
