import { createHash } from 'node:crypto';

/**
 * Static API tokens for tests: the API's own token authentication (src/api/token-authenticate.ts),
 * and the hash a policy stores for a token.
 */
export { authenticateTokens as staticTokenAuth } from '../../src/api/token-authenticate.js';

/** The "sha256:<hex>" a policy stores for a token. */
export const tokenHash = (token: string) => `sha256:${createHash('sha256').update(token, 'utf8').digest('hex')}`;
