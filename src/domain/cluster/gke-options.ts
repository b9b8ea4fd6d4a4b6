import { z } from 'zod';

/**
 * Cluster spec fields only GKE takes: the release channel, the VPC network and subnetwork, and
 * private nodes. Other providers refuse them (see ClusterSpecSchema), naming the field, so a
 * spec never carries a setting that silently does nothing.
 */

/** GKE release channels (ReleaseChannel.Channel), lowercase; `none` leaves the cluster out of every channel. */
export const RELEASE_CHANNELS = ['rapid', 'regular', 'stable', 'extended', 'none'] as const;
/** One of RELEASE_CHANNELS. */
export type ReleaseChannel = (typeof RELEASE_CHANNELS)[number];

/** A Compute Engine resource name (RFC 1035 label, at most 63 characters). */
const GCE_NAME = '[a-z]([-a-z0-9]{0,61}[a-z0-9])?';
const PROJECT = '[a-z][-a-z0-9]{4,28}[a-z0-9]';

/** `default`, or `projects/P/global/networks/N` (a Shared VPC host project's network). */
export const NetworkSchema = z
  .string()
  .regex(new RegExp(`^(${GCE_NAME}|projects/${PROJECT}/global/networks/${GCE_NAME})$`), 'must be a VPC network name such as "prod-vpc" or "projects/HOST/global/networks/NAME"');

/** `nodes-eu`, or `projects/P/regions/R/subnetworks/S` (a Shared VPC subnetwork). */
export const SubnetworkSchema = z
  .string()
  .regex(
    new RegExp(`^(${GCE_NAME}|projects/${PROJECT}/regions/[a-z]+-[a-z]+\\d+/subnetworks/${GCE_NAME})$`),
    'must be a subnetwork name such as "nodes-eu" or "projects/HOST/regions/REGION/subnetworks/NAME"',
  );

/** Whether `text` is an IPv4 /28 whose host bits are zero ("172.16.0.32/28"). */
function isSlash28(text: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/28$/.exec(text);
  if (!m) return false;
  const octets = m.slice(1, 5).map(Number);
  return octets.every((o) => o <= 255) && octets[3]! % 16 === 0;
}

/**
 * Private nodes (no public IPs), reached by the control plane over VPC peering in the given
 * /28; `privateEndpoint` also hides the control plane's public endpoint (the worker must then
 * reach the cluster from inside the VPC).
 */
export const PrivateClusterSchema = z
  .object({
    masterIpv4CidrBlock: z.string().refine(isSlash28, 'must be an IPv4 /28 such as "172.16.0.32/28" (GKE reserves a /28 for the control plane)'),
    privateEndpoint: z.boolean().default(false),
  })
  .strict();

/** The GKE-only fields of a cluster spec, by name (the order errors are listed in). */
export const GKE_ONLY_FIELDS = ['releaseChannel', 'network', 'subnetwork', 'privateCluster'] as const;

/** The GKE-only fields, spread into ClusterSpecSchema's object. */
export const GkeSpecFields = {
  /** GKE release channel; GKE's default when absent. */
  releaseChannel: z.enum(RELEASE_CHANNELS, { error: `must be one of: ${RELEASE_CHANNELS.join(', ')}` }).optional(),
  /** VPC network; the project's `default` network when absent. */
  network: NetworkSchema.optional(),
  /** Subnetwork of that network in the cluster's region; GKE's choice when absent. */
  subnetwork: SubnetworkSchema.optional(),
  /** Private nodes; public nodes when absent. */
  privateCluster: PrivateClusterSchema.optional(),
};

/** What a GKE create takes beyond name, labels and version. */
export interface GkeClusterOptions {
  releaseChannel?: ReleaseChannel;
  network?: string;
  subnetwork?: string;
  privateCluster?: z.output<typeof PrivateClusterSchema>;
}

/** The GKE options a spec sets (only those it sets). */
export function gkeOptionsOf(spec: GkeClusterOptions): GkeClusterOptions {
  return Object.fromEntries(GKE_ONLY_FIELDS.flatMap((f) => (spec[f] === undefined ? [] : [[f, spec[f]]])));
}
