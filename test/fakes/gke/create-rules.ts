import { status } from '@grpc/grpc-js';
import { RpcError } from './rpc-error.js';

/**
 * What GKE's CreateCluster refuses with INVALID_ARGUMENT that Fleetflow could get wrong,
 * checked against the fields of google.container.v1.Cluster (cluster_service.proto):
 * a Standard cluster needs nodes, from `node_pools` or from the deprecated
 * `initial_node_count`, never both; node pools need distinct valid names; release channels are
 * the enum's values; private nodes need a /28 for the control plane and a VPC-native cluster.
 * The messages follow GKE's style ("Invalid value for field ..."); their exact words are not
 * GKE's.
 */

/** The part of a CreateCluster request's Cluster these rules read (proto-loader shape, defaults on). */
export interface CreateSpec {
  name?: string;
  initialNodeCount?: number;
  nodePools?: { name?: string; initialNodeCount?: number; config?: { machineType?: string; imageType?: string; resourceLabels?: Record<string, string> } | null }[];
  releaseChannel?: { channel?: string | number } | null;
  network?: string;
  subnetwork?: string;
  privateClusterConfig?: { enablePrivateNodes?: boolean; enablePrivateEndpoint?: boolean; masterIpv4CidrBlock?: string } | null;
  ipAllocationPolicy?: { useIpAliases?: boolean } | null;
  initialClusterVersion?: string;
  resourceLabels?: Record<string, string>;
}

const POOL_NAME = /^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/;
const CHANNELS = ['UNSPECIFIED', 'RAPID', 'REGULAR', 'STABLE', 'EXTENDED'];
const SLASH_28 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\/28$/;

const invalid = (message: string) => new RpcError(status.INVALID_ARGUMENT, message);

/** Throws INVALID_ARGUMENT for a Cluster that real GKE Standard would not create. */
export function refuseInvalidCreate(spec: CreateSpec): void {
  const pools = spec.nodePools ?? [];
  const count = spec.initialNodeCount ?? 0;
  if (count > 0 && pools.length > 0) throw invalid('Cannot specify both "cluster.initial_node_count" and "cluster.node_pools": use node_pools.');
  if (pools.length === 0 && count <= 0) throw invalid('Cluster.initial_node_count must be greater than zero.');
  const seen = new Set<string>();
  pools.forEach((pool, i) => {
    const name = pool.name ?? '';
    if (!POOL_NAME.test(name)) throw invalid(`Invalid value for field "cluster.node_pools[${i}].name": "${name}". Must be a match of regex '(?:[a-z](?:[-a-z0-9]{0,38}[a-z0-9])?)'.`);
    if (seen.has(name)) throw invalid(`Node pool names must be unique: "${name}" is given twice.`);
    seen.add(name);
    if ((pool.initialNodeCount ?? 0) < 0) throw invalid(`Invalid value for field "cluster.node_pools[${i}].initial_node_count": must not be negative.`);
  });
  const channel = spec.releaseChannel?.channel;
  if (channel !== undefined && !(typeof channel === 'string' && CHANNELS.includes(channel))) {
    throw invalid(`Invalid value for field "cluster.release_channel.channel": ${JSON.stringify(channel)}.`);
  }
  const priv = spec.privateClusterConfig;
  if (priv?.enablePrivateEndpoint && !priv.enablePrivateNodes) throw invalid('"private_cluster_config.enable_private_endpoint" requires "enable_private_nodes".');
  if (priv?.enablePrivateNodes) {
    if (!priv.masterIpv4CidrBlock) throw invalid('"private_cluster_config.master_ipv4_cidr_block" must be set for a private cluster.');
    if (!SLASH_28.test(priv.masterIpv4CidrBlock)) throw invalid(`Invalid value for field "private_cluster_config.master_ipv4_cidr_block": "${priv.masterIpv4CidrBlock}": must be a /28.`);
    if (!spec.ipAllocationPolicy?.useIpAliases) throw invalid('Private clusters must be VPC-native: set "ip_allocation_policy.use_ip_aliases".');
  }
}
