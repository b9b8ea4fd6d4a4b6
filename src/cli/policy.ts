import { WithStartWorkflowOperation, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { COMPLIANCE_STATES } from '../domain/policy/compliance.js';
import { FleetPolicySchema } from '../domain/policy/fleet-policy.js';
import { policyWorkflowId, type PolicyStatusView } from '../domain/policy/policy-state.js';
import { applyFleetPolicy, deleteFleetPolicy, evaluateFleetPolicy, getPolicyStatus } from '../temporal/messages/policy.js';
import { onePositional, outputFormat, printData, requester } from './args.js';
import { OUTPUT_FLAG, type Args, type CommandSpec } from './command-table.js';
import type { CliContext } from './context.js';
import { CommandError, UsageError } from './errors.js';
import { readInputFile } from './input-file.js';
import { table } from './table.js';

/** `fleetflow policy ...`: FleetPolicies (RBAC and guardrails kept across the fleet) and their compliance. */
export const policyCommand: CommandSpec = {
  name: 'policy',
  aliases: ['policies'],
  summary: 'fleet policies: RBAC and guardrails enforced or reported on every selected cluster',
  subcommands: [
    {
      name: 'apply',
      args: '-f FILE',
      summary: 'start a FleetPolicy, or replace it (enforced policies roll out again, canary first)',
      flags: [{ name: 'file', short: 'f', type: 'string', value: 'FILE', help: 'the FleetPolicy, YAML or JSON' }],
      run: apply,
    },
    {
      name: 'status',
      args: '[NAME]',
      summary: 'the fleet x policy compliance matrix (every running FleetPolicy without NAME)',
      flags: [OUTPUT_FLAG, { name: 'refresh', type: 'boolean', help: 'evaluate compliance now and wait for it (NAME only)' }],
      details: 'States: Compliant, NonCompliant (with what differs or is missing), Pending (not applied or evaluated yet), Unknown (cluster unreachable).',
      run: status,
    },
    {
      name: 'delete',
      args: 'NAME',
      summary: 'remove the enforced policies from the clusters and end the FleetPolicy',
      flags: [{ name: 'reason', type: 'string', value: 'TEXT', help: 'why (logged)' }],
      run: remove,
    },
  ],
};

/** Update failures (validator refusals) as one-line command errors. */
async function refusals<T>(fn: () => Promise<T>, name: string): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof WorkflowUpdateFailedError) throw new CommandError(e.cause?.message ?? e.message);
    if (e instanceof WorkflowNotFoundError) throw new CommandError(`fleet policy ${name} is not running`);
    throw e;
  }
}

async function apply(ctx: CliContext, args: Args) {
  const { raw, value } = await readInputFile(args.command, args.string('file'), FleetPolicySchema, 'fleet policy');
  const client = await ctx.temporal();
  const start = new WithStartWorkflowOperation('fleetPolicy', {
    workflowId: policyWorkflowId(value.name),
    taskQueue: ctx.config.taskQueue,
    args: [{ policy: raw }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    staticSummary: `fleet policy ${value.name}`,
  });
  const r = await refusals(() => client.workflow.executeUpdateWithStart(applyFleetPolicy, { args: [raw as never], startWorkflowOperation: start }), value.name);
  const policies = value.policies.map((p) => `${p.name} (${p.mode}, ${r.revisions[p.name]})`).join(', ');
  ctx.out(`fleet policy ${value.name} applied (generation ${r.generation}): ${policies}`);
}

async function status(ctx: CliContext, args: Args) {
  const format = outputFormat(args);
  if (args.positionals.length > 1) throw new UsageError(`${args.command}: expected at most one NAME`);
  const name = args.positionals[0];
  if (!name && args.flag('refresh')) throw new UsageError(`${args.command}: --refresh needs a NAME`);
  const client = await ctx.temporal();
  const views = name ? [await readStatus(client, name, args.flag('refresh'))] : await allStatuses(client);
  if (printData(ctx, format, name ? views[0] : views)) return;
  if (!views.length) return ctx.out('no fleet policies');
  ctx.out(views.map(renderStatus).join('\n\n'));
}

async function readStatus(client: Client, name: string, refresh: boolean): Promise<PolicyStatusView> {
  const h = client.workflow.getHandle(policyWorkflowId(name));
  return refusals(() => (refresh ? h.executeUpdate(evaluateFleetPolicy) : h.query(getPolicyStatus)), name);
}

async function allStatuses(client: Client): Promise<PolicyStatusView[]> {
  const out: PolicyStatusView[] = [];
  for await (const wf of client.workflow.list({ query: `WorkflowType = 'fleetPolicy' AND ExecutionStatus = 'Running'` })) {
    try {
      out.push(await client.workflow.getHandle(wf.workflowId).query(getPolicyStatus));
    } catch (e) {
      if (!(e instanceof WorkflowNotFoundError)) throw e; // ended between list and query
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** The matrix for people: cluster rows, policy columns, then the reasons of every cell not Compliant. */
export function renderStatus(v: PolicyStatusView): string {
  const counts = COMPLIANCE_STATES.map((s) => `${v.counts[s]} ${s}`).join(', ');
  const lines = [`fleet policy ${v.name} (generation ${v.generation}${v.deleting ? `, being deleted by ${v.deleting.by}` : ''}): ${counts}; evaluated ${v.evaluatedAt ?? 'not yet'}`];
  lines.push(
    `policies: ${v.policies.map((p) => `${p.name} ${p.mode} ${p.revision}${p.rollout ? ` (rollout ${p.rollout.status})` : ''}`).join(', ')}`,
  );
  const names = v.policies.map((p) => p.name);
  if (!v.clusters.length) lines.push('no cluster is selected');
  else lines.push('', table(['cluster', ...names], v.clusters.map((c) => [c, ...names.map((p) => v.matrix[c]?.[p]?.state ?? '-')])));
  const reasons = v.clusters.flatMap((c) =>
    names.flatMap((p) => {
      const cell = v.matrix[c]?.[p];
      return cell && cell.state !== 'Compliant' ? cell.reasons.map((r) => `  ${c} ${p}: ${r}`) : [];
    }),
  );
  if (reasons.length) lines.push('', 'reasons:', ...reasons);
  return lines.join('\n');
}

async function remove(ctx: CliContext, args: Args) {
  const name = onePositional(args, 'fleet policy NAME');
  const client = await ctx.temporal();
  const reason = args.string('reason');
  await refusals(() => client.workflow.getHandle(policyWorkflowId(name)).executeUpdate(deleteFleetPolicy, { args: [{ by: requester(), ...(reason ? { reason } : {}) }] }), name);
  ctx.out(`fleet policy ${name}: deleting (enforced policies are removed from their clusters, then the workflow ends)`);
}
