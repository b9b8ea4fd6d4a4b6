import fc from 'fast-check';
import type { z } from 'zod';
import { checkInput } from '../../src/domain/validation.js';

/**
 * fast-check parameters for a property: a modest run count in `npm test`, more under
 * FLEETFLOW_FUZZ_RUNS; seeded from FLEETFLOW_FUZZ_SEED (or the clock), and the seed is printed
 * so a failing run can be replayed with `FLEETFLOW_FUZZ_SEED=<seed>`.
 */
export function fuzzParams(name: string, runs: number): fc.Parameters<unknown> {
  const seed = process.env.FLEETFLOW_FUZZ_SEED ? Number(process.env.FLEETFLOW_FUZZ_SEED) : Date.now() % 2 ** 31;
  const numRuns = process.env.FLEETFLOW_FUZZ_RUNS ? Number(process.env.FLEETFLOW_FUZZ_RUNS) : runs;
  console.log(`fuzz ${name}: seed ${seed}, ${numRuns} runs (replay with FLEETFLOW_FUZZ_SEED=${seed})`);
  return { seed, numRuns, endOnFailure: true };
}

type Path = (string | number)[];

/** Every path into a JSON value, the root ([]) first. */
export function pathsOf(value: unknown, at: Path = []): Path[] {
  const out: Path[] = [at];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...pathsOf(v, [...at, i])));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...at, k]));
  return out;
}

/** A copy of `value` with the thing at `path` replaced (or, with `remove`, deleted). */
export function changedAt(value: unknown, path: Path, next: unknown, remove = false): unknown {
  if (path.length === 0) return next;
  const copy: unknown = structuredClone(value);
  let parent = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (!remove) parent[last] = next;
  else if (Array.isArray(parent)) parent.splice(last as number, 1);
  else delete parent[last];
  return copy;
}

/**
 * Inputs near a valid one, where bugs hide: the valid input itself, one field replaced by any
 * JSON value, one field deleted, an unknown key added; and, now and then, any JSON at all.
 */
export function nearlyValid(valid: unknown): fc.Arbitrary<unknown> {
  const paths = pathsOf(valid);
  const inner = paths.filter((p) => p.length > 0);
  const objects = paths.filter((p) => {
    const v = p.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], valid);
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  });
  const json = fc.jsonValue({ maxDepth: 3 });
  // A valid value without fields (a message with no argument) has nothing to delete or add to.
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(valid) },
    { weight: 1, arbitrary: json },
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...paths), json).map(([p, v]) => changedAt(valid, p, v)) },
    ...(inner.length ? [{ weight: 2, arbitrary: fc.constantFrom(...inner).map((p) => changedAt(valid, p, undefined, true)) }] : []),
    ...(objects.length
      ? [{ weight: 1, arbitrary: fc.tuple(fc.constantFrom(...objects), fc.string({ minLength: 1, maxLength: 8 }), json).map(([p, k, v]) => changedAt(valid, [...p, k], v)) }]
      : []),
  );
}

/** One schema an input (or a part of it) is checked against, as the workflow words its refusal. */
export interface Stage {
  schema: z.ZodType;
  what: string;
  type?: string;
  root?: string;
  /** The part of the input this stage checks (the whole input by default); undefined skips it. */
  part?: (input: unknown) => unknown;
}

/** The refusal the schema stages predict for `input`, or undefined when it passes validation. */
export function expectedRefusal(stages: Stage[], input: unknown): { type: string; message: string } | undefined {
  for (const s of stages) {
    const part = s.part ? s.part(input) : input;
    if (s.part && part === undefined) continue;
    const checked = checkInput(s.schema, part, s.what, s.root ?? '');
    if (!checked.ok) return { type: s.type ?? 'InvalidInput', message: checked.message };
  }
  return undefined;
}
