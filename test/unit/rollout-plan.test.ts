import { describe, expect, it } from 'vitest';
import { FleetSelectorSchema } from '../../src/domain/selection/fleet-selector.js';
import { formatPreview, previewRollout } from '../../src/domain/rollout/preview.js';
import {
  RolloutPlanSchema,
  environmentRank,
  percentOf,
  planStages,
  resolveCount,
  type RolloutPlanInput,
} from '../../src/domain/staged/plan.js';
import { parseWith } from '../../src/domain/validation.js';
import { cluster } from '../helpers/cluster-summaries.js';

const plan = (input: RolloutPlanInput) => RolloutPlanSchema.parse(input);
const fleet = (n: number) => Array.from({ length: n }, (_, i) => cluster(`c${String(i + 1).padStart(2, '0')}`));
const shape = (input: RolloutPlanInput, n: number) => planStages(plan(input), fleet(n)).stages.map((s) => [s.name, s.clusters.length]);

describe('percent resolution', () => {
  it.each([
    // ceil, in integers: 10% of 30 is exactly 3, not 3.0000000000000004 rounded up to 4
    [10, 30, 3],
    [10, 31, 4],
    [10, 1, 1],
    [50, 5, 3],
    [0, 10, 0],
    [100, 7, 7],
  ])('%i%% of %i is %i', (p, n, expected) => {
    expect(percentOf(p, n)).toBe(expected);
  });

  it('keeps maxConcurrency at least 1 and lets a failure budget be 0', () => {
    expect(resolveCount({ percent: 10 }, 0, 1)).toBe(1);
    expect(resolveCount({ percent: 0 }, 10)).toBe(0);
    expect(resolveCount({ count: 3 }, 1, 1)).toBe(3);
  });
});

describe('generated plans', () => {
  it.each<[string, RolloutPlanInput, number, (string | number)[][]]>([
    ['canary 1, then 10%, 50%, 100% of 20', { generate: {} }, 20, [['canary', 1], ['10%', 1], ['50%', 8], ['100%', 10]]],
    // 10% of 5 rounds up to 1, which the canary already covers: that step is left out
    ['small fleets skip steps that add nobody', { generate: {} }, 5, [['canary', 1], ['50%', 2], ['100%', 2]]],
    ['one cluster is just the canary', { generate: {} }, 1, [['canary', 1]]],
    ['no canary', { generate: { canary: 0, steps: ['25%', '100%'] } }, 8, [['25%', 2], ['100%', 6]]],
    ['an empty selection plans nothing', { generate: {} }, 0, []],
  ])('%s', (_why, input, n, expected) => {
    expect(shape(input, n)).toEqual(expected);
  });

  it('puts every cluster in exactly one stage, in order', () => {
    const { stages } = planStages(plan({ generate: { canary: 2, steps: ['30%', '60%', '100%'] } }), fleet(17).reverse());
    expect(stages.flatMap((s) => s.clusters)).toEqual(fleet(17).map((c) => c.name));
  });

  it('resolves budgets per stage and gates the canary after by default', () => {
    const { stages } = planStages(plan({ generate: { maxConcurrency: '25%', maxFailures: '10%', soak: '10m', approval: 'before', progressDeadline: '30m' } }), fleet(20));
    expect(stages.map((s) => [s.name, s.maxConcurrency, s.maxFailures, s.approval])).toEqual([
      ['canary', 1, 1, 'after'],
      ['10%', 1, 1, 'before'],
      ['50%', 2, 1, 'before'], // 25% of 8 = 2, 10% of 8 = 0.8 -> 1
      ['100%', 3, 1, 'before'],
    ]);
    expect(stages[0]).toMatchObject({ soakMs: 600_000, progressDeadlineMs: 1_800_000 });
  });
});

describe('explicit stages', () => {
  const inventory = [
    cluster('web-prod-2', { environment: 'prod', labels: { tier: 'gold' } }),
    cluster('web-prod-1', { environment: 'prod', labels: { tier: 'gold' } }),
    cluster('web-stg', { environment: 'staging' }),
    cluster('web-dev', { environment: 'dev', labels: { tier: 'gold' } }),
    cluster('odd', { environment: 'perf' }),
  ];

  it('gives a cluster matched by two stages to the first and reports clusters no stage takes', () => {
    const r = planStages(
      plan({
        stages: [
          { name: 'gold', selector: { matchLabels: { tier: 'gold' } } },
          { name: 'prod', selector: { environments: ['prod'] } }, // both prod clusters are gold: taken already
          { name: 'staging', selector: { environments: ['staging'] }, maxConcurrency: '50%' },
        ],
      }),
      inventory,
    );
    expect(r.stages.map((s) => [s.name, s.clusters, s.maxConcurrency])).toEqual([
      ['gold', ['web-dev', 'web-prod-1', 'web-prod-2'], 1],
      ['prod', [], 1],
      ['staging', ['web-stg'], 1],
    ]);
    expect(r.unassigned).toEqual(['odd']);
  });

  it('orders by environment rank when asked: dev, staging, prod, then unknown ones with prod', () => {
    const r = planStages(plan({ orderBy: 'environment', stages: [{ name: 'all' }] }), inventory);
    expect(r.stages[0]!.clusters).toEqual(['web-dev', 'web-stg', 'odd', 'web-prod-1', 'web-prod-2']);
    expect([environmentRank('dev'), environmentRank('uat'), environmentRank('production'), environmentRank('perf')]).toEqual([0, 1, 2, 2]);
  });
});

describe('RolloutPlanSchema', () => {
  it('lists every problem by path with exact messages', () => {
    const r = parseWith(
      RolloutPlanSchema,
      {
        stages: [
          { name: 'canary', maxConcurrency: 0, soak: 'a while', maxFailures: '120%', approval: 'maybe' },
          { name: 'canary', maxConcurrency: '0%', progressDeadline: '40d' },
        ],
        generate: { steps: ['50%', '10%', '90%'] },
      },
      'plan',
    );
    expect(r.ok ? [] : r.problems).toEqual([
      { path: 'plan.stages[0].maxConcurrency', message: 'must be a whole number of at least 1, or a percentage such as "25%"' },
      { path: 'plan.stages[0].soak', message: 'must be a duration such as "30s", "10m", "2h", "1d" or "1h30m"' },
      { path: 'plan.stages[0].maxFailures', message: 'must be a percentage from 0% to 100%, or a whole number' },
      { path: 'plan.stages[0].approval', message: 'must be one of: none, before, after' },
      { path: 'plan.stages[1].maxConcurrency', message: 'must be a percentage from 1% to 100%, or a whole number' },
      { path: 'plan.stages[1].progressDeadline', message: 'must be at most 30d' },
      { path: 'plan.generate.steps[1]', message: 'steps must increase' },
      { path: 'plan.generate.steps', message: 'the last step must be 100%, so that every cluster is in a stage' },
      { path: 'plan', message: 'must have either stages or generate, not both or neither' },
    ]);
  });

  it('needs exactly one of stages and generate, and unique stage names', () => {
    expect(parseWith(RolloutPlanSchema, {}, 'plan')).toEqual({ ok: false, problems: [{ path: 'plan', message: 'must have either stages or generate, not both or neither' }] });
    expect(parseWith(RolloutPlanSchema, { stages: [{ name: 'a' }, { name: 'a' }] }, 'plan')).toEqual({
      ok: false,
      problems: [{ path: 'plan.stages[1].name', message: 'stage name a is used twice' }],
    });
  });

  it('fills defaults: one at a time, no failures allowed, no soak, no approval', () => {
    expect(plan({ stages: [{ name: 'all' }] })).toEqual({
      orderBy: 'name',
      stages: [{ name: 'all', maxConcurrency: { count: 1 }, maxFailures: { count: 0 }, soak: 0, approval: 'none' }],
    });
  });
});

describe('previewRollout', () => {
  it('answers which clusters, in which stage, in which order, and which are left out, changing nothing', () => {
    const inventory = [
      cluster('b', { environment: 'prod' }),
      cluster('a', { environment: 'dev' }),
      cluster('c', { environment: 'prod', currentOperation: { id: 'upgrade/c', type: 'upgrade', startedAt: '2026-05-01T10:00:00Z' } }),
      cluster('d', { environment: 'staging' }),
    ];
    const frozen = JSON.stringify(inventory);
    const preview = previewRollout(FleetSelectorSchema.parse({}), plan({ orderBy: 'environment', generate: { steps: ['100%'], soak: '1h', approval: 'after' } }), inventory);
    expect(formatPreview(preview)).toEqual([
      'stage 1 canary (1 cluster; at most 1 at once, 0 failures allowed, soak 1h, approval after)',
      '  1. a',
      'stage 2 100% (2 clusters; at most 1 at once, 0 failures allowed, soak 1h, approval after)',
      '  1. d',
      '  2. b',
      'left out: c: Busy: c is busy: upgrade operation upgrade/c has been running since 2026-05-01T10:00:00Z',
    ]);
    expect(JSON.stringify(inventory)).toBe(frozen);
  });
});
