import { groupOf, versionOf } from '../domain/bundle/bundle.js';
import { PermanentError } from '../errors.js';
import { isNotFound, kubeError } from './errors.js';
import type { KubeRest } from './rest.js';

/** How a kind is served: its REST resource and scope. */
export interface ResourceInfo {
  group: string;
  version: string;
  kind: string;
  /** Plural resource name, e.g. "deployments". */
  resource: string;
  namespaced: boolean;
}

interface ApiResourceList {
  resources?: { name: string; kind: string; namespaced: boolean }[];
}

/**
 * API discovery, one request per group-version actually used, cached for the life of the
 * object (one bundle operation). `forget` drops a group-version, for kinds that a CRD of the
 * same bundle has just made available.
 */
export class Discovery {
  private readonly byGroupVersion = new Map<string, Promise<Map<string, ResourceInfo>>>();
  private readonly preferred = new Map<string, Promise<string | undefined>>();

  constructor(private readonly rest: KubeRest) {}

  /** How `kind` of `apiVersion` is served, or undefined when the server does not serve it. */
  async lookup(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    return (await this.groupVersion(apiVersion)).get(kind);
  }

  /** Like lookup, but an unknown kind is a PermanentError('UnknownKind') naming it. */
  async resolve(apiVersion: string, kind: string): Promise<ResourceInfo> {
    const info = await this.lookup(apiVersion, kind);
    if (!info) throw new PermanentError(`the server does not serve kind ${kind} of ${apiVersion}`, 'UnknownKind');
    return info;
  }

  /** How a group-kind is served at the group's preferred version, or undefined. */
  async lookupGroupKind(group: string, kind: string): Promise<ResourceInfo | undefined> {
    const version = await this.preferredVersion(group);
    return version ? this.lookup(group ? `${group}/${version}` : version, kind) : undefined;
  }

  /** Drops what is cached for `apiVersion`, so the next lookup asks the server again. */
  forget(apiVersion: string): void {
    this.byGroupVersion.delete(apiVersion);
    this.preferred.delete(groupOf(apiVersion));
  }

  private groupVersion(apiVersion: string): Promise<Map<string, ResourceInfo>> {
    let cached = this.byGroupVersion.get(apiVersion);
    if (!cached) {
      cached = this.fetchGroupVersion(apiVersion);
      this.byGroupVersion.set(apiVersion, cached);
      cached.catch(() => this.byGroupVersion.delete(apiVersion)); // a failure is not cached
    }
    return cached;
  }

  private async fetchGroupVersion(apiVersion: string): Promise<Map<string, ResourceInfo>> {
    const group = groupOf(apiVersion);
    const version = versionOf(apiVersion);
    const path = group ? `/apis/${group}/${version}` : `/api/${version}`;
    const out = new Map<string, ResourceInfo>();
    try {
      const { body } = await this.rest.request<ApiResourceList>('GET', path);
      for (const r of body.resources ?? []) {
        if (r.name.includes('/')) continue; // subresources (status, scale)
        out.set(r.kind, { group, version, kind: r.kind, resource: r.name, namespaced: r.namespaced });
      }
    } catch (e) {
      if (!isNotFound(e)) throw kubeError(e, `discover ${apiVersion}`);
    }
    return out;
  }

  private preferredVersion(group: string): Promise<string | undefined> {
    if (!group) return Promise.resolve('v1');
    let cached = this.preferred.get(group);
    if (!cached) {
      cached = this.rest
        .request<{ preferredVersion?: { version?: string } }>('GET', `/apis/${group}`)
        .then((r) => r.body.preferredVersion?.version)
        .catch((e: unknown) => {
          if (isNotFound(e)) return undefined;
          throw kubeError(e, `discover group ${group}`);
        });
      this.preferred.set(group, cached);
      cached.catch(() => this.preferred.delete(group));
    }
    return cached;
  }
}

/** The REST path of a resource collection or of one object in it. */
export function resourcePath(info: ResourceInfo, namespace?: string, name?: string): string {
  const root = info.group ? `/apis/${info.group}/${info.version}` : `/api/${info.version}`;
  const ns = info.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${root}${ns}/${info.resource}${name ? `/${encodeURIComponent(name)}` : ''}`;
}
