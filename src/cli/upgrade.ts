import type { Client } from '@temporalio/client';
import type { ClusterSummary } from '../domain/selection/fleet-selector.js';
import { formatWave } from '../domain/rollout/preview.js';
import { planUpgradeWave } from '../domain/upgrade/plan.js';
import { UpgradeWaveInputSchema, type UpgradeWaveOptions } from '../domain/upgrade/wave.js';
import { readFleet } from '../temporal/fleet-inventory.js';
import { getWaveProgress } from '../temporal/messages/staged.js';
import { stagedCommand } from './staged-command.js';
import { plainLine, renderWave } from './wave-render.js';

export { plainLine } from './wave-render.js';

/** "upgrade to 1.36 (dev -> staging -> prod)": the line the Temporal UI lists the wave by. */
export function waveSummary(w: UpgradeWaveOptions): string {
  const versions = [...new Set(w.targets.map((t) => t.version))].join(', ');
  return `upgrade wave to ${versions} (${w.sequence.map((s) => s.name).join(' -> ')})`;
}

async function fleetFor(client: Client, w: UpgradeWaveOptions): Promise<ClusterSummary[]> {
  const byName = new Map<string, ClusterSummary>();
  for (const t of w.targets) for (const c of await readFleet(client, t.selector)) byName.set(c.name, c);
  return [...byName.values()];
}

/** `fleetflow upgrade ...`: start an upgrade wave (or dry-run its plan), follow it, and steer it. */
export const upgradeCommand = stagedCommand({
  command: 'upgrade',
  aliases: ['upgrades'],
  about: 'upgrade waves: Kubernetes upgrades across the fleet, stage by stage, in maintenance windows',
  noun: 'upgrade wave',
  workflowType: 'upgradeWave',
  idPrefix: 'upgrade-wave',
  schema: UpgradeWaveInputSchema,
  query: getWaveProgress,
  summary: waveSummary,
  render: (id, p, opts) => renderWave(id, p, { ...opts, noun: 'upgrade wave', command: 'upgrade' }),
  line: plainLine,
  async dryRun(client, value) {
    const wave = planUpgradeWave(value, await fleetFor(client, value));
    const lines = formatWave(wave);
    if (!wave.stages.some((s) => s.clusters.length)) lines.unshift('nothing to upgrade');
    return { lines, data: wave };
  },
});
