import { describe, expect, it } from 'vitest';
import { parsePrometheusText, value } from '../../src/telemetry/prom-text.js';

describe('parsePrometheusText', () => {
  it('reads samples, labels with escapes, special values and TYPE lines, and sums by a label subset', () => {
    const s = parsePrometheusText(
      [
        '# HELP fleetflow_operations_started_total Fleet operations started',
        '# TYPE fleetflow_operations_started_total counter',
        'fleetflow_operations_started_total{namespace="fleetflow",type="provisionCluster"} 2',
        'fleetflow_operations_started_total{namespace="other",type="provisionCluster"} 1 1700000000000',
        'h_bucket{le="+Inf",path="a\\"b\\\\c\\nd"} 3',
        'up 1',
        'weird NaN',
      ].join('\n'),
    );
    expect(s.types.get('fleetflow_operations_started_total')).toBe('counter');
    expect(value(s, 'fleetflow_operations_started_total', { type: 'provisionCluster' })).toBe(3);
    expect(value(s, 'fleetflow_operations_started_total', { namespace: 'fleetflow' })).toBe(2);
    expect(value(s, 'absent')).toBe(0);
    expect(s.samples[2]).toEqual({ name: 'h_bucket', labels: { le: '+Inf', path: 'a"b\\c\nd' }, value: 3 });
    expect(s.samples[3]).toEqual({ name: 'up', labels: {}, value: 1 });
    expect(Number.isNaN(s.samples[4]!.value)).toBe(true);
  });

  it('names the line that is not in the format', () => {
    expect(() => parsePrometheusText('ok 1\nbad{x=1} 2')).toThrow('bad labels in: bad{x=1} 2');
    expect(() => parsePrometheusText('novalue')).toThrow('no value in: novalue');
    expect(() => parsePrometheusText('n{a="1"} one')).toThrow('not a number: one');
  });
});
