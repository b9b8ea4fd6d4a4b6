import { ROLLOUT_KINDS, rolloutVerdict, type RolloutState, type RolloutVerdict, type WorkloadObject } from '../domain/bundle/workload-rollout-status.js';
import { describeObject, groupOf, type BundleManifest, type ObjectIdentity } from '../domain/bundle/bundle.js';
import type { ClusterCredentials } from './credentials.js';
import { Discovery, resourcePath } from './discovery.js';
import { isNotFound, kubeError } from './errors.js';
import { withRest } from './rest.js';

/** One workload's rollout, as last seen. */
export interface WorkloadRollout extends RolloutVerdict {
  ref: ObjectIdentity;
}

/**
 * Ready: all rolled out. Stuck: at least one will not finish. TimedOut: the deadline passed
 * first. Progressing only in progress reports, never as the result.
 */
export interface RolloutReport {
  status: 'Ready' | 'Stuck' | 'TimedOut' | 'Progressing';
  workloads: WorkloadRollout[];
  elapsedMs: number;
}

export interface WaitOptions {
  /** Give up (status TimedOut) after this long. */
  deadlineMs: number;
  /** Between polls; default 1 s. */
  intervalMs?: number;
  /** Called after every poll with the current picture, e.g. to heartbeat. */
  onProgress?: (report: RolloutReport) => void;
}

/** The workloads of a bundle whose rollout can be waited on (apps Deployments, StatefulSets, DaemonSets). */
export function rolloutRefs(manifests: readonly BundleManifest[]): ObjectIdentity[] {
  return manifests
    .filter((m) => groupOf(m.apiVersion) === 'apps' && (ROLLOUT_KINDS as readonly string[]).includes(m.kind))
    .map((m) => ({ group: 'apps', kind: m.kind, namespace: m.metadata.namespace ?? 'default', name: m.metadata.name }));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls the workloads until every one is rolled out (kubectl rollout status rules, see
 * src/domain/bundle/workload-rollout-status.ts), one is stuck, or the deadline passes; returns which, with
 * every workload's condition, reason and message. A workload not found yet is Progressing.
 *
 * @example const r = await waitForRollout(creds, refs, { deadlineMs: 300_000, onProgress: (r) => heartbeat(r) });
 */
export async function waitForRollout(creds: ClusterCredentials, refs: readonly ObjectIdentity[], opts: WaitOptions): Promise<RolloutReport> {
  const started = Date.now();
  const interval = opts.intervalMs ?? 1_000;
  return withRest(creds, async (rest) => {
    const discovery = new Discovery(rest);
    const last = new Map<ObjectIdentity, WorkloadRollout>();
    for (;;) {
      const pending = refs.filter((r) => last.get(r)?.state !== 'Ready');
      await Promise.all(
        pending.map(async (ref) => {
          const info = await discovery.lookupGroupKind(ref.group, ref.kind);
          if (!info) throw kubeError(new Error(`Unrecognized API version and kind ${ref.kind}.${ref.group}`), `read ${describeObject(ref)}`);
          let verdict: RolloutVerdict;
          try {
            const { body } = await rest.request<WorkloadObject>('GET', resourcePath(info, ref.namespace, ref.name));
            verdict = rolloutVerdict({ ...body, kind: ref.kind });
          } catch (e) {
            if (!isNotFound(e)) throw kubeError(e, `read ${describeObject(ref)}`);
            verdict = { state: 'Progressing', reason: 'NotFound', message: `${describeObject(ref)} does not exist (yet)` };
          }
          last.set(ref, { ref, ...verdict });
        }),
      );
      const workloads = refs.map((r) => last.get(r)!);
      const states = new Set<RolloutState>(workloads.map((w) => w.state));
      const elapsedMs = Date.now() - started;
      const status = states.has('Stuck') ? 'Stuck' : !states.has('Progressing') ? 'Ready' : elapsedMs + interval > opts.deadlineMs ? 'TimedOut' : undefined;
      const report: RolloutReport = { status: status ?? 'Progressing', workloads, elapsedMs };
      if (status) return report;
      opts.onProgress?.(report);
      await sleep(interval);
    }
  });
}
