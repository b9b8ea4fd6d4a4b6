import { describe, expect, it } from 'vitest';
import { apiserverArgs, apiserverMarker, etcdArgs, etcdMarker } from '../../src/providers/local/flags.js';
import { clusterPaths } from '../../src/providers/local/paths.js';

const paths = clusterPaths('/data', 'a');
const ports = { etcdClient: 2379, etcdPeer: 2380, apiserver: 6443 };
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
});
