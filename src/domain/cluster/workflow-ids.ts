import type { OperationType } from './state.js';

/**
 * Workflow id of a one-cluster operation by convention, e.g. `upgrade/web-1`: the id makes a
 * second start of the same operation attach to (or be refused by) the running one, and it is
 * how the CLI, a wave and an operator find it. The entity's own id is `clusterEntityId`.
 */
export const operationWorkflowId = (type: Extract<OperationType, 'provision' | 'upgrade' | 'decommission'>, cluster: string) => `${type}/${cluster}`;

/**
 * Why a workflow may not run under `actual` when its input fixes the id to `expected`, or
 * undefined when it may. `field` and `value` name the input that fixes it (spec.name web-1).
 */
export function refuseWorkflowId(actual: string, expected: string, field: string, value: string): string | undefined {
  return actual === expected ? undefined : `workflow id ${actual} does not match ${field} ${value}: start it with id ${expected}`;
}
