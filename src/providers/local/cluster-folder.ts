import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { CreateClusterRequest } from '../types.js';
import { writePki, generatePki } from './certs.js';
import { writeKubeconfig } from './control-plane.js';
import { type ClusterPaths, clustersDir, pathsIn } from './paths.js';
import { freePorts } from './ports.js';
import { COMPONENTS, type LocalClusterState, newProviderId, writeState } from './state.js';
import { DEFAULT_LOCAL_POOL } from '../../domain/cluster/local-node-pools.js';
import { DEFAULT_LOCAL_MACHINE_TYPE } from '../../domain/cluster/machine-types.js';

/**
 * Builds a complete cluster folder (etcd data dir, PKI, ports, state with its processes and
 * node pools, the requested ones or one default pool of two nodes, kubeconfig) under a temp
 * name and renames it into place, so a folder with state.json is always a whole cluster.
 * Caller holds the name's lock.
 */
export async function buildClusterFolder(dataDir: string, req: CreateClusterRequest, version: string, paths: ClusterPaths): Promise<LocalClusterState> {
  const tmpDir = join(clustersDir(dataDir), `.${req.name}.creating-${randomBytes(4).toString('hex')}`);
  const tmp = pathsIn(tmpDir, paths.lock);
  try {
    await mkdir(tmp.etcdData, { recursive: true, mode: 0o700 });
    await writePki(tmp.certs, await generatePki());
    const [etcdClient, etcdPeer, apiserver, controllerManager, scheduler] = (await freePorts(5)) as [number, number, number, number, number];
    const pools = req.nodePools?.length ? req.nodePools : [DEFAULT_LOCAL_POOL];
    const state: LocalClusterState = {
      schema: 1,
      name: req.name,
      region: req.region,
      providerId: newProviderId(req.name),
      kubernetesVersion: version,
      labels: req.labels,
      idempotencyKey: req.idempotencyKey,
      createdAt: new Date().toISOString(),
      components: [...COMPONENTS],
      ports: { etcdClient, etcdPeer, apiserver, controllerManager, scheduler },
      pids: {},
      nodePools: pools.map((p) => ({ name: p.name, nodeCount: p.nodeCount, machineType: p.machineType ?? DEFAULT_LOCAL_MACHINE_TYPE, version })),
    };
    await writeState(tmp.state, state);
    await writeKubeconfig(tmp, state);
    await rename(tmpDir, paths.dir);
    return state;
  } catch (e) {
    await rm(tmpDir, { recursive: true, force: true });
    throw e;
  }
}

/** A temp name for a folder being deleted: renamed first, so a half-removed folder never looks like a cluster. */
export function trashName(dataDir: string, name: string): string {
  return join(clustersDir(dataDir), `.${name}.deleting-${randomBytes(4).toString('hex')}`);
}

/** Removes temp folders of creates and deletes that crashed (caller holds the name's lock). */
export async function removeLeftovers(dataDir: string, name: string): Promise<void> {
  const dir = clustersDir(dataDir);
  const stale = (await readdir(dir)).filter((n) => n.startsWith(`.${name}.creating-`) || n.startsWith(`.${name}.deleting-`));
  await Promise.all(stale.map((n) => rm(join(dir, n), { recursive: true, force: true })));
}
