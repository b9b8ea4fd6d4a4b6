import type { ExternalAccount, ProviderAccount } from '../../domain/cluster/accounts.js';
import { PermanentError } from '../../errors.js';
import { apiServerHealth } from '../../kube/health.js';
import type { ClusterCredentials, ClusterProvider, ClusterRef, CreateClusterRequest, ProviderChange, ProviderCluster, ProviderNodePool } from '../types.js';
import { externalCredentials } from './kubeconfig-source.js';

/**
 * Clusters Fleetflow did not create (on-prem, edge, another team's cloud cluster). It never
 * creates, upgrades or deletes one: "create" connects to it (Running when its API server is
 * ready), "delete" only lets go of it (deregistration), and the kubeconfig is read by
 * reference from the worker's config on each call.
 */
export class ExternalProvider implements ClusterProvider {
  readonly name = 'external' as const;

  constructor(private readonly account: ExternalAccount) {}

  /** Connects: nothing is created; the answer is whether the cluster can be reached. */
  async create(req: CreateClusterRequest): Promise<ProviderCluster> {
    return this.describe({ name: req.name, region: req.region });
  }

  async describe(ref: ClusterRef): Promise<ProviderCluster> {
    const creds = await this.credentials(ref);
    const health = await apiServerHealth(creds);
    const base = { name: ref.name, providerId: `external://${this.account.name}/${ref.name}`, endpoint: creds.endpoint };
    if (health.ready) return { ...base, status: 'Running', ...(health.version ? { version: health.version } : {}) };
    // Not "Creating": nobody is making it; an unreachable external cluster is a fault to report.
    return { ...base, status: 'Failed', message: `API server not ready: ${health.checks.slice(0, 300)}` };
  }

  /** Deregistration: the cluster itself is left exactly as it is. */
  async delete(ref: ClusterRef): Promise<ProviderCluster> {
    return { name: ref.name, status: 'NotFound', message: 'deregistered; the cluster itself was not touched' };
  }

  credentials(ref: ClusterRef): Promise<ClusterCredentials> {
    return externalCredentials(this.account, ref.name);
  }

  /**
   * Refused: the account's kubeconfig always holds Fleetflow's own credentials for the cluster
   * (a client key or a token: exec plugins are not accepted), and those are not handed to people.
   */
  async kubeconfig(ref: ClusterRef): Promise<string> {
    const source = this.account.kubeconfig;
    const where = 'file' in source ? `file ${source.file}` : `environment variable ${source.env}`;
    throw new PermanentError(
      `cluster ${ref.name} is external: its kubeconfig (${where} of account ${this.account.name}) holds Fleetflow's own credentials, which are not printed; get your own access from the cluster's owners`,
      'NotSupported',
    );
  }

  async createNodePools(ref: ClusterRef, pools: readonly unknown[]): Promise<ProviderNodePool[]> {
    if (pools.length > 0) throw this.notSupported(ref, 'node pools');
    return [];
  }

  async upgradeControlPlane(ref: ClusterRef): Promise<ProviderChange> {
    throw this.notSupported(ref, 'upgrades');
  }

  async upgradeNodePool(ref: ClusterRef): Promise<ProviderChange> {
    throw this.notSupported(ref, 'upgrades');
  }

  async describeChange(ref: ClusterRef): Promise<ProviderChange> {
    throw this.notSupported(ref, 'upgrades');
  }

  private notSupported(ref: ClusterRef, what: string): PermanentError {
    return new PermanentError(`cluster ${ref.name}: ${what} of external clusters are managed by their owners, not Fleetflow`, 'NotSupported');
  }
}

/** Registry factory: an external cluster must name (or default to) an account with its kubeconfig. */
export function externalProviderFor(account: ProviderAccount | undefined): ExternalProvider {
  if (account?.provider !== 'external') {
    throw new PermanentError('an external cluster needs an account with its kubeconfig (accounts[].kubeconfig in FLEETFLOW_CONFIG)', 'AccountNotConfigured');
  }
  return new ExternalProvider(account);
}
