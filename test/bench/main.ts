import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalProvider } from '../../src/providers/local/index.js';
import { Toolchain } from '../../src/host/toolchain.js';
import { applyBench } from './apply-bench.js';

/**
 * `npm run bench`: first local-cluster-rss (one whole local cluster provisioned through a real
 * worker, then measured idle, in its own process; BENCH_LOCAL=0 leaves it out), printed against
 * its targets. Then starts one local cluster, runs every apply case against it and prints one
 * line per case; the cluster is deleted whatever happens. BENCH_ROUNDS (default 5) sets the
 * rounds per case. Then the fleet-scale cases (a 1,000-cluster rollout and upgrade wave, each in
 * its own process because the Temporal runtime is per process) print their JSON figures;
 * BENCH_SCALE=0 leaves them out.
 */
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const toolchain = new Toolchain();
const dataDir = mkdtempSync(join(tmpdir(), 'fleetflow-bench-'));
const provider = new LocalProvider({ dataDir, toolchain });
const cluster = 'bench';
const log = (s: string) => process.stderr.write(`${s}\n`);

let cleaned = false;
async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  await provider.delete({ name: cluster, region: 'local' }).catch((e: unknown) => log(`could not delete the bench cluster: ${String(e)}`));
  rmSync(dataDir, { recursive: true, force: true });
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void cleanup().then(() => process.exit(130)));

/** Targets of issue 12 for one idle local cluster. */
const TARGETS = { rssMb: 600, idleCpuPercent: 5, provisionSeconds: 20 };

/** local-cluster-rss in its own process (a Temporal runtime per process), as one line against its targets. */
function localClusterRss(): string {
  const out = execFileSync(process.execPath, ['--import', 'tsx', new URL('local-cluster.ts', import.meta.url).pathname], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const r = JSON.parse(out.trim().split('\n').at(-1)!) as {
    provisionToActiveSeconds: number;
    rssMb: { total: number };
    idleCpuPercentOfOneCore: { total: number };
    loadAverage1m: number;
  };
  const mark = (ok: boolean) => (ok ? 'ok' : 'OVER');
  return [
    `local-cluster-rss: ${r.rssMb.total} MB resident, all processes (target <= ${TARGETS.rssMb} MB: ${mark(r.rssMb.total <= TARGETS.rssMb)});`,
    `idle CPU ${r.idleCpuPercentOfOneCore.total}% of one core (target a few %, <= ${TARGETS.idleCpuPercent}%: ${mark(r.idleCpuPercentOfOneCore.total <= TARGETS.idleCpuPercent)});`,
    `provision to Active ${r.provisionToActiveSeconds} s (target <= ${TARGETS.provisionSeconds} s on a quiet machine: ${mark(r.provisionToActiveSeconds <= TARGETS.provisionSeconds)});`,
    `load average ${r.loadAverage1m} while measured. ${JSON.stringify(r)}`,
  ].join(' ');
}

try {
  if (process.env.BENCH_LOCAL !== '0') {
    log('running local-cluster-rss (a whole local cluster, provisioned, then measured idle) ...');
    console.log(localClusterRss());
  }
  log(`starting a local cluster (Kubernetes ${toolchain.defaultKubeVersion}) ...`);
  await provider.create({ name: cluster, region: 'local', labels: {}, idempotencyKey: 'bench' });
  await provider.waitUntilRunning({ name: cluster, region: 'local' });
  for (const line of await applyBench(provider, toolchain, cluster, rounds, log)) console.log(line);
  if (process.env.BENCH_SCALE !== '0') {
    for (const [name, script, args] of [
      ['rollout-1000', 'rollout-scale.ts', ['1000', '50', '50']],
      ['wave-1000', 'wave-scale.ts', ['1000', '50']],
    ] as const) {
      log(`running ${name} ...`);
      const out = execFileSync(process.execPath, ['--import', 'tsx', new URL(script, import.meta.url).pathname, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      console.log(`${name}: ${out.trim().split('\n').at(-1)}`);
    }
  }
} catch (e) {
  log(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
