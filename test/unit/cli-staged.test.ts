import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { DECOMMISSION_GATE, decommissionProgress, newDecommissionState } from '../../src/domain/decommission/progress.js';
import { FleetDecommissionInputSchema, planFleetDecommission } from '../../src/domain/decommission/fleet-decommission.js';
import { newClusterState } from '../../src/domain/cluster/lifecycle.js';
import { ClusterSpecSchema } from '../../src/domain/cluster/spec.js';
import { decideRollout } from '../../src/domain/staged/engine.js';
import { newStagedState } from '../../src/domain/staged/operator.js';
import { waveProgress, type WaveState } from '../../src/domain/upgrade/wave.js';
import { cluster } from '../helpers/cluster-summaries.js';
import { runCli } from '../helpers/fake-cli.js';

const NOW = Date.now();
const USER = `cli:${process.env.USER ?? process.env.LOGNAME ?? 'unknown'}`;

/** A rollout (the wave's progress shape) waiting at its canary gate. */
function rolloutAtGate() {
  const base = newStagedState([{ name: 'canary', clusters: ['shop-1'], maxConcurrency: 1, maxFailures: 0, soakMs: 0, approval: 'before' }]);
  const s: WaveState = { ...base, upgrades: {}, leftOut: { upToDate: [], refused: [], excluded: [], unassigned: [] }, startedAt: new Date(NOW).toISOString(), generation: 0 };
  return { ...waveProgress(s, decideRollout({ stages: s.stages, runs: s.runs, operator: s.operator, now: NOW }), NOW), bundle: { name: 'shop', revision: 'v2' } };
}

/** A fleet decommission of team=web waiting at its gate because web-p is in prod. */
function decommissionAtGate() {
  const inventory = [cluster('web-a', { labels: { team: 'web' } }), cluster('web-p', { labels: { team: 'web' }, environment: 'prod' })];
  const input = FleetDecommissionInputSchema.parse({ selector: { matchLabels: { team: 'web' } }, reason: 'CHG-7' });
  const s = newDecommissionState(planFleetDecommission(input, inventory), inventory, { maxConcurrency: 5, maxFailures: 0, approvalTimeoutMs: 3_600_000, reason: 'CHG-7' }, new Date(NOW).toISOString());
  s.waiting = { on: `gate:${DECOMMISSION_GATE}`, since: NOW };
  return decommissionProgress(s, decideRollout({ stages: s.stages, runs: s.runs, operator: s.operator, now: NOW }), NOW);
}

describe('hints name the command they belong to', () => {
  it('a rollout waiting at a gate says `fleetflow rollout approve`, not upgrade', async () => {
    const r = await runCli(['rollout', 'status', 'rollout/r1'], { 'rollout/r1': { query: rolloutAtGate() } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('waiting for approval: fleetflow rollout approve rollout/r1 canary:before --reason TEXT');
    expect(r.stdout).not.toContain('fleetflow upgrade');
  });

  it('a fleet decommission at its gate says `fleetflow decommission approve ID` (its only gate needs no name)', async () => {
    const r = await runCli(['decommission', 'status', 'fleet-decommission/d1'], { 'fleet-decommission/d1': { query: decommissionAtGate() } });
    expect(r.stdout).toContain('waiting for approval: web-p is in environment prod');
    expect(r.stdout).toContain('  fleetflow decommission approve fleet-decommission/d1 --reason TEXT');
    expect(r.stdout).not.toMatch(/fleetflow (upgrade|clusters)/);
  });
});

describe('fleetflow decommission, and the clusters decommission flags that are its aliases', () => {
  const workflows = { 'fleet-decommission/d1': { query: decommissionAtGate() } };

  it('--status ID prints what `decommission status ID` prints, in every format', async () => {
    for (const o of [[], ['-o', 'json'], ['-o', 'yaml']]) {
      const alias = await runCli(['clusters', 'decommission', '--status', 'fleet-decommission/d1', ...o], workflows);
      const unified = await runCli(['decommission', 'status', 'fleet-decommission/d1', ...o], workflows);
      expect(alias).toEqual(unified);
    }
    const yaml = await runCli(['decommission', 'status', 'fleet-decommission/d1', '-o', 'yaml'], workflows);
    expect(parseYaml(yaml.stdout)).toEqual(JSON.parse(JSON.stringify(decommissionAtGate())));
  });

  it('--approve ID and --abort ID send the same updates as `decommission approve|abort ID`', async () => {
    const approve = await runCli(['clusters', 'decommission', '--approve', 'fleet-decommission/d1', '--reason', 'CAB ok'], workflows);
    expect(approve.calls).toEqual((await runCli(['decommission', 'approve', 'fleet-decommission/d1', '--reason', 'CAB ok'], workflows)).calls);
    expect(approve.calls).toEqual([{ op: 'update', id: 'fleet-decommission/d1', name: 'approve', args: [{ gate: 'decommission:before', by: USER, reason: 'CAB ok' }] }]);
    const abort = await runCli(['clusters', 'decommission', '--abort', 'fleet-decommission/d1', '--reason', 'wrong ticket', '--by', 'alice'], workflows);
    expect(abort.calls).toEqual([{ op: 'update', id: 'fleet-decommission/d1', name: 'abort', args: [{ by: 'alice', reason: 'wrong ticket' }] }]);
  });

  it('--selector starts the same fleetDecommission as `decommission start --selector`, and returns unless --wait', async () => {
    const flags = ['--selector', 'team=web', '--reason', 'CHG-9 web retired', '--id', 'fleet-decommission/CHG-9', '--max-concurrency', '2'];
    const alias = await runCli(['clusters', 'decommission', ...flags]);
    const unified = await runCli(['decommission', 'start', ...flags, '--no-wait']);
    expect(alias).toEqual(unified);
    expect(alias.calls).toEqual([
      { op: 'start', type: 'fleetDecommission', id: 'fleet-decommission/CHG-9', args: [{ requestedBy: USER, selector: { matchLabels: { team: 'web' } }, reason: 'CHG-9 web retired', maxConcurrency: 2 }] },
    ]);
    expect(alias.stdout).toMatch(/^fleetDecommission fleet-decommission\/CHG-9 started; follow it with: fleetflow decommission watch fleet-decommission\/CHG-9\nui: http:\/\/[\d.:]+\/namespaces\/fleetflow\/workflows\/fleet-decommission%2FCHG-9$/);
  });

  it('refuses a bad request before starting anything, with exit 2', async () => {
    expect(await runCli(['decommission', 'start', '--selector', 'team=web'])).toMatchObject({ code: 2, stderr: 'error: decommission start: --reason TEXT is required\n', calls: [] });
    expect(await runCli(['clusters', 'decommission', 'web-1', '--selector', 'team=web'])).toMatchObject({ code: 2, stderr: 'error: clusters decommission: give a cluster NAME or --selector, not both\n' });
    expect(await runCli(['clusters', 'decommission', 'web-1', '--wait'])).toMatchObject({ code: 2, stderr: 'error: clusters decommission: --wait goes with --selector, --approve, --abort or --status, not a cluster NAME\n' });
    expect(await runCli(['rollout', 'abort', 'rollout/r1'], { 'rollout/r1': { query: rolloutAtGate() } })).toMatchObject({ code: 2, stderr: 'error: rollout abort: --reason TEXT is required\n', calls: [] });
  });
});

describe('clusters decommission NAME refuses what the workflow would refuse, before anything starts', () => {
  const spec = ClusterSpecSchema.parse({ name: 'gamma', provider: 'local', environment: 'prod', protected: true });
  const entity = { 'cluster/gamma': { query: { ...newClusterState(spec, new Date(NOW).toISOString()), phase: 'Active' } } };

  it('a protected cluster with --no-wait and no --force: exit 1, the workflow\'s words, no workflow started', async () => {
    const r = await runCli(['clusters', 'decommission', 'gamma', '--no-wait'], entity);
    expect(r).toMatchObject({ code: 1, stderr: 'error: cluster gamma is protected: decommission it with force and a reason\n', calls: [] });
  });

  it('starts it when forced with a reason', async () => {
    const r = await runCli(['clusters', 'decommission', 'gamma', '--force', '--reason', 'retired', '--no-wait'], entity);
    expect(r.code).toBe(0);
    expect(r.calls).toMatchObject([{ op: 'start', type: 'decommissionCluster', id: 'decommission/gamma', args: [{ name: 'gamma', force: true, reason: 'retired' }] }]);
  });
});
