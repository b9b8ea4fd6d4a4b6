import { describe, expect, it } from 'vitest';
import {
  apiserverArgs,
  apiserverMarker,
  controllerManagerArgs,
  controllerManagerMarker,
  etcdArgs,
  etcdMarker,
  kwokArgs,
  kwokMarker,
  schedulerArgs,
  schedulerConfigYaml,
  schedulerMarker,
} from '../../src/providers/local/flags.js';
import { kwokStagesYaml } from '../../src/providers/local/kwok-stages.js';
import { parseAllDocuments } from 'yaml';
import { clusterPaths } from '../../src/providers/local/paths.js';

const paths = clusterPaths('/data', 'a');
const ports = { etcdClient: 2379, etcdPeer: 2380, apiserver: 6443, controllerManager: 10257, scheduler: 10259 };
/** What /proc/<pid>/cmdline holds for a process started with these arguments. */
const cmdline = (bin: string, args: string[]) => [bin, ...args].map((a) => `${a}\0`).join('');

describe('control plane flags', () => {
  it('points the API server at its own etcd and serves only on loopback', () => {
    const args = apiserverArgs(paths, ports);
    expect(args).toEqual(
      expect.arrayContaining([
        '--etcd-servers=http://127.0.0.1:2379',
        '--secure-port=6443',
        '--bind-address=127.0.0.1',
        '--authorization-mode=RBAC',
        '--service-cluster-ip-range=10.0.0.0/24',
        '--client-ca-file=/data/clusters/a/certs/client-ca.crt',
        '--service-account-signing-key-file=/data/clusters/a/certs/sa.key',
      ]),
    );
    expect(etcdArgs(paths, ports)).toEqual(
      expect.arrayContaining(['--listen-client-urls=http://127.0.0.1:2379', '--listen-peer-urls=http://127.0.0.1:2380', '--unsafe-no-fsync']),
    );
  });

  it('marks each process with a whole argument, so cluster "a" never matches cluster "ab"', () => {
    const ab = clusterPaths('/data', 'ab');
    expect(cmdline('etcd', etcdArgs(paths, ports))).toContain(etcdMarker(paths));
    expect(cmdline('kube-apiserver', apiserverArgs(paths, ports))).toContain(apiserverMarker(paths));
    expect(cmdline('etcd', etcdArgs(ab, ports))).not.toContain(etcdMarker(paths));
    expect(cmdline('kube-apiserver', apiserverArgs(ab, ports))).not.toContain(apiserverMarker(paths));
    // And an etcd is never mistaken for the API server of the same cluster, or the reverse.
    expect(cmdline('etcd', etcdArgs(paths, ports))).not.toContain(apiserverMarker(paths));
    expect(cmdline('kube-apiserver', apiserverArgs(paths, ports))).not.toContain(etcdMarker(paths));
  });

  it('runs the controller manager and the scheduler on loopback, without leader election, with the shared service-account key', () => {
    expect(controllerManagerArgs(paths, ports)).toEqual(
      expect.arrayContaining([
        '--kubeconfig=/data/clusters/a/kube-controller-manager.kubeconfig',
        '--bind-address=127.0.0.1',
        '--secure-port=10257',
        '--leader-elect=false',
        '--use-service-account-credentials=true',
        '--service-account-private-key-file=/data/clusters/a/certs/sa.key',
        '--root-ca-file=/data/clusters/a/certs/ca.crt',
      ]),
    );
    const controllers = controllerManagerArgs(paths, ports).find((a) => a.startsWith('--controllers='))!.split('=')[1]!.split(',');
    expect(controllers).toEqual(expect.arrayContaining(['deployment-controller', 'replicaset-controller', 'statefulset-controller', 'daemonset-controller', 'job-controller', 'disruption-controller', 'node-lifecycle-controller', 'garbage-collector-controller']));
    expect(schedulerArgs(paths, ports)).toEqual(expect.arrayContaining(['--config=/data/clusters/a/kube-scheduler.yaml', '--bind-address=127.0.0.1', '--secure-port=10259']));
    expect(schedulerConfigYaml(paths)).toContain('leaderElect: false');
    expect(kwokArgs(paths)).toEqual(expect.arrayContaining(['--manage-all-nodes=false', '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake']));
  });

  it('tells the five processes of a cluster apart from each other and from another cluster\'s', () => {
    const ab = clusterPaths('/data', 'ab');
    const lines = (p: typeof paths) => [
      cmdline('etcd', etcdArgs(p, ports)),
      cmdline('kube-apiserver', apiserverArgs(p, ports)),
      cmdline('kube-controller-manager', controllerManagerArgs(p, ports)),
      cmdline('kube-scheduler', schedulerArgs(p, ports)),
      cmdline('kwok', kwokArgs(p)),
    ];
    const markers = [etcdMarker, apiserverMarker, controllerManagerMarker, schedulerMarker, kwokMarker].map((m) => m(paths));
    // Each marker is found in exactly its own process's command line, and in none of cluster "ab".
    const hits = markers.map((m) => lines(paths).map((l) => l.includes(m)));
    expect(hits).toEqual([0, 1, 2, 3, 4].map((i) => [0, 1, 2, 3, 4].map((j) => i === j)));
    for (const m of markers) expect(lines(ab).some((l) => l.includes(m))).toBe(false);
  });

  it('gives KWOK well-formed stages, one of which keeps simulated failures from becoming Ready', () => {
    const docs = parseAllDocuments(kwokStagesYaml()).map((d) => d.toJS() as { kind: string; metadata: { name: string }; spec: { selector: { matchExpressions: { key: string; operator: string }[] } } });
    expect(docs.every((d) => d.kind === 'Stage')).toBe(true);
    expect(docs.map((d) => d.metadata.name)).toEqual([
      'fleetflow-node-ready',
      'fleetflow-node-heartbeat',
      'fleetflow-pod-create',
      'fleetflow-pod-ready',
      'fleetflow-pod-ready-again',
      'fleetflow-pod-crashloop',
      'fleetflow-pod-complete',
      'fleetflow-pod-delete',
    ]);
    const failure = (name: string) => docs.find((d) => d.metadata.name === name)!.spec.selector.matchExpressions.find((e) => e.key.includes(':(fail|crash)$'))!;
    expect(failure('fleetflow-pod-ready').operator).toBe('NotIn');
    expect(failure('fleetflow-pod-crashloop').operator).toBe('In');
    expect(failure('fleetflow-pod-ready').key).toContain('fleetflow.dev/simulate');
  });
});
