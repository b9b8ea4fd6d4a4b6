import { createHash } from 'node:crypto';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, HttpRequest } from '@smithy/types';

/**
 * EKS clientRequestToken for an idempotency key: a UUID-shaped digest of the key, so every
 * retry, replay or repeated start of the same step sends the same token (the SDK would fill
 * in a random UUID), and the token stays within EKS's accepted length whatever the key.
 *
 * @example requestToken('provision/web-1/create') // '3f0c…-…', the same on every call
 */
export function requestToken(idempotencyKey: string): string {
  const h = createHash('sha256').update(`fleetflow/eks/${idempotencyKey}`).digest('hex');
  // Version nibble 5 and RFC 4122 variant, like a name-based UUID.
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Prefix of an EKS bearer token (aws-iam-authenticator's v1 format). */
export const TOKEN_PREFIX = 'k8s-aws-v1.';
/** Header that binds a presigned GetCallerIdentity request to one cluster. */
export const CLUSTER_ID_HEADER = 'x-k8s-aws-id';
/** Lifetime of the presigned URL, as aws-iam-authenticator sets it; the token is valid ~15 min. */
export const PRESIGN_EXPIRES_SECONDS = 60;

export interface BearerTokenRequest {
  /** The cluster name: the API server's authenticator checks it against its own cluster id. */
  clusterName: string;
  region: string;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** STS endpoint override (an emulator); the regional public endpoint when absent. */
  stsEndpoint?: string;
  /** Signing time; now when absent (tests pin it). */
  signingDate?: Date;
}

/**
 * A bearer token for an EKS cluster's API server, made the way aws-iam-authenticator and
 * `aws eks get-token` make it: a presigned STS GetCallerIdentity GET whose signature covers
 * the x-k8s-aws-id header, base64url-encoded without padding behind "k8s-aws-v1.". Built in
 * memory; it is a credential and must never be logged or returned to a workflow.
 */
export async function bearerToken(req: BearerTokenRequest): Promise<string> {
  const endpoint = new URL(req.stsEndpoint ?? `https://sts.${req.region}.amazonaws.com/`);
  const signer = new SignatureV4({
    service: 'sts',
    region: req.region,
    credentials: req.credentials,
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: true,
  });
  const request: HttpRequest = {
    method: 'GET',
    protocol: endpoint.protocol,
    hostname: endpoint.hostname,
    ...(endpoint.port ? { port: Number(endpoint.port) } : {}),
    path: endpoint.pathname || '/',
    query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    headers: { host: endpoint.host, [CLUSTER_ID_HEADER]: req.clusterName },
  };
  const signed = await signer.presign(request, {
    expiresIn: PRESIGN_EXPIRES_SECONDS,
    ...(req.signingDate ? { signingDate: req.signingDate } : {}),
  });
  return TOKEN_PREFIX + Buffer.from(urlOf(signed), 'utf8').toString('base64url');
}

/** The presigned URL inside a token; undefined when it is not a k8s-aws-v1 token. */
export function presignedUrlOf(token: string): URL | undefined {
  if (!token.startsWith(TOKEN_PREFIX)) return undefined;
  try {
    return new URL(Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

function urlOf(req: HttpRequest): string {
  const query = Object.entries(req.query ?? {})
    .flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x] as const) : v === null ? [] : [[k, v] as const]))
    .map(([k, v]) => `${escape(k)}=${escape(v)}`)
    .join('&');
  const port = req.port ? `:${req.port}` : '';
  return `${req.protocol}//${req.hostname}${port}${req.path}?${query}`;
}

/** RFC 3986 escaping, as SigV4 canonicalises query values. */
const escape = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
