import type { Bundle } from '../domain/bundle/bundle.js';
import { fanOut, fanOutSelectors } from '../domain/bundle/namespace-fanout.js';
import { PermanentError } from '../errors.js';
import type { ClusterCredentials } from './credentials.js';
import { kubeError } from './errors.js';
import { withRest } from './rest.js';

interface NamespaceList {
  items: { metadata: { name: string; deletionTimestamp?: string } }[];
}

/** Names of the cluster's namespaces whose labels match `selector` (API syntax), sorted; terminating ones left out. */
export async function namespacesMatching(creds: ClusterCredentials, selector: string): Promise<string[]> {
  return withRest(creds, async (rest) => {
    try {
      const list = await rest.request<NamespaceList>('GET', '/api/v1/namespaces', { query: { labelSelector: selector } });
      return list.body.items.filter((n) => !n.metadata.deletionTimestamp).map((n) => n.metadata.name).sort();
    } catch (e) {
      throw kubeError(e, `list namespaces matching ${selector}`);
    }
  });
}

/**
 * The bundle as it is applied to this cluster: each for-namespaces template replaced by its
 * copies in the cluster's matching namespaces (src/domain/bundle/namespace-fanout.ts). A bundle
 * without templates is returned as it is, with no request made.
 */
export async function fanOutForCluster(creds: ClusterCredentials, bundle: Bundle): Promise<Bundle> {
  const selectors = fanOutSelectors(bundle.manifests);
  if (!selectors.length) return bundle;
  const namespacesOf: Record<string, string[]> = {};
  for (const s of selectors) namespacesOf[s] = await namespacesMatching(creds, s);
  try {
    return { ...bundle, manifests: fanOut(bundle.manifests, namespacesOf) };
  } catch (e) {
    throw new PermanentError(`invalid bundle ${bundle.name}: ${(e as Error).message}`, 'InvalidBundle');
  }
}
