import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { z } from 'zod';

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
  ports: z.object({ etcdClient: z.number().int(), etcdPeer: z.number().int(), apiserver: z.number().int() }),
  /** Last spawned pids; alive only if /proc/<pid>/cmdline still names this cluster's folder. */
  pids: z.object({ etcd: z.number().int().optional(), apiserver: z.number().int().optional() }),
  startedAt: z.string().optional(),
});

export type LocalClusterState = z.infer<typeof LocalClusterStateSchema>;

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
