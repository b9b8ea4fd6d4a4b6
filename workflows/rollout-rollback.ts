import { ParentClosePolicy, patched, setCurrentDetails, startChild } from '@temporalio/workflow';
import { childMetadata, stageOf } from '../src/domain/operation-metadata.js';
import { changedClusters, rollbackPlan, type RolloutState, type RollbackStep } from '../src/domain/rollout/fleet-rollout.js';
import type { rollbackBundle } from './rollback-bundle.js';
import { childFailureMessage } from './stage-runner.js';

/** Rollbacks running at once. */
const ROLLBACK_CONCURRENCY = 10;

/**
 * Rollbacks go to the revision each cluster had when the rollout reached it, and leave alone the
 * clusters it did not change; rollouts that rolled back before this did so from their runs alone.
 */
const ROLLBACK_PATCH = 'rollback-to-revision-found';

/** Rolls every cluster this rollout changed back, a few at a time, recording each outcome in the state. */
export async function rollBack(s: RolloutState, rolloutId: string, requestedBy: string | undefined): Promise<void> {
  const steps: RollbackStep[] = patched(ROLLBACK_PATCH) ? rollbackPlan(s) : changedClusters(s).map((cluster) => ({ cluster }));
  s.rollback = Object.fromEntries(steps.map(({ cluster }) => [cluster, { status: 'Running' as const }]));
  setCurrentDetails(`rolling back ${steps.length} clusters to their previous revision of ${s.bundle.name}`);
  for (let i = 0; i < steps.length; i += ROLLBACK_CONCURRENCY) {
    await Promise.all(
      steps.slice(i, i + ROLLBACK_CONCURRENCY).map(async ({ cluster: name, to }) => {
        try {
          const args = { cluster: name, bundle: s.bundle.name, revision: s.bundle.revision, ...(to !== undefined ? { to } : {}), reason: `rollout ${rolloutId} rolled back`, ...(requestedBy ? { requestedBy } : {}) };
          const child = await startChild<typeof rollbackBundle>('rollbackBundle', {
            workflowId: `${rolloutId}/rollback/${name}`,
            args: [args],
            parentClosePolicy: ParentClosePolicy.ABANDON,
            ...childMetadata(`roll back ${s.bundle.name}@${s.bundle.revision} on ${name}${to ? ` to ${to}` : ''}`, { workflowType: 'rollbackBundle', input: args, stage: stageOf(s.stages, name), parentId: rolloutId, parentNoun: 'rollout' }),
          });
          const done = await child.result();
          s.rollback![name] = { status: 'Succeeded', ...(done.to ? { to: done.to } : {}), message: done.to ? `back to ${done.to}` : 'bundle removed' };
        } catch (err) {
          s.rollback![name] = { status: 'Failed', message: childFailureMessage(`${rolloutId}/rollback/${name}`, err, 'an earlier rollback') };
        }
      }),
    );
  }
}
