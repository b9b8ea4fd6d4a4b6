import { z } from 'zod';
import type { Bundle, BundleManifest } from './bundle.js';
import { FleetSelectorSchema, matchesSelector, type ClusterSummary, type FleetSelector } from '../selection/fleet-selector.js';

/**
 * Per-cluster variations of a bundle, chosen by selector: an image registry per region, a
 * replica count per environment. Applied in order (later overrides win), before the bundle
 * reaches the cluster; the revision stays the bundle's, since the overrides are part of it.
 */
export const BundleOverrideSchema = z
  .object({
    /** Which clusters this override is for. */
    selector: FleetSelectorSchema,
    /** Which manifests it changes; every manifest when absent. */
    match: z.object({ kind: z.string().min(1).optional(), name: z.string().min(1).optional(), namespace: z.string().min(1).optional() }).strict().optional(),
    /** Replaces the registry of every container image, e.g. "eu.registry.example.com/shop". */
    imageRegistry: z.string().regex(/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*$/, 'must be a registry host with an optional path, such as "eu.gcr.io/acme"').optional(),
    /** A JSON merge patch (RFC 7386), e.g. {"spec": {"replicas": 5}}; null removes a field. */
    merge: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .refine((o) => o.imageRegistry !== undefined || o.merge !== undefined, { message: 'must set imageRegistry or merge', path: ['merge'] });
export type BundleOverride = z.output<typeof BundleOverrideSchema>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** RFC 7386 JSON merge patch. Pure. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** "docker.io/library/nginx:1.27" with registry "eu.gcr.io/acme" -> "eu.gcr.io/acme/nginx:1.27". */
export function withRegistry(image: string, registry: string): string {
  const last = image.split('/').pop()!;
  return `${registry}/${last}`;
}

const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

/** Rewrites `image` only inside container lists, so a ConfigMap key named "image" is left alone. */
function rewriteImages(node: unknown, registry: string): unknown {
  if (Array.isArray(node)) return node.map((n) => rewriteImages(n, registry));
  if (!isObject(node)) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    out[k] = CONTAINER_LISTS.has(k) && Array.isArray(v)
      ? v.map((c) => (isObject(c) && typeof c.image === 'string' ? { ...c, image: withRegistry(c.image, registry) } : c))
      : rewriteImages(v, registry);
  }
  return out;
}

function matches(m: BundleManifest, match: BundleOverride['match']): boolean {
  if (!match) return true;
  return (!match.kind || m.kind === match.kind) && (!match.name || m.metadata.name === match.name) && (!match.namespace || m.metadata.namespace === match.namespace);
}

/** The overrides whose selector matches `cluster`, in order. Pure. */
export function overridesFor(overrides: readonly BundleOverride[], cluster: ClusterSummary): BundleOverride[] {
  return overrides.filter((o) => matchesSelector(o.selector as FleetSelector, cluster));
}

/** The bundle with `overrides` applied in order, whatever their selectors say. Pure. */
export function withOverrides(bundle: Bundle, overrides: readonly BundleOverride[]): Bundle {
  if (overrides.length === 0) return bundle;
  const manifests = bundle.manifests.map((m) => {
    let out: unknown = m;
    for (const o of overrides) {
      if (!matches(m, o.match)) continue;
      if (o.merge) out = mergePatch(out, o.merge);
      if (o.imageRegistry) out = rewriteImages(out, o.imageRegistry);
    }
    return out as BundleManifest;
  });
  return { ...bundle, manifests };
}

/** The bundle as `cluster` gets it: every override whose selector matches the cluster, in order. Pure. */
export function bundleForCluster(bundle: Bundle, overrides: readonly BundleOverride[], cluster: ClusterSummary): Bundle {
  return withOverrides(bundle, overridesFor(overrides, cluster));
}
