import type { ProviderName } from '../../domain/cluster/spec.js';
import { PermanentError } from '../../errors.js';
import type { ClusterCredentials, ClusterProvider, CreateClusterRequest, ClusterRef, ProviderChange, ProviderCluster, ProviderNodePool } from '../types.js';
import { agentCredentials, type AgentCredentialsSource } from './credentials-source.js';

/**
 * What an agent serves in place of a provider: the credentials of its one cluster, and nothing
 * else. A task for any other cluster (a misrouted one, or a worker that polls the wrong queue)
 * is refused before any credential is read; lifecycle calls stay with the main worker.
 */
export class AgentProvider implements ClusterProvider {
  constructor(
    readonly name: ProviderName,
    private readonly cluster: string,
    private readonly source: AgentCredentialsSource,
  ) {}

  async credentials(ref: ClusterRef): Promise<ClusterCredentials> {
    if (ref.name !== this.cluster) throw new PermanentError(`this agent serves cluster ${this.cluster} only, not ${ref.name}`, 'ProviderNotConfigured');
    return agentCredentials(this.source, this.cluster);
  }

  private refuse(ref: ClusterRef, what: string): never {
    throw new PermanentError(`cluster ${ref.name}: the agent does not ${what}; the main worker does`, 'NotSupported');
  }

  async create(req: CreateClusterRequest): Promise<ProviderCluster> {
    this.refuse(req, 'create clusters');
  }
  async describe(ref: ClusterRef): Promise<ProviderCluster> {
    this.refuse(ref, 'describe clusters');
  }
  async delete(ref: ClusterRef): Promise<ProviderCluster> {
    this.refuse(ref, 'delete clusters');
  }
  async kubeconfig(ref: ClusterRef): Promise<string> {
    this.refuse(ref, 'hand out kubeconfigs');
  }
  async createNodePools(ref: ClusterRef): Promise<ProviderNodePool[]> {
    this.refuse(ref, 'create node pools');
  }
  async upgradeControlPlane(ref: ClusterRef): Promise<ProviderChange> {
    this.refuse(ref, 'upgrade control planes');
  }
  async upgradeNodePool(ref: ClusterRef): Promise<ProviderChange> {
    this.refuse(ref, 'upgrade node pools');
  }
  async describeChange(ref: ClusterRef): Promise<ProviderChange> {
    this.refuse(ref, 'follow provider changes');
  }
}
