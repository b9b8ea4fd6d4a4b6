import { LineLogger } from '../telemetry/log-format.js';
import { runApi } from './run.js';

// The API as its own process, for `fleetflow dev up` (its pid file names this entry): JSON lines
// into its log file, a readable line on a terminal.
const logger = new LineLogger({ base: { component: 'api' } });
runApi({ logger }).catch((err) => {
  logger.error(`fleetflow api: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
