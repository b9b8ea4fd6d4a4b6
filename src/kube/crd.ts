import { TransientError } from '../errors.js';
import { isNotFound, kubeError } from './errors.js';
import type { KubeRest } from './rest.js';

interface CrdStatus {
  status?: { conditions?: { type?: string; status?: string; reason?: string; message?: string }[] };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until every named CustomResourceDefinition has condition Established=True: only then
 * does the API server serve its custom resources. Polls (a CRD establishes in well under a
 * second on a healthy server); past the deadline throws TransientError('CrdNotEstablished')
 * naming the CRDs and their last condition, since a retry later may well succeed.
 */
export async function waitForCrdsEstablished(
  rest: KubeRest,
  names: readonly string[],
  deadline: number,
  onPoll?: () => void,
): Promise<void> {
  const pending = new Set(names);
  const last = new Map<string, string>();
  for (let delay = 50; pending.size > 0; delay = Math.min(delay * 2, 500)) {
    await Promise.all(
      [...pending].map(async (name) => {
        try {
          const { body } = await rest.request<CrdStatus>('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
          const established = body.status?.conditions?.find((c) => c.type === 'Established');
          if (established?.status === 'True') pending.delete(name);
          else if (established) last.set(name, `${established.reason ?? 'NotEstablished'}: ${established.message ?? ''}`);
        } catch (e) {
          if (!isNotFound(e)) throw kubeError(e, `read CustomResourceDefinition ${name}`);
          last.set(name, 'not found');
        }
      }),
    );
    if (pending.size === 0) return;
    onPoll?.();
    if (Date.now() + delay > deadline) {
      const why = [...pending].map((n) => `${n} (${last.get(n) ?? 'no Established condition yet'})`).join(', ');
      throw new TransientError(`CustomResourceDefinitions not Established in time: ${why}`, 'CrdNotEstablished');
    }
    await sleep(delay);
  }
}
