import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BundleManifest } from '../../src/domain/bundle/bundle.js';
import { applyBundle } from '../../src/kube/apply.js';
import type { LocalProvider } from '../../src/providers/local/index.js';
import type { Toolchain } from '../../src/host/toolchain.js';

const run = promisify(execFile);

/**
 * apply-200: a bundle of 200 objects (10 namespaces, each with 5 ConfigMaps, 4 Services,
 * 4 Deployments, a ServiceAccount, a Role and a RoleBinding; 15 ClusterRoles and 15
 * ClusterRoleBindings) applied by Fleetflow and by `kubectl apply --server-side`, same
 * objects, same cluster, same run, several rounds, medians.
 *
 * Fairness:
 * - "first": every round uses fresh names for both tools (prefix ff-rN / kc-rN): both create
 *   200 new objects of the same shapes, never each other's. Fleetflow also gets a fresh
 *   bundle (and so a fresh ApplySet parent) per round, so its first apply is a real first.
 * - "re-apply": each tool applies its own round's files again, unchanged.
 * - Who goes first alternates by round, so neither always meets the busier server.
 * - kubectl gets a warm discovery cache (its own --cache-dir, filled before timing) and is
 *   timed as a process, as a user runs it; its process floor (a one-object apply) is printed
 *   too. Fleetflow runs in-process, as in a worker, and pays its own discovery on every call.
 * - Fleetflow does more work per call than plain kubectl: the ApplySet parent (read, widened
 *   before, narrowed after) and the member listing that prune needs.
 */

interface Case {
  name: string;
  fleetflow: number[];
  kubectl: number[];
}

const NAMESPACES = 10;
const CLUSTER_ROLES = 15;

/** The 200 objects under `prefix`. */
export function benchObjects(prefix: string): BundleManifest[] {
  const out: BundleManifest[] = [];
  for (let n = 0; n < NAMESPACES; n++) {
    const ns = `${prefix}-ns${n}`;
    out.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    for (let i = 0; i < 5; i++) out.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `config-${i}`, namespace: ns }, data: { index: String(i), text: 'x'.repeat(200) } });
    for (let i = 0; i < 4; i++) {
      const app = `app-${i}`;
      out.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: app, namespace: ns }, spec: { clusterIP: 'None', selector: { app }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
      out.push({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: app, namespace: ns, labels: { app } },
        spec: {
          // No pods: the bench measures applying, and on a whole local cluster 400 Deployments of
          // two replicas would keep the controllers and the scheduler busy behind it.
          replicas: 0,
          selector: { matchLabels: { app } },
          template: {
            metadata: { labels: { app } },
            spec: {
              serviceAccountName: 'runner',
              containers: [{ name: 'main', image: `registry.local/${app}:1.0`, ports: [{ containerPort: 8080 }], env: [{ name: 'MODE', value: 'bench' }], resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
            },
          },
        },
      });
    }
    out.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'runner', namespace: ns } });
    out.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'reader', namespace: ns }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }] });
    out.push({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'reader', namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'runner', namespace: ns }],
    });
  }
  for (let i = 0; i < CLUSTER_ROLES; i++) {
    const name = `${prefix}-role-${i}`;
    out.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] });
    out.push({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ kind: 'ServiceAccount', name: 'runner', namespace: `${prefix}-ns0` }],
    });
  }
  return out;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

/** Runs the apply-200 cases on a running local cluster; returns one printable line per case. */
export async function applyBench(provider: LocalProvider, toolchain: Toolchain, cluster: string, rounds: number, log: (s: string) => void): Promise<string[]> {
  const creds = await provider.credentials({ name: cluster, region: 'local' });
  const work = mkdtempSync(join(tmpdir(), 'fleetflow-bench-'));
  const kubectl = (...args: string[]) =>
    run(toolchain.kubectl(), ['--kubeconfig', provider.kubeconfigPath(cluster), '--cache-dir', join(work, 'kube-cache'), ...args], { maxBuffer: 16 << 20 });
  const writeFile = (prefix: string) => {
    const file = join(work, `${prefix}.json`);
    writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: benchObjects(prefix) }));
    return file;
  };
  const ff = (prefix: string, round: string) => applyBundle(creds, { name: `bench-${round}`, revision: '1', manifests: benchObjects(prefix) }, { fieldManager: 'fleetflow' });
  const kc = (file: string) => kubectl('apply', '--server-side', '--field-manager=kubectl-bench', '-f', file);

  try {
    // Warm-up, not timed: fills kubectl's discovery cache and Node's JIT.
    await kubectl('api-resources');
    await ff('warm-ff', 'warm');
    await kc(writeFile('warm-kc'));
    const floorFile = join(work, 'floor.json');
    writeFileSync(floorFile, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'floor', namespace: 'default' }, data: { a: '1' } }));
    const floor: number[] = [];
    for (let i = 0; i < 3; i++) floor.push(await timed(() => kc(floorFile)));

    const first: Case = { name: 'apply-200 first', fleetflow: [], kubectl: [] };
    const again: Case = { name: 'apply-200 re-apply', fleetflow: [], kubectl: [] };
    for (let r = 0; r < rounds; r++) {
      const ffPrefix = `ff-r${r}`;
      const kcFile = writeFile(`kc-r${r}`);
      const order: ('ff' | 'kc')[] = r % 2 === 0 ? ['ff', 'kc'] : ['kc', 'ff'];
      for (const c of [first, again]) {
        for (const who of order) {
          if (who === 'ff') {
            let results: Awaited<ReturnType<typeof ff>> = [];
            c.fleetflow.push(await timed(async () => (results = await ff(ffPrefix, `r${r}`))));
            const expected = c === first ? 'created' : 'unchanged';
            if (results.length !== 200 || results.some((o) => o.action !== expected)) throw new Error(`fleetflow ${c.name}: expected 200 ${expected}`);
          } else {
            c.kubectl.push(await timed(() => kc(kcFile)));
          }
        }
      }
      log(`round ${r + 1}/${rounds}: first ff ${first.fleetflow.at(-1)!.toFixed(2)} s / kubectl ${first.kubectl.at(-1)!.toFixed(2)} s; re-apply ff ${again.fleetflow.at(-1)!.toFixed(2)} s / kubectl ${again.kubectl.at(-1)!.toFixed(2)} s`);
    }
    const line = (c: Case) => {
      const f = median(c.fleetflow);
      const k = median(c.kubectl);
      return `${c.name}: fleetflow ${f.toFixed(2)} s, kubectl ${k.toFixed(2)} s, ratio ${(f / k).toFixed(2)} (medians of ${rounds})`;
    };
    return [line(first), line(again), `kubectl process floor (one-object apply): ${median(floor).toFixed(2)} s`];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
