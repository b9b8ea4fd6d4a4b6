/**
 * What the Temporal UI shows for an operation before anyone opens it: a one-line static summary
 * (the workflow list and the parent's tree) and static details in markdown (the "User Metadata"
 * tab), from the operation's input. Pure: the CLI, the API, schedules and workflows (for their
 * children) all build them here, so every way of starting an operation reads the same.
 */
import { entitySummary } from './cluster/inventory.js';
import type { ClusterSpec } from './cluster/spec.js';

/** The start options the Temporal UI reads. */
export interface OperationMetadata {
  staticSummary: string;
  staticDetails: string;
}

type Obj = Record<string, unknown>;

const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined);
/** A value as inline code; markdown's own characters in it cannot break the page. */
const code = (v: unknown) => `\`${(typeof v === 'string' ? v : JSON.stringify(v)).replaceAll('`', "'")}\``;
const item = (label: string, v: unknown) => (v === undefined || v === '' ? [] : [`- ${label}: ${typeof v === 'string' ? v : code(v)}`]);

/** `environments: [staging], team=web`: a fleet selector in one line. */
export function selectorText(selector: unknown): string {
  const s = obj(selector);
  const parts = Object.entries(s).flatMap(([k, v]) => {
    if (k === 'matchLabels') return Object.entries(obj(v)).map(([l, x]) => `${l}=${String(x)}`);
    return Array.isArray(v) ? [`${k}: [${v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', ')}]`] : [`${k}: ${JSON.stringify(v)}`];
  });
  return parts.length ? parts.join(', ') : 'the whole fleet';
}

/** `team=web, tier=critical`, or undefined without labels. */
function labelsText(labels: unknown): string | undefined {
  const entries = Object.entries(obj(labels));
  return entries.length ? entries.map(([k, v]) => `${k}=${String(v)}`).join(', ') : undefined;
}

/** A link the UI resolves in its own namespace (the UI fills in `{namespace}`). */
export function workflowLink(workflowId: string): string {
  return `[${workflowId}](/namespaces/{namespace}/workflows/${encodeURIComponent(workflowId)})`;
}

function clusterSpecLines(specInput: unknown): string[] {
  const spec = obj(specInput);
  const pools = Array.isArray(spec.nodePools) ? spec.nodePools.map((p) => `${str(obj(p).name) ?? '?'} x${str(obj(p).nodeCount) ?? '?'}`).join(', ') : undefined;
  return [
    `- provider: ${str(spec.provider) ?? '?'}, region: ${str(spec.region) ?? 'local'}, environment: ${str(spec.environment) ?? 'dev'}`,
    ...item('Kubernetes', str(spec.kubernetesVersion) ?? 'the newest installed release'),
    ...item('labels', labelsText(spec.labels)),
    ...item('node pools', pools),
    ...(spec.protected === true ? ['- protected: decommission needs force and a reason'] : []),
    ...item('description', str(spec.description)),
  ];
}

/** What each operation's input says, as markdown list items. */
function inputLines(workflowType: string, input: Obj): string[] {
  switch (workflowType) {
    case 'provisionCluster':
    case 'clusterEntity':
      return [`Cluster **${str(obj(input.spec).name) ?? '?'}**`, '', ...clusterSpecLines(input.spec)];
    case 'decommissionCluster':
      return [`Cluster **${str(input.name) ?? '?'}**`, '', ...(input.force === true ? ['- forced (protected cluster)'] : []), ...item('reason', str(input.reason))];
    case 'upgradeCluster':
      return [`Cluster **${str(input.name) ?? '?'}** to Kubernetes ${str(input.version) ?? '?'}`, '', ...(input.skipApiScan === true ? ['- removed-API scan skipped'] : [])];
    case 'upgradeWave': {
      const targets = Array.isArray(input.targets) ? input.targets.map((t) => `- ${selectorText(obj(t).selector)} -> **${str(obj(t).version) ?? '?'}**`) : [];
      const stages = Array.isArray(input.sequence) ? input.sequence.map((s) => str(obj(s).name) ?? '?').join(' -> ') : 'dev -> staging -> prod (default)';
      return ['Targets:', '', ...targets, '', ...stagedLines(input, stages)];
    }
    case 'fleetRollout': {
      const bundle = obj(input.bundle);
      const objects = Array.isArray(bundle.manifests) ? ` (${bundle.manifests.length} objects)` : '';
      const stages = Array.isArray(obj(input.plan).stages) ? (obj(input.plan).stages as unknown[]).map((s) => str(obj(s).name) ?? '?').join(' -> ') : undefined;
      return [`Bundle **${str(bundle.name) ?? '?'}@${str(bundle.revision) ?? '?'}**${objects}`, '', `- clusters: ${selectorText(input.selector)}`, ...stagedLines({ ...obj(input.plan), ...input }, stages)];
    }
    case 'fleetDecommission':
      return [`Clusters: ${selectorText(input.selector)}`, '', ...item('reason', str(input.reason)), ...item('approval timeout', str(input.approvalTimeout)), ...item('max concurrency', str(input.maxConcurrency))];
    case 'applyBundleToCluster': {
      const bundle = obj(input.bundle ?? input.bundleFrom);
      return [`Bundle **${str(bundle.name) ?? '?'}@${str(bundle.revision) ?? '?'}** on cluster **${str(input.cluster) ?? '?'}**`, '', ...item('auto-reconcile', input.autoReconcile === true ? 'on' : undefined)];
    }
    default:
      return ['Input:', '', '```json', JSON.stringify(input, null, 2).slice(0, 1_500), '```'];
  }
}

function stagedLines(input: Obj, stages: string | undefined): string[] {
  return [
    ...item('stages', stages),
    ...item('approval', str(input.approval) && input.approval !== 'none' ? `${str(input.approval)} each stage (gates \`<stage>:${str(input.approval)}\`)` : undefined),
    ...item('soak', str(input.soak)),
    ...item('max concurrency', str(input.maxConcurrency)),
    ...item('failure budget', str(input.maxFailures)),
  ];
}

/**
 * The summary and markdown details of an operation started with `input`; `context` adds lines
 * about where it comes from (a change ticket, a schedule, the parent operation).
 *
 * @example operationMetadata('provisionCluster', { spec: { name: 'web-1', provider: 'local' } }, 'provision web-1')
 */
export function operationMetadata(workflowType: string, input: unknown, staticSummary: string, context: string[] = []): OperationMetadata {
  const i = obj(input);
  const requestedBy = str(i.requestedBy);
  const lines = [...inputLines(workflowType, i), ...(requestedBy ? [`- requested by: ${requestedBy}`] : []), ...(context.length ? ['', ...context] : [])];
  return { staticSummary: oneLine(staticSummary), staticDetails: `**${workflowType}**: ${oneLine(staticSummary)}\n\n${lines.join('\n')}`.trim() };
}

/** The UI lists summaries on one line; Temporal keeps them short (at most 200 bytes here). */
function oneLine(s: string): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 197)}...` : flat;
}

/** The one-line summary of a provision or decommission started from outside a workflow. */
export function clusterOperationSummary(workflowType: 'provisionCluster' | 'decommissionCluster', input: unknown): string {
  const i = obj(input);
  if (workflowType === 'provisionCluster') {
    const spec = obj(i.spec);
    return `provision cluster ${str(spec.name) ?? '?'} (${str(spec.provider) ?? '?'}/${str(spec.region) ?? 'local'}, ${str(spec.environment) ?? 'dev'})`;
  }
  return `decommission cluster ${str(i.name) ?? '?'}${i.force === true ? ' (forced)' : ''}`;
}

/** A change as the UI shows it: its ticket, who asked, its gate, and the operation it runs (see fleetChange). */
export function changeMetadata(change: { type: string; ticket: { system: string; id: string }; input: unknown; approval?: { reason: string } | undefined }, operationWorkflow: string, operationId: string, requestedBy: string): OperationMetadata {
  const ticket = `${change.ticket.system}/${change.ticket.id}`;
  const op = operationMetadata(operationWorkflow, { ...obj(change.input), requestedBy }, `${change.type} for ${ticket}`);
  const gate = change.approval ? [`- waits for approval first (gate \`change:before\`): ${change.approval.reason}`] : [];
  return {
    staticSummary: oneLine(`${change.type} for ${ticket}, requested by ${requestedBy}`),
    staticDetails: [`**Change ${ticket}** (${change.type}), requested by ${requestedBy}`, '', `- runs ${operationWorkflow} ${workflowLink(operationId)}`, ...gate, '', op.staticDetails].join('\n'),
  };
}

/** The stage of `cluster` in a staged plan, for its child's summary. */
export function stageOf(stages: readonly { name: string; clusters: readonly string[] }[], cluster: string): string | undefined {
  return stages.find((s) => s.clusters.includes(cluster))?.name;
}

/**
 * One cluster's child of a staged operation, as its parent's tree in the UI lists it: "apply
 * bundle web@v3 to prod-eu-1 (stage canary)"; the details link back to the parent.
 */
export function childMetadata(what: string, child: { workflowType: string; input: unknown; stage?: string | undefined; attempt?: number; parentId: string; parentNoun: string }): OperationMetadata {
  const where = [child.stage && `stage ${child.stage}`, child.attempt && child.attempt > 1 && `attempt ${child.attempt}`].filter(Boolean).join(', ');
  return operationMetadata(child.workflowType, child.input, `${what}${where ? ` (${where})` : ''}`, [`Part of ${child.parentNoun} ${workflowLink(child.parentId)}${child.stage ? `, stage **${child.stage}**` : ''}.`]);
}

/** A cluster's inventory entity (started by `clusters register` or by its first operation). */
export function entityMetadata(spec: ClusterSpec): OperationMetadata {
  return operationMetadata('clusterEntity', { spec }, entitySummary(spec), ['The inventory entry of the cluster: its state is the query `getClusterState`; the current details follow its phase and operations.']);
}
