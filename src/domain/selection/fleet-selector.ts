import { z } from 'zod';
import { ClusterNameSchema } from '../cluster/spec.js';
import type { ClusterPhase, ClusterState } from '../cluster/state.js';
import { INVENTORY_ATTRIBUTES, clusterEntityId } from '../cluster/inventory.js';
import { isLabelKey, isLabelValue, LabelsSchema } from '../cluster/labels.js';
import type { MaintenancePolicy } from '../time/maintenance-window.js';
import { inventoryQuery } from './selector-syntax.js';
import { VERSION_CONSTRAINT_ERROR, parseVersionConstraint, versionMatches } from './version-constraint.js';

// ---------------------------------------------------------------------------------------------
// The schema.

/** Label expression operators, as in Kubernetes label selectors. */
export const LABEL_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;

const LabelKeySchema = z.string().refine(isLabelKey, 'must be a label key: [prefix/]name, name at most 63 alphanumerics, "-", "_" or "."');

/** A Kubernetes-style label expression. */
export const LabelExpressionSchema = z
  .object({
    key: LabelKeySchema,
    operator: z.enum(LABEL_OPERATORS, { error: `must be one of: ${LABEL_OPERATORS.join(', ')}` }),
    values: z.array(z.string().refine(isLabelValue, 'must be a label value')).optional(),
  })
  .strict()
  .superRefine((e, ctx) => {
    const needs = e.operator === 'In' || e.operator === 'NotIn';
    if (needs && !e.values?.length) ctx.addIssue({ code: 'custom', path: ['values'], message: `operator ${e.operator} needs at least one value` });
    if (!needs && e.values !== undefined) ctx.addIssue({ code: 'custom', path: ['values'], message: `operator ${e.operator} must not have values` });
  });
export type LabelExpression = z.output<typeof LabelExpressionSchema>;

const nonEmptyList = (item: z.ZodType<string>) => z.array(item).min(1, 'must not be empty when given');

/**
 * Which clusters a fleet operation acts on. Every criterion given must hold (AND); within a
 * list any entry may match (OR). `include` restricts the selection to the named clusters (a
 * named cluster the other criteria reject is reported, not silently dropped); `exclude` removes
 * clusters and reports them. `{}` selects the whole fleet.
 */
export const FleetSelectorSchema = z
  .object({
    matchLabels: LabelsSchema.optional(),
    matchExpressions: z.array(LabelExpressionSchema).optional(),
    providers: nonEmptyList(z.string().min(1, 'must not be empty')).optional(),
    regions: nonEmptyList(z.string().min(1, 'must not be empty')).optional(),
    environments: nonEmptyList(z.string().min(1, 'must not be empty')).optional(),
    versions: nonEmptyList(z.string().refine((s) => !!parseVersionConstraint(s), VERSION_CONSTRAINT_ERROR)).optional(),
    include: nonEmptyList(ClusterNameSchema).optional(),
    exclude: z.array(ClusterNameSchema).optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    const excluded = new Set(s.exclude ?? []);
    (s.include ?? []).forEach((name, i) => {
      if (excluded.has(name)) ctx.addIssue({ code: 'custom', path: ['include', i], message: `cluster ${name} is both included and excluded` });
    });
  });
export type FleetSelector = z.output<typeof FleetSelectorSchema>;
export type FleetSelectorInput = z.input<typeof FleetSelectorSchema>;

/** True when the selector has no criterion at all and so selects every cluster. */
export function isEmptySelector(s: FleetSelector): boolean {
  return (
    !Object.keys(s.matchLabels ?? {}).length &&
    !s.matchExpressions?.length &&
    !s.providers && !s.regions && !s.environments && !s.versions && !s.include
  );
}

// ---------------------------------------------------------------------------------------------
// Evaluation over inventory entries.

/** What placement needs to know about one cluster; build it from ClusterState with `clusterSummaryFrom`. */
export interface ClusterSummary {
  name: string;
  provider: string;
  region: string;
  environment: string;
  /** The version the control plane reported, else the spec's; undefined when unknown. */
  version?: string;
  labels: Record<string, string>;
  phase: ClusterPhase;
  protected: boolean;
  /** The mutating operation holding the cluster, if any: such a cluster is busy. */
  currentOperation?: { id: string; type: string; startedAt: string };
  maintenance?: MaintenancePolicy;
}

/** The summary of a cluster entity's state, as placement reads it. */
export function clusterSummaryFrom(state: ClusterState, maintenance: MaintenancePolicy | undefined = state.spec.maintenance): ClusterSummary {
  const version = state.version ?? state.spec.kubernetesVersion;
  return {
    name: state.spec.name,
    provider: state.spec.provider,
    region: state.spec.region,
    environment: state.spec.environment,
    ...(version ? { version } : {}),
    labels: { ...state.spec.labels },
    phase: state.phase,
    protected: state.spec.protected,
    ...(state.current ? { currentOperation: { id: state.current.id, type: state.current.type, startedAt: state.current.startedAt } } : {}),
    ...(maintenance ? { maintenance } : {}),
  };
}

const list = (items: readonly string[]) => items.join(', ');

function expressionMismatch(e: LabelExpression, labels: Record<string, string>): string | undefined {
  const has = Object.hasOwn(labels, e.key);
  const value = labels[e.key];
  switch (e.operator) {
    case 'Exists':
      return has ? undefined : `label ${e.key} is missing`;
    case 'DoesNotExist':
      return has ? `label ${e.key} is present` : undefined;
    case 'In':
      if (!has) return `label ${e.key} is missing (needs one of ${list(e.values ?? [])})`;
      return e.values!.includes(value!) ? undefined : `label ${e.key}=${value} is not one of ${list(e.values!)}`;
    case 'NotIn':
      // As in Kubernetes, a missing label satisfies NotIn.
      return has && e.values!.includes(value!) ? `label ${e.key}=${value} is one of ${list(e.values!)}` : undefined;
  }
}

/** Why a cluster does not match the selector's criteria (include/exclude aside), or undefined. */
export function mismatchOf(s: FleetSelector, c: ClusterSummary): string | undefined {
  for (const [key, want] of Object.entries(s.matchLabels ?? {})) {
    if (c.labels[key] !== want) return Object.hasOwn(c.labels, key) ? `label ${key}=${c.labels[key]} is not ${want}` : `label ${key} is missing (needs ${want})`;
  }
  for (const e of s.matchExpressions ?? []) {
    const why = expressionMismatch(e, c.labels);
    if (why) return why;
  }
  if (s.providers && !s.providers.includes(c.provider)) return `provider ${c.provider} is not one of ${list(s.providers)}`;
  if (s.regions && !s.regions.includes(c.region)) return `region ${c.region} is not one of ${list(s.regions)}`;
  if (s.environments && !s.environments.includes(c.environment)) return `environment ${c.environment} is not one of ${list(s.environments)}`;
  if (s.versions && !s.versions.some((v) => versionMatches(v, c.version))) {
    return `version ${c.version ?? '(unknown)'} does not satisfy ${s.versions.map((v) => `"${v}"`).join(' or ')}`;
  }
  return undefined;
}

/** True when the cluster meets every criterion of the selector, include and exclude included. */
export function matchesSelector(s: FleetSelector, c: ClusterSummary): boolean {
  if (s.include && !s.include.includes(c.name)) return false;
  if (s.exclude?.includes(c.name)) return false;
  return mismatchOf(s, c) === undefined;
}

/** Why a selected or named cluster is left out. */
export type ExclusionReason = 'Excluded' | 'Deleted' | 'Decommissioning' | 'Busy' | 'NotReady' | 'NotMatched' | 'NotFound';

/** A cluster the selector names or matches that the operation will not act on, and why. */
export interface ExcludedCluster {
  name: string;
  reason: ExclusionReason;
  message: string;
}

/** Clusters to act on (sorted by name) and those reported instead. */
export interface Selection {
  selected: ClusterSummary[];
  excluded: ExcludedCluster[];
}

/** Options of selectClusters. */
export interface SelectOptions {
  /**
   * Phases a cluster may be in to be selected. Default Active, Degraded and Failed: a cluster
   * that was never provisioned has nothing to roll out to. Deleted and Decommissioning clusters
   * and busy ones are always reported instead.
   */
  eligiblePhases?: readonly ClusterPhase[];
}

/** Phases a cluster must be in to take a rollout. */
export const DEFAULT_ELIGIBLE_PHASES: readonly ClusterPhase[] = ['Active', 'Degraded', 'Failed'];

/**
 * Applies a selector to the inventory. Clusters that match but cannot be acted on (explicitly
 * excluded, deleted, being decommissioned, busy with another operation, not provisioned) and
 * names in `include` that are missing or do not match are reported in `excluded`, never
 * dropped silently. Output order is by name, so the same inventory gives the same answer.
 */
export function selectClusters(s: FleetSelector, inventory: readonly ClusterSummary[], opts: SelectOptions = {}): Selection {
  const eligible = opts.eligiblePhases ?? DEFAULT_ELIGIBLE_PHASES;
  const byName = new Map<string, ClusterSummary>();
  for (const c of inventory) if (!byName.has(c.name)) byName.set(c.name, c);
  const include = s.include ? new Set(s.include) : undefined;
  const exclude = new Set(s.exclude ?? []);
  const selected: ClusterSummary[] = [];
  const excluded: ExcludedCluster[] = [];

  for (const name of [...byName.keys()].sort()) {
    const c = byName.get(name)!;
    if (include && !include.has(name)) continue;
    const mismatch = mismatchOf(s, c);
    if (mismatch) {
      if (include) excluded.push({ name, reason: 'NotMatched', message: `${name} is listed in include, but ${mismatch}` });
      continue;
    }
    const refusal = unavailable(c, exclude, eligible);
    if (refusal) excluded.push(refusal);
    else selected.push(c);
  }
  for (const name of [...(include ?? [])].sort()) {
    if (!byName.has(name)) excluded.push({ name, reason: 'NotFound', message: `${name} is listed in include, but no such cluster is in the inventory` });
  }
  excluded.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { selected, excluded };
}

function unavailable(c: ClusterSummary, exclude: Set<string>, eligible: readonly ClusterPhase[]): ExcludedCluster | undefined {
  const name = c.name;
  if (exclude.has(name)) return { name, reason: 'Excluded', message: `${name} is listed in exclude` };
  if (c.phase === 'Deleted') return { name, reason: 'Deleted', message: `${name} has been decommissioned` };
  if (c.phase === 'Decommissioning') return { name, reason: 'Decommissioning', message: `${name} is being decommissioned` };
  if (c.currentOperation) {
    const op = c.currentOperation;
    return { name, reason: 'Busy', message: `${name} is busy: ${op.type} operation ${op.id} has been running since ${op.startedAt}` };
  }
  if (!eligible.includes(c.phase)) {
    return { name, reason: 'NotReady', message: `${name} is ${c.phase}, not one of ${list(eligible)}` };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Visibility pre-filter.

const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const anyOf = (attr: string, values: readonly string[]) =>
  values.length === 1 ? `${attr} = ${quote(values[0]!)}` : `${attr} IN (${values.map(quote).join(', ')})`;

/**
 * A visibility query for the cluster entities the selector may match: labels (=, In, NotIn),
 * providers, regions, environments and include. Label existence, versions and exclude stay
 * in memory (`exact` is false then), so the query is a superset: always run `selectClusters`
 * over its results.
 */
export function toVisibilityQuery(s: FleetSelector, includeDeleted = false): { query: string; exact: boolean } {
  const clauses = [inventoryQuery([], includeDeleted)];
  const labels = INVENTORY_ATTRIBUTES.labels;
  let exact = !s.versions && !s.exclude?.length;
  for (const [k, v] of Object.entries(s.matchLabels ?? {})) clauses.push(`${labels} = ${quote(`${k}=${v}`)}`);
  for (const e of s.matchExpressions ?? []) {
    const items = (e.values ?? []).map((v) => `${e.key}=${v}`);
    // KeywordList: = is "contains", != is "does not contain".
    if (e.operator === 'In') clauses.push(items.length === 1 ? `${labels} = ${quote(items[0]!)}` : `(${items.map((i) => `${labels} = ${quote(i)}`).join(' OR ')})`);
    else if (e.operator === 'NotIn') clauses.push(...items.map((i) => `${labels} != ${quote(i)}`));
    else exact = false;
  }
  if (s.providers) clauses.push(anyOf(INVENTORY_ATTRIBUTES.provider, s.providers));
  if (s.regions) clauses.push(anyOf(INVENTORY_ATTRIBUTES.region, s.regions));
  if (s.environments) clauses.push(anyOf(INVENTORY_ATTRIBUTES.environment, s.environments));
  if (s.include) clauses.push(anyOf('WorkflowId', s.include.map(clusterEntityId)));
  return { query: clauses.join(' AND '), exact };
}
