import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { parentRefFor, REVISION_ANNOTATION } from '../../src/domain/bundle/applyset.js';
import { clusterEntityId } from '../../src/domain/cluster/inventory.js';
import { APPLYING_REVISION_ANNOTATION } from '../../src/kube/applyset.js';
import { serverVersion } from '../../src/kube/health.js';
import { withRest } from '../../src/kube/rest.js';
import type { LocalProvider } from '../../src/providers/local/index.js';
import { clusterPaths, clustersDir } from '../../src/providers/local/paths.js';
import { BUNDLE, CHAOS_CLUSTERS, DECOMMISSIONED, queryWhenUp, WAVE_CLUSTERS, type Outcome } from './operations.js';

/** One invariant checked after the scenario: its name, whether it held, and what was seen. */
export interface Invariant {
  name: string;
  ok: boolean;
  detail: string;
}

export interface InvariantInputs {
  client: Client;
  taskQueue: string;
  local: LocalProvider;
  journal: string;
  outcomes: Outcome[];
  killedPids: ReadonlySet<number>;
  selfExits: readonly string[];
}

const CONTROL_PLANE = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok'].join(',');
const LIVE = CHAOS_CLUSTERS.filter((n) => n !== DECOMMISSIONED);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Names of the live processes whose command line names `dir` (a cluster's etcd, API server, controllers, KWOK). */
export async function processesOf(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await readFile(join('/proc', pid, 'cmdline'), 'utf8').catch(() => '');
    if (cmdline.split('\0').some((arg) => arg === dir || arg.includes(`${dir}/`) || arg.includes(`=${dir}`))) found.push(cmdline.split('\0')[0]!.split('/').pop()!);
  }
  return found.sort();
}

const verdict = (name: string, problems: string[], fine: string): Invariant => ({ name, ok: problems.length === 0, detail: problems.length ? problems.join('; ') : fine });

/** Every invariant, each checked on its own so one failure does not hide the others. */
export async function checkInvariants(i: InvariantInputs): Promise<Invariant[]> {
  const out: Invariant[] = [];
  const failedOps = i.outcomes.filter((o) => !o.ok);
  out.push(verdict('every operation reached its expected outcome', failedOps.map((o) => `${o.operation}: ${o.detail}`), `${i.outcomes.length} of ${i.outcomes.length}`));
  out.push(verdict('no worker exited except by a kill', [...i.selfExits], 'none did'));
  out.push(await createdOnce(i));
  out.push(await entitiesMatchClusters(i));
  out.push(await noClaimHeld(i));
  out.push(await noFailedWorkflowTask(i));
  return out;
}

/**
 * Each cluster was created once. The provider's journal records, for every create call, the
 * identity (a digest of the CA certificate a cluster gets when it is built) of the cluster the
 * call found or left: all of a cluster's calls must name one identity, the one its API server
 * presents at the end, and a call that never ended must be one a kill cut short (a create cut
 * before its folder was complete leaves nothing; the next one builds it). On the machine: one
 * set of control-plane processes per live cluster, none for the decommissioned one, and exactly
 * the live clusters' folders.
 */
async function createdOnce(i: InvariantInputs): Promise<Invariant> {
  const problems: string[] = [];
  const lines = existsSync(i.journal) ? readFileSync(i.journal, 'utf8').trim().split('\n').filter(Boolean) : [];
  const entries = lines.map((l) => JSON.parse(l) as { event: string; name?: string; fresh?: boolean; identity?: string; pid: number });
  let calls = 0;
  for (const name of CHAOS_CLUSTERS) {
    const mine = entries.filter((e) => e.name === name);
    calls += mine.filter((e) => e.event === 'create-begin').length;
    for (const [k, e] of mine.entries()) {
      if (e.event !== 'create-begin') continue;
      const ended = mine.slice(k + 1).some((later) => later.event === 'create-end' && later.pid === e.pid);
      if (!ended && !i.killedPids.has(e.pid)) problems.push(`${name}: a create by worker ${e.pid} never ended, and that worker was not killed`);
    }
    const identities = new Set(mine.flatMap((e) => (e.identity ? [e.identity] : [])));
    const trail = mine.map((e) => `${e.event}${e.fresh ? ' fresh' : ''}${e.identity ? ` ${e.identity}` : ''} by ${e.pid}`).join(', ') || 'nothing';
    if (identities.size !== 1) problems.push(`${name}: ${identities.size} cluster identities in ${mine.length} journal lines (${trail})`);
    else if (name !== DECOMMISSIONED) {
      const serving = createHash('sha256').update((await i.local.credentials({ name, region: 'local' })).caPem).digest('hex').slice(0, 16);
      if (!identities.has(serving)) problems.push(`${name}: the cluster now has identity ${serving}, not the one its creates saw (${trail})`);
    }
  }
  for (const name of CHAOS_CLUSTERS) {
    const procs = (await processesOf(clusterPaths(i.local.dataDir, name).dir)).join(',');
    const want = name === DECOMMISSIONED ? '' : CONTROL_PLANE;
    if (procs !== want) problems.push(`${name}: processes [${procs}], expected [${want}]`);
  }
  const folders = (await readdir(clustersDir(i.local.dataDir))).filter((f) => !f.endsWith('.lock')).sort();
  if (folders.join(',') !== LIVE.join(',')) problems.push(`cluster folders [${folders.join(',')}], expected [${LIVE.join(',')}]`);
  return verdict('each cluster created once (provider calls, processes, data folders)', problems, `${CHAOS_CLUSTERS.length} clusters, ${calls} create calls, one cluster identity each; ${LIVE.length} folders with one control plane each`);
}

/**
 * What each entity says matches what its cluster says: phase and version (GET /version), and
 * the bundle's revision (the ApplySet parent's revision annotation, no apply left half done,
 * and the revision ConfigMaps kept on the cluster: exactly the revisions the entity knows).
 */
async function entitiesMatchClusters(i: InvariantInputs): Promise<Invariant> {
  const problems: string[] = [];
  const deadline = Date.now() + 60_000;
  for (const name of LIVE) {
    const state = await queryWhenUp(i.client, name, deadline);
    const creds = await i.local.credentials({ name, region: 'local' });
    const version = await serverVersion(creds);
    const expected = WAVE_CLUSTERS.includes(name) ? '1.36.3' : '1.35.4';
    if (state.phase !== 'Active') problems.push(`${name}: phase ${state.phase}`);
    if (state.version !== version || version !== expected) problems.push(`${name}: entity version ${state.version}, /version ${version}, expected ${expected}`);
    const record = state.bundles?.find((b) => b.name === BUNDLE);
    const known = [record?.revision, ...(record?.previous ?? [])].filter(Boolean).sort().join(',');
    const onCluster = await withRest(creds, async (rest) => {
      const parent = parentRefFor(BUNDLE);
      const p = (await rest.request<{ metadata: { annotations?: Record<string, string> } }>('GET', `/api/v1/namespaces/${parent.namespace}/configmaps/${parent.name}`)).body;
      const list = (
        await rest.request<{ items: { metadata: { annotations?: Record<string, string> } }[] }>('GET', `/api/v1/namespaces/${parent.namespace}/configmaps`, {
          query: { labelSelector: `fleetflow.io/bundle=${BUNDLE},fleetflow.io/role=bundle-revision` },
        })
      ).body;
      return {
        revision: p.metadata.annotations?.[REVISION_ANNOTATION],
        applying: p.metadata.annotations?.[APPLYING_REVISION_ANNOTATION],
        stored: list.items.map((cm) => cm.metadata.annotations?.['fleetflow.io/revision']).sort().join(','),
      };
    });
    if (record?.revision !== 'v2' || onCluster.revision !== 'v2') problems.push(`${name}: entity has ${BUNDLE}@${record?.revision}, ApplySet parent says ${onCluster.revision}, expected v2`);
    if (onCluster.applying) problems.push(`${name}: ApplySet parent still applying ${onCluster.applying}`);
    if (onCluster.stored !== 'v1,v2' || known !== 'v1,v2') problems.push(`${name}: revisions stored on the cluster [${onCluster.stored}], known to the entity [${known}], expected [v1,v2]`);
  }
  const gone = await i.client.workflow.getHandle(clusterEntityId(DECOMMISSIONED)).result();
  if (gone.phase !== 'Deleted') problems.push(`${DECOMMISSIONED}: entity ended ${gone.phase}`);
  const described = await i.local.describe({ name: DECOMMISSIONED, region: 'local' });
  if (described.status !== 'NotFound') problems.push(`${DECOMMISSIONED}: provider says ${described.status}`);
  return verdict('entities match their clusters (phase, /version, ApplySet parent, revision ConfigMaps)', problems, `${LIVE.length} live at their versions with ${BUNDLE}@v2 (v1 kept), ${DECOMMISSIONED} Deleted and gone`);
}

/** No entity still holds a claim once the operations are over (a claim outliving its operation would block the cluster). */
async function noClaimHeld(i: InvariantInputs): Promise<Invariant> {
  const deadline = Date.now() + 120_000;
  let held: string[] = [];
  // A claim is released by its operation's last step, which a late kill may have delayed: wait for it, bounded.
  do {
    held = [];
    for (const name of LIVE) {
      const s = await queryWhenUp(i.client, name, deadline);
      if (s.current) held.push(`${name}: ${s.current.type} ${s.current.id} (${s.current.message ?? ''})`);
    }
    if (held.length === 0 || Date.now() > deadline) break;
    await sleep(2_000);
  } while (held.length > 0);
  return verdict('no claim left held', held, `none of ${LIVE.length} entities holds one`);
}

/**
 * No workflow of the run had a failed workflow task (a nondeterminism or a bug in workflow code
 * shows as WorkflowTaskFailed and would make the workflow retry its task forever). Timed-out
 * workflow tasks are expected: a killed worker never answers the task it held.
 */
async function noFailedWorkflowTask(i: InvariantInputs): Promise<Invariant> {
  const problems: string[] = [];
  let runs = 0;
  let timedOut = 0;
  for await (const wf of i.client.workflow.list({ query: `TaskQueue = "${i.taskQueue}"` })) {
    runs++;
    const history = await i.client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
    for (const e of history.events ?? []) {
      if (e.workflowTaskFailedEventAttributes) problems.push(`${wf.workflowId} (run ${wf.runId}) event ${e.eventId}: WorkflowTaskFailed ${e.workflowTaskFailedEventAttributes.failure?.message ?? ''}`.trim());
      if (e.workflowTaskTimedOutEventAttributes) timedOut++;
    }
  }
  return verdict('no workflow has a failed workflow task', problems, `${runs} runs scanned; ${timedOut} workflow tasks timed out with their worker, none failed`);
}
