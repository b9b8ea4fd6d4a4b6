import type { WorkflowHandle } from '@temporalio/client';
import { AcceptAgentSchema, AgentJoinSchema, IssueJoinTokenSchema } from '../../src/domain/agent/join.js';
import { FleetPolicySchema } from '../../src/domain/policy/fleet-policy.js';
import { DeletePolicySchema } from '../../src/domain/policy/policy-state.js';
import { DeletePlacementSchema, ReevaluatePlacementSchema, UpdatePlacementSchema } from '../../src/domain/placement/placed-bundle.js';
import { AbortRolloutSchema } from '../../src/domain/rollout/fleet-rollout.js';
import { AbortSchema, ApproveSchema, PauseSchema, RetrySchema, SkipSchema } from '../../src/domain/staged/operator.js';
import type { Stage } from './fuzz.js';

/**
 * The long-running workflows of the message fuzz (test/workflows/fuzz-messages.test.ts): how
 * each starts and is held where it takes messages, every update with the schema its validator
 * checks, every signal, and the valid updates it accepts in a row.
 */
export interface Target {
  label: string;
  type: string;
  id: string;
  input: unknown;
  /** A query answered once the workflow took the messages before it. */
  query: string;
  /** Resolves once the workflow takes its messages (e.g. waits at its gate). */
  ready: (h: WorkflowHandle) => Promise<void>;
  updates: { name: string; valid: unknown; stages: Stage[] }[];
  signals: { name: string; valid: unknown }[];
  /** Valid updates a fresh run accepts, in this order. */
  accepts: [string, unknown][];
  runs: number;
}

/** Polls `query` (time does not skip while we look) until `ok`: the workflow is where the test needs it. */
const until = (query: string, ok: (v: Record<string, unknown>) => boolean) => async (h: WorkflowHandle) => {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const v = await h.query<Record<string, unknown>>(query).catch(() => undefined);
    if (v && ok(v)) return;
    if (Date.now() > deadline) throw new Error(`${h.workflowId} never reached the state the fuzz needs: ${JSON.stringify(v)?.slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};
const atGate = (query: string) => until(query, (p) => typeof p.gate === 'string');

const by = { by: 'alice', reason: 'CHG-1' };
const bundle = { name: 'shop', revision: 'v2', manifests: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'shop' }, data: {} }] };
export const at = '2026-01-01T00:00:00.000Z';

/** The operator updates every staged operation (StageRunner) has, checked as "invalid <action> request". */
function stagedUpdates(gate: string) {
  const u = (name: string, schema: Stage['schema'], valid: unknown) => ({ name, valid, stages: [{ schema, what: `${name} request` }] });
  return [
    u('approve', ApproveSchema, { gate, ...by }),
    u('pause', PauseSchema, by),
    u('resume', PauseSchema, { by: 'alice' }),
    u('abort', AbortSchema, by),
    u('retryFailed', RetrySchema, { by: 'alice', clusters: ['a'] }),
    u('skipCluster', SkipSchema, { by: 'alice', cluster: 'a', reason: 'broken' }),
  ];
}
/** Pause, resume, skip one cluster, approve the gate, abort: each valid, each accepted where the run stands. */
const stagedAccepts = (gate: string): [string, unknown][] => [
  ['pause', by],
  ['resume', by],
  ['skipCluster', { by: 'alice', cluster: 'a', reason: 'broken' }],
  ['approve', { gate, ...by }],
  ['abort', by],
];

const spec = { name: 'edge-1', provider: 'local', connection: { mode: 'agent' } };
const hex = 'a'.repeat(64);
const expiresAt = () => new Date(Date.now() + 3_600_000).toISOString();
const policy = { name: 'guardrails', selector: {}, policies: [{ name: 'p', mode: 'inform', teamAccess: [{ group: 'g', role: 'view', namespaceSelector: { team: 'a' } }] }] };

export const messageTargets: Target[] = [
  {
    label: 'clusterEntity (agent cluster): issueJoinToken, agentJoin, acceptAgent, agentHeartbeat, checkClusterNow',
    type: 'clusterEntity',
    id: 'cluster/edge-1',
    input: { spec },
    query: 'getClusterState',
    ready: until('getClusterState', () => true),
    updates: [
      { name: 'issueJoinToken', valid: { digest: hex, expiresAt: expiresAt(), requestedBy: 'alice' }, stages: [{ schema: IssueJoinTokenSchema, what: 'join token', root: 'request' }] },
      { name: 'agentJoin', valid: { proof: hex, identity: 'agent-1', version: '0.1.0' }, stages: [{ schema: AgentJoinSchema, what: 'agent join', root: 'request' }] },
      { name: 'acceptAgent', valid: { acceptedBy: 'alice', identity: 'agent-1' }, stages: [{ schema: AcceptAgentSchema, what: 'accept', root: 'request' }] },
    ],
    signals: [
      { name: 'agentHeartbeat', valid: { identity: 'agent-1', version: '0.1.0' } },
      { name: 'checkClusterNow', valid: undefined },
    ],
    accepts: [['issueJoinToken', { digest: hex, expiresAt: expiresAt() }]],
    runs: 24,
  },
  {
    label: 'upgradeWave at its gate: approve, pause, resume, abort, retryFailed, skipCluster',
    type: 'upgradeWave',
    id: 'fuzz/wave',
    input: { targets: [{ selector: {}, version: '1.36' }], gatedEnvironments: ['dev', 'prod'] },
    query: 'getWaveProgress',
    ready: atGate('getWaveProgress'),
    updates: stagedUpdates('dev:before'),
    signals: [],
    accepts: stagedAccepts('dev:before'),
    runs: 24,
  },
  {
    label: 'fleetRollout at its gate: the staged updates and abortRollout',
    type: 'fleetRollout',
    id: 'fuzz/rollout',
    input: { selector: { environments: ['dev', 'prod'] }, plan: { stages: [{ name: 'all', approval: 'before' }] }, bundle },
    query: 'getRolloutProgress',
    ready: atGate('getRolloutProgress'),
    updates: [...stagedUpdates('all:before'), { name: 'abortRollout', valid: { ...by, rollback: true }, stages: [{ schema: AbortRolloutSchema, what: 'abort request' }] }],
    signals: [],
    accepts: [...stagedAccepts('all:before').slice(0, -1), ['abortRollout', { ...by, rollback: false }]],
    runs: 24,
  },
  {
    label: 'fleetDecommission at its prod gate: approve, pause, resume, abort, retryFailed, skipCluster',
    type: 'fleetDecommission',
    id: 'fuzz/decommission',
    input: { selector: { matchLabels: { team: 'web' } }, reason: 'retired' },
    query: 'getDecommissionProgress',
    ready: atGate('getDecommissionProgress'),
    updates: stagedUpdates('decommission:before'),
    signals: [],
    accepts: stagedAccepts('decommission:before'),
    runs: 24,
  },
  {
    label: 'fleetChange at its gate: approve, abort, changeEvent, operationGate',
    type: 'fleetChange',
    id: 'change/jira/OPS-1',
    input: { type: 'decommission', ticket: { system: 'jira', id: 'OPS-1' }, requestedBy: { kind: 'token', subject: 'ci' }, input: { name: 'web-1' }, inputHash: hex, approval: { reason: 'prod' } },
    query: 'getChange',
    ready: until('getChange', (v) => v.state === 'WaitingForApproval'),
    updates: [
      { name: 'approve', valid: { gate: 'change:before', ...by }, stages: [{ schema: ApproveSchema, what: 'approve request' }] },
      { name: 'abort', valid: by, stages: [{ schema: AbortSchema, what: 'abort request' }] },
    ],
    signals: [
      { name: 'changeEvent', valid: { type: 'waiting', at, data: { gate: 'prod:before' } } },
      { name: 'operationGate', valid: { gate: 'prod:before', at } },
    ],
    accepts: [['abort', by]],
    runs: 24,
  },
  {
    label: 'changeCallbacks: changeEvent',
    type: 'changeCallbacks',
    id: 'change/jira/OPS-2/callbacks',
    input: { changeId: 'change/jira/OPS-2', ticket: { system: 'jira', id: 'OPS-2' }, targets: [{ url: 'https://example.test/hook', secret: 'sn' }] },
    query: 'getDeliveries',
    ready: until('getDeliveries', () => true),
    updates: [],
    signals: [{ name: 'changeEvent', valid: { type: 'waiting', at, data: { gate: 'prod:before' } } }],
    accepts: [],
    runs: 12,
  },
  {
    label: 'placedBundle between rounds: reevaluate, updateBundle, deletePlacement',
    type: 'placedBundle',
    id: 'placement/shop',
    input: { name: 'shop', placement: { selector: {}, numberOfClusters: 1 }, bundle },
    query: 'getPlacementStatus',
    ready: until('getPlacementStatus', (s) => typeof s.lastEvaluatedAt === 'string'),
    updates: [
      { name: 'reevaluate', valid: by, stages: [{ schema: ReevaluatePlacementSchema, what: 'reevaluate request', root: 'request' }] },
      { name: 'updateBundle', valid: { bundle: { ...bundle, revision: 'v3' }, ...by }, stages: [{ schema: UpdatePlacementSchema, what: 'update request', root: 'request' }] },
      { name: 'deletePlacement', valid: by, stages: [{ schema: DeletePlacementSchema, what: 'delete request', root: 'request' }] },
    ],
    signals: [],
    accepts: [['reevaluate', { by: 'alice' }], ['deletePlacement', by]],
    runs: 24,
  },
  {
    label: 'fleetPolicy: applyFleetPolicy, evaluateFleetPolicy, deleteFleetPolicy',
    type: 'fleetPolicy',
    id: 'policy/guardrails',
    input: { policy },
    query: 'getPolicyStatus',
    ready: until('getPolicyStatus', () => true),
    updates: [
      { name: 'applyFleetPolicy', valid: policy, stages: [{ schema: FleetPolicySchema, what: 'fleet policy', root: 'policy' }] },
      { name: 'evaluateFleetPolicy', valid: undefined, stages: [] },
      { name: 'deleteFleetPolicy', valid: by, stages: [{ schema: DeletePolicySchema, what: 'delete request', root: 'request' }] },
    ],
    signals: [],
    accepts: [['applyFleetPolicy', policy], ['evaluateFleetPolicy', undefined], ['deleteFleetPolicy', by]],
    runs: 16,
  },
];
