import { describe, expect, it } from 'vitest';
import { formatLogLine, LineLogger } from '../../src/telemetry/log-format.js';

const at = new Date('2026-01-02T03:04:05.000Z');

describe('log lines', () => {
  it('are one JSON object with time, level, message and the fields (workflow, run, activity, cluster, operation)', () => {
    const line = formatLogLine('json', at, 'INFO', 'applied', { workflowId: 'provision/a', runId: 'r1', activityType: 'bootstrapCluster', cluster: 'a', operation: 'provisionCluster' });
    expect(JSON.parse(line)).toEqual({ time: '2026-01-02T03:04:05.000Z', level: 'info', msg: 'applied', workflowId: 'provision/a', runId: 'r1', activityType: 'bootstrapCluster', cluster: 'a', operation: 'provisionCluster' });
  });

  it('read as one line on a terminal', () => {
    expect(formatLogLine('human', at, 'WARN', 'slow', { cluster: 'a', n: 2 })).toBe('2026-01-02T03:04:05.000Z WARN  slow  cluster=a n=2');
  });

  it('never carry secrets: secret-named fields, bearer tokens and PEM blocks are redacted', () => {
    const line = formatLogLine('json', at, 'ERROR', 'call failed: Authorization: Bearer abcdefghijklmnop', {
      token: 't0psecret',
      webhook: { url: 'https://x', secret: 's3cret' },
      creds: { certPem: 'x', keyPem: 'y' },
      error: new Error('bad key -----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----'),
    });
    expect(line).not.toMatch(/t0psecret|s3cret|abcdefghijklmnop|AAAA/);
    expect(JSON.parse(line)).toMatchObject({ msg: 'call failed: Authorization: Bearer [redacted]', token: '[redacted]', webhook: { url: 'https://x', secret: '[redacted]' }, error: { message: 'bad key [redacted]' } });
  });

  it('follow FLEETFLOW_LOG_FORMAT and FLEETFLOW_LOG_LEVEL', () => {
    const lines: string[] = [];
    const logger = new LineLogger({ write: (l) => lines.push(l) }, { FLEETFLOW_LOG_FORMAT: 'json', FLEETFLOW_LOG_LEVEL: 'WARN' });
    logger.info('dropped');
    logger.warn('kept', { cluster: 'a' });
    expect(lines.map((l) => JSON.parse(l) as { msg: string })).toEqual([expect.objectContaining({ msg: 'kept', cluster: 'a', level: 'warn' })]);
  });
});
