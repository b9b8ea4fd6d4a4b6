import { describe, expect, it } from 'vitest';
import { DECOMMISSION_GATE, decommissionDetails, decommissionOutcome, decommissionProgress, newDecommissionState } from '../../src/domain/decommission/progress.js';
import { FleetDecommissionInputSchema, planFleetDecommission } from '../../src/domain/decommission/fleet-decommission.js';
import { decideRollout } from '../../src/domain/staged/engine.js';
import { applyAction } from '../../src/domain/staged/operator.js';
import { cluster } from '../helpers/cluster-summaries.js';

const NOW = Date.parse('2026-03-02T10:00:00Z');
const HOUR = 3_600_000;
const inventory = [
  cluster('web-a', { labels: { team: 'web' } }),
  cluster('web-p', { labels: { team: 'web' }, environment: 'prod' }),
  cluster('web-keep', { labels: { team: 'web' }, protected: true }),
];
const input = FleetDecommissionInputSchema.parse({ selector: { matchLabels: { team: 'web' } }, reason: 'CHG-7', approvalTimeout: '2h' });
const opts = { maxConcurrency: input.maxConcurrency, maxFailures: input.maxFailures, approvalTimeoutMs: input.approvalTimeout, reason: input.reason };
const decide = (s: ReturnType<typeof newDecommissionState>, now = NOW) => decideRollout({ stages: s.stages, runs: s.runs, operator: s.operator, now });

describe('fleet decommission progress', () => {
  it('defaults: 24h approval timeout, 5 at a time, no failure tolerated', () => {
    const d = FleetDecommissionInputSchema.parse({ selector: { matchLabels: { team: 'web' } }, reason: 'x' });
    expect([d.approvalTimeout, d.maxConcurrency, d.maxFailures]).toEqual([24 * HOUR, 5, 0]);
  });

  it('gates the one stage when a prod cluster is selected, and says why, until when, and what was refused', () => {
    const s = newDecommissionState(planFleetDecommission(input, inventory), inventory, opts, new Date(NOW).toISOString());
    s.waiting = { on: `gate:${DECOMMISSION_GATE}`, since: NOW };
    const p = decommissionProgress(s, decide(s), NOW);
    expect(p).toMatchObject({
      outcome: 'InProgress',
      waitingFor: 'approval',
      gate: 'decommission:before',
      nextGate: 'decommission:before',
      approvalReasons: ['web-p is in environment prod'],
      approvalDeadline: new Date(NOW + 2 * HOUR).toISOString(),
      summary: 'waiting for approval of decommission:before: web-p is in environment prod',
    });
    expect(p.clusters.map((c) => [c.name, c.environment, c.status])).toEqual([['web-a', 'dev', 'Pending'], ['web-p', 'prod', 'Pending']]);
    expect(p.refused.map((r) => r.name)).toEqual(['web-keep']);
    const details = decommissionDetails(p, NOW);
    expect(details).toContain('next gate: decommission:before (web-p is in environment prod)');
    expect(details).toContain('approve within 2h');
    expect(details).toContain('refused (protected): web-keep');
  });

  it('has no gate without a prod cluster, and starts up to maxConcurrency at once', () => {
    const dev = inventory.filter((c) => c.environment !== 'prod');
    const s = newDecommissionState(planFleetDecommission(input, dev), dev, { ...opts, maxConcurrency: 1 }, new Date(NOW).toISOString());
    const d = decide(s);
    expect(d.start).toEqual(['web-a']);
    expect(decommissionProgress(s, d, NOW).nextGate).toBeUndefined();
  });

  it('starts after approval, and the outcome lists done, failed and skipped clusters by name', () => {
    let s = newDecommissionState(planFleetDecommission(input, inventory), inventory, opts, new Date(NOW).toISOString());
    s = { ...s, ...applyAction(s, { action: 'approve', gate: DECOMMISSION_GATE, by: 'alice', reason: 'CAB' }, new Date(NOW).toISOString()) };
    expect(decide(s).start).toEqual(['web-a', 'web-p']);
    s.runs['web-a'] = { status: 'Succeeded', attempts: 1 };
    s.runs['web-p'] = { status: 'Failed', attempts: 1, message: 'cluster web-p is busy' };
    expect(decommissionOutcome(s)).toEqual({ decommissioned: ['web-a'], failed: [{ name: 'web-p', message: 'cluster web-p is busy' }], skipped: [] });
  });
});
