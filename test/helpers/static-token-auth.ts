import { createAuthenticator, type Authenticator } from '../../src/api/auth/authenticator.js';
import { hashApiToken } from '../../src/api/auth/api-tokens.js';
import type { AccessPolicy } from '../../src/domain/auth/policy.js';

/** The API's own authentication with API tokens only (no OIDC issuer), for tests. */
export const staticTokenAuth = (policy: AccessPolicy): Authenticator => createAuthenticator({ policy });

/** The "sha256:<hex>" a policy stores for a token. */
export const tokenHash = hashApiToken;
