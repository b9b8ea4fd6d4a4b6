import { DescribeClusterCommand, type Cluster, type EKSClient } from '@aws-sdk/client-eks';
import type { EksAccount } from '../../domain/cluster/accounts.js';
import { PermanentError } from '../../errors.js';
import type { ClusterRef } from '../types.js';
import { type AwsCredentials, credentialsFor, DEFAULT_TUNING, eksClient, type EksTuning } from './client.js';
import { eksError, isAwsError } from './errors.js';

/**
 * What every EKS call of one account shares: the account, the tuning, and one SDK client and
 * one credential chain per region, made on first use.
 */
export class EksSession {
  readonly account: Partial<EksAccount>;
  readonly tuning: EksTuning;
  private readonly clients = new Map<string, EKSClient>();
  private readonly creds = new Map<string, AwsCredentials>();

  constructor(
    account: EksAccount | undefined,
    tuning: Partial<EksTuning> | undefined,
    /** Credentials to use instead of the account's chain. */
    private readonly fixedCredentials: AwsCredentials | undefined,
  ) {
    this.account = account ?? {};
    this.tuning = { ...DEFAULT_TUNING, ...tuning };
  }

  get accountName(): string {
    return this.account.name ?? '(default)';
  }

  /** The cluster's region, else the account's; neither is a permanent error naming the cluster. */
  regionOf(ref: { name: string; region?: string }): string {
    const region = ref.region && ref.region !== 'local' ? ref.region : this.account.region;
    if (!region) throw new PermanentError(`cluster ${ref.name}: no AWS region: name one in the spec or the account`, 'InvalidClusterSpec');
    return region;
  }

  credentialsFor(region: string): AwsCredentials {
    if (this.fixedCredentials) return this.fixedCredentials;
    let c = this.creds.get(region);
    if (!c) this.creds.set(region, (c = credentialsFor(this.account, region)));
    return c;
  }

  client(region: string): EKSClient {
    let c = this.clients.get(region);
    if (!c) this.clients.set(region, (c = eksClient(region, this.credentialsFor(region), this.tuning, this.account.endpoint)));
    return c;
  }

  /** DescribeCluster; undefined when absent or when the name now belongs to another cluster. */
  async describeCluster(ref: ClusterRef, region: string): Promise<Cluster | undefined> {
    try {
      const c = (await this.client(region).send(new DescribeClusterCommand({ name: ref.name }))).cluster;
      if (c && ref.providerId && c.arn && c.arn !== ref.providerId) return undefined;
      return c;
    } catch (e) {
      if (isAwsError(e, 'ResourceNotFoundException')) return undefined;
      throw eksError(e, ref.name, 'DescribeCluster');
    }
  }

  /** DescribeCluster of a cluster that must exist (ClusterNotFound otherwise). */
  async mustDescribe(ref: ClusterRef, region: string): Promise<Cluster> {
    const c = await this.describeCluster(ref, region);
    if (!c) throw new PermanentError(`cluster ${ref.name}: not found on EKS in ${region}`, 'ClusterNotFound');
    return c;
  }
}
