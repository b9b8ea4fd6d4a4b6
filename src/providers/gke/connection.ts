import { ClusterManagerClient } from '@google-cloud/container';
import { GoogleAuth } from 'google-auth-library';
import { grpc, type CallOptions } from 'google-gax';

/** Returns an OAuth2 access token for the clusters' API servers; called once per credentials(). */
export type AccessTokenSource = () => Promise<string>;

/** How to reach GKE for one project (an account of the worker's config). */
export interface GkeProviderOptions {
  /** Google Cloud project id that owns the clusters. */
  project: string;
  /** host:port of an emulator, reached with plaintext gRPC and no auth; the public API when absent. */
  endpoint?: string;
  /** Service-account or authorized-user JSON file; Application Default Credentials when absent. */
  credentialsFile?: string;
  /**
   * Where access tokens for cluster API servers come from. Default: GoogleAuth (ADC or
   * credentialsFile) getAccessToken(). Tests against the emulator inject one, because ADC
   * cannot run offline.
   */
  tokenSource?: AccessTokenSource;
  /** Deadline of one API call; google-gax's own retries are off, Temporal retries. Default 15 s. */
  callTimeoutMs?: number;
  /**
   * How long one call waits for the cluster's running operation to end before starting another
   * (GKE runs one at a time), before giving up with a retryable error. Default 10 s.
   */
  busyWaitMs?: number;
  /** Pause between two tries while the cluster is busy. Default 1 s. */
  busyPollMs?: number;
}

/** What every call of the provider uses: the client, its call options, and how to wait while GKE is busy. */
export interface GkeConnection {
  project: string;
  client: ClusterManagerClient;
  tokenSource: AccessTokenSource;
  callOptions: CallOptions;
  busyWaitMs: number;
  busyPollMs: number;
}

const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';

/** The ClusterManager client (public API with Google auth, or an emulator in plaintext) and the settings of every call. */
export function connect(opts: GkeProviderOptions): GkeConnection {
  const auth = new GoogleAuth({ scopes: CLOUD_PLATFORM, ...(opts.credentialsFile ? { keyFilename: opts.credentialsFile } : {}) });
  let client: ClusterManagerClient;
  if (opts.endpoint) {
    const [host, port] = opts.endpoint.split(':') as [string, string];
    // google-gax's own grpc instance: channel credentials from another copy are not recognised.
    // The emulator needs no Google credentials: naming the universe keeps google-gax from
    // probing ADC and the GCE metadata server before the first call.
    const offline = new GoogleAuth({ clientOptions: { universeDomain: 'googleapis.com' } });
    client = new ClusterManagerClient({ apiEndpoint: host, port: Number(port), sslCreds: grpc.credentials.createInsecure(), auth: offline });
  } else {
    client = new ClusterManagerClient({ auth, projectId: opts.project });
  }
  const tokenSource =
    opts.tokenSource ??
    (async () => {
      const token = await auth.getAccessToken();
      if (!token) throw new Error('Could not load the default credentials: no access token returned');
      return token;
    });
  return {
    project: opts.project,
    client,
    tokenSource,
    callOptions: { timeout: opts.callTimeoutMs ?? 15_000, retry: null },
    busyWaitMs: opts.busyWaitMs ?? 10_000,
    busyPollMs: opts.busyPollMs ?? 1_000,
  };
}
