import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { newDecommissionState } from '../../src/domain/decommission/progress.js';
import { FleetDecommissionInputSchema, planFleetDecommission } from '../../src/domain/decommission/fleet-decommission.js';
import { ClusterEntityInputSchema, OperationFinishedSchema, OperationProgressSchema } from '../../src/domain/cluster/entity-input.js';
import { beginOperation, finishOperation, newClusterState } from '../../src/domain/cluster/lifecycle.js';
import { recordCheckFailure } from '../../src/domain/cluster/checks.js';
import { withBundleApplied } from '../../src/domain/cluster/applied-bundles.js';
import { ClusterSpecSchema } from '../../src/domain/cluster/spec.js';
import { operationWorkflowId, refuseWorkflowId } from '../../src/domain/cluster/workflow-ids.js';
import { CarriedDecommissionStateSchema, CarriedRolloutStateSchema, CarriedWaveStateSchema } from '../../src/domain/staged/carried-state.js';
import { newStagedState } from '../../src/domain/staged/operator.js';
import { planUpgradeWave } from '../../src/domain/upgrade/plan.js';
import { UpgradeWaveInputSchema } from '../../src/domain/upgrade/wave.js';
import { checkInput, parseWith } from '../../src/domain/validation.js';
import { cluster } from '../helpers/cluster-summaries.js';

const AT = '2026-05-01T10:00:00.000Z';
const spec = ClusterSpecSchema.parse({ name: 'web-1', provider: 'local' });
const problems = (schema: z.ZodType, input: unknown, root = '') => {
  const parsed = parseWith(schema, input, root);
  return parsed.ok ? [] : parsed.problems.map((p) => p.path);
};

describe('checkInput: the one wording of a refused input, for workflows and activities alike', () => {
  const Schema = z.object({ name: z.string(), count: z.number() });
  it.each([
    // why each case
    ['a good input comes back parsed', { name: 'a', count: 1 }, '', { ok: true, value: { name: 'a', count: 1 } }],
    ['null is refused as the whole input', null, '', { ok: false, message: 'invalid request: (input): Invalid input: expected object, received null' }],
    ['every bad field is listed under the root', { name: 1 }, 'req', { ok: false, message: 'invalid request: req.name: Invalid input: expected string, received number; req.count: Invalid input: expected number, received undefined' }],
  ])('%s', (_why, input, root, expected) => {
    expect(checkInput(Schema, input, 'request', root)).toMatchObject(expected);
  });
});

describe('refuseWorkflowId', () => {
  it.each([
    ['the conventional id is accepted', 'upgrade/web-1', operationWorkflowId('upgrade', 'web-1'), undefined],
    ['another id names the field and the id to use', 'upgrade/web-1-again', 'upgrade/web-1', 'workflow id upgrade/web-1-again does not match name web-1: start it with id upgrade/web-1'],
  ])('%s', (_why, actual, expected, refusal) => {
    expect(refuseWorkflowId(actual, expected, 'name', 'web-1')).toBe(refusal);
  });
});

describe('ClusterEntityInputSchema', () => {
  const fresh = newClusterState(spec, AT);
  const busy = recordCheckFailure(beginOperation(fresh, { id: 'provision/web-1', type: 'provision' }, AT), 'operationStatus', 'denied', AT);
  const applied = { ...finishOperation(busy, { operationId: 'provision/web-1', succeeded: true, message: 'ok', patch: { phase: 'Active' } }, AT) };
  const withBundle = { ...applied, bundles: withBundleApplied(undefined, { name: 'shop', revision: 'v1', autoReconcile: true }, AT) };
  const { healthCheckInterval: _absent, ...oldSpec } = spec;

  it.each([
    // every state the entity itself makes must carry over
    ['a spec to register', { spec }],
    ['a new state', { spec, state: fresh }],
    ['a state with a running operation and a failing check', { spec, state: busy }],
    ['a state with bundles and history', { spec, state: withBundle }],
    ['a state saved before healthCheckInterval existed', { spec: oldSpec, state: { ...fresh, spec: oldSpec } }],
    ['a state with fields this code does not know', { spec, state: { ...fresh, addedLater: { x: 1 } } }],
    ['a state given as null (nothing carried)', { spec, state: null }],
  ])('accepts %s', (_why, input) => {
    expect(problems(ClusterEntityInputSchema, input)).toEqual([]);
  });

  it.each([
    ['null', null, ['(input)']],
    ['a misspelled key', { sepc: spec }, ['spec', '(input)']],
    ['a state without its parts', { spec, state: { phase: 'Active' } }, ['state.spec', 'state.health', 'state.history', 'state.registeredAt', 'state.updatedAt']],
    ['an unknown phase and provider', { spec, state: { ...fresh, phase: 'Gone', spec: { ...spec, provider: 'aws' } } }, ['state.spec.provider', 'state.phase']],
    ['a health that is not an object', { spec, state: { ...fresh, health: null } }, ['state.health']],
  ])('refuses %s, naming the fields', (_why, input, paths) => {
    expect(problems(ClusterEntityInputSchema, input)).toEqual(paths);
  });
});

describe('the entity signals', () => {
  it.each([
    ['progress with a step', OperationProgressSchema, { operationId: 'op', step: 'creating' }, []],
    ['progress with a patch', OperationProgressSchema, { operationId: 'op', patch: { providerId: 'x', phase: 'Active' } }, []],
    ['progress as null', OperationProgressSchema, null, ['(input)']],
    ['a patch that would break the state', OperationProgressSchema, { operationId: 'op', patch: { health: null, phase: 'Gone' } }, ['patch.health', 'patch.phase']],
    ['an outcome', OperationFinishedSchema, { operationId: 'op', succeeded: true, message: 'done', patch: { phase: 'Deleted' } }, []],
    ['an outcome without a verdict', OperationFinishedSchema, { operationId: 'op' }, ['succeeded', 'message']],
  ])('%s', (_why, schema, input, paths) => {
    expect(problems(schema, input)).toEqual(paths);
  });
});

describe('carried states of staged operations', () => {
  const inventory = [cluster('a', { version: '1.35.4' }), cluster('p', { environment: 'prod', version: '1.35.4' })];
  const wave = planUpgradeWave(UpgradeWaveInputSchema.parse({ targets: [{ selector: {}, version: '1.36' }] }), inventory);
  const waveState = { ...newStagedState(wave.stages), upgrades: wave.upgrades, leftOut: wave, startedAt: AT, generation: 0 };
  const rolloutState = {
    ...newStagedState(wave.stages),
    bundle: { name: 'shop', revision: 'v2' },
    environments: { a: 'dev', p: 'prod' },
    leftOut: { upToDate: [], refused: [], excluded: [], unassigned: [] },
    startedAt: AT,
    generation: 3,
  };
  const input = FleetDecommissionInputSchema.parse({ selector: { matchLabels: { team: 'web' } }, reason: 'CHG-7' });
  const decommissionState = newDecommissionState(planFleetDecommission(input, inventory), inventory, { ...input, approvalTimeoutMs: input.approvalTimeout }, AT);

  it.each([
    ['an upgrade wave', CarriedWaveStateSchema, waveState],
    ['a rollout', CarriedRolloutStateSchema, rolloutState],
    ['a fleet decommission', CarriedDecommissionStateSchema, decommissionState],
  ])('accept the state %s makes', (_why, schema, state) => {
    expect(problems(schema, state, 'carried')).toEqual([]);
  });

  it('refuse a state that would fail the workflow task, naming the fields', () => {
    expect(problems(CarriedWaveStateSchema, { ...waveState, stages: 'all', runs: { a: null }, upgrades: undefined }, 'carried')).toEqual([
      'carried.stages',
      'carried.runs.a',
      'carried.upgrades',
    ]);
  });
});
