import { WithStartWorkflowOperation, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { refuseOperation } from '../domain/cluster/lifecycle.js';
import type { ClusterSpec } from '../domain/cluster/spec.js';
import type { ClusterState } from '../domain/cluster/state.js';
import { refOf, targetOf } from '../domain/cluster/target.js';
import { CLUSTER_ENTITY_TYPE, clusterEntityId } from '../domain/cluster/inventory.js';
import { inventoryQuery, parseSelector } from '../domain/selection/selector-syntax.js';
import { FleetflowError } from '../errors.js';
import { listClusters } from '../temporal/fleet-inventory.js';
import { startingAttributes } from '../temporal/search-attributes.js';
import { getClusterState, registerCluster } from '../temporal/messages/cluster.js';
import { onePositional, outputFormat, printData, requester } from './args.js';
import { OUTPUT_FLAG, type Args, type CommandSpec, type FlagSpec } from './command-table.js';
import type { CliContext } from './context.js';
import { execute } from './dispatch.js';
import { CommandError, UsageError } from './errors.js';
import { decommissionCommand, FLEET_ALIAS_FLAGS, fleetAliasOf } from './fleet-decommission.js';
import { readSpecFile } from './spec-file.js';
import { table } from './table.js';
import { runOperation } from './operation.js';
import { uiLinkLine } from './ui-link.js';
import { entityMetadata } from '../domain/operation-metadata.js';
import { acceptCommand, joinTokenCommand } from './cluster-agent.js';

/** The inventory readers moved to src/temporal (the API reads them too); tests import them from here. */
export { listClusters, type ClusterRow } from '../temporal/fleet-inventory.js';

const FILE_FLAG: FlagSpec = { name: 'file', short: 'f', type: 'string', value: 'FILE', help: 'the cluster spec, YAML or JSON' };
const NO_WAIT: FlagSpec = { name: 'no-wait', type: 'boolean', help: 'return once started instead of following each step' };

const decommissionFlags: FlagSpec[] = [
  { name: 'force', type: 'boolean', help: 'decommission a protected cluster (needs --reason)' },
  { name: 'reason', type: 'string', value: 'TEXT', help: 'why (required with --force, --selector and --abort)' },
  { name: 'no-wait', type: 'boolean', help: 'return once started instead of following it' },
  ...FLEET_ALIAS_FLAGS,
];

/** `fleetflow clusters ...`: the inventory and one cluster's lifecycle. */
export const clustersCommand: CommandSpec = {
  name: 'clusters',
  aliases: ['cluster'],
  summary: 'the inventory, and one cluster at a time: register, provision, kubeconfig, decommission',
  subcommands: [
    { name: 'register', args: '-f FILE', summary: 'add (or update the labels of) a cluster in the inventory', flags: [FILE_FLAG], run: register },
    { name: 'provision', args: '-f FILE', summary: 'create, bootstrap and verify a cluster, following each step', flags: [FILE_FLAG, NO_WAIT], run: provision },
    {
      name: 'list',
      aliases: ['ls'],
      summary: 'the inventory, from visibility (one call however many clusters)',
      flags: [
        { name: 'selector', short: 'l', type: 'string', value: 'k=v,...', help: 'provider, region, env, version, phase, health or a label; = and !=' },
        OUTPUT_FLAG,
        { name: 'all', type: 'boolean', help: 'include Deleted clusters' },
      ],
      run: list,
    },
    { name: 'get', args: 'NAME', summary: "one cluster's state: phase, version, health, running operation, history", flags: [OUTPUT_FLAG], run: get },
    { name: 'kubeconfig', args: 'NAME', summary: "a kubeconfig for the cluster from its provider, to stdout (local: admin certificates; EKS, GKE: your cloud identity)", run: kubeconfig },
    {
      name: 'decommission',
      args: '[NAME]',
      summary: 'delete one cluster (a protected one needs --force --reason); the fleet flags are aliases of `fleetflow decommission`',
      flags: decommissionFlags,
      run: decommission,
    },
    joinTokenCommand,
    acceptCommand,
  ],
};

async function register(ctx: CliContext, args: Args) {
  const spec = await readSpecFile(args.command, args.string('file'));
  const client = await ctx.temporal();
  const start = new WithStartWorkflowOperation(CLUSTER_ENTITY_TYPE, {
    workflowId: clusterEntityId(spec.name),
    taskQueue: ctx.config.taskQueue,
    args: [{ spec }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    ...entityMetadata(spec),
    typedSearchAttributes: startingAttributes(spec),
  });
  const state = await refusalsAsErrors(() =>
    client.workflow.executeUpdateWithStart(registerCluster, { args: [spec], startWorkflowOperation: start }),
  );
  ctx.out(`cluster ${spec.name} registered (phase ${state.phase})`);
  ctx.out(uiLinkLine(ctx, clusterEntityId(spec.name)));
}

async function provision(ctx: CliContext, args: Args) {
  const spec: ClusterSpec = await readSpecFile(args.command, args.string('file'));
  await runOperation(ctx, {
    workflowType: 'provisionCluster',
    workflowId: `provision/${spec.name}`,
    cluster: spec.name,
    args: [{ spec, requestedBy: requester() }],
    wait: !args.flag('no-wait'),
  });
}

async function decommission(ctx: CliContext, args: Args) {
  const alias = fleetAliasOf(args);
  if (alias) {
    for (const argv of alias) await execute({ name: 'fleetflow', summary: '', subcommands: [decommissionCommand] }, ctx, ['decommission', ...argv]);
    return;
  }
  const stray = FLEET_ALIAS_FLAGS.map((f) => f.name).filter((n) => (FLAG_TYPES.get(n) === 'boolean' ? args.flag(n) : args.string(n) !== undefined));
  if (stray.length) throw new UsageError(`${args.command}: --${stray[0]} goes with --selector, --approve, --abort or --status, not a cluster NAME`);
  const name = onePositional(args, 'cluster NAME (or --selector)');
  const force = args.flag('force');
  const reason = args.string('reason');
  if (force && !reason?.trim()) throw new UsageError(`${args.command}: --force needs --reason TEXT`);
  // Refused here with the workflow's own rule and words, so --no-wait never reports a start the claim would refuse.
  const workflowId = `decommission/${name}`;
  const refusal = refuseOperation(await clusterState(await ctx.temporal(), name), { id: workflowId, type: 'decommission', force, ...(reason ? { reason } : {}) });
  if (refusal) throw new CommandError(refusal.message);
  await runOperation(ctx, {
    workflowType: 'decommissionCluster',
    workflowId,
    cluster: name,
    args: [{ name, force, ...(reason ? { reason } : {}), requestedBy: requester() }],
    wait: !args.flag('no-wait'),
  });
}

const FLAG_TYPES = new Map(FLEET_ALIAS_FLAGS.map((f) => [f.name, f.type]));

async function list(ctx: CliContext, args: Args) {
  const format = outputFormat(args);
  const selector = parseSelector(args.string('selector') ?? '');
  if (!selector.ok) throw new UsageError(`${args.command}: --selector: ${selector.error}`);
  const rows = await listClusters(await ctx.temporal(), inventoryQuery(selector.terms, args.flag('all')));
  if (printData(ctx, format, rows)) return;
  if (rows.length === 0) return ctx.out('no clusters found');
  ctx.out(
    table(
      ['name', 'phase', 'provider', 'region', 'env', 'version', 'health', 'labels'],
      rows.map((r) => [r.name, r.phase, r.provider, r.region, r.environment, r.version, r.health,
        Object.entries(r.labels).map(([k, v]) => `${k}=${v}`).join(',')]),
    ),
  );
}

async function get(ctx: CliContext, args: Args) {
  const format = outputFormat(args);
  const name = onePositional(args, 'cluster NAME');
  const state = await clusterState(await ctx.temporal(), name);
  if (printData(ctx, format, { name, ...state })) return;
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
    uiLinkLine(ctx, clusterEntityId(name)),
    ...(state.current ? [`${uiLinkLine(ctx, state.current.id).replace('ui:', 'operation ui:')}`] : []),
  ];
  ctx.out(lines.join('\n'));
}

/**
 * Asks the cluster's provider for a kubeconfig, built here from the CLI's own environment (the
 * same provider accounts as the worker's, FLEETFLOW_CONFIG): it never passes through Temporal.
 */
async function kubeconfig(ctx: CliContext, args: Args) {
  const name = onePositional(args, 'cluster NAME');
  const target = targetOf(await clusterState(await ctx.temporal(), name));
  try {
    // Loaded here: the cloud SDKs take a while to import and no other command needs them.
    const { buildProviders } = await import('../providers/from-config.js');
    const provider = buildProviders(ctx.config).get(target.provider, target.account);
    ctx.out((await provider.kubeconfig(refOf(target))).trimEnd());
  } catch (e) {
    if (e instanceof FleetflowError) throw new CommandError(e.message);
    throw e;
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
