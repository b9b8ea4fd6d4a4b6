import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { HISTORY_SHARDS, temporalDynamicConfig, temporalServerConfig, type ClusterPorts } from '../../src/temporal/local-cluster/server-config.js';

const ports: ClusterPorts = {
  postgres: 20001, frontend: 20002, frontendHttp: 20003, frontendMembership: 20004, history: 20005, historyMembership: 20006,
  matching: 20007, matchingMembership: 20008, worker: 20009, workerMembership: 20010, metrics: 20011,
};
const base = { ports, user: 'temporal', databases: { persistence: 'temporal', visibility: 'temporal_visibility' }, dynamicConfigFile: '/x/dynamicconfig.yaml' };

describe('the local cluster server config', () => {
  it('keeps persistence and visibility in PostgreSQL with more than one history shard', () => {
    const c = parse(temporalServerConfig(base));
    expect(c.persistence.numHistoryShards).toBe(HISTORY_SHARDS);
    expect(HISTORY_SHARDS).toBeGreaterThan(1);
    const stores = c.persistence.datastores;
    expect(stores[c.persistence.defaultStore].sql).toMatchObject({ pluginName: 'postgres12', databaseName: 'temporal', connectAddr: '127.0.0.1:20001' });
    expect(stores[c.persistence.visibilityStore].sql).toMatchObject({ pluginName: 'postgres12', databaseName: 'temporal_visibility' });
  });

  it('binds every service to loopback on its own port', () => {
    const c = parse(temporalServerConfig(base));
    const rpcs = Object.values(c.services).map((s) => (s as { rpc: { bindOnIP: string; grpcPort: number } }).rpc);
    expect(rpcs.every((r) => r.bindOnIP === '127.0.0.1')).toBe(true);
    expect(new Set(rpcs.map((r) => r.grpcPort)).size).toBe(4);
    expect(c.services.frontend.rpc.grpcPort).toBe(20002);
  });

  it('with TLS requires client certificates on the frontend and gives the system worker of the server a certificate to call it with', () => {
    const tls = { certFile: '/c/fe.pem', keyFile: '/c/fe-key.pem', clientCaFile: '/c/ca.pem', serverCaFile: '/c/ca.pem', serverName: 'localhost' };
    const c = parse(temporalServerConfig({ ...base, tls }));
    expect(c.global.tls.frontend.server).toEqual({ certFile: '/c/fe.pem', keyFile: '/c/fe-key.pem', requireClientAuth: true, clientCaFiles: ['/c/ca.pem'] });
    expect(c.global.tls.systemWorker).toEqual({ certFile: '/c/fe.pem', keyFile: '/c/fe-key.pem', client: { serverName: 'localhost', rootCaFiles: ['/c/ca.pem'] } });
    expect(parse(temporalServerConfig(base)).global.tls).toBeUndefined();
  });

  it('makes search attributes usable as soon as setup adds them', () => {
    expect(parse(temporalDynamicConfig())['system.forceSearchAttributesCacheRefreshOnRead']).toEqual([{ value: true }]);
  });
});
