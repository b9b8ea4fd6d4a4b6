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
    /** Moves every container image to this registry (host, optional port and path), keeping its repository path: "eu.registry.example.com". */
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

/** Docker Hub's names for itself: its images' repository paths start with library/ when single. */
const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/**
 * The image moved to `registry`, keeping its repository path, tag and digest (Docker's
 * reference grammar: the first component is a registry host when it has a dot or a port or is
 * localhost; otherwise the image is on Docker Hub, where a single name is under library/).
 * Pure.
 *
 * @example withRegistry('registry.example.com/team/app:1', 'eu.gcr.io/acme') // 'eu.gcr.io/acme/team/app:1'
 * @example withRegistry('nginx:1.27', 'mirror.example.com') // 'mirror.example.com/library/nginx:1.27'
 */
export function withRegistry(image: string, registry: string): string {
  const at = image.indexOf('@');
  const digest = at >= 0 ? image.slice(at) : '';
  let name = at >= 0 ? image.slice(0, at) : image;
  // A tag is a colon after the last slash; a colon before it is a registry's port.
  const colon = name.lastIndexOf(':');
  const tag = colon > name.lastIndexOf('/') ? name.slice(colon) : '';
  if (tag) name = name.slice(0, colon);
  const slash = name.indexOf('/');
  const first = slash >= 0 ? name.slice(0, slash) : '';
  const hasHost = first.includes('.') || first.includes(':') || first === 'localhost';
  let path = hasHost ? name.slice(slash + 1) : name;
  if ((!hasHost || DOCKER_HUB.has(first)) && !path.includes('/')) path = `library/${path}`;
  return `${registry}/${path}${tag}${digest}`;
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

/**
 * The bundle with `overrides` applied in order, whatever their selectors say: merge patches
 * in order, then the last image registry that matches, once, to every container image (a
 * second registry applied to the first one's result would keep the first one's path). Pure.
 */
export function withOverrides(bundle: Bundle, overrides: readonly BundleOverride[]): Bundle {
  if (overrides.length === 0) return bundle;
  const manifests = bundle.manifests.map((m) => {
    let out: unknown = m;
    let registry: string | undefined;
    for (const o of overrides) {
      if (!matches(m, o.match)) continue;
      if (o.merge) out = mergePatch(out, o.merge);
      if (o.imageRegistry) registry = o.imageRegistry;
    }
    return (registry ? rewriteImages(out, registry) : out) as BundleManifest;
  });
  return { ...bundle, manifests };
}
