import { describe, expect, it } from 'vitest';
import { secretsIn } from '../helpers/history-secrets.js';
import { TEST_KEY_BASE64 } from '../helpers/test-encryption.js';

// The patterns the integration teardown scans every history for: each secret is found, and
// what histories legitimately hold (names, hashes, the word "token") is not.
describe('secretsIn', () => {
  it.each([
    ['a private key', 'x -----BEGIN EC PRIVATE KEY-----\nMHc...', ['a PEM block (key material, "-----BEGIN")']],
    ['a certificate is key material too', '-----BEGIN CERTIFICATE-----', ['a PEM block (key material, "-----BEGIN")']],
    ['a kubeconfig with its key', 'users: [{user: {client-key-data: LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0t}}]', ['a base64-encoded PEM block (kubeconfig *-data)', 'a kubeconfig client key']],
    ['an API token', `token ffat_${'a'.repeat(43)}`, ['a Fleetflow API token (ffat_...)']],
    ['a webhook secret', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', ['a webhook secret (whsec_...)']],
    ['a bearer header', 'authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9', ['a bearer token']],
    ['the payload key', `key ${TEST_KEY_BASE64}`, ['the payload encryption key']],
    ['names, hashes and words are not secrets', 'token ci-deploy sha256:164bcd66a59f31c67e37e1b63fe8a6621811542f89fe1ad19efaa41bf314b4fa Bearer ffat_', []],
  ])('%s', (_why, text, found) => {
    expect(secretsIn(text)).toEqual(found);
  });
});
