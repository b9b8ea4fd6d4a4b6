import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalProvider } from '../../src/providers/local/index.js';
import { Toolchain } from '../../src/host/toolchain.js';
import { applyBench } from './apply-bench.js';

/**
 * `npm run bench [-- CASE...] [--api-seconds N]`, cases `local`, `apply`, `scale` and `api`
 * (default: all). local: local-cluster-rss, one whole local cluster provisioned through a real
 * worker, then measured idle, printed against its targets (BENCH_LOCAL=0 leaves it out of the
 * default). apply: starts one local cluster, runs every apply case against it and prints one line
 * per case; the cluster is deleted whatever happens. BENCH_ROUNDS (default 5) sets the rounds
 * per case. scale: the fleet-scale cases (a 1,000-cluster rollout and upgrade wave) print their
 * JSON figures; BENCH_SCALE=0 leaves them out of the default. api: autocannon against the API
 * (api-bench.ts) for 30 s per route, or `--api-seconds N` (or BENCH_API_SECONDS) for a quick run.
 * fleet: fleet-scale.ts, issue 17's table (P1 rollout against Temporal's floor, progress query
 * median/p99, P3 inventory of registered entities), at the issue's sizes unless given
 * `--clusters N --concurrency C --entities E --in-flight H --idle-seconds S`.
 * scale, api and fleet each run in their own process: the Temporal runtime is per process.
 */
const CASES = ['local', 'apply', 'scale', 'api', 'fleet'] as const;
/** Flags of the fleet case (fleet-scale.ts), passed through with their values. */
const FLEET_FLAGS = ['--clusters', '--concurrency', '--entities', '--in-flight', '--idle-seconds'];
type Case = (typeof CASES)[number];
const log = (s: string) => process.stderr.write(`${s}\n`);

function parseArgs(argv: string[]): { cases: Case[]; apiSeconds?: string; fleetArgs: string[] } {
  const cases: Case[] = [];
  const fleetArgs: string[] = [];
  let apiSeconds: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (FLEET_FLAGS.includes(a)) {
      const v = argv[++i];
      if (!v || !/^\d+$/.test(v) || Number(v) < 1) throw new Error(`${a} needs a whole number >= 1`);
      fleetArgs.push(a, v);
    } else if (a === '--api-seconds') {
      apiSeconds = argv[++i];
      if (!apiSeconds || !/^\d+$/.test(apiSeconds) || Number(apiSeconds) < 1) throw new Error('--api-seconds needs a whole number of seconds >= 1');
    } else if ((CASES as readonly string[]).includes(a)) cases.push(a as Case);
    else throw new Error(`unknown bench case or flag "${a}" (cases: ${CASES.join(', ')}; flags: --api-seconds N, ${FLEET_FLAGS.map((f) => `${f} N`).join(', ')})`);
  }
  const all = CASES.filter((c) => (c !== 'scale' || process.env.BENCH_SCALE !== '0') && (c !== 'fleet' || process.env.BENCH_SCALE !== '0') && (c !== 'local' || process.env.BENCH_LOCAL !== '0'));
  return { cases: cases.length ? cases : all, fleetArgs, ...(apiSeconds ? { apiSeconds } : {}) };
}

/** Runs a bench script in its own process (stdout captured, stderr passed on); returns its stdout. */
const runScript = (script: string, args: string[]) =>
  execFileSync(process.execPath, ['--import', 'tsx', new URL(script, import.meta.url).pathname, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

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

async function applyCases(): Promise<void> {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
  const toolchain = new Toolchain();
  const dataDir = mkdtempSync(join(tmpdir(), 'fleetflow-bench-'));
  const provider = new LocalProvider({ dataDir, toolchain });
  const cluster = 'bench';
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    await provider.delete({ name: cluster, region: 'local' }).catch((e: unknown) => log(`could not delete the bench cluster: ${String(e)}`));
    rmSync(dataDir, { recursive: true, force: true });
  };
  const onSignal = () => void cleanup().then(() => process.exit(130));
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, onSignal);
  try {
    log(`starting a local cluster (Kubernetes ${toolchain.defaultKubeVersion}) ...`);
    await provider.create({ name: cluster, region: 'local', labels: {}, idempotencyKey: 'bench' });
    await provider.waitUntilRunning({ name: cluster, region: 'local' });
    for (const line of await applyBench(provider, toolchain, cluster, rounds, log)) console.log(line);
  } finally {
    await cleanup();
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.off(sig, onSignal);
  }
}

let args: ReturnType<typeof parseArgs>;
try {
  args = parseArgs(process.argv.slice(2));
} catch (e) {
  log(`bench: ${(e as Error).message}`);
  process.exit(2);
}
try {
  const { cases, apiSeconds, fleetArgs } = args;
  if (cases.includes('local')) {
    log('running local-cluster-rss (a whole local cluster, provisioned, then measured idle) ...');
    console.log(localClusterRss());
  }
  if (cases.includes('apply')) await applyCases();
  if (cases.includes('scale')) {
    for (const [name, script, args] of [
      ['rollout-1000', 'rollout-scale.ts', ['1000', '50', '50']],
      ['wave-1000', 'wave-scale.ts', ['1000', '50']],
    ] as const) {
      log(`running ${name} ...`);
      const out = execFileSync(process.execPath, ['--import', 'tsx', new URL(script, import.meta.url).pathname, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      console.log(`${name}: ${out.trim().split('\n').at(-1)}`);
    }
  }
  if (cases.includes('api')) {
    log('running api ...');
    // The dev server's banner shares the script's stdout: the figures follow api-bench.ts's mark.
    const out = runScript('api-bench.ts', apiSeconds ? [apiSeconds] : []).trim().split('\n');
    for (const line of out.slice(out.indexOf('-- api figures --') + 1)) console.log(`api ${line}`);
  }
  if (cases.includes('fleet')) {
    log(`running fleet (P1, progress queries, P3) ${fleetArgs.join(' ')} ...`);
    const out = runScript('fleet-scale.ts', fleetArgs).trim().split('\n');
    for (const line of out.slice(out.indexOf('-- fleet figures --') + 1)) console.log(line);
  }
} catch (e) {
  log(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exitCode = 1;
}
