import { z } from 'zod';
import { parseDuration } from '../time/durations.js';

/** How the workers reach a cluster's API server. */
export const CONNECTION_MODES = ['direct', 'agent'] as const;
export type ConnectionMode = (typeof CONNECTION_MODES)[number];

const MIN_OFFLINE_MS = 5_000;
const MAX_OFFLINE_MS = 24 * 3_600_000;
export const DEFAULT_OFFLINE_AFTER = '90s';

/**
 * `direct`: the worker resolves the cluster's credentials itself. `agent`: a worker beside the
 * cluster (`fleetflow agent`) polls the cluster's own task queue and runs everything that
 * touches its API server with its own credentials; `offlineAfter` is how long without an agent
 * heartbeat (or without an agent picking up a task) before the cluster counts as offline.
 */
export const ConnectionSchema = z
  .object({
    mode: z.enum(CONNECTION_MODES, { error: `must be one of: ${CONNECTION_MODES.join(', ')}` }).default('direct'),
    offlineAfter: z
      .string()
      .refine((t) => {
        const d = parseDuration(t);
        return d.ok && d.ms >= MIN_OFFLINE_MS && d.ms <= MAX_OFFLINE_MS;
      }, 'must be a duration from "5s" to "24h", such as "90s"')
      .optional(),
  })
  .strict();
export type Connection = z.output<typeof ConnectionSchema>;

/** How long an agent cluster may go without a heartbeat or a picked-up task, in ms. */
export function offlineAfterMs(connection: { offlineAfter?: string } | undefined): number {
  const d = parseDuration(connection?.offlineAfter ?? DEFAULT_OFFLINE_AFTER);
  return d.ok ? d.ms : 90_000;
}

/** Whether a spec (absent `connection` means direct, as for specs from before agents) is reached through an agent. */
export function isAgentCluster(spec: { connection?: { mode?: string } }): boolean {
  return spec.connection?.mode === 'agent';
}

/** Providers whose clusters may be reached through an agent: the ones Fleetflow does not create in a cloud. */
export const AGENT_PROVIDERS = ['external', 'local'] as const;
