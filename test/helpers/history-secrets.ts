import { isGrpcServiceError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { historyText } from './history-text.js';
import { TEST_KEY_BASE64 } from './test-encryption.js';

/** gRPC status NOT_FOUND. */
const NOT_FOUND = 5;

/** What must never be in a history, by name: the name is reported, never the match. */
export const SECRET_PATTERNS: readonly { name: string; pattern: RegExp }[] = [
  { name: 'a PEM block (key material, "-----BEGIN")', pattern: /-----BEGIN [A-Z0-9 ]+-----/ },
  { name: 'a base64-encoded PEM block (kubeconfig *-data)', pattern: /LS0tLS1CRUdJTi/ },
  { name: 'a kubeconfig client key', pattern: /client-key-data/ },
  { name: 'a Fleetflow API token (ffat_...)', pattern: /ffat_[A-Za-z0-9_-]{16,}/ },
  { name: 'a webhook secret (whsec_...)', pattern: /whsec_[A-Za-z0-9+/=]{16,}/ },
  { name: 'a bearer token', pattern: /Bearer [A-Za-z0-9._~+/-]{20,}/ },
  { name: 'the payload encryption key', pattern: new RegExp(TEST_KEY_BASE64.replace(/[+/=]/g, '\\$&')) },
];

/** The names of the secret patterns `text` contains (empty: none). */
export function secretsIn(text: string): string[] {
  return SECRET_PATTERNS.filter((p) => p.pattern.test(text)).map((p) => p.name);
}

/**
 * Reads every workflow history in the client's namespace (decrypted with the test key) and
 * returns one line per history that holds a secret: "<workflow id> (run): <what>". Called by
 * FleetTestEnv.teardown, before the server stops, so every integration file that uses it is
 * covered by one scan of what it leaves.
 */
export async function scanHistoriesForSecrets(client: Client): Promise<{ scanned: number; findings: string[] }> {
  const findings: string[] = [];
  let scanned = 0;
  for await (const wf of client.workflow.list()) {
    // Visibility may still list a workflow a test deleted: its history is gone, nothing to scan.
    const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory().catch((e: unknown) => {
      if ((isGrpcServiceError(e) && e.code === NOT_FOUND) || e instanceof WorkflowNotFoundError) return undefined;
      throw e;
    });
    if (!history) continue;
    scanned++;
    const found = secretsIn(await historyText(history));
    if (found.length) findings.push(`${wf.workflowId} (${wf.runId}): ${found.join(', ')}`);
  }
  return { scanned, findings };
}
