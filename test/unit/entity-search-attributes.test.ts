import { describe, expect, it } from 'vitest';
import { ClusterSpecSchema } from '../../src/domain/cluster/spec.js';
import { INVENTORY_ATTRIBUTES } from '../../src/domain/cluster/inventory.js';
import { inventoryAttributes, startingAttributes } from '../../src/temporal/search-attributes.js';

const pairs = (list: ReturnType<typeof inventoryAttributes>) => Object.fromEntries(list.map((p) => [p.key.name, p.value]));

// An entity is started with these, so `clusters list` finds a cluster before its entity's first
// workflow task has run (a worker behind on its queue lists nothing otherwise).
describe('the search attributes an entity is started with', () => {
  it.each([
    ['a local cluster', { name: 'a', provider: 'local', environment: 'prod', labels: { team: 'x', app: 'shop' } }, 'Registered', ['app=shop', 'team=x']],
    ['an agent cluster', { name: 'b', provider: 'external', environment: 'dev', connection: { mode: 'agent' } }, 'AgentPending', []],
  ])('%s: every inventory attribute, in its first phase, labels sorted', (_, raw, phase, labels) => {
    const spec = ClusterSpecSchema.parse(raw);
    const got = pairs(startingAttributes(spec));
    expect(Object.keys(got).sort()).toEqual(Object.values(INVENTORY_ATTRIBUTES).sort());
    expect(got).toMatchObject({ [INVENTORY_ATTRIBUTES.phase]: phase, [INVENTORY_ATTRIBUTES.environment]: spec.environment, [INVENTORY_ATTRIBUTES.health]: 'Unknown', [INVENTORY_ATTRIBUTES.labels]: labels });
  });
});
