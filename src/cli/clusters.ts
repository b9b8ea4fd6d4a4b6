import { readFile } from 'node:fs/promises';
import { WithStartWorkflowOperation, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { ClusterSpec } from '../domain/cluster/spec.js';
import type { ClusterState } from '../domain/cluster/state.js';
import { CLUSTER_ENTITY_TYPE, clusterEntityId, entitySummary, INVENTORY_ATTRIBUTES } from '../domain/cluster/inventory.js';
import { inventoryQuery, parseSelector } from '../domain/selection/selector-syntax.js';
import { clusterPaths } from '../providers/local/paths.js';
import { getClusterState, registerCluster } from '../temporal/messages/cluster.js';
import { onePositional, outputFormat, parse } from './args.js';
import type { CliContext } from './context.js';
import { CommandError, UsageError } from './errors.js';
import { fleetDecommissionCommand, isFleetDecommission } from './fleet-decommission.js';
import { readSpecFile } from './spec-file.js';
import { table } from './table.js';
import { runOperation } from './operation.js';

/** One row of `clusters list`: what the inventory's search attributes say. */
export interface ClusterRow {
  name: string;
  phase: string;
  provider: string;
  region: string;
  environment: string;
  version: string;
  health: string;
  labels: Record<string, string>;
}

export async function clustersCommand(ctx: CliContext, argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'register':
      return register(ctx, rest);
    case 'provision':
      return provision(ctx, rest);
    case 'list':
    case 'ls':
      return list(ctx, rest);
    case 'get':
      return get(ctx, rest);
    case 'kubeconfig':
      return kubeconfig(ctx, rest);
    case 'decommission':
      return decommission(ctx, rest);
    default:
      throw new UsageError(`clusters: unknown command "${sub ?? ''}" (register, provision, list, get, kubeconfig, decommission)`);
  }
}

async function register(ctx: CliContext, argv: string[]) {
  const { values } = parse('clusters register', argv, { file: { type: 'string', short: 'f' } });
  const spec = await readSpecFile('clusters register', values.file);
  const client = await ctx.temporal();
  const start = new WithStartWorkflowOperation(CLUSTER_ENTITY_TYPE, {
    workflowId: clusterEntityId(spec.name),
    taskQueue: ctx.config.taskQueue,
    args: [{ spec }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    staticSummary: entitySummary(spec),
  });
  const state = await refusalsAsErrors(() =>
    client.workflow.executeUpdateWithStart(registerCluster, { args: [spec], startWorkflowOperation: start }),
  );
  ctx.out(`cluster ${spec.name} registered (phase ${state.phase})`);
}

async function provision(ctx: CliContext, argv: string[]) {
  const { values } = parse('clusters provision', argv, {
    file: { type: 'string', short: 'f' },
    'no-wait': { type: 'boolean' },
  });
  const spec: ClusterSpec = await readSpecFile('clusters provision', values.file);
  await runOperation(ctx, {
    workflowType: 'provisionCluster',
    workflowId: `provision/${spec.name}`,
    cluster: spec.name,
    args: [{ spec, requestedBy: requester() }],
    wait: !values['no-wait'],
  });
}

async function decommission(ctx: CliContext, argv: string[]) {
  if (isFleetDecommission(argv)) return fleetDecommissionCommand(ctx, argv);
  const { values, positionals } = parse('clusters decommission', argv, {
    force: { type: 'boolean' },
    reason: { type: 'string' },
    'no-wait': { type: 'boolean' },
  });
  const name = onePositional('clusters decommission', positionals, 'cluster NAME');
  if (values.force && !values.reason?.trim()) throw new UsageError('clusters decommission: --force needs --reason TEXT');
  await runOperation(ctx, {
    workflowType: 'decommissionCluster',
    workflowId: `decommission/${name}`,
    cluster: name,
    args: [{ name, force: !!values.force, ...(values.reason ? { reason: values.reason } : {}), requestedBy: requester() }],
    wait: !values['no-wait'],
  });
}

async function list(ctx: CliContext, argv: string[]) {
  const { values } = parse('clusters list', argv, {
    selector: { type: 'string', short: 'l' },
    output: { type: 'string', short: 'o' },
    all: { type: 'boolean' },
  });
  const format = outputFormat('clusters list', values.output);
  const selector = parseSelector(values.selector ?? '');
  if (!selector.ok) throw new UsageError(`clusters list: --selector: ${selector.error}`);
  const rows = await listClusters(await ctx.temporal(), inventoryQuery(selector.terms, !!values.all));
  if (format === 'json') return ctx.out(JSON.stringify(rows, null, 2));
  if (rows.length === 0) return ctx.out('no clusters found');
  ctx.out(
    table(
      ['name', 'phase', 'provider', 'region', 'env', 'version', 'health', 'labels'],
      rows.map((r) => [r.name, r.phase, r.provider, r.region, r.environment, r.version, r.health,
        Object.entries(r.labels).map(([k, v]) => `${k}=${v}`).join(',')]),
    ),
  );
}

/** Reads the inventory from visibility alone: one list call, however many clusters. */
export async function listClusters(client: Client, query: string): Promise<ClusterRow[]> {
  const rows: ClusterRow[] = [];
  for await (const wf of client.workflow.list({ query })) {
    const sa = wf.searchAttributes as Record<string, unknown[] | undefined>;
    const one = (key: string) => String(sa[key]?.[0] ?? '');
    rows.push({
      name: wf.workflowId.replace(/^cluster\//, ''),
      phase: one(INVENTORY_ATTRIBUTES.phase) || wf.status.name,
      provider: one(INVENTORY_ATTRIBUTES.provider),
      region: one(INVENTORY_ATTRIBUTES.region),
      environment: one(INVENTORY_ATTRIBUTES.environment),
      version: one(INVENTORY_ATTRIBUTES.version),
      health: one(INVENTORY_ATTRIBUTES.health),
      labels: Object.fromEntries(
        (sa[INVENTORY_ATTRIBUTES.labels] ?? []).map((kv) => {
          const s = String(kv);
          const i = s.indexOf('=');
          return [s.slice(0, i), s.slice(i + 1)];
        }),
      ),
    });
  }
  return rows.sort((a, b) => a.name.localeCompare(b.name));
}

async function get(ctx: CliContext, argv: string[]) {
  const { values, positionals } = parse('clusters get', argv, { output: { type: 'string', short: 'o' } });
  const format = outputFormat('clusters get', values.output);
  const name = onePositional('clusters get', positionals, 'cluster NAME');
  const state = await clusterState(await ctx.temporal(), name);
  if (format === 'json') return ctx.out(JSON.stringify({ name, ...state }, null, 2));
  const s = state.spec;
  const lines = [
    `name:        ${name}`,
    `phase:       ${state.phase}${state.lastError ? ` (last error: ${state.lastError})` : ''}`,
    `provider:    ${s.provider} / ${s.region}${state.providerId ? ` (${state.providerId})` : ''}`,
    `environment: ${s.environment}${s.protected ? ', protected' : ''}`,
    `version:     ${state.version ?? s.kubernetesVersion ?? '(not provisioned)'}`,
    `endpoint:    ${state.endpoint ?? '-'}`,
    `health:      ${state.health.status}${state.health.reasons.length ? `: ${state.health.reasons.join('; ')}` : ''}`,
    `labels:      ${Object.entries(s.labels).map(([k, v]) => `${k}=${v}`).join(', ') || '-'}`,
    `operation:   ${state.current ? `${state.current.type} ${state.current.id}: ${state.current.message ?? ''}` : '-'}`,
    ...(state.checkProblem ? [`check:       ${state.checkProblem.check} failing since ${state.checkProblem.since} (${state.checkProblem.failures}x): ${state.checkProblem.message}`] : []),
    'history:',
    ...state.history.map((h) => `  ${h.endedAt ?? h.startedAt}  ${h.type.padEnd(12)} ${h.status.padEnd(9)} ${h.message ?? ''}`),
  ];
  ctx.out(lines.join('\n'));
}

async function kubeconfig(ctx: CliContext, argv: string[]) {
  const { positionals } = parse('clusters kubeconfig', argv, {});
  const name = onePositional('clusters kubeconfig', positionals, 'cluster NAME');
  const state = await clusterState(await ctx.temporal(), name);
  if (state.spec.provider !== 'local') {
    throw new CommandError(`cluster ${name} runs on ${state.spec.provider}: use that provider's tooling for a kubeconfig`);
  }
  try {
    ctx.out((await readFile(clusterPaths(ctx.config.dataDir, name).kubeconfig, 'utf8')).trimEnd());
  } catch {
    throw new CommandError(`cluster ${name} has no kubeconfig on this machine (phase ${state.phase})`);
  }
}

export async function clusterState(client: Client, name: string): Promise<ClusterState> {
  try {
    return await client.workflow.getHandle(clusterEntityId(name)).query(getClusterState);
  } catch (e) {
    if (e instanceof WorkflowNotFoundError) throw new CommandError(`cluster ${name} is not registered`);
    throw e;
  }
}

/** An entity's refusal (validator failure) is the user's answer, not a crash. */
async function refusalsAsErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof WorkflowUpdateFailedError) throw new CommandError(e.cause?.message ?? e.message);
    throw e;
  }
}

function requester(): string {
  return `cli:${process.env.USER ?? process.env.LOGNAME ?? 'unknown'}`;
}
