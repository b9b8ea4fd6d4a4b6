import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { BundleSchema, type Bundle } from '../domain/bundle/bundle.js';
import { PermanentError } from '../errors.js';
import type { ClusterCredentials } from './credentials.js';
import { BUNDLE_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from './applyset.js';
import { isNotFound, kubeError } from './errors.js';
import { withRest, type KubeRest } from './rest.js';

/**
 * The revisions of a bundle applied to a cluster, kept on that cluster (as Helm keeps its
 * releases): one gzipped ConfigMap per revision in fleetflow-system, the newest few kept. Drift
 * checks and rollbacks read the desired state from here, so workflow history carries bundle
 * names and revisions only, and any worker can reconcile any cluster.
 */

const NAMESPACE = 'fleetflow-system';
const REVISION_ANNOTATION = 'fleetflow.io/revision';
const STORED_AT_ANNOTATION = 'fleetflow.io/stored-at';
const ROLE_LABEL = 'fleetflow.io/role';
const ROLE = 'bundle-revision';
const DATA_KEY = 'bundle.json.gz';
/** A ConfigMap holds at most 1 MiB; leave room for metadata. */
const MAX_STORED_BYTES = 900 * 1024;
/** Revisions kept per bundle: enough to roll back a few times. */
export const REVISIONS_KEPT = 5;

export interface StoredRevision {
  revision: string;
  storedAt: string;
}

interface RevisionConfigMap {
  metadata: { name: string; annotations?: Record<string, string> };
  binaryData?: Record<string, string>;
}

const configMaps = `/api/v1/namespaces/${NAMESPACE}/configmaps`;
const revisionName = (bundle: string, revision: string) =>
  `bundle-${bundle}-${createHash('sha256').update(revision).digest('hex').slice(0, 10)}`;

/** Stores `bundle` as its revision on the cluster and trims older revisions beyond the kept number. */
export async function saveRevision(creds: ClusterCredentials, bundle: Bundle, now = new Date()): Promise<void> {
  const packed = gzipSync(JSON.stringify(bundle)).toString('base64');
  if (packed.length > MAX_STORED_BYTES) {
    throw new PermanentError(`bundle ${bundle.name} revision ${bundle.revision} is ${Math.round(packed.length / 1024)} KiB compressed; at most ${MAX_STORED_BYTES / 1024} KiB can be kept on a cluster`, 'BundleTooLarge');
  }
  const name = revisionName(bundle.name, bundle.revision);
  const body = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name,
      namespace: NAMESPACE,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [BUNDLE_LABEL]: bundle.name, [ROLE_LABEL]: ROLE },
      annotations: { [REVISION_ANNOTATION]: bundle.revision, [STORED_AT_ANNOTATION]: now.toISOString() },
    },
    binaryData: { [DATA_KEY]: packed },
  };
  await withRest(creds, async (rest) => {
    await call(rest, `store bundle ${bundle.name} revision ${bundle.revision}`, () =>
      rest.request('PATCH', `${configMaps}/${name}`, {
        query: { fieldManager: 'fleetflow', force: true },
        body,
        contentType: 'application/apply-patch+yaml',
      }),
    );
    const stored = await listWith(rest, bundle.name);
    for (const old of stored.slice(REVISIONS_KEPT)) {
      await call(rest, `trim bundle ${bundle.name} revision ${old.revision}`, () =>
        rest.request('DELETE', `${configMaps}/${revisionName(bundle.name, old.revision)}`).catch((e: unknown) => {
          if (!isNotFound(e)) throw e;
        }),
      );
    }
  });
}

/** A stored revision, or undefined when the cluster does not keep it (never applied, or trimmed). */
export async function loadRevision(creds: ClusterCredentials, bundle: string, revision: string): Promise<Bundle | undefined> {
  return withRest(creds, async (rest) => {
    let cm: RevisionConfigMap;
    try {
      cm = (await rest.request<RevisionConfigMap>('GET', `${configMaps}/${revisionName(bundle, revision)}`)).body;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw kubeError(e, `read bundle ${bundle} revision ${revision}`);
    }
    const packed = cm.binaryData?.[DATA_KEY];
    if (!packed || cm.metadata.annotations?.[REVISION_ANNOTATION] !== revision) return undefined;
    const parsed = BundleSchema.safeParse(JSON.parse(gunzipSync(Buffer.from(packed, 'base64')).toString('utf8')));
    if (!parsed.success) throw new PermanentError(`bundle ${bundle} revision ${revision} stored on the cluster is unreadable`, 'InvalidBundle');
    return parsed.data;
  });
}

async function listWith(rest: KubeRest, bundle: string): Promise<StoredRevision[]> {
  const selector = `${BUNDLE_LABEL}=${bundle},${ROLE_LABEL}=${ROLE}`;
  const list = await call(rest, `list revisions of bundle ${bundle}`, () =>
    rest.request<{ items: RevisionConfigMap[] }>('GET', configMaps, { query: { labelSelector: selector } }).catch((e: unknown) => {
      if (isNotFound(e)) return { status: 404, body: { items: [] } };
      throw e;
    }),
  );
  return list.body.items
    .map((cm) => ({ revision: cm.metadata.annotations?.[REVISION_ANNOTATION] ?? '', storedAt: cm.metadata.annotations?.[STORED_AT_ANNOTATION] ?? '' }))
    .filter((r) => r.revision)
    .sort((a, b) => b.storedAt.localeCompare(a.storedAt));
}

async function call<T>(_rest: KubeRest, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw kubeError(e, what);
  }
}
