import type { PlacementDecision } from './decide.js';

/**
 * A decision as lines of text, for `fleetflow placement preview` and `rollout --dry-run`:
 * the summary, then one line per cluster, chosen ones first.
 *
 * @example formatDecision(d) // ['placement: 1 chosen of 2 clusters: a', '  chosen     a: rank 1 of 2, score ...', ...]
 */
export function formatDecision(d: PlacementDecision): string[] {
  const width = Math.max(0, ...d.clusters.map((c) => c.name.length));
  const order = (chosen: boolean) => (chosen ? 0 : 1);
  const rows = [...d.clusters].sort((a, b) => order(a.chosen) - order(b.chosen) || a.name.localeCompare(b.name));
  const label: Record<string, string> = { Chosen: 'chosen', Kept: 'kept', Filtered: 'filtered', NotChosen: 'not chosen', CutBySkew: 'cut (skew)' };
  return [
    `placement: ${d.summary} (wanted: ${d.wanted})`,
    ...rows.map((c) => `  ${(label[c.verdict] ?? c.verdict).padEnd(10)} ${c.name.padEnd(width)}  ${c.reason}`),
  ];
}
