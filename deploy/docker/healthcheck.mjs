// The image's HEALTHCHECK: asks the process the container runs (PID 1, after the entrypoint's
// exec) over loopback. A worker is healthy when its Prometheus endpoint answers (it serves from
// the SDK runtime, so a wedged runtime fails it); the API when its OpenAPI document answers;
// a CLI container has nothing to serve.
import { readFileSync } from 'node:fs';

const cmdline = readFileSync('/proc/1/cmdline', 'utf8').split('\0');
const port = (address) => address.slice(address.lastIndexOf(':') + 1);
let url;
if (cmdline.some((a) => a.endsWith('workers/main.js'))) {
  const metrics = process.env.FLEETFLOW_METRICS_ADDRESS ?? '127.0.0.1:9464';
  if (metrics === 'off') process.exit(0);
  url = `http://127.0.0.1:${port(metrics)}/metrics`;
} else if (cmdline.some((a) => a.endsWith('api/main.js'))) {
  url = `http://127.0.0.1:${port(process.env.FLEETFLOW_API_ADDRESS ?? '127.0.0.1:8080')}/openapi.json`;
} else {
  process.exit(0);
}
try {
  const res = await fetch(url, { signal: AbortSignal.timeout(4000) });
  process.exit(res.ok ? 0 : 1);
} catch {
  process.exit(1);
}
