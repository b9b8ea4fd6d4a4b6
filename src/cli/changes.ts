import { apiTarget, callApi, type ApiTarget } from './api-client.js';
import { outputFormat, printData } from './args.js';
import { OUTPUT_FLAG, type Args, type CommandSpec, type FlagSpec } from './command-table.js';
import type { CliContext } from './context.js';
import { UsageError } from './errors.js';
import { readDataFile } from './input-file.js';
import { table } from './table.js';

/**
 * `fleetflow change ...`: changes through the HTTP API, as a change-management system opens
 * them, so the access policy guards the CLI too and the audit trail names the token's
 * principal. (The staged commands `upgrade`, `rollout`, `decommission` talk to Temporal
 * directly, under Temporal's own access control.)
 */

/** What the API answers for one change (the fields the CLI prints). */
interface ChangeBody {
  id: string;
  type: string;
  state: string;
  requestedBy: string;
  requestedAt: string;
  operationWorkflowId?: string;
  waitingAt?: { gate: string; since: string; reason?: string };
  delegated: boolean;
  audit: { at: string; action: string; by: string; reason?: string; detail?: string }[];
  outcome?: { state: string; message: string; at: string; type?: string };
  progress?: { summary?: string };
  deliveries?: { event?: string; type?: string; target?: string; url?: string; state: string }[];
  links: { self: string; temporalUi?: string };
}

interface ChangeList {
  changes: { id: string; type: string; state: string; requestedBy: string; requestedAt: string }[];
  nextPageToken?: string;
}

const REASON: FlagSpec = { name: 'reason', type: 'string', value: 'TEXT', help: 'why (kept in the audit trail)' };
const ENV_HELP =
  'The API: FLEETFLOW_API_URL (default http://127.0.0.1:8080); the token: FLEETFLOW_API_TOKEN, else the file FLEETFLOW_API_TOKEN_FILE, else the local admin token `dev up` made (.fleetflow/api/dev-admin.token).';

const action = (name: string, args: string, summary: string, flags: FlagSpec[] = [REASON]): CommandSpec => ({
  name,
  args,
  summary,
  flags,
  run: (ctx, a) => act(ctx, name, a),
});

export const changesCommand: CommandSpec = {
  name: 'change',
  aliases: ['changes'],
  summary: 'changes through the HTTP API (authenticated, authorized, idempotent on the ticket)',
  details: ENV_HELP,
  subcommands: [
    {
      name: 'open',
      args: '-f FILE',
      summary: 'open a change: {type, ticket: {system, id}, input, callbackUrl?, approval?} from a file',
      flags: [
        { name: 'file', short: 'f', type: 'string', value: 'FILE', help: 'the change, YAML or JSON' },
        { name: 'ticket', type: 'string', value: 'SYSTEM/ID', help: "the ticket (instead of the file's)" },
        { name: 'idempotency-key', type: 'string', value: 'KEY', help: 'for a change without a ticket: the same key never opens a second one' },
        OUTPUT_FLAG,
      ],
      run: open,
    },
    { name: 'get', aliases: ['status'], args: 'SYSTEM/ID', summary: 'one change: state, gate, audit, progress, callback deliveries', flags: [OUTPUT_FLAG], run: get },
    {
      name: 'list',
      aliases: ['ls'],
      summary: 'changes the token may view, newest first',
      flags: [
        { name: 'state', type: 'string', value: 'STATE', help: 'Accepted, WaitingForApproval, Running, Succeeded, Failed, Aborted or RolledBack' },
        { name: 'type', type: 'string', value: 'TYPE', help: 'provision, decommission, upgradeCluster, upgradeWave, rollout or fleetDecommission' },
        { name: 'ticket', type: 'string', value: 'SYSTEM/ID', help: 'the changes of one ticket' },
        OUTPUT_FLAG,
      ],
      run: list,
    },
    action('approve', 'SYSTEM/ID', 'approve the gate the change waits at (four eyes on production)', [REASON, { name: 'gate', type: 'string', value: 'GATE', help: 'the gate, e.g. prod:before (default: the one it waits at)' }]),
    action('pause', 'SYSTEM/ID', 'stop starting clusters of a staged change'),
    action('resume', 'SYSTEM/ID', 'start clusters again'),
    action('abort', 'SYSTEM/ID', 'stop the change for good (--reason required)', [REASON, { name: 'rollback', type: 'boolean', help: 'a rollout: return the clusters it changed to their previous revision' }]),
    action('retry', 'SYSTEM/ID [CLUSTER...]', 'run failed clusters again (all failed ones without names)'),
    action('skip', 'SYSTEM/ID CLUSTER', 'leave out a cluster (--reason required)'),
  ],
};

/** "servicenow/CHG1" as the route's two segments. */
function changePath(args: Args, id: string | undefined): string {
  const m = id ? /^([A-Za-z0-9][A-Za-z0-9._-]*)\/([A-Za-z0-9][A-Za-z0-9._-]*)$/.exec(id.replace(/^change\//, '')) : null;
  if (!m) throw new UsageError(`${args.command}: expected a change id SYSTEM/ID (e.g. servicenow/CHG0031337), not ${id ?? 'nothing'}`);
  return `/v1/changes/${m[1]}/${m[2]}`;
}

const target = (ctx: CliContext): ApiTarget => apiTarget(process.env, ctx.config.dataDir);

async function open(ctx: CliContext, args: Args) {
  const raw = await readDataFile(args.command, args.string('file'));
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new UsageError(`${args.string('file')}: must be a mapping {type, ticket, input, ...}`);
  const body = { ...(raw as Record<string, unknown>) };
  const ticket = args.string('ticket');
  if (ticket) {
    const [system, id, ...more] = ticket.split('/');
    if (!system || !id || more.length) throw new UsageError(`${args.command}: --ticket must be SYSTEM/ID, not ${ticket}`);
    body.ticket = { system, id };
  }
  const key = args.string('idempotency-key');
  const res = await callApi<ChangeBody>(target(ctx), 'POST', '/v1/changes', body, key ? { 'idempotency-key': key } : {});
  if (printData(ctx, outputFormat(args), res.body)) return;
  ctx.out(`${res.status === 201 ? 'opened' : 'already open (same ticket, same input)'}: change ${res.body.id} (${res.body.type}), ${res.body.state}`);
  ctx.out(`  watch it: npx fleetflow change get ${res.body.id}`);
  if (res.body.links?.temporalUi) ctx.out(`  Temporal UI: ${res.body.links.temporalUi}`);
}

async function get(ctx: CliContext, args: Args) {
  const res = await callApi<ChangeBody>(target(ctx), 'GET', changePath(args, args.positionals[0]));
  if (printData(ctx, outputFormat(args), res.body)) return;
  const c = res.body;
  ctx.out(`change ${c.id}: ${c.type}, ${c.state}`);
  ctx.out(`  requested by ${c.requestedBy} at ${c.requestedAt}${c.delegated ? ' (gates delegated to it)' : ''}`);
  if (c.operationWorkflowId) ctx.out(`  operation: ${c.operationWorkflowId}`);
  if (c.waitingAt) ctx.out(`  waiting at gate ${c.waitingAt.gate} since ${c.waitingAt.since}${c.waitingAt.reason ? `: ${c.waitingAt.reason}` : ''}`);
  if (c.progress?.summary) ctx.out(`  progress: ${c.progress.summary}`);
  for (const a of c.audit) ctx.out(`  ${a.at} ${a.action}${a.detail ? ` ${a.detail}` : ''} by ${a.by}${a.reason ? `: ${a.reason}` : ''}`);
  if (c.outcome) ctx.out(`  ${c.outcome.state}: ${c.outcome.message}`);
  if (c.deliveries?.length) {
    const n = (s: string) => c.deliveries!.filter((d) => d.state === s).length;
    ctx.out(`  callbacks: ${n('delivered')} delivered, ${n('pending')} pending, ${n('failed')} failed`);
  }
  if (c.links.temporalUi) ctx.out(`  Temporal UI: ${c.links.temporalUi}`);
}

async function list(ctx: CliContext, args: Args) {
  const q = new URLSearchParams();
  for (const f of ['state', 'type', 'ticket']) {
    const v = args.string(f);
    if (v) q.set(f, v);
  }
  const res = await callApi<ChangeList>(target(ctx), 'GET', `/v1/changes${q.size ? `?${q}` : ''}`);
  if (printData(ctx, outputFormat(args), res.body)) return;
  ctx.out(table(['CHANGE', 'TYPE', 'STATE', 'REQUESTED BY', 'AT'], res.body.changes.map((c) => [c.id, c.type, c.state, c.requestedBy, c.requestedAt])));
  if (res.body.nextPageToken) ctx.out('(more: use -o json and the API\'s pageToken)');
}

/** approve, pause, resume, abort, retry or skip: `by` is the token's principal, said by the API. */
async function act(ctx: CliContext, name: string, args: Args) {
  const [id, ...rest] = args.positionals;
  const path = `${changePath(args, id)}/${name}`;
  const body: Record<string, unknown> = {};
  const reason = args.string('reason');
  if (reason) body.reason = reason;
  if (name === 'approve' && args.string('gate')) body.gate = args.string('gate');
  if (name === 'abort' && args.flag('rollback')) body.rollback = true;
  if (name === 'retry' && rest.length) body.clusters = rest;
  if (name === 'skip') {
    if (rest.length !== 1) throw new UsageError(`${args.command}: expected the change id and one CLUSTER`);
    body.cluster = rest[0];
  } else if (name !== 'retry' && rest.length) throw new UsageError(`${args.command}: expected only the change id`);
  const res = await callApi<ChangeBody>(target(ctx), 'POST', path, body);
  ctx.out(`${name}: accepted; change ${res.body.id} is ${res.body.state}${res.body.waitingAt ? `, waiting at gate ${res.body.waitingAt.gate}` : ''}`);
}
