import type { ApiLogger } from '../../src/api/access-log.js';

const nothing = () => undefined;

/** An API logger that drops everything: tests that assert on answers, not on log lines. */
export const silentApiLogger: ApiLogger = { debug: nothing, info: nothing, warn: nothing, error: nothing };

/** Drops the access log, prints unexpected failures (a test's failure then shows why). */
export const apiErrorsToConsole: ApiLogger = { ...silentApiLogger, error: (m, meta) => console.error(m, meta ?? '') };

/** Keeps the error lines, as text, in `into`. */
export const collectApiErrors = (into: string[]): ApiLogger => ({ ...silentApiLogger, error: (m, meta) => void into.push(`${m} ${JSON.stringify(meta ?? {})}`) });
