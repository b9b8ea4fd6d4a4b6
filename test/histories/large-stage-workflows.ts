// The bundle record-large-stages.ts records from: the real upgradeWave, fleetRollout and
// fleetDecommission, with their per-cluster children replaced by stubs that succeed at once.
// A parent's history holds only the start and the result of each child, so a stub child
// leaves the same commands in it as the real one. Imports are relative to the tree it is
// copied into, so the same file records with an older checkout of workflows/.

export { upgradeWave } from '../../workflows/upgrade-wave.js';
export { fleetRollout } from '../../workflows/fleet-rollout.js';
export { fleetDecommission } from '../../workflows/fleet-decommission.js';

/** Stands in for upgradeCluster: upgraded at once. */
export async function upgradeCluster(input: { name: string; version: string }) {
  return { name: input.name, from: '1.35.4', version: `${input.version}.3`, noop: false, nodePools: [], health: 'Healthy', warnings: [] };
}

/** Stands in for applyBundleToCluster: applied at once. */
export async function applyBundleToCluster(input: { cluster: string; bundleFrom?: { name: string; revision: string }; bundle?: { name: string; revision: string } }) {
  const bundle = input.bundleFrom ?? input.bundle;
  return { cluster: input.cluster, bundle: bundle?.name, revision: bundle?.revision, counts: { created: 1, configured: 0, unchanged: 0, pruned: 0 }, health: 'Healthy' };
}

/** Stands in for decommissionCluster: gone at once. */
export async function decommissionCluster(input: { name: string }) {
  return { name: input.name };
}
