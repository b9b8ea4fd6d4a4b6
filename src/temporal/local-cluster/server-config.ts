import { stringify } from 'yaml';

/** Loopback ports of one local Temporal cluster. */
export interface ClusterPorts {
  postgres: number;
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
  metrics: number;
}

/** TLS of the frontend (files on disk): clients must present a certificate signed by `clientCaFile`. */
export interface FrontendTls {
  certFile: string;
  keyFile: string;
  /** CA that signed clients' certificates. */
  clientCaFile: string;
  /** CA that signed the frontend's certificate, for the server's system worker calling the frontend. */
  serverCaFile: string;
  /** Name in the frontend certificate, checked by the server's system worker. */
  serverName: string;
}

export interface ServerConfigInput {
  ports: ClusterPorts;
  /** PostgreSQL role (trusted on loopback, so no password) and the two databases. */
  user: string;
  databases: { persistence: string; visibility: string };
  /** Absolute path of the dynamic config file. */
  dynamicConfigFile: string;
  tls?: FrontendTls;
}

/** Four shards: more than one, so shard ownership and cross-shard work are exercised, yet quick to start. */
export const HISTORY_SHARDS = 4;

const HOST = '127.0.0.1';

/**
 * The Temporal server's static config for a one-host cluster on PostgreSQL: persistence and SQL
 * advanced visibility (custom search attributes in the visibility database's columns), every
 * service on loopback. Pure: the caller writes it.
 */
export function temporalServerConfig(input: ServerConfigInput): string {
  const { ports, user, databases } = input;
  const sql = (databaseName: string) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${HOST}:${ports.postgres}`,
      connectProtocol: 'tcp',
      user,
      password: '',
      // Four services share each database; PostgreSQL is started with room for all their pools.
      maxConns: 10,
      maxIdleConns: 10,
      maxConnLifetime: '1h',
    },
  });
  const service = (grpcPort: number, membershipPort: number, httpPort?: number) => ({
    rpc: { grpcPort, membershipPort, bindOnIP: HOST, ...(httpPort ? { httpPort } : {}) },
  });
  const tls = input.tls
    ? {
        tls: {
          frontend: {
            server: { certFile: input.tls.certFile, keyFile: input.tls.keyFile, requireClientAuth: true, clientCaFiles: [input.tls.clientCaFile] },
          },
          // The server's system worker (namespace deletion, schedules, deployments) calls the
          // frontend too, so it needs a client certificate: the frontend's own, which is issued for both uses.
          systemWorker: {
            certFile: input.tls.certFile,
            keyFile: input.tls.keyFile,
            client: { serverName: input.tls.serverName, rootCaFiles: [input.tls.serverCaFile] },
          },
        },
      }
    : {};
  const config = {
    log: { stdout: true, level: 'warn' },
    persistence: {
      numHistoryShards: HISTORY_SHARDS,
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      datastores: { 'postgres-default': sql(databases.persistence), 'postgres-visibility': sql(databases.visibility) },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: HOST },
      metrics: { prometheus: { framework: 'tally', timerType: 'histogram', listenAddress: `${HOST}:${ports.metrics}` } },
      ...tls,
    },
    services: {
      frontend: service(ports.frontend, ports.frontendMembership, ports.frontendHttp),
      history: service(ports.history, ports.historyMembership),
      matching: service(ports.matching, ports.matchingMembership),
      worker: service(ports.worker, ports.workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `${HOST}:${ports.frontend}`, httpAddress: `${HOST}:${ports.frontendHttp}` },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: input.dynamicConfigFile, pollInterval: '10s' },
  };
  return stringify(config);
}

/**
 * Dynamic config: what the dev server turns on and Fleetflow relies on (updates, search
 * attributes usable as soon as `setup` adds them, Worker Deployments), and a short namespace
 * cache refresh so a namespace created by `setup` is served within a second.
 */
export function temporalDynamicConfig(extra: Readonly<Record<string, string | number | boolean>> = {}): string {
  const on = [{ value: true }];
  return stringify({
    ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, [{ value: v }]])),
    'system.forceSearchAttributesCacheRefreshOnRead': on,
    'frontend.enableUpdateWorkflowExecution': on,
    'frontend.enableUpdateWorkflowExecutionAsyncAccepted': on,
    'frontend.workerVersioningWorkflowAPIs': on,
    'system.enableDeploymentVersions': on,
    'system.namespaceCacheRefreshInterval': [{ value: '1s' }],
  });
}
