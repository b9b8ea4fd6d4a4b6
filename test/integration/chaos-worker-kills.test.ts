import { afterAll, beforeAll, expect, it } from 'vitest';
import { FleetTestEnv } from '../helpers/fleet-env.js';
import { chaosSeed } from '../chaos/prng.js';
import { formatChaosRun, runWorkerKillChaos } from '../chaos/scenario.js';

// The short version of `npm run chaos`: the same scenario and invariants with 5 worker kills.
// The seed is printed; FLEETFLOW_CHAOS_SEED replays its kill schedule.
let fleet: FleetTestEnv;
beforeAll(async () => {
  fleet = await FleetTestEnv.create();
});
afterAll(async () => {
  await fleet?.teardown();
});

it('provisions, rolls out, upgrades, repairs drift and decommissions through 5 worker SIGKILLs, every invariant holding', async () => {
  const seed = chaosSeed();
  // The schedule of `npm run chaos` (gaps of 3 to 15 s): the five kills land in the first minute
  // or two, mostly in the parallel provisions and the rollouts, where a stalled activity costs
  // least (every kill stalls what runs for its activity timeout, 30 to 60 s); spread over the
  // wave as well (gaps of 15 to 50 s), this run took 4.6 minutes instead of 3.3.
  const run = await runWorkerKillChaos(fleet, { kills: 5, seed, log: (line) => console.log(line) });
  console.log(formatChaosRun(run, 5).join('\n'));
  expect(run.kills).toHaveLength(5);
  expect(run.invariants.filter((i) => !i.ok).map((i) => `${i.name}: ${i.detail}`)).toEqual([]);
}, 900_000);
