import { z } from 'zod';
import { isLabelKey, isLabelValue } from '../cluster/labels.js';

/**
 * A bundle: a named, revisioned set of manifests that Fleetflow applies to a cluster as one
 * unit (one field manager, one ApplySet inventory). Pure: schemas and identity helpers only,
 * so workflows can validate and describe bundles without I/O.
 */

/** Label every member carries: KEP-3659's membership label (its value is the ApplySet id). */
export const APPLYSET_PART_OF_LABEL = 'applyset.kubernetes.io/part-of';

/** A manifest as plain data: apiVersion, kind and metadata.name are required; the rest is free. */
export const ManifestSchema = z.looseObject({
  apiVersion: z.string().min(1, 'must not be empty'),
  kind: z.string().min(1, 'must not be empty'),
  metadata: z.looseObject({
    name: z.string().min(1, 'must not be empty'),
    namespace: z.string().min(1, 'must not be empty').optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  }),
});

export type BundleManifest = z.infer<typeof ManifestSchema>;

/** Bundle options; every field has a default. */
export const BundleOptionsSchema = z.object({
  /** Take fields another field manager owns instead of failing with FieldManagerConflict. */
  force: z.boolean().default(false),
  /** Delete what an earlier revision applied and this one no longer contains. */
  prune: z.boolean().default(true),
  /** Objects applied at once within a dependency tier. */
  concurrency: z.int().min(1, 'must be at least 1').max(64, 'must be at most 64').default(8),
});

export type BundleOptions = z.infer<typeof BundleOptionsSchema>;

/** What a bundle is called: a DNS label, so it is a label value and part of the parent's name. */
export const BundleNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(52, 'must be at most 52 characters') // "applyset-" + name stays a 63-character label
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be lowercase letters, digits and "-", starting and ending alphanumeric');

export const BundleSchema = z
  .object({
    name: BundleNameSchema,
    /** Opaque revision (a git sha, a version); recorded on the cluster with the inventory. */
    revision: z.string().min(1, 'must not be empty').max(253, 'must be at most 253 characters'),
    manifests: z.array(ManifestSchema),
    options: BundleOptionsSchema.default({ force: false, prune: true, concurrency: 8 }),
  })
  .superRefine((bundle, ctx) => {
    const seen = new Map<string, number>();
    bundle.manifests.forEach((m, i) => {
      const key = objectKey(identityOf(m));
      const first = seen.get(key);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['manifests', i], message: `duplicates manifests[${first}] (${describeObject(identityOf(m))})` });
      } else seen.set(key, i);
      if (m.kind === 'Secret' && (m.apiVersion === 'v1')) {
        // Bundles travel in workflow inputs and are kept on clusters in ConfigMaps.
        ctx.addIssue({ code: 'custom', path: ['manifests', i], message: `is a Secret (${m.metadata.name}): bundles are stored in workflow history, so secrets must come from a secret manager, not a bundle` });
      }
      if (m.metadata.labels && APPLYSET_PART_OF_LABEL in m.metadata.labels) {
        // KEP-3659: membership is the tool's to set; a manifest claiming it is invalid.
        ctx.addIssue({ code: 'custom', path: ['manifests', i, 'metadata', 'labels', APPLYSET_PART_OF_LABEL], message: 'is set by Fleetflow and must not be in a manifest' });
      }
      for (const [k, v] of Object.entries(m.metadata.labels ?? {})) {
        if (!isLabelKey(k) || !isLabelValue(v)) {
          ctx.addIssue({ code: 'custom', path: ['manifests', i, 'metadata', 'labels', k], message: 'is not a valid label' });
        }
      }
    });
  });

/** A validated bundle (defaults filled in). */
export type Bundle = z.output<typeof BundleSchema>;
/** A bundle as callers write it (options may be left out). */
export type BundleInput = z.input<typeof BundleSchema>;

/** Names one object independently of API version: group, kind, namespace (if any), name. */
export interface ObjectIdentity {
  /** API group, "" for the core group. */
  group: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** The group of an apiVersion: "apps/v1" -> "apps", "v1" -> "". */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** The version of an apiVersion: "apps/v1" -> "v1". */
export function versionOf(apiVersion: string): string {
  return apiVersion.slice(apiVersion.indexOf('/') + 1);
}

/** Identity of a manifest as written (its namespace is not yet defaulted or dropped). */
export function identityOf(m: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }): ObjectIdentity {
  return {
    group: groupOf(m.apiVersion),
    kind: m.kind,
    ...(m.metadata.namespace ? { namespace: m.metadata.namespace } : {}),
    name: m.metadata.name,
  };
}

/** A group-kind as kubectl writes it: "Deployment.apps", "ConfigMap" for the core group. */
export function groupKindString(id: { group: string; kind: string }): string {
  return id.group ? `${id.kind}.${id.group}` : id.kind;
}

/** Inverse of groupKindString: the kind ends at the first dot (kinds have none). */
export function parseGroupKind(text: string): { group: string; kind: string } {
  const dot = text.indexOf('.');
  return dot < 0 ? { group: '', kind: text } : { group: text.slice(dot + 1), kind: text.slice(0, dot) };
}

/** A map key for an identity: equal objects, equal keys. */
export function objectKey(id: ObjectIdentity): string {
  return `${id.group}|${id.kind}|${id.namespace ?? ''}|${id.name}`;
}

/** "Deployment team-a/web", "CronTab.stable.example.com ns/x": how results and errors name an object. */
export function describeObject(id: ObjectIdentity): string {
  const gk = id.group && !BUILTIN_GROUPS.has(id.group) ? groupKindString(id) : id.kind;
  return `${gk} ${id.namespace ? `${id.namespace}/` : ''}${id.name}`;
}

/** Groups whose kinds are well known enough to name without the group. */
const BUILTIN_GROUPS = new Set(['apps', 'batch', 'rbac.authorization.k8s.io', 'networking.k8s.io', 'policy', 'apiextensions.k8s.io', 'autoscaling']);

/** The group-kind a CustomResourceDefinition manifest defines, or undefined if it names none. */
export function definedGroupKind(crd: { spec?: unknown }): { group: string; kind: string } | undefined {
  const spec = crd.spec as { group?: unknown; names?: { kind?: unknown } } | undefined;
  return typeof spec?.group === 'string' && typeof spec.names?.kind === 'string'
    ? { group: spec.group, kind: spec.names.kind }
    : undefined;
}

/** True for a CustomResourceDefinition manifest. */
export function isCrd(m: { apiVersion: string; kind: string }): boolean {
  return m.kind === 'CustomResourceDefinition' && groupOf(m.apiVersion) === 'apiextensions.k8s.io';
}

/** True for a Namespace manifest. */
export function isNamespace(m: { apiVersion: string; kind: string }): boolean {
  return m.kind === 'Namespace' && groupOf(m.apiVersion) === '';
}

/**
 * The apply order as dependency tiers, each applied concurrently, tiers in sequence:
 * 1. Namespaces and CRDs (what others live in or are typed by);
 * 2. everything else except custom resources of the bundle's own CRDs;
 * 3. those custom resources, once their CRDs are Established.
 * Within a tier the bundle's order is kept (results read in the author's order). Pure.
 */
export function applyTiers<T extends { apiVersion: string; kind: string }>(manifests: readonly T[]): [T[], T[], T[]] {
  const defined = new Set(
    manifests.filter(isCrd).map((c) => definedGroupKind(c as { spec?: unknown })).filter((gk) => gk !== undefined).map(groupKindString),
  );
  const first: T[] = [];
  const second: T[] = [];
  const third: T[] = [];
  for (const m of manifests) {
    if (isNamespace(m) || isCrd(m)) first.push(m);
    else if (defined.has(groupKindString({ group: groupOf(m.apiVersion), kind: m.kind }))) third.push(m);
    else second.push(m);
  }
  return [first, second, third];
}
