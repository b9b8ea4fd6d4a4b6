import { EKSClient } from '@aws-sdk/client-eks';
import { fromIni, fromNodeProviderChain, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { EksAccount } from '../../domain/cluster/accounts.js';

/**
 * Timeouts and retries of the EKS provider. Temporal retries activities with backoff, so the
 * SDK's own retries stay few (enough to ride out a burst of throttling inside one activity
 * attempt) and every request is bounded well inside a quick activity's 30 s.
 */
export interface EksTuning {
  /** SDK attempts per call, first included (the SDK's standard retry mode). */
  maxAttempts: number;
  connectionTimeoutMs: number;
  /** Time to wait for a response once the request is sent. */
  requestTimeoutMs: number;
  /** Pause between looks while delete waits for node groups to go. */
  deletePollMs: number;
  /** How long one delete call waits for node groups before it gives up (retryable). */
  deleteWaitMs: number;
}

export const DEFAULT_TUNING: EksTuning = {
  maxAttempts: 3,
  connectionTimeoutMs: 5_000,
  requestTimeoutMs: 20_000,
  deletePollMs: 15_000,
  deleteWaitMs: 12 * 60_000,
};

export type AwsCredentials = AwsCredentialIdentity | AwsCredentialIdentityProvider;

/**
 * Where an account's AWS credentials come from, never the credentials themselves: a named
 * profile (shared config and credentials files) or the default chain (environment, SSO, web
 * identity, container and instance roles), then an assumed role when the account names one.
 */
export function credentialsFor(account: Partial<EksAccount>, region: string): AwsCredentialIdentityProvider {
  const base = account.profile ? fromIni({ profile: account.profile }) : fromNodeProviderChain();
  if (!account.roleArn) return base;
  return fromTemporaryCredentials({
    params: { RoleArn: account.roleArn, RoleSessionName: 'fleetflow' },
    masterCredentials: base,
    clientConfig: { region, ...(account.stsEndpoint ? { endpoint: account.stsEndpoint } : {}) },
  });
}

/** An EKS client for one region of an account, with the tuned timeouts and retries. */
export function eksClient(region: string, credentials: AwsCredentials, tuning: EksTuning, endpoint?: string): EKSClient {
  return new EKSClient({
    region,
    credentials,
    maxAttempts: tuning.maxAttempts,
    ...(endpoint ? { endpoint } : {}),
    // Without throwOnRequestTimeout, smithy only logs a warning when requestTimeout passes and
    // keeps waiting, so a lost answer would hold the activity until its own timeout.
    requestHandler: new NodeHttpHandler({ connectionTimeout: tuning.connectionTimeoutMs, requestTimeout: tuning.requestTimeoutMs, throwOnRequestTimeout: true }),
  });
}
