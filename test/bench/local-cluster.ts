// Measures one whole local cluster: the time from starting provisionCluster to the cluster's
// entity being Active (a real Temporal dev server and worker), then, once it has settled, its
// processes' resident memory and their CPU while idle. Prints one JSON line.
//   node --import tsx test/bench/local-cluster.ts [settleSeconds] [sampleSeconds]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { clusterEntityId } from '../../src/domain/cluster/inventory.js';
import { getClusterState } from '../../src/temporal/messages/cluster.js';
import { FleetTestEnv } from '../helpers/fleet-env.js';

const settleSeconds = Number(process.argv[2] ?? 20);
const sampleSeconds = Number(process.argv[3] ?? 30);
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resident memory of `pid` in MB (VmRSS). */
function rssMb(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return Math.round(kb / 1024);
}

/** CPU time `pid` has used so far, in clock ticks (user + system, fields 14 and 15 of stat). */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

const fleet = await FleetTestEnv.create();
const name = 'bench-rss';
const ref = { name, region: 'local' };
try {
  const taskQueue = fleet.newTaskQueue();
  const figures = await fleet.withWorker(taskQueue, async () => {
    const started = Date.now();
    await fleet.client.workflow.execute('provisionCluster', { workflowId: `provision/${name}`, taskQueue, args: [{ spec: { name, provider: 'local' } }] });
    const provisionToActiveSeconds = (Date.now() - started) / 1000;
    const phase = (await fleet.client.workflow.getHandle(clusterEntityId(name)).query(getClusterState)).phase;
    if (phase !== 'Active') throw new Error(`cluster ${name} is ${phase} after its provision, not Active`);
    return { provisionToActiveSeconds };
  });
  // Idle: no worker, nothing applied; the controllers have done their first sync.
  await sleep(settleSeconds * 1000);
  const pids = (await fleet.local.processes(ref)) as Record<string, number>;
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuTicks(pid)]));
  const load = loadavg()[0]!;
  await sleep(sampleSeconds * 1000);
  const cpuPercent = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, Math.round(((cpuTicks(pid) - before[k]!) / CLK_TCK / sampleSeconds) * 1000) / 10]));
  const rss = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, rssMb(pid)]));
  const total = (o: Record<string, number>) => Math.round(Object.values(o).reduce((a, b) => a + b, 0) * 10) / 10;
  console.log(
    JSON.stringify({
      provisionToActiveSeconds: Math.round(figures.provisionToActiveSeconds * 10) / 10,
      rssMb: { total: total(rss), ...rss },
      idleCpuPercentOfOneCore: { total: total(cpuPercent), ...cpuPercent },
      sampleSeconds,
      loadAverage1m: Math.round(load * 100) / 100,
    }),
  );
} finally {
  await fleet.local.delete(ref).catch(() => undefined);
  await fleet.teardown();
}
