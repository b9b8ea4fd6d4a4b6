import type { Principal } from '../domain/auth/authorize.js';

/** What the middleware leaves on each /v1 request's context: the authenticated principal. */
export type ApiEnv = { Variables: { principal: Principal } };
