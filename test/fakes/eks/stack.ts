import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EksAccount } from '../../../src/domain/cluster/accounts.js';
import { EksProvider, type EksTuning } from '../../../src/providers/eks/index.js';
import type { ClusterProvider } from '../../../src/providers/types.js';
import { Moto } from '../../helpers/moto.js';
import { FaultProxy, type FaultRule } from '../fault-injector.js';
import type { FaultPlanOptions } from '../fault-plan.js';
import { EksFake, type EksFakeOptions } from './server.js';
import { TokenReviewWebhook } from './token-review.js';

/** Test credentials: random per run, so a leak check can look for the exact secret. */
export function testCredentials() {
  return { accessKeyId: `AKIAFLEETFLOW${randomBytes(4).toString('hex').toUpperCase()}`, secretAccessKey: randomBytes(20).toString('base64') };
}

/** Fast timeouts and waits for emulators: no 30 s delays anywhere. */
export const TEST_TUNING: Partial<EksTuning> = { connectionTimeoutMs: 2_000, requestTimeoutMs: 5_000, deletePollMs: 300, deleteWaitMs: 60_000 };

/** Account fields every test account has: roles and subnets EKS requires. */
export const ACCOUNT_BASE = {
  provider: 'eks' as const,
  region: 'eu-west-1',
  clusterRoleArn: 'arn:aws:iam::123456789012:role/fleetflow-eks-cluster',
  nodeRoleArn: 'arn:aws:iam::123456789012:role/fleetflow-eks-node',
  subnetIds: ['subnet-0aaa1111', 'subnet-0bbb2222'],
};

export interface EksStackOptions {
  /** Random faults between the provider and the EKS API (the fake or moto); none when absent. */
  faults?: FaultPlanOptions;
  rules?: FaultRule[];
  /** Serve the EKS API from moto instead of the contract fake. */
  api?: 'fake' | 'moto';
  durations?: EksFakeOptions['durations'];
}

/**
 * Everything an EKS test needs, started together and stopped by close(): moto (STS, and the
 * EKS API when asked), the token-review webhook, the EKS contract fake with its real control
 * planes, and a fault proxy in front of the EKS API.
 */
export class EksStack {
  private constructor(
    readonly moto: Moto,
    readonly webhook: TokenReviewWebhook | undefined,
    readonly fake: EksFake | undefined,
    readonly proxy: FaultProxy,
    readonly credentials: { accessKeyId: string; secretAccessKey: string },
    private readonly dir: string,
  ) {}

  static async start(opts: EksStackOptions = {}): Promise<EksStack> {
    const dir = mkdtempSync(join(tmpdir(), 'fleetflow-eks-stack-'));
    const credentials = testCredentials();
    const moto = await Moto.start();
    let webhook: TokenReviewWebhook | undefined;
    let fake: EksFake | undefined;
    try {
      if (opts.api !== 'moto') {
        webhook = await TokenReviewWebhook.start({ dir, stsEndpoint: `${moto.url}/`, secrets: { [credentials.accessKeyId]: credentials.secretAccessKey } });
        const hook = webhook;
        fake = await EksFake.start({ region: ACCOUNT_BASE.region, extraApiserverArgs: (c) => hook.apiserverArgs(c), ...(opts.durations ? { durations: opts.durations } : {}) });
      }
      const proxy = await FaultProxy.start({ target: fake?.url ?? moto.url, ...(opts.faults ? { plan: opts.faults } : {}), ...(opts.rules ? { rules: opts.rules } : {}) });
      return new EksStack(moto, webhook, fake, proxy, credentials, dir);
    } catch (e) {
      await fake?.close();
      await webhook?.close();
      await moto.stop();
      throw e;
    }
  }

  /** An account that reaches the EKS API through the fault proxy and STS on moto. */
  account(name = 'aws-test'): EksAccount {
    return { ...ACCOUNT_BASE, name, endpoint: this.proxy.url, stsEndpoint: `${this.moto.url}/` };
  }

  provider(tuning: Partial<EksTuning> = {}, account = this.account()): ClusterProvider {
    return new EksProvider({ account, credentials: this.credentials, tuning: { ...TEST_TUNING, ...tuning } });
  }

  async close(): Promise<void> {
    await this.proxy.close();
    await this.fake?.close();
    await this.webhook?.close();
    await this.moto.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
