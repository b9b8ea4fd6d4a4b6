/**
 * A small seeded PRNG (mulberry32): the chaos driver draws every kill delay and pause from it,
 * so a seed replays the same schedule of kills. (Where each kill lands in the scenario still
 * depends on how fast the machine is; the invariants hold wherever it lands.)
 */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** A whole number in [min, max]. */
  between(min: number, max: number): number;
}

export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, between: (min, max) => min + Math.floor(next() * (max - min + 1)) };
}

/** The seed from FLEETFLOW_CHAOS_SEED (to replay a run), or a fresh one; either way the caller prints it. */
export function chaosSeed(env: NodeJS.ProcessEnv = process.env): number {
  const given = env.FLEETFLOW_CHAOS_SEED;
  if (given === undefined || given === '') return Math.floor(Math.random() * 2 ** 31);
  const n = Number(given);
  if (!Number.isInteger(n) || n < 0 || n >= 2 ** 32) throw new Error(`FLEETFLOW_CHAOS_SEED: must be a whole number from 0 to 4294967295, got "${given}"`);
  return n;
}
