import { runApi } from './run.js';

// The API as its own process, for `fleetflow dev up` (its pid file names this entry).
runApi({ out: (line) => console.log(line) }).catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
