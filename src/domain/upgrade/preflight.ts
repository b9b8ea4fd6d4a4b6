import { z } from 'zod';
import { MaintenanceOverrideFields, requireOverrideReason } from '../time/maintenance-verdict.js';
import { ClusterNameSchema, type ProviderName } from '../cluster/spec.js';
import type { FailureType } from '../failure-types.js';
import type { ClusterHealth } from '../cluster/state.js';
import { describeFinding, TargetVersionSchema, type RemovedApiFinding } from './removed-apis.js';
import { checkUpgrade, compareVersions, parseVersion, type NodePoolVersion } from './version-skew.js';

/** Input of upgradeCluster, as started by a wave, the CLI or the Temporal UI. */
export const UpgradeClusterInputSchema = z
  .object({
    name: ClusterNameSchema,
    /** "1.36" (the provider picks the patch) or "1.36.3". */
    version: TargetVersionSchema,
    requestedBy: z.string().max(200).optional(),
    /** Skip the removed-API scan (for a team that checks with its own tooling). */
    skipApiScan: z.boolean().default(false),
    /** Refuse a Degraded cluster too. Default false: an upgrade is often the fix; Unreachable is always refused. */
    requireHealthy: z.boolean().default(false),
    /** The wave that started this upgrade, if any (for the record; a wave's own child is not held back by windows twice). */
    wave: z.string().max(400).optional(),
    ...MaintenanceOverrideFields,
  })
  .strict()
  .superRefine(requireOverrideReason);
export type UpgradeClusterInput = z.input<typeof UpgradeClusterInputSchema>;
/** The upgrade request after parsing (defaults filled). */
export type UpgradeClusterOptions = z.output<typeof UpgradeClusterInputSchema>;

/** The failure type of an upgrade that was refused before anything changed. */
export const PREFLIGHT_REFUSED = 'UpgradePreflightFailed' satisfies FailureType;
/** The failure type of an upgrade that failed after the control plane moved: nothing can be rolled back. */
export const POST_UPGRADE_FAILURE = 'PostUpgradeFailure' satisfies FailureType;

/** What the preflight looked at. */
export interface PreflightInput {
  name: string;
  target: string;
  /** The control plane's version as the provider (or, failing that, the inventory) reports it. */
  current?: string;
  nodePools: readonly NodePoolVersion[];
  health: Pick<ClusterHealth, 'status' | 'reasons'>;
  requireHealthy: boolean;
  /** Objects on the cluster using API versions removed in or before the target; undefined when not scanned. */
  removedApis?: readonly RemovedApiFinding[];
}

/** The verdict: every refusal at once, or what to do. */
export type Preflight =
  | { ok: false; refusals: string[] }
  | {
      ok: true;
      from: string;
      to: string;
      /** False when the control plane is already at the target (an upgrade resumed after its node pools failed). */
      upgradeControlPlane: boolean;
      /** Node pools behind the target, by name: upgraded one at a time, in this order. */
      pools: NodePoolVersion[];
      /** Nothing to do at all. */
      noop: boolean;
      /** Things the operator should know that do not block the upgrade. */
      warnings: string[];
    };

/** At most this many findings are named in a refusal; the rest are counted. */
const MAX_LISTED = 5;

/**
 * The upgradeCluster preflight: version skew (one minor at a time, node pools never newer than
 * the control plane), the removed-API scan and health, each refusal listed so one look tells the
 * operator everything to fix. A control plane already at the target with node pools behind is
 * not a no-op: the pools are upgraded, so a retried upgrade converges instead of stopping halfway.
 */
export function preflight(input: PreflightInput): Preflight {
  const refusals: string[] = [];
  const warnings: string[] = [];
  if (!input.current) refusals.push(`cluster ${input.name} has not reported its version`);
  const skew = input.current ? checkUpgrade({ current: input.current, target: input.target, nodePools: input.nodePools }) : undefined;
  if (skew && !skew.ok) refusals.push(...skew.refusals.map((r) => r.message));

  if (input.health.status === 'Unreachable') {
    refusals.push(`the API server is unreachable: ${input.health.reasons.join('; ') || 'no answer'}`);
  } else if (input.health.status === 'Degraded') {
    const why = `the cluster is Degraded: ${input.health.reasons.join('; ')}`;
    if (input.requireHealthy) refusals.push(why);
    else warnings.push(why);
  }

  const found = input.removedApis ?? [];
  if (found.length) {
    const listed = found.slice(0, MAX_LISTED).map(describeFinding).join('; ');
    const more = found.length > MAX_LISTED ? ` and ${found.length - MAX_LISTED} more` : '';
    refusals.push(`${found.length} object${found.length === 1 ? '' : 's'} use API versions removed in or before ${input.target}: ${listed}${more}; migrate them first`);
  } else if (input.removedApis === undefined) {
    warnings.push('the removed-API scan was skipped');
  }

  if (refusals.length || !skew?.ok) return { ok: false, refusals };
  const pools = input.nodePools.filter((p) => behind(p.version, input.target)).sort((a, b) => (a.name < b.name ? -1 : 1));
  return { ok: true, from: skew.from, to: skew.to, upgradeControlPlane: !skew.noop, pools, noop: skew.noop && pools.length === 0, warnings };
}

/**
 * Whether a pool at `version` still has to move to `target`: by minor for a minor-only target
 * ("1.36": a pool at 1.36.1 is there), exactly for a patch target.
 */
export function behind(version: string, target: string): boolean {
  const v = parseVersion(version);
  const t = parseVersion(target);
  if (!v || !t) return false;
  if (t.patch === undefined) return v.major < t.major || (v.major === t.major && v.minor < t.minor);
  return compareVersions(v, t) < 0;
}

/**
 * Why an agent cluster that passed its preflight but is behind the target is not upgraded: the
 * main worker serves no provider for it, so its control plane and node pools move on the site.
 */
export function agentUpgradeRefusal(name: string, target: string, current: string): string {
  return (
    `cluster ${name} is reached through its agent: its control plane and node pools are upgraded on the site by its owners, not by Fleetflow ` +
    `(it runs ${current || 'an unreported version'}; the checks for ${target} passed). Once it is upgraded, upgrading it to ${target} again checks it and records the version`
  );
}

/** How long an upgrade may take per step: managed control planes take 10-40 minutes, local ones seconds. */
export function upgradeTimeoutMs(provider: ProviderName): number {
  return provider === 'eks' || provider === 'gke' ? 90 * 60_000 : 5 * 60_000;
}

/** The post-upgrade verdict: which phase the cluster is in, or the problems the upgrade brought. */
export type PostUpgrade = { ok: true; phase: 'Active' | 'Degraded' } | { ok: false; problems: string[] };

/**
 * Judges the health after an upgrade against the health before it. Healthy is Active;
 * Unreachable fails; Degraded fails only with problems that were not there before (another
 * version than the target is one), so a cluster that was Degraded for a known reason and is
 * no worse passes, and stays Degraded.
 */
export function postUpgradeVerdict(before: Pick<ClusterHealth, 'status' | 'reasons'>, after: Pick<ClusterHealth, 'status' | 'reasons'>): PostUpgrade {
  if (after.status === 'Healthy') return { ok: true, phase: 'Active' };
  if (after.status === 'Unreachable' || after.status === 'Unknown') return { ok: false, problems: after.reasons.length ? after.reasons : [`health ${after.status}`] };
  const known = new Set(before.status === 'Degraded' ? before.reasons : []);
  const fresh = after.reasons.filter((r) => !known.has(r));
  return fresh.length ? { ok: false, problems: fresh } : { ok: true, phase: 'Degraded' };
}
