import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadConfigFile } from '../../src/config.js';
import { repoDir, Toolchain } from '../../src/host/toolchain.js';
import { LocalProvider } from '../../src/providers/local/index.js';

// deploy/helm/fleetflow rendered by helm (built from the Go module proxy) for a matrix of
// values, linted, and every render applied with `kubectl apply --dry-run=server` to a local
// cluster's real kube-apiserver, which runs admission and schema validation on each object.
const run = promisify(execFile);
const toolchain = new Toolchain();
const CHART = join(repoDir, 'deploy', 'helm', 'fleetflow');
const NS = 'fleetflow';
// Where an agent's chart goes: its revision store's namespace, where its Role must be.
const AGENT_NS = 'fleetflow-system';
const dataDir = mkdtempSync(join(tmpdir(), 'fleetflow-helm-'));
const local = new LocalProvider({ dataDir, toolchain });
const CLUSTER = 'helm';
let kubeconfig: string;

const kubectl = (...args: string[]) => run(toolchain.kubectl(), ['--kubeconfig', kubeconfig, ...args], { maxBuffer: 8 * 1024 * 1024 });
const helm = (...args: string[]) => run(toolchain.helm, args, { maxBuffer: 8 * 1024 * 1024, env: { ...process.env, HELM_CACHE_HOME: join(dataDir, 'helm-cache'), HELM_CONFIG_HOME: join(dataDir, 'helm-config'), HELM_DATA_HOME: join(dataDir, 'helm-data') } });

/** The Prometheus Operator's ServiceMonitor, reduced to what the API server needs to accept one. */
const SERVICE_MONITOR_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'servicemonitors.monitoring.coreos.com' },
  spec: {
    group: 'monitoring.coreos.com',
    names: { kind: 'ServiceMonitor', plural: 'servicemonitors', singular: 'servicemonitor', listKind: 'ServiceMonitorList' },
    scope: 'Namespaced',
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
};

beforeAll(async () => {
  await local.create({ name: CLUSTER, region: 'local', labels: {}, idempotencyKey: `test/${CLUSTER}` });
  kubeconfig = local.kubeconfigPath(CLUSTER);
  await kubectl('create', 'namespace', NS);
  await kubectl('create', 'namespace', AGENT_NS);
  const crd = join(dataDir, 'servicemonitor-crd.json');
  writeFileSync(crd, JSON.stringify(SERVICE_MONITOR_CRD));
  await kubectl('apply', '-f', crd);
  await kubectl('wait', '--for', 'condition=Established', '--timeout', '60s', 'crd/servicemonitors.monitoring.coreos.com');
});
afterAll(async () => {
  await local.delete({ name: CLUSTER, region: 'local' });
  rmSync(dataDir, { recursive: true, force: true });
});

interface K8sObject {
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: any;
  data?: Record<string, string>;
}
type Env = { name: string; value?: string; valueFrom?: unknown }[];

async function render(set: string[], namespace = NS): Promise<{ text: string; objects: K8sObject[] }> {
  const { stdout } = await helm('template', 'ff', CHART, '--namespace', namespace, ...set.flatMap((s) => ['--set', s]));
  return { text: stdout, objects: parseAllDocuments(stdout).map((d) => d.toJS() as K8sObject).filter(Boolean) };
}
const find = (objects: K8sObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name)!;
const container = (objects: K8sObject[], name: string) => find(objects, 'Deployment', name).spec.template.spec.containers[0];
const envOf = (objects: K8sObject[], name: string) => Object.fromEntries((container(objects, name).env as Env).map((e) => [e.name, e.value ?? e.valueFrom]));

/** deploy/agent/rbac.yaml, the plain manifests the chart's agent must grant the same rights as. */
const plainAgentRbac = parseAllDocuments(readFileSync(join(repoDir, 'deploy', 'agent', 'rbac.yaml'), 'utf8')).map((d) => d.toJS() as K8sObject & { rules?: unknown[] });
const AGENT_SITE = ['agent.enabled=true', 'agent.cluster=plant-7', 'worker.enabled=false', 'api.enabled=false'];

const MATRIX: { name: string; set: string[]; namespace?: string; check: (objects: K8sObject[]) => void }[] = [
  {
    name: 'defaults',
    set: [],
    check: (objects) => {
      expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
        'ConfigMap/ff-fleetflow-config',
        'Deployment/ff-fleetflow-api',
        'Deployment/ff-fleetflow-worker',
        'PodDisruptionBudget/ff-fleetflow-worker',
        'Service/ff-fleetflow-api',
        'Service/ff-fleetflow-worker-metrics',
        'ServiceAccount/ff-fleetflow',
      ]);
      const worker = find(objects, 'Deployment', 'ff-fleetflow-worker').spec;
      expect(worker.replicas).toBe(2);
      expect(worker.template.spec.topologySpreadConstraints.map((t: { topologyKey: string }) => t.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
      expect(container(objects, 'ff-fleetflow-worker').securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
      expect(worker.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      expect(container(objects, 'ff-fleetflow-worker').args).toEqual(['worker']);
      expect(container(objects, 'ff-fleetflow-api').args).toEqual(['api']);
      const env = envOf(objects, 'ff-fleetflow-worker');
      expect(env).toMatchObject({ TEMPORAL_ADDRESS: 'temporal-frontend.temporal.svc.cluster.local:7233', TEMPORAL_NAMESPACE: 'fleetflow', FLEETFLOW_METRICS_ADDRESS: '0.0.0.0:9464', FLEETFLOW_CONFIG: '/etc/fleetflow/config/config.yaml' });
      expect(Object.keys(env).filter((k) => k.startsWith('TEMPORAL_TLS') || k === 'TEMPORAL_API_KEY')).toEqual([]);
      expect(envOf(objects, 'ff-fleetflow-api')).toMatchObject({ FLEETFLOW_API_ADDRESS: '0.0.0.0:8080' });
      // The ConfigMap holds a config file Fleetflow itself accepts, with the keys from the Secret.
      const file = join(dataDir, 'config.yaml');
      writeFileSync(file, find(objects, 'ConfigMap', 'ff-fleetflow-config').data!['config.yaml']!);
      expect(loadConfigFile(file).encryption.keys).toEqual([{ id: 'k1', file: '/etc/fleetflow/keys/k1' }]);
      expect(find(objects, 'PodDisruptionBudget', 'ff-fleetflow-worker').spec).toMatchObject({ maxUnavailable: 1 });
    },
  },
  {
    name: 'mTLS',
    set: ['temporal.address=temporal.example.com:7233', 'temporal.tls.enabled=true', 'temporal.tls.secretName=temporal-client', 'temporal.tls.caKey=ca.crt', 'temporal.tls.serverName=temporal.example.com'],
    check: (objects) => {
      for (const d of ['ff-fleetflow-worker', 'ff-fleetflow-api']) {
        expect(envOf(objects, d)).toMatchObject({
          TEMPORAL_TLS: 'true',
          TEMPORAL_TLS_CLIENT_CERT_PATH: '/etc/fleetflow/temporal-tls/tls.crt',
          TEMPORAL_TLS_CLIENT_KEY_PATH: '/etc/fleetflow/temporal-tls/tls.key',
          TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/etc/fleetflow/temporal-tls/ca.crt',
          TEMPORAL_TLS_SERVER_NAME: 'temporal.example.com',
        });
        const spec = find(objects, 'Deployment', d).spec.template.spec;
        expect(spec.volumes.find((v: { name: string }) => v.name === 'temporal-tls').secret.secretName).toBe('temporal-client');
      }
    },
  },
  {
    name: 'API key',
    set: ['temporal.address=fleetflow.a1b2c.tmprl.cloud:7233', 'temporal.namespace=fleetflow.a1b2c', 'temporal.apiKey.secretName=temporal-cloud'],
    check: (objects) => {
      const env = envOf(objects, 'ff-fleetflow-worker');
      expect(env).toMatchObject({ TEMPORAL_NAMESPACE: 'fleetflow.a1b2c', TEMPORAL_API_KEY: { secretKeyRef: { name: 'temporal-cloud', key: 'api-key' } } });
      expect(Object.keys(env).filter((k) => k.startsWith('TEMPORAL_TLS_'))).toEqual([]);
    },
  },
  {
    name: '3 replicas and a ServiceMonitor',
    set: ['worker.replicas=3', 'metrics.serviceMonitor.enabled=true', 'metrics.serviceMonitor.labels.release=prometheus'],
    check: (objects) => {
      expect(find(objects, 'Deployment', 'ff-fleetflow-worker').spec.replicas).toBe(3);
      expect(find(objects, 'ServiceMonitor', 'ff-fleetflow-worker').spec).toMatchObject({ endpoints: [{ port: 'metrics', path: '/metrics' }], selector: { matchLabels: { 'app.kubernetes.io/component': 'worker' } } });
    },
  },
  {
    name: 'an agent site (agent on, worker and API off, mTLS, join token)',
    set: [...AGENT_SITE, 'agent.joinTokenSecret=fleetflow-agent-join', 'temporal.address=temporal.example.com:7233', 'temporal.tls.enabled=true', 'temporal.tls.secretName=plant-7-tls'],
    namespace: AGENT_NS,
    check: (objects) => {
      expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
        'ClusterRole/ff-fleetflow-agent',
        'ClusterRoleBinding/ff-fleetflow-agent',
        'ConfigMap/ff-fleetflow-config',
        'Deployment/ff-fleetflow-agent',
        'Role/ff-fleetflow-agent-store',
        'RoleBinding/ff-fleetflow-agent-store',
        'ServiceAccount/ff-fleetflow-agent',
      ]);
      const agent = find(objects, 'Deployment', 'ff-fleetflow-agent').spec;
      expect(agent.replicas).toBe(1);
      expect(agent.template.spec.serviceAccountName).toBe('ff-fleetflow-agent');
      expect(agent.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      const c = container(objects, 'ff-fleetflow-agent');
      expect(c.args).toEqual(['agent', '--cluster', 'plant-7', '--identity', 'plant-7-agent', '--join-token-file', '/etc/fleetflow/join/token']);
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
      expect(c.resources).toMatchObject({ requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } });
      expect(envOf(objects, 'ff-fleetflow-agent')).toMatchObject({
        TEMPORAL_ADDRESS: 'temporal.example.com:7233',
        TEMPORAL_NAMESPACE: 'fleetflow',
        TEMPORAL_TLS: 'true',
        TEMPORAL_TLS_CLIENT_CERT_PATH: '/etc/fleetflow/temporal-tls/tls.crt',
        FLEETFLOW_CONFIG: '/etc/fleetflow/config/config.yaml',
      });
      const volumes = agent.template.spec.volumes as { name: string; secret?: { secretName: string; items?: unknown[] } }[];
      expect(volumes.find((v) => v.name === 'join-token')!.secret).toMatchObject({ secretName: 'fleetflow-agent-join', items: [{ key: 'token', path: 'token' }] });
      expect(volumes.find((v) => v.name === 'temporal-tls')!.secret!.secretName).toBe('plant-7-tls');
      expect(c.volumeMounts).toContainEqual({ name: 'join-token', mountPath: '/etc/fleetflow/join', readOnly: true });
      // The same rights as the plain manifests, in the store's namespace, bound to this ServiceAccount.
      const rules = (kind: string, o: (K8sObject & { rules?: unknown[] })[]) => o.find((d) => d.kind === kind)!.rules;
      expect(rules('ClusterRole', objects)).toEqual(rules('ClusterRole', plainAgentRbac));
      expect(rules('Role', objects)).toEqual(rules('Role', plainAgentRbac));
      expect(find(objects, 'Role', 'ff-fleetflow-agent-store').metadata.namespace).toBe(AGENT_NS);
      for (const [kind, name] of [['RoleBinding', 'ff-fleetflow-agent-store'], ['ClusterRoleBinding', 'ff-fleetflow-agent']] as const) {
        expect((find(objects, kind, name) as K8sObject & { subjects: unknown[] }).subjects).toEqual([{ kind: 'ServiceAccount', name: 'ff-fleetflow-agent', namespace: AGENT_NS }]);
      }
    },
  },
  {
    name: 'an agent site after joining (no token), its own identity and an API key',
    set: [...AGENT_SITE, 'agent.identity=plant-7-a', 'temporal.apiKey.secretName=temporal-cloud'],
    namespace: AGENT_NS,
    check: (objects) => {
      const c = container(objects, 'ff-fleetflow-agent');
      expect(c.args).toEqual(['agent', '--cluster', 'plant-7', '--identity', 'plant-7-a']);
      expect(c.volumeMounts.map((m: { name: string }) => m.name)).not.toContain('join-token');
      expect(envOf(objects, 'ff-fleetflow-agent')).toMatchObject({ TEMPORAL_API_KEY: { secretKeyRef: { name: 'temporal-cloud', key: 'api-key' } } });
    },
  },
];

describe('the Helm chart deploy/helm/fleetflow', () => {
  for (const c of MATRIX) {
    it(`${c.name}: lints, renders what the values say, and the API server accepts every object`, async () => {
      await helm('lint', '--strict', CHART, ...c.set.flatMap((s) => ['--set', s]));
      const { text, objects } = await render(c.set, c.namespace);
      c.check(objects);
      const file = join(dataDir, `${c.name.replace(/\W+/g, '-')}.yaml`);
      writeFileSync(file, text);
      const { stdout } = await kubectl('apply', '--dry-run=server', '-n', c.namespace ?? NS, '-f', file);
      const accepted = stdout.trim().split('\n');
      expect(accepted).toHaveLength(objects.length);
      expect(accepted.every((l) => l.endsWith('(server dry run)'))).toBe(true);
    });
  }

  it('refuses mTLS without the certificate Secret, naming the value', async () => {
    await expect(render(['temporal.tls.enabled=true'])).rejects.toThrow(/temporal\.tls\.secretName: must name the Secret/);
  });

  it('refuses an agent without its cluster, or with a name the inventory would refuse, naming the value', async () => {
    await expect(render(['agent.enabled=true', 'worker.enabled=false', 'api.enabled=false'], AGENT_NS)).rejects.toThrow(/agent\.cluster: must name the cluster this agent serves/);
    await expect(render(['agent.enabled=true', 'agent.cluster=Plant_7'], AGENT_NS)).rejects.toThrow(/agent\.cluster: "Plant_7" must be/);
  });
});
