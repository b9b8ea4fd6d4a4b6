import { FleetRolloutInputSchema, type FleetRolloutOptions, type RolloutProgress } from '../domain/rollout/fleet-rollout.js';
import { formatPreview, previewRollout } from '../domain/rollout/preview.js';
import { readFleet } from '../temporal/fleet-inventory.js';
import { readPlacementFleet } from '../temporal/placement-fleet.js';
import { formatDecision } from '../domain/placement/format.js';
import { previewPlacedRollout } from '../domain/placement/placed-rollout.js';
import { getRolloutProgress } from '../temporal/messages/staged.js';
import { stagedCommand } from './staged-command.js';
import { plainLine, renderWave } from './wave-render.js';

/** "shop@v2 to app=shop": the line the Temporal UI lists the rollout by. */
export function rolloutSummary(r: FleetRolloutOptions): string {
  return `rollout ${r.bundle.name}@${r.bundle.revision} (${r.bundle.manifests.length} objects)`;
}

/** A placed rollout's status ends with its placement's decision. */
const placementLines = (p: object) => {
  const d = (p as Partial<RolloutProgress>).placement;
  return d ? ['', ...formatDecision(d)] : [];
};

/** `fleetflow rollout ...`: start a fleet rollout (or preview its stages), follow it, and steer it. */
export const rolloutCommand = stagedCommand({
  command: 'rollout',
  aliases: ['rollouts'],
  about: 'staged rollouts of a bundle revision over the clusters a selector picks',
  noun: 'rollout',
  workflowType: 'fleetRollout',
  idPrefix: 'rollout',
  schema: FleetRolloutInputSchema,
  query: getRolloutProgress,
  summary: rolloutSummary,
  render: (id, p, opts) => [...renderWave(id, p, { ...opts, noun: 'rollout', command: 'rollout' }), ...placementLines(p)],
  line: plainLine,
  abortWithRollback: true,
  async dryRun(client, value) {
    if (value.placement) {
      const placed = previewPlacedRollout(value.placement, value.plan, await readPlacementFleet(client, value.placement.selector), Date.now());
      return { lines: placed.lines, data: { placement: placed.decision, ...placed.preview } };
    }
    const preview = previewRollout(value.selector!, value.plan, await readFleet(client, value.selector!));
    return { lines: formatPreview(preview), data: preview };
  },
});
