import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoDir } from '../../src/host/toolchain.js';
import { exportedNames, METRICS, type MetricDef } from '../../src/domain/telemetry/metrics.js';
import { dashboardExpressions, dashboardMetricNames, SDK_METRICS } from '../helpers/dashboard.js';

const defs: MetricDef[] = Object.values(METRICS);
const fleetflowNames = new Set(defs.flatMap(exportedNames));

describe('the Grafana dashboard (deploy/grafana/fleetflow.json)', () => {
  it('queries only metrics that are exported: by Fleetflow (worker or API) or by the Temporal SDK runtime', () => {
    const unknown = dashboardMetricNames().filter((n) => !fleetflowNames.has(n) && !SDK_METRICS.includes(n));
    expect(unknown).toEqual([]);
    expect(dashboardExpressions().length).toBeGreaterThan(10);
  });

  it('shows every metric Fleetflow defines', () => {
    const used = new Set(dashboardMetricNames());
    expect(defs.filter((m) => !exportedNames(m).some((n) => used.has(n))).map((m) => m.name)).toEqual([]);
  });
});

describe('the README metric list', () => {
  it('is the metric table: every metric with its kind and labels, nothing else', () => {
    const readme = readFileSync(join(repoDir, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Metrics and traces'));
    const rows = [...section.matchAll(/^\| `((?:fleetflow)_[a-z_]+)` \| (\w+) \| ([^|]*) \|/gm)].map((m) => `${m[1]} ${m[2]} ${m[3]!.trim()}`);
    const expected = defs.map((m) => `${exportedNames(m)[0]!.replace(/_bucket$/, '')} ${m.kind} ${m.labels.map((l) => `\`${l}\``).join(', ')}`);
    expect(rows).toEqual(expected);
  });
});
