import type { Principal } from '../domain/auth/authorize.js';

/**
 * How the API learns who calls: a function of the Authorization header. The real one
 * (src/api/auth/) verifies OIDC bearer tokens and static API tokens; tests may give another.
 */
export type AuthResult = { ok: true; principal: Principal } | { ok: false; status: 401; reason: string; wwwAuthenticate: string };

/** Authenticates one request by its Authorization header (undefined when it has none). */
export type Authenticate = (authorizationHeader: string | undefined) => Promise<AuthResult>;
