import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

/**
 * A minimal issuer for unit tests of token verification: jose keys, a discovery document and a
 * JWKS served on 127.0.0.1 at a free port, and a `sign` that makes any token a test needs
 * (expired, for another audience, with a key the JWKS does not publish). It counts requests so
 * a test sees what the verifier fetched. The real issuer is test/helpers/oidc-issuer.ts.
 */

/** An asymmetric key pair the issuer may publish. */
export interface TestKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/** Makes a key pair; `kid` defaults to the algorithm's name. */
export async function makeKey(alg: string, kid = alg.toLowerCase()): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

export class JwksIssuer {
  /** Request paths, in order. */
  readonly requests: string[] = [];
  /** While set, discovery answers 503 (to see that a failure is not cached). */
  discoveryDown = false;
  /** The issuer the discovery document claims (default: the real one). */
  claimedIssuer?: string;
  private server?: Server;
  private url?: string;

  /** The keys the JWKS publishes (tests may sign with others). */
  constructor(readonly keys: TestKey[]) {}

  get issuer(): string {
    if (!this.url) throw new Error('JwksIssuer: not started');
    return this.url;
  }

  get jwksUri(): string {
    return `${this.issuer}/jwks`;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', this.url).pathname;
      this.requests.push(path);
      const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (path === '/.well-known/openid-configuration') {
        if (this.discoveryDown) return json(503, { error: 'unavailable' });
        return json(200, { issuer: this.claimedIssuer ?? this.url, jwks_uri: this.jwksUri, id_token_signing_alg_values_supported: this.keys.map((k) => k.alg) });
      }
      if (path === '/jwks') return json(200, { keys: this.keys.map((k) => k.publicJwk) });
      json(404, { error: 'not found' });
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * Signs `claims` with `key` (default: the first published key). `iss` defaults to this
   * issuer; times are whatever the test gives (seconds since the epoch).
   */
  async sign(claims: JWTPayload, key: TestKey = this.keys[0]!): Promise<string> {
    return new SignJWT({ iss: this.issuer, ...claims }).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' }).sign(key.privateKey);
  }
}
