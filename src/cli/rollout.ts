import { FleetRolloutInputSchema, type FleetRolloutOptions } from '../domain/rollout/fleet-rollout.js';
import { formatPreview, previewRollout } from '../domain/rollout/preview.js';
import { readFleet } from '../temporal/fleet-inventory.js';
import { getRolloutProgress } from '../temporal/messages/staged.js';
import { stagedCommand } from './staged-command.js';
import { plainLine, renderWave } from './wave-render.js';

/** "shop@v2 to app=shop": the line the Temporal UI lists the rollout by. */
export function rolloutSummary(r: FleetRolloutOptions): string {
  return `rollout ${r.bundle.name}@${r.bundle.revision} (${r.bundle.manifests.length} objects)`;
}

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
  render: (id, p, opts) => renderWave(id, p, { ...opts, noun: 'rollout', command: 'rollout' }),
  line: plainLine,
  abortWithRollback: true,
  async dryRun(client, value) {
    const preview = previewRollout(value.selector, value.plan, await readFleet(client, value.selector));
    return { lines: formatPreview(preview), data: preview };
  },
});
