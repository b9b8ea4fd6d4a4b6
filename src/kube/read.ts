import type { KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import type { ClusterCredentials } from './credentials.js';
import { objectApi } from './client.js';
import { isNotFound, kubeError } from './errors.js';

/** Names one object. `namespace` is ignored for cluster-scoped kinds and defaults to "default". */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** "ConfigMap team-a/settings" or "Namespace team-a": how errors and results name an object. */
export function describeRef(ref: { kind?: string; namespace?: string; name?: string }): string {
  return `${ref.kind ?? '?'} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name ?? '?'}`;
}

/** Reads with an existing client (keeps its discovery cache); undefined on 404. */
export async function readWith(api: KubernetesObjectApi, ref: ObjectRef): Promise<KubernetesObject | undefined> {
  const metadata: { name: string; namespace?: string } = { name: ref.name };
  if (ref.namespace) metadata.namespace = ref.namespace;
  try {
    return await api.read({ apiVersion: ref.apiVersion, kind: ref.kind, metadata });
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw kubeError(e, `read ${describeRef(ref)}`);
  }
}

/**
 * Reads one object back, or undefined when it does not exist. An unknown kind is an error
 * (UnknownKind), not undefined: a typo must not look like "not there yet".
 *
 * @example const cm = await readObject(creds, { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'a', name: 'b' });
 */
export async function readObject(creds: ClusterCredentials, ref: ObjectRef): Promise<KubernetesObject | undefined> {
  return readWith(objectApi(creds), ref);
}
