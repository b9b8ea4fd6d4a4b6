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
  const run = await runWorkerKillChaos(fleet, { kills: 5, seed, log: (line) => console.log(line) });
  console.log(formatChaosRun(run, 5).join('\n'));
  expect(run.kills).toHaveLength(5);
  expect(run.invariants.filter((i) => !i.ok).map((i) => `${i.name}: ${i.detail}`)).toEqual([]);
}, 900_000);
