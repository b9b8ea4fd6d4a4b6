import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { stringify } from 'yaml';
import { CLUSTER_ID_HEADER, presignedUrlOf } from '../../../src/providers/eks/tokens.js';

/** One review the webhook answered: for which cluster, with what verdict and why. */
export interface TokenReviewRecord {
  cluster: string;
  authenticated: boolean;
  /** Why a token was refused; the caller's ARN when accepted. */
  detail: string;
}

export interface TokenReviewOptions {
  /** Where the per-cluster webhook kubeconfigs are written. */
  dir: string;
  /** The STS every token must point at (moto), e.g. http://127.0.0.1:5000/. */
  stsEndpoint: string;
  /** Secret access keys STS knows, by key id: signatures are checked the way STS checks them. */
  secrets: Record<string, string>;
  /** Groups of an authenticated caller (EKS maps the admin role to system:masters). */
  groups?: string[];
}

/** Tokens are valid this long after signing, as aws-iam-authenticator enforces. */
const TOKEN_LIFETIME_MS = 15 * 60_000;

/**
 * A Kubernetes token-review webhook that authenticates EKS bearer tokens the way
 * aws-iam-authenticator does: decode `k8s-aws-v1.<base64url URL>`, accept only a presigned
 * STS GetCallerIdentity on the configured STS host whose signature covers x-k8s-aws-id, check
 * the signature for this cluster's id (as STS would) and its age, then replay the GET against
 * STS (moto) and map the returned ARN to a user. Each cluster's kube-apiserver calls its own
 * path (/clusters/<name>), which is how the webhook knows the cluster id.
 */
export class TokenReviewWebhook {
  readonly reviews: TokenReviewRecord[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly opts: TokenReviewOptions,
  ) {}

  static async start(opts: TokenReviewOptions): Promise<TokenReviewWebhook> {
    let hook: TokenReviewWebhook | undefined;
    const server = createServer((req, res) => {
      void hook!.review(req).then(
        (body) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
        (e: unknown) => res.writeHead(500).end(String(e)),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    hook = new TokenReviewWebhook(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, opts);
    return hook;
  }

  /** kube-apiserver flags that send this cluster's bearer tokens here. */
  apiserverArgs(cluster: string): string[] {
    const file = join(this.opts.dir, `token-webhook-${cluster}.kubeconfig`);
    const kubeconfig = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'aws-iam-authenticator', cluster: { server: `${this.url}/clusters/${cluster}` } }],
      users: [{ name: 'apiserver', user: {} }],
      contexts: [{ name: 'webhook', context: { cluster: 'aws-iam-authenticator', user: 'apiserver' } }],
      'current-context': 'webhook',
    };
    writeFileSync(file, stringify(kubeconfig));
    return [`--authentication-token-webhook-config-file=${file}`, '--authentication-token-webhook-version=v1', '--authentication-token-webhook-cache-ttl=5s'];
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async review(req: IncomingMessage): Promise<object> {
    const cluster = /^\/clusters\/([^/?]+)/.exec(req.url ?? '')?.[1] ?? '';
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { apiVersion?: string; spec?: { token?: string } };
    const verdict = await this.verify(cluster, review.spec?.token ?? '');
    this.reviews.push({ cluster, authenticated: verdict.ok, detail: verdict.ok ? verdict.arn : verdict.reason });
    const status = verdict.ok
      ? { authenticated: true, user: { username: verdict.arn, uid: `aws-iam-authenticator:${verdict.userId}`, groups: this.opts.groups ?? ['system:masters'] } }
      : { authenticated: false, error: verdict.reason };
    return { apiVersion: review.apiVersion ?? 'authentication.k8s.io/v1', kind: 'TokenReview', status };
  }

  private async verify(cluster: string, token: string): Promise<{ ok: true; arn: string; userId: string } | { ok: false; reason: string }> {
    const url = presignedUrlOf(token);
    if (!url) return { ok: false, reason: 'not a k8s-aws-v1 token' };
    const sts = new URL(this.opts.stsEndpoint);
    if (url.host !== sts.host) return { ok: false, reason: `unexpected STS host ${url.host}` };
    const q = url.searchParams;
    if (q.get('Action') !== 'GetCallerIdentity' || q.get('Version') !== '2011-06-15') return { ok: false, reason: 'not a GetCallerIdentity request' };
    const signedHeaders = (q.get('X-Amz-SignedHeaders') ?? '').split(';');
    if (!signedHeaders.includes(CLUSTER_ID_HEADER)) return { ok: false, reason: `${CLUSTER_ID_HEADER} is not signed` };
    const signedAt = parseAmzDate(q.get('X-Amz-Date') ?? '');
    if (!signedAt || Date.now() - signedAt.getTime() > TOKEN_LIFETIME_MS) return { ok: false, reason: 'token expired' };
    const [keyId, , region] = (q.get('X-Amz-Credential') ?? '').split('/');
    const secret = keyId ? this.opts.secrets[keyId] : undefined;
    if (!secret || !region) return { ok: false, reason: `unknown access key ${keyId ?? ''}` };
    if ((await expectedSignature(url, cluster, keyId!, secret, region, signedAt)) !== q.get('X-Amz-Signature')) {
      return { ok: false, reason: `signature does not match cluster ${cluster}` };
    }
    return this.replay(url, cluster);
  }

  /**
   * The presigned GET, sent to STS. moto routes a request to a service by its Authorization
   * header (it has no host-based routing for unsigned requests), so the query's SigV4
   * parameters also go into that header: the same signature, in the header form.
   */
  private async replay(url: URL, cluster: string): Promise<{ ok: true; arn: string; userId: string } | { ok: false; reason: string }> {
    const q = url.searchParams;
    const authorization = `AWS4-HMAC-SHA256 Credential=${q.get('X-Amz-Credential')}, SignedHeaders=${q.get('X-Amz-SignedHeaders')}, Signature=${q.get('X-Amz-Signature')}`;
    const res = await fetch(url, { headers: { [CLUSTER_ID_HEADER]: cluster, authorization } });
    const body = await res.text();
    const arn = /<Arn>([^<]+)<\/Arn>/.exec(body)?.[1];
    const userId = /<UserId>([^<]+)<\/UserId>/.exec(body)?.[1];
    if (!res.ok || !arn || !userId) return { ok: false, reason: `STS answered ${res.status}: ${body.slice(0, 200)}` };
    return { ok: true, arn, userId };
  }
}

/** "20261125T183310Z" -> Date. */
function parseAmzDate(s: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  return m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : undefined;
}

/** The signature STS would compute for this request, bound to this cluster's id. */
async function expectedSignature(url: URL, cluster: string, keyId: string, secret: string, region: string, signedAt: Date): Promise<string | undefined> {
  const q = url.searchParams;
  const sessionToken = q.get('X-Amz-Security-Token');
  const signer = new SignatureV4({
    service: 'sts',
    region,
    credentials: { accessKeyId: keyId, secretAccessKey: secret, ...(sessionToken ? { sessionToken } : {}) },
    sha256: Hash.bind(null, 'sha256'),
  });
  const signed = await signer.presign(
    {
      method: 'GET',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      headers: { host: url.host, [CLUSTER_ID_HEADER]: cluster },
    },
    { expiresIn: Number(q.get('X-Amz-Expires') ?? '60'), signingDate: signedAt },
  );
  const sig = signed.query?.['X-Amz-Signature'];
  return typeof sig === 'string' ? sig : undefined;
}
