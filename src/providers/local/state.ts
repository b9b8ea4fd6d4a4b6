import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { z } from 'zod';

/**
 * The processes of a whole local cluster, in the order they start (stop is the reverse).
 * state.json lists the ones a cluster has: a cluster made before the controller manager,
 * the scheduler and KWOK existed lists none (it ran etcd and kube-apiserver) and gains them
 * when it next starts.
 */
export const COMPONENTS = ['etcd', 'apiserver', 'controllerManager', 'scheduler', 'kwok'] as const;
export type Component = (typeof COMPONENTS)[number];
/** What a state.json without `components` ran. */
export const LEGACY_COMPONENTS: readonly Component[] = ['etcd', 'apiserver'];

const port = z.number().int();

/** One node pool: this many simulated Nodes of this machine type at this kubelet version. */
export const LocalPoolSchema = z.object({
  name: z.string(),
  nodeCount: z.number().int().min(0),
  machineType: z.string(),
  version: z.string(),
});

/**
 * What a local cluster is, on disk. It is the only source of truth: a worker keeps nothing in
 * memory, so a new worker (after the old one was SIGKILLed) finds the same cluster, ports and
 * processes here.
 */
export const LocalClusterStateSchema = z.object({
  schema: z.literal(1),
  name: z.string(),
  region: z.string(),
  /** `local://<name>/<random>`: differs between a cluster and a later one of the same name. */
  providerId: z.string(),
  kubernetesVersion: z.string(),
  labels: z.record(z.string(), z.string()),
  /** The key of the create that made it (kept for diagnosis; creates are idempotent by name). */
  idempotencyKey: z.string(),
  createdAt: z.string(),
  /** The processes it runs; absent in a state.json written before there were more than two (LEGACY_COMPONENTS). */
  components: z.array(z.enum(COMPONENTS)).optional(),
  ports: z.object({ etcdClient: port, etcdPeer: port, apiserver: port, controllerManager: port.optional(), scheduler: port.optional() }),
  /** Last spawned pids; alive only if /proc/<pid>/cmdline still names this cluster's folder. */
  pids: z.object(Object.fromEntries(COMPONENTS.map((c) => [c, port.optional()])) as Record<Component, z.ZodOptional<typeof port>>),
  /** Node pools (KWOK nodes); absent in a state.json written before local clusters had nodes. */
  nodePools: z.array(LocalPoolSchema).optional(),
  startedAt: z.string().optional(),
});

export type LocalClusterState = z.infer<typeof LocalClusterStateSchema>;
export type LocalPoolState = z.infer<typeof LocalPoolSchema>;

/** The processes the cluster runs, as recorded. */
export const componentsOf = (state: LocalClusterState): readonly Component[] => state.components ?? LEGACY_COMPONENTS;

/** A new provider id for cluster `name`. */
export function newProviderId(name: string): string {
  return `local://${name}/${randomBytes(6).toString('hex')}`;
}

/** Reads state.json; undefined when absent; throws naming the file when it is corrupt. */
export async function readState(file: string): Promise<LocalClusterState | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const parsed = LocalClusterStateSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** Writes state.json atomically (temp file + rename), so a crash never leaves half a file. */
export async function writeState(file: string, state: LocalClusterState): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, file);
}
