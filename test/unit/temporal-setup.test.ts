import type { ConnectionLike } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes.js';
import { describeSetup, isTemporalCloud, setupTemporal } from '../../src/temporal/setup.js';

const DAY_S = 86_400;
const notFound = () => Object.assign(new Error('Namespace fleetflow is not found.'), { code: 5 });
const denied = () => Object.assign(new Error('Request unauthorized.'), { code: 7 });

/**
 * A hand-written Temporal server with one namespace registry and one search attribute table,
 * recording every write. `cloud` refuses the operator service as Temporal Cloud does.
 */
function fakeServer(state: { namespaces: Map<string, number>; attributes: Record<string, number>; cloud?: boolean }) {
  const writes: string[] = [];
  const connection = {
    workflowService: {
      async describeNamespace({ namespace }: { namespace: string }) {
        const ttl = state.namespaces.get(namespace);
        if (ttl === undefined) throw notFound();
        return { config: { workflowExecutionRetentionTtl: { seconds: ttl } } };
      },
      async registerNamespace({ namespace, workflowExecutionRetentionPeriod }: { namespace: string; workflowExecutionRetentionPeriod: { seconds: unknown } }) {
        writes.push(`register ${namespace}`);
        state.namespaces.set(namespace, Number(workflowExecutionRetentionPeriod.seconds));
      },
      async updateNamespace({ namespace, config }: { namespace: string; config: { workflowExecutionRetentionTtl: { seconds: unknown } } }) {
        writes.push(`retention ${namespace}`);
        state.namespaces.set(namespace, Number(config.workflowExecutionRetentionTtl.seconds));
      },
      async countWorkflowExecutions() {
        return { count: 0 };
      },
    },
    operatorService: {
      async listSearchAttributes() {
        if (state.cloud) throw denied();
        return { customAttributes: { ...state.attributes } };
      },
      async addSearchAttributes({ searchAttributes }: { searchAttributes: Record<string, number> }) {
        if (state.cloud) throw denied();
        writes.push(`add ${Object.keys(searchAttributes).length}`);
        Object.assign(state.attributes, searchAttributes);
      },
    },
  } as unknown as ConnectionLike;
  return { connection, writes };
}

describe('fleetflow setup', () => {
  it('creates a missing namespace with 30 days of retention and registers every search attribute, then changes nothing on a second run', async () => {
    const state = { namespaces: new Map<string, number>(), attributes: {} };
    const { connection, writes } = fakeServer(state);
    const first = await setupTemporal(connection, { namespace: 'fleetflow', address: '127.0.0.1:7233' });
    expect(first).toMatchObject({ namespaceState: 'created', retentionDays: 30, present: [], manual: [] });
    expect(first.added).toEqual(ALL_SEARCH_ATTRIBUTES.map((k) => k.name));
    const second = await setupTemporal(connection, { namespace: 'fleetflow', address: '127.0.0.1:7233' });
    expect(second).toMatchObject({ namespaceState: 'exists', retentionDays: 30, added: [] });
    expect(second.present).toHaveLength(ALL_SEARCH_ATTRIBUTES.length);
    expect(writes).toEqual(['register fleetflow', `add ${ALL_SEARCH_ATTRIBUTES.length}`]);
    expect(describeSetup(second)).toContain('nothing changed');
  });

  it('changes the retention of an existing namespace only when asked, and says from what to what', async () => {
    const { connection, writes } = fakeServer({ namespaces: new Map([['fleetflow', DAY_S]]), attributes: {} });
    const r = await setupTemporal(connection, { namespace: 'fleetflow', address: '127.0.0.1:7233', retentionDays: 7 });
    expect(r).toMatchObject({ retentionWasDays: 1, retentionDays: 7 });
    expect(describeSetup(r)[0]).toBe('namespace          fleetflow: exists, retention 1 -> 7 days');
    expect(writes[0]).toBe('retention fleetflow');
  });

  it('refuses an attribute registered with another type, naming both types, and adds nothing', async () => {
    const { connection, writes } = fakeServer({ namespaces: new Map([['fleetflow', DAY_S]]), attributes: { [ALL_SEARCH_ATTRIBUTES[0]!.name]: 1 } });
    await expect(setupTemporal(connection, { namespace: 'fleetflow', address: '127.0.0.1:7233' })).rejects.toThrow(
      `search attribute ${ALL_SEARCH_ATTRIBUTES[0]!.name} is registered on fleetflow as Text, Fleetflow needs KEYWORD`,
    );
    expect(writes).toEqual([]);
  });

  it('on Temporal Cloud lists the attributes to add with tcld instead of failing on the operator service', async () => {
    const { connection, writes } = fakeServer({ namespaces: new Map([['fleet.acct', 30 * DAY_S]]), attributes: {}, cloud: true });
    const r = await setupTemporal(connection, { namespace: 'fleet.acct', address: 'fleet.acct.tmprl.cloud:7233' });
    expect(r.manual).toHaveLength(ALL_SEARCH_ATTRIBUTES.length);
    expect(writes).toEqual([]);
    expect(describeSetup(r).join('\n')).toContain(`tcld namespace search-attributes add --namespace fleet.acct --search-attribute "${ALL_SEARCH_ATTRIBUTES[0]!.name}=Keyword"`);
  });

  it('on Temporal Cloud says a missing namespace is created in Cloud, not here', async () => {
    const { connection } = fakeServer({ namespaces: new Map(), attributes: {}, cloud: true });
    await expect(setupTemporal(connection, { namespace: 'fleet.acct', address: 'us-east-1.aws.api.temporal.io:7233' })).rejects.toThrow(/create it in Cloud's UI or with `tcld namespace create`/);
  });

  it.each([
    ['fleet.acct.tmprl.cloud:7233', true],
    ['us-east-1.aws.api.temporal.io:7233', true],
    ['temporal.internal.example.com:7233', false],
    ['127.0.0.1:7233', false],
  ])('tells Temporal Cloud by its address: %s is Cloud: %s', (address, cloud) => {
    expect(isTemporalCloud(address)).toBe(cloud);
  });
});
