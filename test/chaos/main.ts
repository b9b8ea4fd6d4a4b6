import { readFileSync } from 'node:fs';
import { FleetTestEnv } from '../helpers/fleet-env.js';
import { chaosSeed } from './prng.js';
import { formatChaosRun, runWorkerKillChaos } from './scenario.js';

// `npm run chaos`: the worker-kill scenario with 20 kills (FLEETFLOW_CHAOS_KILLS to change),
// on its own dev server and local clusters. Exits 1 when an invariant does not hold.
const kills = Number(process.env.FLEETFLOW_CHAOS_KILLS ?? 20);
if (!Number.isInteger(kills) || kills < 0) throw new Error(`FLEETFLOW_CHAOS_KILLS: must be a whole number, got "${process.env.FLEETFLOW_CHAOS_KILLS}"`);
const seed = chaosSeed();
const log = (line: string) => console.log(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}`);
const fleet = await FleetTestEnv.create();
let failed = true;
try {
  const run = await runWorkerKillChaos(fleet, { kills, seed, log });
  for (const line of formatChaosRun(run, kills)) console.log(line);
  failed = run.invariants.some((i) => !i.ok) || run.kills.length !== kills;
  if (failed) console.log(`worker log (last 40 lines):\n${readFileSync(run.workerLog, 'utf8').split('\n').slice(-40).join('\n')}`);
} finally {
  await fleet.teardown();
}
process.exit(failed ? 1 : 0);
