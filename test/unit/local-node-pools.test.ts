import { describe, expect, it } from 'vitest';
import { ordinalOf, planPoolStep, poolNodeName, poolStatus, zoneOf, type LocalPool, type PoolNode } from '../../src/domain/cluster/local-node-pools.js';
import { localMachineType } from '../../src/domain/cluster/machine-types.js';

const pool = (version = '1.36.3', nodeCount = 2): LocalPool => ({ name: 'web', nodeCount, machineType: 'medium', version });
/** A node of pool "web" in cluster "dev": Ready, schedulable and empty unless told otherwise. */
const node = (ordinal: number, version: string, more: Partial<PoolNode> = {}): PoolNode => ({
  name: poolNodeName('dev', 'web', ordinal),
  ordinal,
  version,
  initialized: true,
  ready: true,
  unschedulable: false,
  pods: 0,
  ...more,
});

describe('planPoolStep: registering a pool', () => {
  it.each([
    // a new pool: every node at once, numbered from 0
    [pool('1.35.4'), [], { kind: 'create', nodes: [{ name: 'dev-web-0', ordinal: 0 }, { name: 'dev-web-1', ordinal: 1 }] }],
    // one node was lost: only it is replaced, under the next number (names are never reused while others hold higher ones)
    [pool('1.35.4'), [node(1, '1.35.4')], { kind: 'create', nodes: [{ name: 'dev-web-2', ordinal: 2 }] }],
    // registered but not yet initialised by KWOK: wait, naming it
    [pool('1.35.4'), [node(0, '1.35.4'), node(1, '1.35.4', { initialized: false, ready: false })], { kind: 'wait', reason: 'node dev-web-1 registering' }],
    // a node that went NotReady after it was initialised is health's business, not the pool's
    [pool('1.35.4'), [node(0, '1.35.4'), node(1, '1.35.4', { ready: false })], { kind: 'done' }],
    // a pool of zero nodes has nothing to do
    [pool('1.35.4', 0), [], { kind: 'done' }],
  ])('%j with %j -> %j', (p, nodes, step) => {
    expect(planPoolStep('dev', p, nodes)).toEqual(step);
  });

  it('scales down by draining, then deleting, the oldest node', () => {
    expect(planPoolStep('dev', pool('1.35.4', 1), [node(0, '1.35.4', { pods: 2 }), node(1, '1.35.4')])).toEqual({ kind: 'drain', node: 'dev-web-0' });
    expect(planPoolStep('dev', pool('1.35.4', 1), [node(0, '1.35.4', { unschedulable: true }), node(1, '1.35.4')])).toEqual({ kind: 'delete', node: 'dev-web-0' });
  });
});

describe('planPoolStep: a surge upgrade (one extra node, none unavailable)', () => {
  // Walks a two-node pool from 1.35.4 to 1.36.3, one observation at a time.
  it.each([
    ['starts with one new node at the new version', [node(0, '1.35.4', { pods: 1 }), node(1, '1.35.4', { pods: 1 })], { kind: 'create', nodes: [{ name: 'dev-web-2', ordinal: 2 }] }],
    ['waits until the new node is Ready before touching an old one', [node(0, '1.35.4', { pods: 1 }), node(1, '1.35.4', { pods: 1 }), node(2, '1.36.3', { ready: false, initialized: false })], { kind: 'wait', reason: 'new node dev-web-2 not Ready yet' }],
    ['then drains the oldest node', [node(0, '1.35.4', { pods: 1 }), node(1, '1.35.4', { pods: 1 }), node(2, '1.36.3')], { kind: 'drain', node: 'dev-web-0' }],
    ['keeps draining the node it started on, even when another is older', [node(0, '1.35.4', { pods: 1 }), node(1, '1.35.4', { pods: 1, unschedulable: true }), node(2, '1.36.3')], { kind: 'drain', node: 'dev-web-1' }],
    ['deletes it once it is empty (DaemonSet pods do not count)', [node(0, '1.35.4', { unschedulable: true }), node(1, '1.35.4', { pods: 1 }), node(2, '1.36.3', { pods: 1 })], { kind: 'delete', node: 'dev-web-0' }],
    ['adds the next new node once the old one is gone', [node(1, '1.35.4', { pods: 1 }), node(2, '1.36.3', { pods: 2 })], { kind: 'create', nodes: [{ name: 'dev-web-3', ordinal: 3 }] }],
    ['drains the last old node once both new nodes are Ready', [node(1, '1.35.4', { pods: 1 }), node(2, '1.36.3'), node(3, '1.36.3')], { kind: 'drain', node: 'dev-web-1' }],
    ['deletes it', [node(1, '1.35.4', { unschedulable: true }), node(2, '1.36.3'), node(3, '1.36.3')], { kind: 'delete', node: 'dev-web-1' }],
    ['and is done', [node(2, '1.36.3'), node(3, '1.36.3')], { kind: 'done' }],
  ])('%s', (_, nodes, step) => {
    expect(planPoolStep('dev', pool('1.36.3'), nodes)).toEqual(step);
  });

  it('never adds a second surge node while the first is still counted', () => {
    // Three nodes for a pool of two: the surge is spent until an old node is deleted.
    const step = planPoolStep('dev', pool('1.36.3'), [node(0, '1.35.4', { pods: 1 }), node(1, '1.35.4'), node(2, '1.36.3')]);
    expect(step).toEqual({ kind: 'drain', node: 'dev-web-0' });
  });

  it('removes the old nodes of a pool scaled to zero without adding any', () => {
    expect(planPoolStep('dev', pool('1.36.3', 0), [node(0, '1.35.4')])).toEqual({ kind: 'delete', node: 'dev-web-0' });
  });
});

describe('poolStatus', () => {
  it.each([
    [[], { status: 'Creating', version: '1.35.4', message: '0/2 nodes registered' }],
    [[node(0, '1.35.4'), node(1, '1.35.4', { initialized: false })], { status: 'Creating', version: '1.35.4', message: '1/2 nodes registered' }],
    [[node(0, '1.35.4'), node(1, '1.35.4', { ready: false })], { status: 'Running', version: '1.35.4' }],
    [[node(0, '1.35.4'), node(1, '1.35.4'), node(2, '1.35.4')], { status: 'Updating', version: '1.35.4', message: 'scaling down to 2 nodes' }],
  ])('of %j is %j', (nodes, status) => {
    expect(poolStatus(pool('1.35.4'), nodes)).toEqual(status);
  });

  it('reports the oldest kubelet while a surge upgrade runs, so a skew check sees it', () => {
    expect(poolStatus(pool('1.36.3'), [node(0, '1.35.4'), node(1, '1.34.9'), node(2, '1.36.3')])).toEqual({
      status: 'Updating',
      version: '1.34.9',
      message: 'surge upgrade to 1.36.3: 1/2 nodes at 1.36.3',
    });
  });
});

describe('names, zones and machine types', () => {
  it('names nodes after cluster, pool and ordinal, and reads the ordinal back', () => {
    expect(poolNodeName('demo-prod', 'batch', 12)).toBe('demo-prod-batch-12');
    expect(ordinalOf('demo-prod-batch-12')).toBe(12);
    expect(ordinalOf('node-a')).toBe(-1);
  });

  it('spreads nodes over three zones of the region', () => {
    expect([0, 1, 2, 3].map((i) => zoneOf('local', i))).toEqual(['local-a', 'local-b', 'local-c', 'local-a']);
  });

  it('knows the default machine type, cloud names, and refuses others', () => {
    expect(localMachineType(undefined)).toEqual({ cpu: '4', memory: '16Gi', pods: 110 });
    expect(localMachineType('e2-standard-2')).toEqual({ cpu: '2', memory: '8Gi', pods: 110 });
    expect(localMachineType('n2-highmem-96')).toBeUndefined();
  });
});
