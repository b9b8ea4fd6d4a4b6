import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { errors, type ProviderClient } from 'oidc-provider';

/**
 * A real OpenID Provider (npm oidc-provider) on 127.0.0.1 at a free port, for tests of the API's
 * authentication. It issues JWT access tokens (resource indicators, one resource: the API's
 * audience) through the client_credentials grant at its token endpoint, publishes discovery and
 * its JWKS, and signs with an ES256 key made at start. Everything goes over HTTP.
 *
 * People are test subjects: `tokenFor({ subject, groups })` registers a client for the subject
 * over dynamic client registration (RFC 7591) with the subject, groups and lifetime as client
 * metadata, then runs client_credentials as that client; the JWT customizer writes the subject
 * as `sub` and the groups under the groups claim. A plain http issuer works: oidc-provider 9
 * does not check the issuer's scheme (https matters to it only for cookie flags and some client
 * URLs, neither used by this grant).
 */

/** Client metadata the provider accepts beside the standard fields (strings only: validated below). */
const SUBJECT = 'fleetflow_subject';
const GROUPS = 'fleetflow_groups';
const NAME = 'fleetflow_name';
const TTL = 'fleetflow_ttl';

/** What a token for a test subject carries. */
export interface SubjectToken {
  subject: string;
  groups?: string[];
  /** Becomes the `name` claim (the API's display name). */
  name?: string;
  /** Lifetime in seconds (default 300). */
  expiresIn?: number;
}

/** The provider's storage: a Map, so it needs no database (and prints no dev-adapter warning). */
class MapAdapter {
  private static readonly items = new Map<string, { payload: Record<string, unknown>; expiresAt?: number }>();
  constructor(private readonly model: string) {}
  private key = (id: string) => `${this.model}:${id}`;
  async upsert(id: string, payload: Record<string, unknown>, expiresIn?: number) {
    MapAdapter.items.set(this.key(id), { payload, ...(expiresIn ? { expiresAt: Date.now() + expiresIn * 1000 } : {}) });
  }
  async find(id: string) {
    const item = MapAdapter.items.get(this.key(id));
    return item && (!item.expiresAt || item.expiresAt > Date.now()) ? item.payload : undefined;
  }
  async findByUid(uid: string) {
    return [...MapAdapter.items.values()].find((i) => i.payload.uid === uid)?.payload;
  }
  async findByUserCode(code: string) {
    return [...MapAdapter.items.values()].find((i) => i.payload.userCode === code)?.payload;
  }
  async consume(id: string) {
    const item = MapAdapter.items.get(this.key(id));
    if (item) item.payload.consumed = Math.floor(Date.now() / 1000);
  }
  async destroy(id: string) {
    MapAdapter.items.delete(this.key(id));
  }
  async revokeByGrantId(grantId: string) {
    for (const [k, v] of MapAdapter.items) if (v.payload.grantId === grantId) MapAdapter.items.delete(k);
  }
}

function validateMetadata(_ctx: unknown, key: string, value: unknown) {
  if (value === undefined) return;
  const ok =
    key === GROUPS ? Array.isArray(value) && value.every((g) => typeof g === 'string')
    : key === TTL ? Number.isInteger(value) && (value as number) > 0
    : typeof value === 'string' && value !== '';
  if (!ok) throw new errors.InvalidClientMetadata(`${key} is invalid`);
}

export class TestOidcIssuer {
  /** Paths of every request the issuer answered, in order (e.g. to see discovery fetched once). */
  readonly requests: string[] = [];
  private server?: Server;
  private url?: string;
  private readonly groupsClaim: string;

  constructor(readonly options: { audience: string; groupsClaim?: string }) {
    this.groupsClaim = options.groupsClaim ?? 'groups';
  }

  /** http://127.0.0.1:PORT, once started. */
  get issuer(): string {
    if (!this.url) throw new Error('TestOidcIssuer: not started');
    return this.url;
  }

  get audience(): string {
    return this.options.audience;
  }

  async start(): Promise<this> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const signingKey = { ...(await exportJWK(privateKey)), kid: `test-${Date.now()}`, alg: 'ES256', use: 'sig' };
    const audience = this.options.audience;
    const provider = new Provider(this.url, {
      adapter: MapAdapter,
      jwks: { keys: [signingKey] },
      clientDefaults: { grant_types: ['client_credentials'], response_types: [], redirect_uris: [], id_token_signed_response_alg: 'ES256' },
      extraClientMetadata: { properties: [SUBJECT, GROUPS, NAME, TTL], validator: validateMetadata },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        registration: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => audience,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx: unknown, resource: string, client: ProviderClient) => {
            if (resource !== audience) throw new errors.InvalidClientMetadata(`unknown resource ${resource}`);
            const ttl = typeof client[TTL] === 'number' ? client[TTL] : 300;
            return { scope: 'api', audience, accessTokenFormat: 'jwt', accessTokenTTL: ttl, jwt: { sign: { alg: 'ES256' } } };
          },
        },
      },
      ttl: { ClientCredentials: (_ctx: unknown, _token: unknown, client: ProviderClient) => (typeof client[TTL] === 'number' ? client[TTL] : 300) },
      formats: {
        customizers: {
          // A subject's client stands in for the person: the token names them, not the client.
          jwt: (_ctx: unknown, token: { client?: ProviderClient }, jwt: { payload: Record<string, unknown> }) => {
            const client = token.client;
            if (typeof client?.[SUBJECT] !== 'string') return;
            jwt.payload.sub = client[SUBJECT];
            jwt.payload[this.groupsClaim] = client[GROUPS] ?? [];
            if (typeof client[NAME] === 'string') jwt.payload.name = client[NAME];
          },
        },
      },
    });
    const handle = provider.callback();
    server.on('request', (req, res) => {
      this.requests.push(new URL(req.url ?? '/', this.url).pathname);
      handle(req, res);
    });
    return this;
  }

  /** Stops the server; idempotent. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** A JWT access token for a person: registers a client for them, then client_credentials. */
  async tokenFor(who: SubjectToken): Promise<string> {
    const client = await this.register({
      [SUBJECT]: who.subject,
      [GROUPS]: who.groups ?? [],
      ...(who.name ? { [NAME]: who.name } : {}),
      ...(who.expiresIn ? { [TTL]: who.expiresIn } : {}),
    });
    return this.clientCredentials(client);
  }

  /** A JWT access token for a machine client: its `sub` is the client id, no groups. */
  async machineToken(): Promise<{ token: string; clientId: string }> {
    const client = await this.register({});
    return { token: await this.clientCredentials(client), clientId: client.client_id };
  }

  private async register(metadata: Record<string, unknown>): Promise<{ client_id: string; client_secret: string }> {
    const res = await fetch(`${this.issuer}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_types: ['client_credentials'], response_types: [], redirect_uris: [], token_endpoint_auth_method: 'client_secret_basic', ...metadata }),
    });
    if (res.status !== 201) throw new Error(`client registration answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as { client_id: string; client_secret: string };
  }

  private async clientCredentials(client: { client_id: string; client_secret: string }): Promise<string> {
    const basic = Buffer.from(`${encodeURIComponent(client.client_id)}:${encodeURIComponent(client.client_secret)}`).toString('base64');
    const res = await fetch(`${this.issuer}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: this.audience, scope: 'api' }),
    });
    if (res.status !== 200) throw new Error(`token endpoint answered ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { access_token: string }).access_token;
  }
}
