import type { KubernetesObject, V1APIResourceList } from '@kubernetes/client-node';
import { apiException } from './library.js';
import { indexRemoved, REMOVED_APIS, removedApisUpTo, type RemovedApi, type RemovedApiFinding } from '../domain/upgrade/removed-apis.js';
import type { ClusterCredentials } from './credentials.js';
import { kubeError } from './errors.js';
import { apiGet } from './health.js';

/**
 * Finds what on a live cluster still uses API versions a target release removed. Objects are
 * stored at one version whatever version wrote them, so the object itself cannot say; what
 * records the version a client used is (1) each managedFields entry's apiVersion (the last
 * write of every field manager) and (2) the kubectl.kubernetes.io/last-applied-configuration
 * annotation of `kubectl apply`. Both mean "that client or manifest still uses the old
 * version and breaks after the upgrade", which is how pluto and kubent find them. Discovery
 * adds the removed group/versions the server still serves (what an old client can still call).
 */

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const PAGE = 500;

/** A removed API the server still serves: clients may be calling it. */
export interface ServedRemovedApi extends RemovedApi {
  /** Objects of the kind listed through that version. */
  objects: number;
}

export interface ApiScanResult {
  targetVersion: string;
  /** Objects whose managers or last apply used a removed version; sorted by kind, namespace, name. */
  findings: RemovedApiFinding[];
  served: ServedRemovedApi[];
  /** How many objects were looked at (for the report: "0 findings in 0 objects" means little). */
  scannedObjects: number;
}

export interface ApiScanOptions {
  /** The table to judge by; default the official one. Tests inject entries the server still serves. */
  table?: readonly RemovedApi[];
  timeoutMs?: number;
}

interface Resource {
  name: string;
  namespaced: boolean;
}

const gvPath = (apiVersion: string) => (apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`);

async function getJson<T>(creds: ClusterCredentials, path: string, timeoutMs: number): Promise<T | undefined> {
  let res: { status: number; body: string };
  try {
    res = await apiGet(creds, path, timeoutMs);
  } catch (e) {
    throw kubeError(e, `GET ${path.split('?')[0]}`);
  }
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw kubeError(apiException(res.status, 'GET', res.body, {}), `GET ${path.split('?')[0]}`);
  return JSON.parse(res.body) as T;
}

/** Kind -> resource for one group/version, or undefined when the server does not serve it. */
async function discover(creds: ClusterCredentials, apiVersion: string, timeoutMs: number): Promise<Map<string, Resource> | undefined> {
  const list = await getJson<V1APIResourceList>(creds, gvPath(apiVersion), timeoutMs);
  if (!list) return undefined;
  const byKind = new Map<string, Resource>();
  // Subresources ("pods/status") carry their parent's kind too; keep only top-level resources.
  for (const r of list.resources) if (!r.name.includes('/') && r.verbs.includes('list')) byKind.set(r.kind, { name: r.name, namespaced: r.namespaced });
  return byKind;
}

async function* listAll(creds: ClusterCredentials, apiVersion: string, resource: Resource, timeoutMs: number): AsyncGenerator<KubernetesObject> {
  let next: string | undefined;
  do {
    const query = `limit=${PAGE}${next ? `&continue=${encodeURIComponent(next)}` : ''}`;
    const page = await getJson<{ items: KubernetesObject[]; metadata?: { continue?: string } }>(creds, `${gvPath(apiVersion)}/${resource.name}?${query}`, timeoutMs);
    for (const item of page?.items ?? []) yield item;
    next = page?.metadata?.continue || undefined;
  } while (next);
}

/** The apiVersion a last-applied annotation was written with, if it parses. */
function lastAppliedVersion(obj: KubernetesObject): string | undefined {
  const raw = obj.metadata?.annotations?.[LAST_APPLIED];
  if (!raw) return undefined;
  try {
    const v = (JSON.parse(raw) as { apiVersion?: unknown }).apiVersion;
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Scans the cluster for uses of API versions removed in or before `targetVersion`: for each
 * kind in the table, lists its objects through every version of it the server serves (the
 * replacement, and the removed one while still served) and reports managedFields entries and
 * last-applied annotations at a removed version, plus the removed versions still served.
 * Throws a mapped FleetflowError when a list fails (403 is permanent, network transient).
 *
 * @example const r = await scanClusterForRemovedApis(creds, '1.36'); r.findings.map(describeFinding)
 */
export async function scanClusterForRemovedApis(creds: ClusterCredentials, targetVersion: string, opts: ApiScanOptions = {}): Promise<ApiScanResult> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const relevant = removedApisUpTo(targetVersion, opts.table ?? REMOVED_APIS);
  const removed = indexRemoved(relevant);
  const discovery = new Map<string, Map<string, Resource> | undefined>();
  const resourceOf = async (apiVersion: string, kind: string) => {
    if (!discovery.has(apiVersion)) discovery.set(apiVersion, await discover(creds, apiVersion, timeoutMs));
    return discovery.get(apiVersion)?.get(kind);
  };

  const findings = new Map<string, RemovedApiFinding>();
  const served: ServedRemovedApi[] = [];
  let scannedObjects = 0;
  const kinds = [...new Set(relevant.map((r) => r.kind))].sort();
  for (const kind of kinds) {
    const entries = relevant.filter((r) => r.kind === kind);
    const versions = [...new Set(entries.flatMap((r) => (r.replacement ? [r.replacement, r.apiVersion] : [r.apiVersion])))];
    const seen = new Set<string>();
    for (const apiVersion of versions) {
      const resource = await resourceOf(apiVersion, kind);
      if (!resource) continue;
      let count = 0;
      for await (const obj of listAll(creds, apiVersion, resource, timeoutMs)) {
        count++;
        const uid = obj.metadata?.uid ?? `${obj.metadata?.namespace}/${obj.metadata?.name}`;
        if (seen.has(uid)) continue;
        seen.add(uid);
        scannedObjects++;
        const uses: { apiVersion: string; source: 'managedFields' | 'lastApplied'; manager?: string }[] = [
          ...(obj.metadata?.managedFields ?? []).map((m) => ({ apiVersion: m.apiVersion ?? '', source: 'managedFields' as const, ...(m.manager ? { manager: m.manager } : {}) })),
        ];
        const applied = lastAppliedVersion(obj);
        if (applied) uses.push({ apiVersion: applied, source: 'lastApplied' });
        for (const use of uses) {
          const hit = removed.get(`${use.apiVersion} ${kind}`);
          if (!hit) continue;
          const namespace = obj.metadata?.namespace;
          const finding: RemovedApiFinding = {
            apiVersion: hit.apiVersion,
            kind,
            ...(namespace ? { namespace } : {}),
            name: obj.metadata?.name ?? '?',
            removedIn: hit.removedIn,
            ...(hit.replacement ? { replacement: hit.replacement } : {}),
            source: use.source,
            ...(use.manager ? { manager: use.manager } : {}),
          };
          findings.set(`${uid} ${use.source} ${use.apiVersion} ${use.manager ?? ''}`, finding);
        }
      }
      const entry = removed.get(`${apiVersion} ${kind}`);
      if (entry) served.push({ ...entry, objects: count });
    }
  }
  const sorted = [...findings.values()].sort(
    (a, b) => a.kind.localeCompare(b.kind) || (a.namespace ?? '').localeCompare(b.namespace ?? '') || a.name.localeCompare(b.name) || a.source.localeCompare(b.source),
  );
  return { targetVersion, findings: sorted, served, scannedObjects };
}
