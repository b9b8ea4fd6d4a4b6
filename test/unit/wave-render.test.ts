import { describe, expect, it } from 'vitest';
import { plainLine } from '../../src/cli/upgrade.js';
import { renderWave } from '../../src/cli/wave-render.js';
import { decideRollout } from '../../src/domain/staged/engine.js';
import type { PlannedStage } from '../../src/domain/staged/plan.js';
import { newStagedState } from '../../src/domain/staged/operator.js';
import { waveProgress, type WaveState } from '../../src/domain/upgrade/wave.js';

const NOW = Date.parse('2026-05-02T10:00:00Z');
const stage = (name: string, clusters: string[], over: Partial<PlannedStage> = {}): PlannedStage => ({ name, clusters, maxConcurrency: 2, maxFailures: 0, soakMs: 3_600_000, approval: 'none', ...over });

function progress(runs: WaveState['runs']) {
  const base = newStagedState([stage('dev', ['a', 'b']), stage('prod', ['c'], { approval: 'before' })]);
  const s: WaveState = {
    ...base,
    runs: { ...base.runs, ...runs },
    upgrades: Object.fromEntries(['a', 'b', 'c'].map((n) => [n, { name: n, environment: n === 'c' ? 'prod' : 'dev', from: '1.35.4', to: '1.36' }])),
    leftOut: { upToDate: [{ name: 'new', version: '1.36.3' }], refused: [], excluded: [{ name: 'busy', reason: 'Busy', message: 'busy is busy: provision operation provision/busy has been running since t' }], unassigned: [] },
    startedAt: '2026-05-02T09:00:00Z',
    generation: 0,
  };
  return waveProgress(s, decideRollout({ stages: s.stages, runs: s.runs, operator: s.operator, now: NOW }), NOW);
}

describe('the wave on a terminal', () => {
  it('shows stages, clusters, the window a cluster waits for, the next gate and what was left out', () => {
    const p = progress({
      a: { status: 'Succeeded', attempts: 1, startedAt: NOW - 600_000, endedAt: NOW - 60_000, message: 'upgraded 1.35.4 -> 1.36.3 (Healthy)' },
      b: { status: 'WaitingWindow', attempts: 0, wakeAt: NOW + 3 * 3_600_000, message: 'waiting' },
    });
    expect(renderWave('upgrade-wave/w', p, { now: NOW, command: 'upgrade' }).join('\n').split('\n')).toEqual([
      'upgrade wave upgrade-wave/w: Running: stage dev: waiting for maintenance windows (3h from now)',
      'clusters: 1/3 done, 0 failed, 0 running, 1 waiting for a window, 1 pending, 0 skipped',
      '',
      'STAGE   STATUS    DONE   RUNNING   FAILED   WINDOW   BUDGET   SOAK ENDS',
      'dev     Running   1/2    0         0        1        0',
      'prod    Pending   0/1    0         0        0        0',
      '',
      'CLUSTER   STAGE   FROM     TO     STATUS          TRIES   MESSAGE',
      'a         dev     1.35.4   1.36   Succeeded       1       upgraded 1.35.4 -> 1.36.3 (Healthy)',
      'b         dev     1.35.4   1.36   WaitingWindow   0       window opens in 3h',
      'c         prod    1.35.4   1.36   Pending         0',
      '',
      'next gate: prod:before',
      'next look in 3h (2026-05-02T13:00:00.000Z)',
      'left out: busy: Busy: busy is busy: provision operation provision/busy has been running since t',
      'up to date: new (1.36.3)',
    ]);
    expect(plainLine(p)).toBe('Running: stage dev: waiting for maintenance windows (3h from now) [1/3 done, 0 failed, 0 running, 1 waiting, 1 pending]');
  });

  it('lists busy and failed clusters first when there are more than fit', () => {
    const p = progress({ c: { status: 'Failed', attempts: 1, message: 'boom' } });
    const lines = renderWave('w', p, { now: NOW, clusterLimit: 1, command: 'upgrade' }).join('\n').split('\n');
    expect(lines).toContain('... and 2 more (-o json lists all)');
    expect(lines.find((l) => l.startsWith('c '))).toMatch(/Failed\s+1\s+boom/);
  });
});
