/**
 * The activities that touch a cluster's API server. For an agent cluster the workflows send
 * these (and only these) to the agent's task queue, and `fleetflow agent` registers exactly
 * these: one list, so routing and registration cannot disagree. Provider calls (create,
 * describe, delete), entity messages and callbacks stay with the main worker.
 */
export const AGENT_ACTIVITIES = [
  'applyBundle',
  'applyStoredRevision',
  'checkBundleDrift',
  'diffBundle',
  'waitForRollout',
  'checkClusterHealth',
  'readClusterCapacity',
  'cordonNode',
  'uncordonNode',
  'drainNode',
  'scanRemovedApis',
  'bootstrapCluster',
  'verifyCluster',
  'evaluateClusterPolicies',
] as const;
export type AgentActivityName = (typeof AGENT_ACTIVITIES)[number];

const NAMES: ReadonlySet<string> = new Set(AGENT_ACTIVITIES);

/** Whether `name` is an activity the agent of a cluster runs. */
export function isAgentActivity(name: string): name is AgentActivityName {
  return NAMES.has(name);
}
