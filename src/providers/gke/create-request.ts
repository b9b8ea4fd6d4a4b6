import type { protos } from '@google-cloud/container';
import type { ReleaseChannel } from '../../domain/cluster/gke-options.js';
import type { NodePoolSpec } from '../../domain/cluster/spec.js';
import type { CreateClusterRequest } from '../types.js';
import { KEY_LABEL, keyLabelValue, resourceLabels } from './mapping.js';

/**
 * The CreateCluster body for a request, pure: what real GKE Standard needs (node pools; never
 * the deprecated initialNodeCount beside them) and what the spec chose (release channel,
 * network, subnetwork, private nodes).
 */

type Cluster = protos.google.container.v1.ICluster;
type NodePool = protos.google.container.v1.INodePool;

/**
 * The pool a cluster gets when its spec names none. GKE Standard refuses a cluster without
 * nodes; like gcloud it is called default-pool, with one node per zone of the location.
 */
export const DEFAULT_POOL: NodePoolSpec = { name: 'default-pool', nodeCount: 1 };

/** Spec channel -> ReleaseChannel.Channel; `none` is UNSPECIFIED (no channel). */
const CHANNELS: Record<ReleaseChannel, 'RAPID' | 'REGULAR' | 'STABLE' | 'EXTENDED' | 'UNSPECIFIED'> = {
  rapid: 'RAPID',
  regular: 'REGULAR',
  stable: 'STABLE',
  extended: 'EXTENDED',
  none: 'UNSPECIFIED',
};

/** One node pool of a create (or of CreateNodePool), marked with the idempotency key's label. */
export function nodePoolBody(pool: NodePoolSpec, idempotencyKey: string): NodePool {
  return {
    name: pool.name,
    initialNodeCount: pool.nodeCount,
    // Pools are adopted by name; the key marks the pool's cloud resources for whoever looks.
    config: { ...(pool.machineType ? { machineType: pool.machineType } : {}), resourceLabels: { [KEY_LABEL]: keyLabelValue(idempotencyKey) } },
  };
}

/**
 * The Cluster of a CreateCluster call. Private nodes are set through privateClusterConfig
 * (deprecated in favour of networkConfig, still served) and make the cluster VPC-native
 * (useIpAliases), which GKE requires of private clusters.
 */
export function createClusterBody(req: CreateClusterRequest): Cluster {
  const gke = req.gke ?? {};
  const pools = req.nodePools?.length ? req.nodePools : [DEFAULT_POOL];
  const priv = gke.privateCluster;
  return {
    name: req.name,
    resourceLabels: resourceLabels(req.labels, req.idempotencyKey),
    ...(req.kubernetesVersion ? { initialClusterVersion: req.kubernetesVersion } : {}),
    nodePools: pools.map((p) => nodePoolBody(p, req.idempotencyKey)),
    ...(gke.releaseChannel ? { releaseChannel: { channel: CHANNELS[gke.releaseChannel] } } : {}),
    ...(gke.network ? { network: gke.network } : {}),
    ...(gke.subnetwork ? { subnetwork: gke.subnetwork } : {}),
    ...(priv
      ? {
          privateClusterConfig: { enablePrivateNodes: true, enablePrivateEndpoint: priv.privateEndpoint, masterIpv4CidrBlock: priv.masterIpv4CidrBlock },
          ipAllocationPolicy: { useIpAliases: true },
        }
      : {}),
  };
}
